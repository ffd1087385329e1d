"""Fault injection: what an unlucky operator or a hostile input does to syndtrack.

Each test reproduces one failure seen in a fault-injection run against real
processes (two commands on one database file, a writer holding the lock, bad
bytes in an import) and checks that nothing is lost and the error is clear.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from syndtrack.cli import cli
from syndtrack.store.db import open_db

SYNDTRACK = [sys.executable, "-m", "syndtrack"]


def synthetic_corpus(n: int, seed: int = 0) -> list[dict]:
    """``n`` articles of random sentences; every third origin has one verbatim copy elsewhere."""
    rnd = random.Random(seed)
    words = [f"w{i}x" for i in range(5000)]
    out: list[dict] = []
    i = 0
    while len(out) < n:
        sentences = [
            " ".join(rnd.choice(words) for _ in range(rnd.randint(8, 16))).capitalize() + "."
            for _ in range(rnd.randint(6, 12))
        ]
        text = " ".join(sentences)
        day, hour = 1 + i % 28, i % 24
        out.append({"url": f"https://origin{i % 20}.example/s/{i}", "title": sentences[0][:40], "text": text,
                    "published": f"2024-01-{day:02d}T{hour:02d}:00:00+00:00"})
        if i % 3 == 0:
            out.append({"url": f"https://copy{i % 50}.example/c/{i}", "title": sentences[0][:40],
                        "text": "Reposted. " + text + " Source link",
                        "published": f"2024-01-{day:02d}T{hour:02d}:30:00+00:00"})
        i += 1
    return out[:n]


def write_jsonl(path: Path, records) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for r in records:
            f.write((r if isinstance(r, str) else json.dumps(r)) + "\n")
    return path


def cluster_sets(db_path: Path) -> set[frozenset[str]]:
    conn = sqlite3.connect(db_path)
    groups: dict[int, set[str]] = {}
    for cid, url in conn.execute(
        "select m.cluster_id, a.url from cluster_members m join articles a on a.id = m.article_id"
    ):
        groups.setdefault(cid, set()).add(url)
    conn.close()
    return {frozenset(g) for g in groups.values()}


def hold_write_lock(db_path: Path, seconds: float) -> threading.Thread:
    """Hold SQLite's write lock on ``db_path`` from another connection for ``seconds``."""
    started = threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(db_path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("insert into outlets (slug, name) values ('lock-holder', 'lock holder')")
        started.set()
        time.sleep(seconds)
        conn.execute("ROLLBACK")
        conn.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert started.wait(10)
    return thread


# -- 1. concurrent writers wait instead of failing ------------------------------------------------


def test_import_waits_for_another_writer(tmp_path, db_path):
    """A deferred transaction that reads then writes failed at once with "database is locked"."""
    open_db(db_path).close()
    records = synthetic_corpus(300, seed=1)
    src = write_jsonl(tmp_path / "in.jsonl", records)
    # The import's first batch reads, then writes while the lock is held elsewhere.
    holder = hold_write_lock(db_path, 1.5)
    proc = subprocess.run(SYNDTRACK + ["--db", str(db_path), "import", "--batch-size", "50", str(src)],
                          capture_output=True, text=True, timeout=120)
    holder.join()
    assert proc.returncode == 0, proc.stderr
    assert "300 new" in proc.stdout
    assert open_db(db_path)["articles"].count == 300


@pytest.mark.slow
def test_import_and_cluster_at_once_on_20k(tmp_path):
    records = synthetic_corpus(20_000, seed=2)
    first = write_jsonl(tmp_path / "first.jsonl", records[:10_000])
    second = write_jsonl(tmp_path / "second.jsonl", records[10_000:])

    sequential = tmp_path / "sequential.db"
    for args in (["import", str(first)], ["import", str(second)], ["cluster"]):
        subprocess.run(SYNDTRACK + ["--db", str(sequential), *args], check=True, capture_output=True, timeout=300)

    concurrent = tmp_path / "concurrent.db"
    subprocess.run(SYNDTRACK + ["--db", str(concurrent), "import", str(first)], check=True, capture_output=True, timeout=300)
    # The full rebuild computes for seconds and then writes for about one; small
    # import batches make the import's writes fall all through it.
    cluster = subprocess.Popen(SYNDTRACK + ["--db", str(concurrent), "cluster", "--full"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    importer = subprocess.Popen(SYNDTRACK + ["--db", str(concurrent), "import", "--batch-size", "100", str(second)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    imp_out, imp_err = importer.communicate(timeout=300)
    cl_out, cl_err = cluster.communicate(timeout=300)
    assert importer.returncode == 0, imp_err
    assert cluster.returncode == 0, cl_err
    assert "locked" not in imp_err + cl_err
    assert "10000 new, 0 updated, 0 unchanged, 0 bad" in imp_out
    # What the import added meanwhile is queued for the next run.
    subprocess.run(SYNDTRACK + ["--db", str(concurrent), "cluster"], check=True, capture_output=True, timeout=300)

    assert open_db(concurrent)["articles"].count == 20_000
    expected = cluster_sets(sequential)
    assert len(expected) > 3000
    assert cluster_sets(concurrent) == expected


# -- 3. one bad JSONL line never aborts an import -------------------------------------------------


def _bad_bytes_file(tmp_path: Path) -> Path:
    good = [json.dumps(r).encode() for r in synthetic_corpus(4, seed=3)]
    deep = b'{"url": "https://x.example/deep", "text": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    lines = [good[0], b'{"url": "https://x.example/latin1", "text": "caf\xe9"}', good[1], deep, good[2],
             b"\xff\xfe garbage", good[3]]
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_invalid_utf8_and_deep_nesting_are_bad_lines(tmp_path, db_path):
    src = _bad_bytes_file(tmp_path)
    result = CliRunner().invoke(cli, ["--db", str(db_path), "import", str(src)])
    assert result.exit_code == 0, result.output
    assert "line 2: invalid UTF-8" in result.output
    assert "line 4: invalid JSON: nested too deeply" in result.output
    assert "line 6: invalid UTF-8" in result.output
    assert "4 new, 0 updated, 0 unchanged, 3 bad" in result.output
    assert open_db(db_path)["articles"].count == 4


def test_strict_still_refuses_a_file_with_invalid_utf8(tmp_path, db_path):
    src = _bad_bytes_file(tmp_path)
    result = CliRunner().invoke(cli, ["--db", str(db_path), "import", "--strict", str(src)])
    assert result.exit_code == 1
    assert "line 2: invalid UTF-8" in result.output
    assert open_db(db_path)["articles"].count == 0


# -- 5. a database from a newer syndtrack is refused ----------------------------------------------


@pytest.mark.parametrize("command", [["migrate"], ["clusters"], ["cluster"], ["import", "-"], ["outlets", "report"]])
def test_newer_database_is_refused_and_left_untouched(db_path, command):
    db = open_db(db_path)
    db["_sqlite_migrations"].insert({"migration_set": "syndtrack", "name": "m099_future_format",
                                     "applied_at": "2030-01-01 00:00:00"})
    db.conn.execute("pragma wal_checkpoint(truncate)")
    db.close()
    before = db_path.read_bytes()
    proc = subprocess.run(SYNDTRACK + ["--db", str(db_path), *command], input="", capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "this database was written by a newer syndtrack (m099_future_format); upgrade syndtrack" in lines[0]
    assert db_path.read_bytes() == before
    wal = db_path.with_name(db_path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


# -- 11. small ones -------------------------------------------------------------------------------


def test_file_that_is_not_a_database_is_named(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database" * 100)
    proc = subprocess.run(SYNDTRACK + ["--db", str(path), "clusters"], capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert str(path) in proc.stderr and "not a database" in proc.stderr
    assert path.read_bytes() == b"these are my notes, not a database" * 100


def test_numeric_url_is_not_a_string_and_nul_bytes_are_stripped(tmp_path, db_path):
    src = write_jsonl(tmp_path / "in.jsonl", [
        {"url": 12345, "text": "numbers are not addresses"},
        {"url": "https://x.example/nul", "title": "Ti\u0000tle", "text": "Before\u0000after the NUL byte."},
    ])
    result = CliRunner().invoke(cli, ["--db", str(db_path), "import", str(src)])
    assert "line 1: 'url' must be a string, got int" in result.output
    row = open_db(db_path)["articles"].get(1)
    assert row["text"] == "Beforeafter the NUL byte." and row["title"] == "Title"
    hits = CliRunner().invoke(cli, ["--db", str(db_path), "search", "Beforeafter"])
    assert "[Beforeafter] the NUL byte" in hits.output


# -- 9. the origin does not depend on insertion order ---------------------------------------------


def _origin_after_imports(tmp_path: Path, name: str, files: list[Path]) -> tuple[str, dict[str, str]]:
    db_path = tmp_path / f"{name}.db"
    for f in files:
        CliRunner().invoke(cli, ["--db", str(db_path), "import", str(f)], catch_exceptions=False)
    CliRunner().invoke(cli, ["--db", str(db_path), "cluster"], catch_exceptions=False)
    conn = sqlite3.connect(db_path)
    origin = conn.execute("select a.url from clusters c join articles a on a.id = c.origin_id").fetchall()
    relations = dict(conn.execute("select a.url, m.relation from cluster_members m join articles a on a.id = m.article_id"))
    conn.close()
    assert len(origin) == 1
    return origin[0][0], relations


def test_origin_of_a_tie_does_not_depend_on_import_order(tmp_path):
    text = synthetic_corpus(1, seed=9)[0]["text"]
    when = "2024-03-01T10:00:00+00:00"
    a = write_jsonl(tmp_path / "a.jsonl", [{"url": "https://zeta.example/story", "text": text, "published": when}])
    b = write_jsonl(tmp_path / "b.jsonl", [{"url": "https://alpha.example/story", "text": text + " Source link",
                                            "published": when}])
    first = _origin_after_imports(tmp_path, "ab", [a, b])
    second = _origin_after_imports(tmp_path, "ba", [b, a])
    assert first == second
    # The documented rule: neither is state media, both have a time, so the smaller URL.
    assert first[0] == "https://alpha.example/story"


# -- 10. one huge article cannot take the machine ------------------------------------------------


def test_huge_article_is_compared_by_its_first_characters_only(db_path):
    from dedupe.normalize import MAX_TEXT, clean

    lede = synthetic_corpus(1, seed=10)[0]["text"]
    huge = lede + "\n" + ("spam " * 40 + "\n") * (3 * MAX_TEXT // 200)
    cleaned = clean(huge)
    assert max(end for _, end in cleaned.spans) <= MAX_TEXT
    db = open_db(db_path)
    from syndtrack.store.articles import store_articles

    store_articles(db, [{"url": "https://huge.example/a", "text": huge, "published": "2024-01-01T00:00:00+00:00"},
                        {"url": "https://copy.example/b", "text": lede, "published": "2024-01-02T00:00:00+00:00"}])
    result = CliRunner().invoke(cli, ["--db", str(db_path), "cluster"])
    assert result.exit_code == 0, result.output
    rows = db.execute("select a.url, m.relation from cluster_members m join articles a on a.id = m.article_id "
                      "order by a.url").fetchall()
    assert rows == [("https://copy.example/b", "excerpt"), ("https://huge.example/a", "origin")]
