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
ROLES = {"state_media", "copy", "paraphrase", "rewrite", "excerpt", "own_report", "listing"}


def web_rows() -> list[dict]:
    with open(WEB, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_web_copies_labels_are_well_formed():
    rows = web_rows()
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


def test_every_multi_page_story_has_a_page_that_is_not_an_own_report():
    # A story of two pages or more is a piece and its carriers; two outlets' own reports on
    # one event are two stories by the labelling rule (benchmarks/labels/README.md).
    by_story: dict[str, list[str]] = {}
    for r in web_rows():
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
