"""What makes the cross-language stage cheap keeps its results: keys in batches, copies left unkeyed.

Real texts: the CulturaX state-media sample (Chinese texts with CulturaX's English
machine translation), as in tests/test_xlang.py.
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest

from dedupe.xlang import article_keys, keys_batch
from dedupe.xlang.backends import _cedict, _cedict_names
from dedupe.xlang.grams import find_words, vocab
from syndtrack.clustering import cluster
from syndtrack.importer import import_jsonl
from syndtrack.store.db import open_db

CULTURAX = Path(__file__).resolve().parents[2] / "shared" / "data" / "state-media-culturax-sample" / "examples.json"
pytestmark = pytest.mark.skipif(not CULTURAX.exists(), reason="needs ../shared/data/state-media-culturax-sample")


@pytest.fixture(scope="module")
def items():
    return [it for it in json.loads(CULTURAX.read_text(encoding="utf-8")) if it.get("culturax_text_en")]


def test_numpy_word_lookup_finds_every_dictionary_substring(items):
    """find_words on a batch = the 2-4 character substrings of each text that CC-CEDICT (or its
    names) holds, found by a plain loop; nothing across two texts or an unknown character."""
    texts = [it["culturax_text"][:700] for it in items[:12]] + ["中国abc人民", "", "国"]
    known = _cedict().keys() | _cedict_names().keys()
    hits = find_words(texts)
    words = vocab().words
    got = {(int(t), int(p), words[w]) for t, p, w in zip(hits.text, hits.pos, hits.word)}
    want = {(t, p, text[p : p + k]) for t, text in enumerate(texts) for k in (2, 3, 4)
            for p in range(len(text) - k + 1) if text[p : p + k] in known}
    assert got == want
    assert any(w == "中国" for _, _, w in got) and any(w == "人民" for _, _, w in got)
    assert not any(t == len(texts) - 1 for t, _, _ in got)  # "国" alone, and nothing from the next text


@pytest.mark.parametrize("lang, field", [("zh", "culturax_text"), ("en", "culturax_text_en")])
def test_keys_of_a_batch_are_each_texts_own(items, lang, field):
    texts = [it[field] for it in items]
    batch = keys_batch(texts, lang)
    assert batch == [article_keys(t, lang) for t in texts]
    assert all(5 <= len(k) <= 26 for k in batch)
    # Different texts, different keys: a batch mixes nothing up.
    assert len({tuple(sorted(k)) for k in batch}) == len(texts)


def _records(items):
    it = items[0]
    return [
        {"url": "http://www.news.cn/politics/c_1.htm", "text": it["culturax_text"], "published": "2024-03-05T02:00:00Z"},
        {"url": "https://english.news.cn/c_1.htm", "text": it["culturax_text_en"], "published": "2024-03-05T06:00:00Z"},
        {"url": "https://republisher.example/xinhua-1", "published": "2024-03-06T09:00:00Z",
         "text": "The following report was published by Xinhua News Agency.\n\n" + it["culturax_text_en"]},
        # Another language in the database from the start (an unrelated Chinese text).
        {"url": "http://www.news.cn/politics/c_2.htm", "text": items[5]["culturax_text"], "published": "2024-03-01T02:00:00Z"},
    ]


def _load(db, recs):
    import_jsonl(db, io.StringIO("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs)))


def _state(db):
    url = dict(db.execute("select id, url from articles").fetchall())
    matches = {(frozenset((url[a], url[b])), k) for a, b, k in db.execute("select a_id, b_id, kind from matches")}
    members = {(url[a], r) for a, r in db.execute("select article_id, relation from cluster_members")}
    return matches, members


def test_copy_of_a_translation_is_not_keyed_and_joins_through_it(tmp_path, items):
    """An English copy of the translation (a republisher's, later, with its own intro line) is
    not keyed; the translation is matched with the Chinese text, and the copy is then aligned
    with the Chinese text too (assembly joins an article to an origin it matches itself), so
    it joins the story as a translated member."""
    recs = _records(items)
    db = open_db(tmp_path / "x.db")
    _load(db, recs)
    cluster(db, full=True)
    ids = {r["url"]: r["id"] for r in db.query("select id, url from articles")}
    zh, en, copy = (ids[r["url"]] for r in recs[:3])
    keys = dict(db.execute("select article_id, keys from dedupe_xlang").fetchall())
    assert keys[copy] == b"" and keys[en] and keys[zh]  # keyed as none, not waiting for keys (NULL)
    assert db.execute("select count(*) from dedupe_xkeys where article_id = ?", (copy,)).fetchone()[0] == 0
    kinds = {(a, b): k for a, b, k in db.execute("select a_id, b_id, kind from matches")}
    # ... and keeps its own match with the translation it copies, in English.
    assert kinds == {(zh, en): "translated", (zh, copy): "translated", (en, copy): None}
    members = dict(db.execute("select article_id, relation from cluster_members").fetchall())
    assert members == {zh: "origin", en: "translated", copy: "translated"}


@pytest.mark.parametrize("first, second", [((0, 1, 3), (2,)), ((1, 2, 3), (0,))], ids=["copy-later", "translation-later"])
def test_unkeyed_copy_joins_in_incremental_runs_as_in_a_full_run(tmp_path, items, first, second):
    """The copy arrives after the translated pair was stored (aligned with the stored pair's
    Chinese side), or the Chinese text arrives after the copy was stored unkeyed (the stored
    copy is aligned with it): the same matches and members as one full run."""
    recs = _records(items)
    db = open_db(tmp_path / "x.db")
    _load(db, [recs[i] for i in first])
    cluster(db)
    _load(db, [recs[i] for i in second])
    cluster(db)
    incremental = _state(db)
    (copy_keys,) = db.execute("select keys from dedupe_xlang x join articles a on a.id = x.article_id where a.url = ?",
                              (recs[2]["url"],)).fetchone()
    if first == (1, 2, 3):
        assert copy_keys == b""  # stored unkeyed, and still found when the Chinese text came
    cluster(db, full=True)
    assert incremental == _state(db)
    assert (frozenset((recs[0]["url"], recs[2]["url"])), "translated") in incremental[0]


def test_segmentation_is_jiebas(items):
    """dedupe.xlang.segment cuts the Chinese texts exactly as jieba does (its dictionary, HMM
    off): every word of the 64 CulturaX texts, names, numerals and rare characters included."""
    import re

    import jieba

    from dedupe.normalize import _to_simplified
    from dedupe.xlang.segment import cut_many

    jieba.setLogLevel(60)
    tok = jieba.Tokenizer()
    runs = [r for it in items for r in re.findall(r"[\u3400-\u9fff\uf900-\ufaff]+", _to_simplified(it["culturax_text"]))]
    runs += ["中非合作论坛北京峰会", "䶮䶮中国", "丟"]  # an Extension A character jieba leaves alone
    assert cut_many(runs) == [tok.lcut(r, HMM=False) for r in runs]
    assert sum(len(w) >= 5 for ws in cut_many(runs) for w in ws) > 0  # longer words are read too


# Tables a run writes, with the columns that are times of the run left out.
_WRITTEN = {
    "matches": "a_id, b_id, score, coverage_a, coverage_b, passages, kind",
    "clusters": "id, origin_id, size, story_id",
    "cluster_members": "*",
    "stories": "id, origin_id, versions, size, outlets",
    "dedupe_xlang": "*",
    "dedupe_xkeys": "*",
    "dedupe_headlines": "*",
    "dedupe_fingerprints": "*",
    "dedupe_fingerprints_recent": "*",
}


def _tables(db) -> dict[str, list[tuple]]:
    return {t: sorted(db.execute(f"select {cols} from {t}").fetchall()) for t, cols in _WRITTEN.items()}


def _corpus(items) -> list[dict]:
    """Five Chinese texts with their English translations and a republisher's copy of each, and
    five other Chinese texts: more than one language, translations, copies to propagate to."""
    recs = []
    for i, it in enumerate(items[:5]):
        recs += [
            {"url": f"http://www.news.cn/c_{i}.htm", "text": it["culturax_text"], "published": f"2024-03-0{i + 1}T02:00:00Z"},
            {"url": f"https://english.news.cn/c_{i}.htm", "text": it["culturax_text_en"], "published": f"2024-03-0{i + 1}T06:00:00Z"},
            {"url": f"https://republisher.example/x-{i}", "published": f"2024-03-0{i + 2}T09:00:00Z",
             "text": "The following report was published by Xinhua News Agency.\n\n" + it["culturax_text_en"]},
        ]
    recs += [{"url": f"http://www.news.cn/o_{i}.htm", "text": it["culturax_text"], "published": "2024-03-01T01:00:00Z"}
             for i, it in enumerate(items[20:25])]
    return recs


def _run_both_ways(tmp_path, monkeypatch, recs, split: int, forked: bool):
    from syndtrack import xlang_stage

    monkeypatch.setenv("SYNDTRACK_CLUSTER_WORKERS", "2")
    monkeypatch.setattr(xlang_stage, "CONCURRENT_MIN", 0 if forked else 10**9)
    monkeypatch.setattr(xlang_stage, "KEY_TASK", 4)  # a forked stage sends its key rows in several batches
    batches = []
    insert = xlang_stage.XlangStage._insert_keys
    monkeypatch.setattr(xlang_stage.XlangStage, "_insert_keys", lambda self, k: (batches.append(len(k)), insert(self, k)))
    db = open_db(tmp_path / f"{'forked' if forked else 'inline'}.db")
    _load(db, recs[:split])
    first = cluster(db)
    _load(db, recs[split:])
    second = cluster(db)
    assert ("xlang_forked" in first.timings, "xlang_forked" in second.timings) == (forked, forked)
    if forked:  # written here as they came, each run's in several
        assert len(batches) >= 4 and all(batches)
    return _tables(db)


def test_forked_stage_writes_what_the_inline_stage_writes(tmp_path, monkeypatch, items):
    """A big run computes the cross-language stage in a forked process while the index is
    written (XlangStage.start). Forced here on a small corpus, over a first run and an
    incremental one, it leaves the database the stage run in this process leaves, row for row."""
    recs = _corpus(items)
    inline = _run_both_ways(tmp_path, monkeypatch, recs, 9, forked=False)
    forked = _run_both_ways(tmp_path, monkeypatch, recs, 9, forked=True)
    assert sum(k == "translated" for *_, k in inline["matches"]) >= 5  # the stage found something to compare
    assert inline == forked


def test_forked_stage_failure_fails_the_run_and_writes_nothing(tmp_path, monkeypatch, items):
    """An error in the forked stage reaches the run (the same exception), whose transaction is
    rolled back: what the previous run stored is intact."""
    from syndtrack import xlang_stage

    recs = _corpus(items)
    monkeypatch.setenv("SYNDTRACK_CLUSTER_WORKERS", "2")
    monkeypatch.setattr(xlang_stage, "CONCURRENT_MIN", 0)
    db = open_db(tmp_path / "x.db")
    _load(db, recs[:9])
    cluster(db)
    before = _tables(db)

    def broken(self):
        raise ValueError("candidates exploded")

    monkeypatch.setattr(xlang_stage.XlangStage, "_candidates", broken)
    _load(db, recs[9:])
    with pytest.raises(ValueError, match="candidates exploded"):
        cluster(db)
    assert _tables(db) == before


def test_forked_stage_is_stopped_when_the_run_fails_first(tmp_path, monkeypatch, items):
    """A run that fails before it waits for its forked stage stops that process (left running,
    it would block on a pipe nobody reads and hold up this process's exit)."""
    import multiprocessing

    from syndtrack import headline_stage, xlang_stage

    monkeypatch.setenv("SYNDTRACK_CLUSTER_WORKERS", "2")
    monkeypatch.setattr(xlang_stage, "CONCURRENT_MIN", 0)
    db = open_db(tmp_path / "x.db")
    _load(db, _corpus(items))

    def broken(self):
        raise OSError("disk gone")

    def slow(self):
        time.sleep(60)  # in the forked stage: still running when the run fails

    monkeypatch.setattr(headline_stage.HeadlineStage, "prepare", broken)
    monkeypatch.setattr(xlang_stage.XlangStage, "_candidates", slow)
    started = time.monotonic()
    with pytest.raises(OSError, match="disk gone"):
        cluster(db)
    assert time.monotonic() - started < 30
    assert not [p for p in multiprocessing.active_children() if p.name == "syndtrack-xlang"]
    assert db.execute("select count(*) from matches").fetchone()[0] == 0


def test_stage_stays_in_process_without_wal(tmp_path, monkeypatch, items):
    """A database in rollback-journal mode (cluster() takes any sqlite-utils Database) keeps the
    stage in this process: the child's reads and the write would lock each other out."""
    from sqlite_utils import Database

    from syndtrack import xlang_stage

    monkeypatch.setenv("SYNDTRACK_CLUSTER_WORKERS", "2")
    monkeypatch.setattr(xlang_stage, "CONCURRENT_MIN", 0)
    open_db(tmp_path / "x.db").conn.close()
    db = Database(tmp_path / "x.db")
    db.disable_wal()
    _load(db, _corpus(items))
    result = cluster(db)
    assert "xlang_forked" not in result.timings
    assert db.execute("select count(*) from matches where kind = 'translated'").fetchone()[0] >= 5
