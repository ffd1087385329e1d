"""The hand-labelled real sets under benchmarks/labels are well formed, and the scripts that
read them fail clearly when the third-party texts (kept outside the repository) are missing."""

from __future__ import annotations

import csv
import re
import sys
from datetime import date
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
WEB = BENCH / "labels" / "web_copies.csv"
ROLES = {"state_media", "copy", "paraphrase", "rewrite", "excerpt", "own_report", "listing", "commentary"}


# The development set and the held-out sets: one format, one set of roles and rules. Every
# set in the folder is checked, and the cache tools must know each (benchmarks/eval_cache.py).
WEB_SETS = sorted(p.name for p in (BENCH / "labels").glob("web_copies*.csv"))


def web_rows(name: str = WEB.name) -> list[dict]:
    with open(BENCH / "labels" / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("name", WEB_SETS)
def test_web_copies_labels_are_well_formed(name):
    rows = web_rows(name)
    assert rows and set(rows[0]) == {"url", "cache", "story", "role", "published", "note"}
    assert len({r["url"] for r in rows}) == len(rows)  # a page once
    assert len({r["cache"] for r in rows}) == len(rows)  # a text file per page
    for r in rows:
        assert r["url"].startswith(("http://", "https://")), r["url"]
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r["story"]), r["story"]
        assert r["role"] in ROLES, r
        assert r["cache"].endswith(".txt") and "/" not in r["cache"], r["cache"]
        if r["published"]:
            date.fromisoformat(r["published"])
        assert r["note"].strip(), f"{r['url']}: every label says what was read"


@pytest.mark.parametrize("name", WEB_SETS)
def test_every_multi_page_story_has_a_page_that_is_not_an_own_report(name):
    # A story of two pages or more is a piece and its carriers; two outlets' own reports on
    # one event are two stories by the labelling rule (benchmarks/labels/README.md).
    by_story: dict[str, list[str]] = {}
    for r in web_rows(name):
        by_story.setdefault(r["story"], []).append(r["role"])
    for story, roles in by_story.items():
        if len(roles) > 1:
            assert set(roles) - {"own_report"}, story


def test_web_copies_eval_names_the_missing_texts(tmp_path, capsys):
    sys.path.insert(0, str(BENCH))
    web_copies_eval = pytest.importorskip("web_copies_eval")
    with pytest.raises(SystemExit) as err:
        web_copies_eval.main(["--cache", str(tmp_path)])
    message = str(err.value)
    first = web_rows()[0]["cache"]
    assert f"of {len(web_rows())} page texts missing from {tmp_path}" in message
    assert first in message and "outside the repository" in message


def test_web_copies_eval_present_only_scores_the_pages_present(tmp_path, capsys):
    sys.path.insert(0, str(BENCH))
    web_copies_eval = pytest.importorskip("web_copies_eval")
    from syndtrack.store.urls import canonical_url

    rows = web_rows()
    stories = sorted(s for s in {r["story"] for r in rows} if sum(r["story"] == s for r in rows) >= 2)
    # A story with a URL the importer stores otherwise (tracking parameters dropped) when there is
    # one: the page must still be found by its row.
    odd = [s for s in stories if any(r["story"] == s and canonical_url(r["url"]) != r["url"] for r in rows)]
    pair = [r for r in rows if r["story"] == (odd or stories)[0]][:2]
    # Our own text, not the pages' (theirs stay outside the repository): one story twice.
    body = " ".join(f"Sentence {i} of a test dispatch says the harbour handled {i * 7} ships in March." for i in range(30))
    for r in pair:
        (tmp_path / r["cache"]).write_text(body, encoding="utf-8")
    assert web_copies_eval.main(["--cache", str(tmp_path), "--present-only"]) == 0
    out, err = capsys.readouterr()
    assert f"scoring 2 of {len(rows)} pages: {len(rows) - 2} page texts missing" in err
    assert out.startswith("pages: 2 ") and "correct 1)" in out


def test_read_xlang_joins_are_labelled_and_not_in_the_label_files():
    def pairs(path):
        with open(path, newline="", encoding="utf-8") as f:
            return list(csv.DictReader(f))

    labelled = {frozenset((r["zh_url"], r["en_url"])) for name in ("xlang_pairs.csv", "xlang_pairs_heldout.csv")
                for r in pairs(BENCH / "labels" / name)}
    read = pairs(BENCH / "labels" / "xlang_joins_read.csv")
    assert read
    for r in read:
        assert r["label"] in {"translation", "reproduces", "quoted", "same_event"}, r
        assert r["zh_cache"].endswith(".txt") and r["en_cache"].endswith(".txt") and r["note"].strip()
        # A pair labelled before the run counts in recall; a read join only in the bad-join share.
        assert frozenset((r["zh_url"], r["en_url"])) not in labelled, r


def test_the_cache_tools_know_every_web_copies_set():
    sys.path.insert(0, str(BENCH))
    eval_cache = pytest.importorskip("eval_cache")
    assert sorted(eval_cache.CACHES["web-copies"]) == WEB_SETS and len(WEB_SETS) == 10


def test_the_held_out_sets_share_no_page_story_or_text_with_the_development_set():
    seen: dict[str, set] = {"url": set(), "story": set(), "cache": set()}
    for name in WEB_SETS:
        rows = web_rows(name)
        for key, values in seen.items():
            mine = {r[key] for r in rows}
            assert not mine & values, (name, key, sorted(mine & values)[:3])
            values |= mine
