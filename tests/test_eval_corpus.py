"""The labelled republication corpus (benchmarks/corpus.py) says what it made,
and the scorer of benchmarks/dedupe_quality.py scores what it is given."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import corpus as corpus_mod  # noqa: E402
import dedupe_quality  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not (corpus_mod.DATA_DIR / "autoblog-whenitson-2016").exists(),
                                reason="needs ../shared/data")]


@pytest.fixture(scope="module")
def corpus():
    return corpus_mod.generate(400, seed=3)


def _stories(c):
    stories = defaultdict(list)
    for a in c.articles:
        stories[a["label"]["story"]].append(a)
    return stories


def _when(a):
    p = a["published"]
    if p is None or len(p) == 10:
        return None
    return datetime.fromisoformat(p)


def test_same_seed_same_corpus(corpus):
    again = corpus_mod.generate(400, seed=3)
    assert [(a["url"], a["text"], a["label"]) for a in again.articles] == [
        (a["url"], a["text"], a["label"]) for a in corpus.articles
    ]
    other = corpus_mod.generate(400, seed=4)
    assert [a["text"] for a in other.articles] != [a["text"] for a in corpus.articles]


def test_shingles_do_not_depend_on_the_process():
    # A salted hash() would make the pool (and so the corpus) differ between runs.
    code = "import corpus; print(sorted(corpus.shingles('one two three four five six seven')))"
    outs = {subprocess.run([sys.executable, "-c", code], cwd=BENCH, env={"PYTHONHASHSEED": str(seed)},
                           capture_output=True, text=True, check=True).stdout for seed in (1, 2)}
    assert len(outs) == 1


def test_size_and_every_combination(corpus):
    assert len(corpus.articles) == 400
    assert len({a["url"] for a in corpus.articles}) == 400
    made = {tuple(a["label"]["transforms"]) for a in corpus.articles if a["label"]["kind"] == "copy"}
    made = {() if t == ("verbatim",) else t for t in made}
    assert set(corpus_mod.COMBOS) <= made
    kinds = {a["label"]["kind"] for a in corpus.articles}
    assert {"origin", "copy", "quote-distractor", "boilerplate-single", "topic-single"} <= kinds


def test_copies_carry_their_origin(corpus):
    outlets = {o["slug"]: o for o in corpus.outlets}
    for story, arts in _stories(corpus).items():
        if story is None:  # roundups
            continue
        origins = [a for a in arts if a["label"]["role"] == "origin"]
        if len(arts) == 1:
            assert arts[0]["label"]["role"] == "single"
            continue
        assert len(origins) == 1, story
        origin = origins[0]
        for a in arts:
            if a is origin:
                continue
            lab = a["label"]
            t = lab["transforms"]
            assert lab["role"] == corpus_mod.expected_relation(t)
            if "excerpt" not in t and "light_edit" not in t:
                assert origin["text"] in a["text"]  # the whole origin, unchanged
            if "excerpt" in t and "light_edit" not in t:
                paras = a["text"].split("\n\n")
                assert any(len(p) > 40 and p in origin["text"] for p in paras)
                assert corpus_mod.size_of(a["text"]) < corpus_mod.size_of(origin["text"]) + 400
            if "autoblog" in t:
                assert "[ad_1]" in a["text"] and a["text"].rstrip().endswith("Source link")
                assert a["source_url"] == origin["url"]
            if "credit" in t:
                o = outlets[origin["outlet"]]
                assert a["credit"] in a["text"]
                assert o["name"] in a["credit"] or (o["owner"] and o["owner"] in a["credit"])
            if lab["credit_by"] == "incidental_in_text":
                assert lab["credited"] is None  # "told Reuters": not scored either way
            else:
                assert lab["credited"] == int(lab["credit_by"] is not None and not lab["same_outlet"])
            if "credit" in t or "autoblog" in t:
                assert lab["credit_by"] in ("credit_line", "source_link") or lab["same_outlet"]
            elif lab["credit_by"]:
                o = outlets[origin["outlet"]]
                names = [o["name"], o["owner"], *corpus_mod.ALIASES.get(o["owner"] or "", []),
                         *(h.removeprefix("www.") for h in json.loads(o["domains"]))]
                assert any(n and n.lower() in a["text"].lower() and n.lower() in origin["text"].lower() for n in names)
            assert (a["outlet"] == origin["outlet"]) == bool(lab["same_outlet"])
            if lab["same_outlet"]:
                assert a["published"]  # an undated re-run would leave the origin undecidable
            ow, cw = _when(origin), _when(a)
            if ow and cw:
                assert cw >= ow
            if origin["published"] is None:
                assert outlets[origin["outlet"]]["state_media"] == 1


def test_roundups_hold_the_top_of_several_stories(corpus):
    stories = _stories(corpus)
    roundups = stories[None]
    assert roundups and all(a["label"]["kind"] == "roundup" for a in roundups)
    for r in roundups:
        held = r["label"]["contains"]
        assert len(set(held)) >= 2
        for story in held:
            origin = next(a for a in stories[story] if a["label"]["role"] == "origin")
            assert origin["title"] in r["text"]
            first = origin["text"].split("\n\n")[0]
            assert first[:200] in r["text"]  # its top is in the roundup


def test_distractors_are_different_stories(corpus):
    quotes = defaultdict(list)
    for a in corpus.articles:
        topic = a["label"].get("topic") or ""
        if topic.startswith("quotes:"):
            quotes[topic].append(a)
    groups = [g for g in quotes.values() if len(g) >= 2]
    assert groups
    for g in groups:
        assert len({a["label"]["story"] for a in g}) == len(g)
        quotes = [{q.rstrip(",.") for q in re.findall(r"“([^”]{30,})", a["text"])} for a in g[:2]]
        assert quotes[0] & quotes[1]  # the same quotations, in different articles ...
        paras = [set(a["text"].split("\n\n")) for a in g[:2]]
        assert not {p for p in paras[0] & paras[1] if "“" not in p}  # ... and nothing else
    bp = [a for a in corpus.articles if a["label"]["kind"] == "boilerplate-single"]
    by_outlet = defaultdict(list)
    for a in bp:
        by_outlet[a["outlet"]].append(a)
    pair = next(v for v in by_outlet.values() if len(v) >= 2)
    assert pair[0]["label"]["story"] != pair[1]["label"]["story"]
    assert set(pair[0]["text"].split("\n\n")) & set(pair[1]["text"].split("\n\n"))  # only the chrome


def test_scorer_perfect_split_and_merge(corpus):
    labels = {i: a["label"] for i, a in enumerate(corpus.articles)}
    roundup = next(i for i, a in enumerate(corpus.articles) if a["label"]["kind"] == "roundup")
    story_ids = {}
    pred, origins = {}, {}
    stories = _stories(corpus)
    index = {id(a): i for i, a in enumerate(corpus.articles)}
    for s, arts in stories.items():
        if s is None or len(arts) < 2:
            continue
        c = story_ids.setdefault(s, len(story_ids) + 1)
        for a in arts:
            i = index[id(a)]
            lab = a["label"]
            pred[i] = dedupe_quality.Member(c, lab["role"], lab["credited"], lab["same_outlet"])
            if lab["role"] == "origin":
                origins[c] = i
    perfect = dedupe_quality.score(labels, pred, origins)
    assert perfect["f1"] == 1.0 and perfect["origin_accuracy"] == 1.0
    assert perfect["relation_accuracy"] == 1.0 and perfect["credited_accuracy"] == 1.0
    assert not perfect["false_merges"] and not perfect["missed"]

    # A roundup joined to one of its stories costs nothing; merging two stories through it does.
    first = story_ids[corpus.articles[roundup]["label"]["contains"][0]]
    second = story_ids[corpus.articles[roundup]["label"]["contains"][1]]
    with_roundup = {**pred, roundup: dedupe_quality.Member(first, "excerpt", 0, 0)}
    ok = dedupe_quality.score(labels, with_roundup, origins)
    assert ok["f1"] == 1.0 and ok["roundups"]["with one of its stories"] == 1
    chained = {i: (dedupe_quality.Member(first, m.relation, m.credited, m.same_outlet) if m.cluster == second else m)
               for i, m in with_roundup.items()}
    bad = dedupe_quality.score(labels, chained, origins)
    assert bad["precision"] < 1.0 and bad["roundups"]["with 2+ stories"] == 1 and len(bad["false_merges"]) == 1

    # Merge two stories: precision drops and the merge is listed.
    a, b = list(story_ids)[:2]
    merged = {i: (dedupe_quality.Member(story_ids[a], m.relation, m.credited, m.same_outlet)
                  if m.cluster == story_ids[b] else m) for i, m in pred.items()}
    bad = dedupe_quality.score(labels, merged, origins)
    assert bad["precision"] < 1.0 and bad["recall"] == 1.0
    assert len(bad["false_merges"]) == 1
    assert bad["origin_accuracy"] < 1.0  # story b's origin is no longer its cluster's origin

    # Drop every copy: recall is zero, nothing is merged.
    only_origins = {i: m for i, m in pred.items() if m.relation == "origin"}
    none = dedupe_quality.score(labels, only_origins, origins)
    assert none["recall"] == 0.0 and none["precision"] == 1.0
