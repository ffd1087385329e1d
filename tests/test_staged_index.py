"""A big full run's index rows, written ahead by a forked process (staged_index): the same
index as writing them in the write stage, and nothing left behind when it fails."""

from __future__ import annotations

import pytest

import syndtrack.clustering.staged_index as staged_index
from syndtrack.clustering import cluster
from syndtrack.store.articles import store_articles
from syndtrack.store.db import open_db
from test_stories import paragraphs


def _corpus(stories: int = 12, seed: int = 100) -> list[dict]:
    """A wire story and a paper's copy of it (with a credit line), ``stories`` times."""
    arts = []
    for i in range(stories):
        text = "\n\n".join(paragraphs(6, seed=seed + i))
        arts.append({"url": f"https://wire.example/{i}", "outlet": "wire.example", "title": f"Story {i}",
                     "text": text, "published": f"2024-05-01T{8 + i % 10:02d}:00:00+00:00"})
        arts.append({"url": f"https://paper.example/{i}", "outlet": "paper.example", "title": f"Story {i}",
                     "text": text + "\n\nSource: Wire", "published": f"2024-05-02T{8 + i % 10:02d}:00:00+00:00"})
    return arts


def _index(path) -> tuple[list, ...]:
    db = open_db(path)
    try:
        return (db.execute("select hash, article_id from dedupe_fingerprints order by hash, article_id").fetchall(),
                db.execute("select article_id, relation from cluster_members order by article_id").fetchall(),
                db.execute("select a_id, b_id, coverage_a from matches order by a_id, b_id").fetchall(),
                db.execute("select * from dedupe_articles order by article_id").fetchall(),
                db.execute("select * from dedupe_outlet_lines order by outlet, key").fetchall())
    finally:
        db.close()


def _run(path, monkeypatch, minimum: int) -> None:
    monkeypatch.setattr(staged_index, "STAGED_INDEX_MIN", minimum)
    db = open_db(path)
    store_articles(db, _corpus())
    cluster(db, full=True)
    db.close()


def _scratch_files(path) -> list:
    return sorted(p.name for p in path.parent.iterdir() if ".index-" in p.name)


def test_staged_index_make_the_same_index(tmp_path, monkeypatch):
    copied = []
    copy_into = staged_index.StagedIndex.copy_into
    monkeypatch.setattr(staged_index.StagedIndex, "copy_into",
                        lambda self, conn, table: copied.append(table) or copy_into(self, conn, table))
    _run(tmp_path / "direct.db", monkeypatch, 10**9)
    assert copied == []
    _run(tmp_path / "staged.db", monkeypatch, 1)
    assert sorted(copied) == ["dedupe_articles", "dedupe_fingerprints", "dedupe_outlet_lines"]  # from the scratch file
    direct, staged = _index(tmp_path / "direct.db"), _index(tmp_path / "staged.db")
    assert len(direct[0]) > 100 and len(direct[1]) == 24
    assert staged == direct
    assert _scratch_files(tmp_path / "staged.db") == []


def test_a_failed_staging_process_falls_back_to_writing_the_rows(tmp_path, monkeypatch, caplog):
    def broken(dirty, line_delta, path):
        import os
        os._exit(3)

    monkeypatch.setattr(staged_index, "_write_scratch", broken)
    _run(tmp_path / "fallback.db", monkeypatch, 1)
    _run(tmp_path / "direct.db", monkeypatch, 10**9)
    assert _index(tmp_path / "fallback.db") == _index(tmp_path / "direct.db")
    assert "exit code 3" in caplog.text
    assert _scratch_files(tmp_path / "fallback.db") == []


def test_a_run_that_fails_after_staging_leaves_no_scratch_file(tmp_path, monkeypatch):
    from syndtrack.clustering import stage_verify

    def fail(run, pairs):
        raise RuntimeError("verification failed")

    monkeypatch.setattr(stage_verify, "verify", fail)
    with pytest.raises(RuntimeError):
        _run(tmp_path / "failed.db", monkeypatch, 1)
    assert _scratch_files(tmp_path / "failed.db") == []
    db = open_db(tmp_path / "failed.db")
    assert db.execute("select count(*) from dedupe_fingerprints").fetchone()[0] == 0  # nothing written
    db.close()
