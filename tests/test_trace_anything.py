"""`syndtrack trace` on anything, offline by default (issue 14 item 1), on real Helsinki news texts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from syndtrack.store.articles import store_articles
from syndtrack.cli import cli
from syndtrack.clustering import cluster
from syndtrack.store.db import open_db

FIXTURES = Path(__file__).parent / "dedupe_fixtures"
# Reworded words of the passage below (a CNN story of 15 July 2018).
REWORDINGS = [("leaned forward", "bent forward"), ("frequently", "often"), ("concluded", "finished"), ("shouted", "yelled")]


def _rows():
    rows = [json.loads(line) for line in (FIXTURES / "helsinki_sample.jsonl").read_text(encoding="utf-8").splitlines()]
    return [{"url": f"https://{r['publisher']}/story/{r['id']}", "outlet": r["publisher"].split("/")[0],
             "text": r["text"].replace(" ### ", "\n\n")} for r in rows]


@pytest.fixture(scope="module")
def helsinki(tmp_path_factory):
    path = tmp_path_factory.mktemp("trace") / "h.db"
    db = open_db(path)
    store_articles(db, _rows())
    cluster(db)
    ids = {r["url"]: r["id"] for r in db.query("select id, url from articles")}
    db.close()
    return path, ids


def run(path, *args, input=None, ok=True):
    result = CliRunner().invoke(cli, ["--db", str(path), *args], input=input)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def _passage(ids, path):
    """243 characters out of a long stored article (5,205 characters), from mid-sentence to
    mid-sentence, with four words or phrases reworded."""
    url = "https://syracuse.com/story/7947"
    text = next(r["text"] for r in _rows() if r["url"] == url)
    start = text.index("fluency in English") + 3
    passage = text[start : start + 243]
    assert len(passage) == 243 and not passage[0].isupper() and passage[-1] != "."
    reworded = passage
    for old, new in REWORDINGS:
        assert old in reworded, old
        reworded = reworded.replace(old, new, 1)
    return ids[url], passage, reworded


def test_a_reworded_243_character_passage_of_a_stored_article_is_found(helsinki):
    path, ids = helsinki
    target, passage, reworded = _passage(ids, path)
    assert reworded != passage
    data = json.loads(run(path, "trace", reworded, "--format", "json").output)
    assert data["source"]["kind"] == "text"
    found = {m["id"]: m for m in data["matches"]}
    assert target in found, data["matches"]
    m = found[target]
    assert m["method"] == "passage" and m["score"] >= 80 and m["coverage"] >= 0.8
    text = next(r["text"] for r in _rows() if r["url"] == "https://syracuse.com/story/7947")
    start, end = m["passages"][0][2:]
    assert passage[20:60] in text[start:end]  # the offsets point at the passage in the stored text
    # Every other story that carried this AP text is found too, and nothing else: each
    # match holds the passage (checked on the text the match points at).
    for other in data["matches"]:
        stored = next(r["text"] for r in _rows() if r["url"] == other["url"])
        assert "hands tented in front of him" in stored, other["url"]


def test_unrelated_passage_of_the_same_length_finds_nothing(helsinki):
    path, _ = helsinki
    text = ("The city council approved a new budget for road repairs on Tuesday, after a long debate about "
            "potholes, bicycle lanes and the price of asphalt, which has risen sharply this year. Residents "
            "asked for more crossings near schools, and the mayor promised a report")
    out = run(path, "trace", text).output
    assert "no article in the database shares this text" in out


def test_stored_url_is_traced_from_its_stored_text_without_the_network(helsinki):
    """The hosts of these URLs do not answer here (no network): the stored text is used."""
    path, ids = helsinki
    url = "https://startribune.com/story/1197"  # an AP story that several outlets carried
    out = run(path, "trace", url).output
    assert "cannot fetch" not in out
    first = out.splitlines()[0]
    assert first.startswith(f"traced: stored article #{ids[url]} ({url}), its stored text as fetched ")
    assert first.endswith("; nothing fetched now")
    data = json.loads(run(path, "trace", url, "--format", "json").output)
    assert data["source"]["in_database"] == ids[url]
    matched = {m["id"] for m in data["matches"]}
    assert ids[url] not in matched  # not its own match
    assert ids["https://washingtontimes.com/story/2549"] in matched
    by_id = json.loads(run(path, "trace", str(ids[url]), "--format", "json").output)
    assert {m["id"] for m in by_id["matches"]} == matched
    assert json.loads(run(path, "trace", f"#{ids[url]}", "--format", "json").output)["matches"] == by_id["matches"]


def test_every_kind_of_source_says_what_was_traced_and_where_matches_came_from(helsinki, tmp_path):
    path, ids = helsinki
    text = next(r["text"] for r in _rows() if r["url"] == "https://startribune.com/story/1197")
    part = "\n\n".join(text.split("\n\n")[3:9])
    f = tmp_path / "excerpt.txt"
    f.write_text(part, encoding="utf-8")
    outs = {
        "the text given as an argument": run(path, "trace", part).output,
        f"the file {f}": run(path, "trace", str(f)).output,
        "the text on stdin": run(path, "trace", "-", input=part).output,
    }
    for said, out in outs.items():
        lines = out.splitlines()
        assert lines[0].startswith(f"traced: {said}, "), out
        assert lines[1].startswith(f"matched against: {path} ("), out
        assert [str(ids["https://startribune.com/story/1197"]), "startribune.com"] in [line.split()[:2] for line in lines]


def test_unknowns_are_one_line_errors(helsinki):
    path, _ = helsinki
    for args, says in [
        (["999999"], "no article #999999 in the database"),
        (["https://nowhere.example/a"], "https://nowhere.example/a: not in the database; add --fetch"),
        (["missing-file.txt"], "missing-file.txt: no such file"),
    ]:
        result = run(path, "trace", *args, ok=False)
        assert result.exit_code == 1 and says in result.output, result.output
        assert result.output.strip().count("\n") == 0
