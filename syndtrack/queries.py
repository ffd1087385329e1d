"""The analysts' questions, as SQL views and as a Python API that mirrors the CLI.

Who carried which state-media story, when, how much of it, and whether they
credited it: the same answers whether you ask through ``syndtrack clusters``,
``sqlite-utils query``, Datasette or pandas, because the CLI reads the views
defined here (``republications``, ``cluster_summary``, ``outlet_report``).

The views themselves are in :mod:`syndtrack.store.views`, kept current by every
:func:`syndtrack.store.db.open_db`.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from typing import Any, Iterable

from sqlite_utils import Database

from syndtrack.snippet import make_snippet
from syndtrack.store.dates import BadDate, next_day, normalize_date
from syndtrack.store.views import OUTLET_REPORT_BODY


class QueryError(ValueError):
    """A question the database cannot answer as asked (bad filter, unknown id)."""


@dataclass
class Filters:
    """The filters every listing accepts; dates are ISO 8601, ``until`` inclusive."""

    outlet: str | None = None
    since: str | None = None
    until: str | None = None
    state_media: bool | None = None

    def where(self, *, date_col: str, outlet_cols: Iterable[str] = (), outlet_sql: str | None = None,
              state_col: str = "state_media"):
        """SQL conditions and parameters for these filters against one view.

        The outlet matches any of ``outlet_cols``, or ``outlet_sql`` (which uses ``:outlet``) when given.
        """
        clauses: list[str] = []
        params: dict[str, Any] = {}
        if self.outlet:
            clauses.append(outlet_sql or "(" + " OR ".join(f"{c} = :outlet" for c in outlet_cols) + ")")
            params["outlet"] = self.outlet
        if self.since:
            clauses.append(f"{date_col} >= :since")
            params["since"] = _check_date(self.since, "since")
        if self.until:
            until = _check_date(self.until, "until")
            if len(until) == 10:
                # A bare date means "up to the end of that day".
                clauses.append(f"{date_col} < :until")
                params["until"] = next_day(until)
            else:
                clauses.append(f"{date_col} <= :until")
                params["until"] = until
        if self.state_media is not None:
            clauses.append(f"COALESCE({state_col}, 0) = :state_media")
            params["state_media"] = 1 if self.state_media else 0
        return clauses, params


def check_outlet(db: Database, outlet: str) -> None:
    """Raise :class:`QueryError` naming ``outlet`` when neither the articles nor the registry know it.

    A mistyped --outlet otherwise filters everything out, and "(no rows)" reads as
    "this outlet never republished anything".
    """
    known = db.execute(
        "SELECT 1 FROM articles WHERE outlet = :o UNION ALL SELECT 1 FROM outlets WHERE slug = :o "
        "UNION ALL SELECT 1 FROM outlet_lookup WHERE slug = :o LIMIT 1", {"o": outlet}).fetchone()
    if known:
        return
    import difflib

    names = [r[0] for r in db.execute("SELECT DISTINCT outlet FROM articles WHERE outlet IS NOT NULL")]
    close = difflib.get_close_matches(outlet, names, n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(close)}?" if close else "; outlets are named by registry slug or host (see `syndtrack outlets`)"
    raise QueryError(f"unknown outlet: {outlet} (no article in the database is from it){hint}")


def _check_date(value: str, name: str) -> str:
    try:
        return normalize_date(value, name)
    except BadDate as exc:
        raise QueryError(f"--{name}: {exc}") from None


def _select(db: Database, sql: str, clauses: list[str], params: dict, order: str, limit: int | None) -> list[dict]:
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    sql += f" ORDER BY {order}"
    if limit:
        sql += " LIMIT :limit"
        params = {**params, "limit": int(limit)}
    return list(db.query(sql, params))


CLUSTER_SORTS = {
    # clusters.size (members, origin included) is indexed: the largest come first without a full sort.
    "size": "size DESC, id",
    "recent": "COALESCE(last_copy_published, origin_published) DESC, copies DESC, id",
    # Most recently found gone first; clusters whose origin still answers come last.
    "gone": "origin_gone IS NULL, origin_gone DESC, size DESC, id",
}


def clusters(db: Database, *, sort: str = "size", limit: int | None = 20, filters: Filters | None = None,
             gone: bool | None = None) -> list[dict]:
    """The largest (``sort="size"``), most recently active or most recently deleted clusters.

    ``filters.outlet`` keeps clusters the outlet originated or carried; the
    dates apply to the origin's publication date; ``state_media`` to the
    origin's outlet. ``gone=True`` keeps clusters whose origin is gone (its
    URL answered 404/410 on a re-check), ``gone=False`` those whose origin is not.
    """
    if sort not in CLUSTER_SORTS:
        raise QueryError(f"unknown sort {sort!r}: use one of {', '.join(CLUSTER_SORTS)}")
    filters = filters or Filters()
    clauses, params = filters.where(
        date_col="origin_published",
        outlet_sql="(origin_outlet = :outlet OR id IN (SELECT cluster_id FROM republications WHERE copy_outlet = :outlet))",
    )
    if gone is not None:
        clauses.append("origin_gone IS NOT NULL" if gone else "origin_gone IS NULL")
    return _select(db, "SELECT * FROM cluster_summary", clauses, params, CLUSTER_SORTS[sort], limit)


STORY_SORTS = {
    "outlets": "outlets DESC, articles DESC, id",
    "recent": "COALESCE(last_published, origin_published) DESC, outlets DESC, id",
}


def stories(db: Database, *, sort: str = "outlets", limit: int | None = 20, filters: Filters | None = None) -> list[dict]:
    """Stories: the versions of one piece with every outlet that ran any of them.

    ``filters.outlet`` keeps stories the outlet started or carried; the dates
    apply to the first version's publication date; ``state_media`` to its outlet.
    """
    if sort not in STORY_SORTS:
        raise QueryError(f"unknown sort {sort!r}: use one of {', '.join(STORY_SORTS)}")
    filters = filters or Filters()
    clauses, params = filters.where(
        date_col="origin_published",
        outlet_sql="(origin_outlet = :outlet OR id IN (SELECT story_id FROM republications WHERE copy_outlet = :outlet))",
    )
    return _select(db, "SELECT * FROM story_summary", clauses, params, STORY_SORTS[sort], limit)


def show_story(db: Database, story_id: int) -> dict:
    """One story: its summary and its versions (clusters), first version first."""
    summary = next(iter(db.query("SELECT * FROM story_summary WHERE id = ?", [story_id])), None)
    if summary is None:
        raise QueryError(f"no story with id {story_id}")
    versions = list(db.query("SELECT * FROM cluster_summary WHERE story_id = ? "
                             "ORDER BY origin_published IS NULL, origin_published, id", [story_id]))
    return {"story": summary, "versions": versions}


def outlet_report(db: Database, *, limit: int | None = None, filters: Filters | None = None, sort: str = "republications") -> list[dict]:
    """Which outlets republish which sources: how often, how fast, how often uncredited,
    and how many of the stories carried the source has deleted since (``origins_gone``;
    ``sort="gone"``: most first).

    Without date filters this reads the ``outlet_report`` view; with them the
    same query runs over the republications published in the window.
    """
    filters = filters or Filters()
    order = {
        "republications": "republications DESC, outlet, source",
        "uncredited": "uncredited_share DESC, republications DESC, outlet",
        "lag": "median_lag_seconds IS NULL, median_lag_seconds, outlet",
        "gone": "origins_gone DESC, republications DESC, outlet, source",
    }.get(sort)
    if order is None:
        raise QueryError(f"unknown sort {sort!r}: use republications, uncredited, lag or gone")
    clauses, params = Filters(outlet=filters.outlet, state_media=filters.state_media).where(
        date_col="", outlet_cols=["outlet", "source"]
    )
    source = "outlet_report"
    if filters.since or filters.until:
        window, wparams = Filters(since=filters.since, until=filters.until).where(date_col="copy_published")
        source = "(" + OUTLET_REPORT_BODY.format(where="".join(" AND " + c for c in window)) + ")"
        params.update(wparams)
    return _select(db, f"SELECT * FROM {source}", clauses, params, order, limit)


def republications(db: Database, *, limit: int | None = None, filters: Filters | None = None) -> list[dict]:
    """Every copy with its origin, newest first."""
    filters = filters or Filters()
    clauses, params = filters.where(date_col="copy_published", outlet_cols=["copy_outlet", "origin_outlet"])
    return _select(db, "SELECT * FROM republications", clauses, params, "copy_published DESC, copy_id", limit)


# -- one cluster, with what was copied -------------------------------------------------


def show_cluster(db: Database, cluster_id: int, *, context: int | None = None) -> dict:
    """The origin and every copy of one cluster, with the aligned passages.

    For each copy, ``passages`` come from the stored match between it and the
    origin (``matches.passages``): ``copied`` are the copy's spans that align
    with the origin, ``added`` the copy's text outside them, ``cut`` the
    origin's text the copy left out. ``context`` (characters) truncates long
    spans in the middle, for display. ``origin["gone"]`` and each copy's
    ``copy_gone`` say since when the article's URL answers 404/410 (None
    while it answers).
    """
    summary = next(iter(db.query("SELECT * FROM cluster_summary WHERE id = ?", [cluster_id])), None)
    if summary is None:
        raise QueryError(f"no cluster with id {cluster_id}")
    origin = _article(db, summary["origin_id"])
    members = list(
        db.query(
            """
            SELECT r.*, a.text AS copy_text FROM republications r JOIN articles a ON a.id = r.copy_id
            WHERE r.cluster_id = ? ORDER BY r.copy_published IS NULL, r.copy_published, r.copy_id
            """,
            [cluster_id],
        )
    )
    lang = _languages(db, [origin["id"], *(m["copy_id"] for m in members)])
    copies = []
    for m in members:
        text = m.pop("copy_text") or ""
        diff = passages_between(db, origin["id"], m["copy_id"], origin["text"] or "", text, context=context)
        if m.get("relation") == "translated":
            # Side by side: each aligned sentence of the translation with the origin's sentence.
            for part in diff["copied"]:
                part["origin_text"] = _clip((origin["text"] or "")[part["origin"][0]:part["origin"][1]], context)
        copies.append({**m, **diff, "copy_language": lang.get(m["copy_id"])})
    origin_row = {k: origin.get(k) for k in ("id", "url", "outlet", "title", "published", "credit", "gone")}
    origin_row["state_media"] = summary["state_media"]
    origin_row["language"] = lang.get(origin["id"])
    return {"cluster": summary, "origin": origin_row, "copies": copies}


def _languages(db: Database, ids: list[int]) -> dict[int, str]:
    """Each article's language as matching saw it (dedupe_xlang), else as imported or crawled."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    out = {r[0]: r[1] for r in db.execute(f"SELECT id, language FROM articles WHERE id IN ({marks}) AND language IS NOT NULL", ids)}
    if db["dedupe_xlang"].exists():
        out.update(db.execute(f"SELECT article_id, lang FROM dedupe_xlang WHERE article_id IN ({marks})", ids).fetchall())
    return out


def _article(db: Database, article_id: int) -> dict:
    rows = list(db.query("SELECT * FROM articles WHERE id = ?", [article_id]))
    if not rows:
        raise QueryError(f"no article with id {article_id}")
    return rows[0]


def load_passages(db: Database, origin_id: int, copy_id: int) -> list[tuple[int, int, int, int]] | None:
    """Aligned spans as (origin_start, origin_end, copy_start, copy_end), or None
    when dedupe stored no match between the two articles."""
    row = db.execute(
        "SELECT a_id, passages FROM matches WHERE (a_id = ? AND b_id = ?) OR (a_id = ? AND b_id = ?)",
        [origin_id, copy_id, copy_id, origin_id],
    ).fetchone()
    if row is None:
        return None
    a_id, raw = row
    try:
        spans = json.loads(raw or "[]")
    except ValueError:
        return None
    out = []
    for span in spans:
        if not (isinstance(span, (list, tuple)) and len(span) == 4 and all(isinstance(x, int) for x in span)):
            continue
        a0, a1, b0, b1 = span
        out.append((a0, a1, b0, b1) if a_id == origin_id else (b0, b1, a0, a1))
    return out


def passages_between(db: Database, origin_id: int, copy_id: int, origin_text: str, copy_text: str, *, context: int | None = None) -> dict:
    """What the copy took from the origin, added and cut, from the stored match."""
    spans = load_passages(db, origin_id, copy_id)
    if spans is None:
        return {"passages": None, "copied": [], "added": [], "cut": []}
    spans.sort(key=lambda s: s[2])
    copied = [
        {"origin": [a0, a1], "copy": [b0, b1], "text": _clip(copy_text[b0:b1], context)}
        for a0, a1, b0, b1 in spans
    ]
    added = [
        {"copy": [s, e], "text": _clip(copy_text[s:e], context)}
        for s, e in _gaps([(b0, b1) for _, _, b0, b1 in spans], len(copy_text), copy_text)
    ]
    cut = [
        {"origin": [s, e], "text": _clip(origin_text[s:e], context)}
        for s, e in _gaps([(a0, a1) for a0, a1, _, _ in spans], len(origin_text), origin_text)
    ]
    return {"passages": [list(s) for s in spans], "copied": copied, "added": added, "cut": cut}


def _gaps(spans: list[tuple[int, int]], length: int, text: str) -> list[tuple[int, int]]:
    """The stretches of ``text`` no span covers, ignoring whitespace and punctuation only."""
    gaps, pos = [], 0
    for s, e in sorted(spans):
        if s > pos:
            gaps.append((pos, s))
        pos = max(pos, e)
    if pos < length:
        gaps.append((pos, length))
    return [(s, e) for s, e in gaps if re.search(r"\w", text[s:e])]


def _clip(text: str, context: int | None) -> str:
    text = text.strip()
    if context and len(text) > 2 * context + 5:
        return text[:context].rstrip() + " […] " + text[-context:].lstrip()
    return text


# -- full-text search --------------------------------------------------------------------


def search(db: Database, query: str, *, limit: int | None = 20, filters: Filters | None = None) -> list[dict]:
    """Full-text search (FTS5 syntax) over article titles and texts, best first, with snippets.

    A query in Chinese, Japanese or Korean that FTS5 cannot match (its tokens
    are whole clauses in those scripts) falls back to a substring search.
    """
    filters = filters or Filters()
    clauses, params = filters.where(date_col="a.published", outlet_cols=["a.outlet"], state_col="ol.state_media")
    clauses.insert(0, "articles_fts MATCH :q")
    params["q"] = query
    # No snippet() here: it is quadratic in the hits of an article and SQLite
    # evaluates it for every match before the sort; see syndtrack.snippet.
    sql = """
        SELECT a.id, a.url, a.outlet, a.title, a.published, NULL AS snippet,
          cm.cluster_id, cm.relation, ol.state_media
        FROM articles_fts
        JOIN articles a ON a.id = articles_fts.rowid
        LEFT JOIN cluster_members cm ON cm.article_id = a.id
        LEFT JOIN outlet_lookup ol ON ol.name = a.outlet
    """
    try:
        rows = _select(db, sql, clauses, params, "articles_fts.rank", limit)
    except sqlite3.OperationalError as exc:
        # FTS5 reports a malformed query in many words (syntax error, unterminated
        # string, no such column, unknown special query); a missing table is ours.
        if "no such table" in str(exc):
            raise
        raise QueryError(f"bad search query {query!r}: {exc} (FTS5 syntax: quote phrases, AND/OR/NOT in capitals)") from None
    if not rows and _CJK.search(query):
        rows = _substring_search(db, query, filters, limit)
    else:
        # Only the rows shown: one text in memory at a time.
        for row in rows:
            text = db.execute("SELECT text FROM articles WHERE id = ?", [row["id"]]).fetchone()[0]
            row["snippet"] = make_snippet(text, query)
    for row in rows:
        row["snippet"] = " ".join((row["snippet"] or "").split())
    return rows


_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def _substring_search(db: Database, query: str, filters: Filters, limit: int | None) -> list[dict]:
    """Chinese, Japanese and Korean have no spaces, so FTS5's unicode61 tokens are
    whole clauses and a word inside one never matches: look for the words as
    substrings instead (a scan, slower, but it finds them). Every word must occur."""
    words = [w for w in re.split(r"\s+", query.replace('"', " ")) if w and w not in ("AND", "OR", "NOT")]
    if not words:
        return []
    clauses, params = filters.where(date_col="a.published", outlet_cols=["a.outlet"], state_col="ol.state_media")
    for i, word in enumerate(words):
        clauses.append(f"(instr(a.title, :w{i}) OR instr(a.text, :w{i}))")
        params[f"w{i}"] = word
    sql = """
        SELECT a.id, a.url, a.outlet, a.title, a.published, a.text AS snippet,
          cm.cluster_id, cm.relation, ol.state_media
        FROM articles a
        LEFT JOIN cluster_members cm ON cm.article_id = a.id
        LEFT JOIN outlet_lookup ol ON ol.name = a.outlet
    """
    rows = _select(db, sql, clauses, params, "a.published DESC, a.id", limit)
    for row in rows:
        text, word = row["snippet"] or "", words[0]
        at = text.find(word)
        if at < 0:
            row["snippet"] = text[:60] + "…"
            continue
        start = max(0, at - 25)
        row["snippet"] = ("…" if start else "") + text[start:at] + f"[{word}]" + text[at + len(word): at + len(word) + 25] + "…"
    return rows
