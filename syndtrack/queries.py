"""The analysts' questions, as SQL views and as a Python API that mirrors the CLI.

Who carried which state-media story, when, how much of it, and whether they
credited it: the same answers whether you ask through ``syndtrack clusters``,
``sqlite-utils query``, Datasette or pandas, because the CLI reads the views
defined here (``republications``, ``cluster_summary``, ``outlet_report``).

The views are created by a migration (``m00N_analyst_views`` in
:mod:`syndtrack.migrations`) that calls :func:`create_views`; to change a view,
edit it here and append a new migration that calls :func:`create_views` again.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Iterable

from sqlite_utils import Database

from syndtrack.articles import BadArticle, normalize_date

# An outlet is named in ``articles.outlet`` by its registry slug (crawled) or by
# its host (imported): map both to the registry row, so an imported Xinhua
# article still counts as state media.
OUTLET_LOOKUP_SQL = """
CREATE VIEW outlet_lookup AS
SELECT slug AS name, slug, name AS outlet_name, state_media, owner, country
FROM outlets
UNION
SELECT lower(j.value), o.slug, o.name, o.state_media, o.owner, o.country
FROM outlets o, json_each(CASE WHEN json_valid(o.domains) THEN o.domains ELSE '[]' END) j
"""

REPUBLICATIONS_SQL = """
CREATE VIEW republications AS
SELECT
  cm.cluster_id,
  o.id AS origin_id,
  o.outlet AS origin_outlet,
  oo.outlet_name AS origin_outlet_name,
  oo.owner AS origin_owner,
  oo.state_media AS state_media,
  o.title AS origin_title,
  o.url AS origin_url,
  o.published AS origin_published,
  a.id AS copy_id,
  a.outlet AS copy_outlet,
  co.outlet_name AS copy_outlet_name,
  co.state_media AS copy_state_media,
  a.title AS copy_title,
  a.url AS copy_url,
  a.published AS copy_published,
  COALESCE(cm.lag_seconds, ROUND((julianday(a.published) - julianday(o.published)) * 86400)) AS lag_seconds,
  ROUND(COALESCE(cm.lag_seconds, (julianday(a.published) - julianday(o.published)) * 86400) / 3600.0, 1) AS lag_hours,
  cm.relation,
  cm.score,
  cm.coverage,
  cm.credited,
  cm.same_outlet,
  a.credit AS copy_credit
FROM cluster_members cm
JOIN clusters c ON c.id = cm.cluster_id
JOIN articles o ON o.id = c.origin_id
JOIN articles a ON a.id = cm.article_id
LEFT JOIN (SELECT * FROM outlet_lookup GROUP BY name) oo ON oo.name = o.outlet
LEFT JOIN (SELECT * FROM outlet_lookup GROUP BY name) co ON co.name = a.outlet
WHERE cm.article_id != c.origin_id
"""

# Per-cluster figures are correlated subqueries over the cluster's own members
# (cluster_members is indexed by cluster_id) rather than one aggregate over all
# republications: a lookup by id, or a page sorted by the indexed ``size``,
# then only computes the rows it returns.
_MEMBERS = "FROM cluster_members m JOIN articles a ON a.id = m.article_id WHERE m.cluster_id = c.id AND m.article_id != c.origin_id"

CLUSTER_SUMMARY_SQL = f"""
CREATE VIEW cluster_summary AS
SELECT
  c.id,
  c.origin_id,
  o.title AS origin_title,
  o.outlet AS origin_outlet,
  o.published AS origin_published,
  o.url AS origin_url,
  oo.state_media AS state_media,
  c.size,
  (SELECT COUNT(*) {_MEMBERS}) AS copies,
  (SELECT COUNT(DISTINCT a.outlet) {_MEMBERS}) AS outlets,
  (SELECT group_concat(DISTINCT a.outlet) {_MEMBERS}) AS copy_outlets,
  (SELECT ROUND(AVG(m.credited), 3) {_MEMBERS}) AS credited_share,
  (SELECT ROUND(AVG(m.coverage), 3) {_MEMBERS}) AS avg_coverage,
  (SELECT ROUND(MIN(COALESCE(m.lag_seconds, (julianday(a.published) - julianday(o.published)) * 86400)) / 3600.0, 1)
   {_MEMBERS}) AS first_copy_lag_hours,
  (SELECT MAX(a.published) {_MEMBERS}) AS last_copy_published,
  c.updated
FROM clusters c
JOIN articles o ON o.id = c.origin_id
LEFT JOIN (SELECT * FROM outlet_lookup GROUP BY name) oo ON oo.name = o.outlet
"""

# SQLite has no median(): rank the lags inside each (outlet, source) pair and
# average the one or two middle rows. ``{where}`` lets outlet_report() run the
# same body over a date window.
OUTLET_REPORT_BODY = """
WITH r AS (
  SELECT * FROM republications WHERE COALESCE(same_outlet, 0) = 0{where}
),
ranked AS (
  SELECT copy_outlet, origin_outlet, lag_seconds,
    ROW_NUMBER() OVER (PARTITION BY copy_outlet, origin_outlet ORDER BY lag_seconds) AS rn,
    COUNT(*) OVER (PARTITION BY copy_outlet, origin_outlet) AS n
  FROM r WHERE lag_seconds IS NOT NULL
),
medians AS (
  SELECT copy_outlet, origin_outlet, AVG(lag_seconds) AS median_lag_seconds
  FROM ranked WHERE rn IN ((n + 1) / 2, (n + 2) / 2)
  GROUP BY copy_outlet, origin_outlet
)
SELECT
  r.copy_outlet AS outlet,
  MAX(r.copy_outlet_name) AS outlet_name,
  r.origin_outlet AS source,
  MAX(r.origin_outlet_name) AS source_name,
  MAX(r.state_media) AS state_media,
  COUNT(*) AS republications,
  COUNT(DISTINCT r.cluster_id) AS stories,
  SUM(CASE WHEN r.credited = 0 THEN 1 ELSE 0 END) AS uncredited,
  ROUND(1.0 * SUM(CASE WHEN r.credited = 0 THEN 1 ELSE 0 END) / COUNT(*), 3) AS uncredited_share,
  m.median_lag_seconds,
  ROUND(m.median_lag_seconds / 3600.0, 1) AS median_lag_hours,
  ROUND(AVG(r.coverage), 3) AS avg_coverage,
  MIN(r.copy_published) AS first_published,
  MAX(r.copy_published) AS last_published
FROM r
LEFT JOIN medians m ON m.copy_outlet IS r.copy_outlet AND m.origin_outlet IS r.origin_outlet
GROUP BY r.copy_outlet, r.origin_outlet
"""

OUTLET_REPORT_SQL = "CREATE VIEW outlet_report AS" + OUTLET_REPORT_BODY.format(where="")

VIEWS = {
    "outlet_lookup": OUTLET_LOOKUP_SQL,
    "republications": REPUBLICATIONS_SQL,
    "cluster_summary": CLUSTER_SUMMARY_SQL,
    "outlet_report": OUTLET_REPORT_SQL,
}


def create_views(db: Database) -> None:
    """(Re)create the analyst views and the indexes they rely on; called by migrations, safe to call again."""
    for name in reversed(list(VIEWS)):
        db.execute(f"DROP VIEW IF EXISTS [{name}]")
    for sql in VIEWS.values():
        db.execute(sql)
    db.execute("CREATE INDEX IF NOT EXISTS idx_clusters_size ON clusters(size)")


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
                params["until"] = (date.fromisoformat(until) + timedelta(days=1)).isoformat()
            else:
                clauses.append(f"{date_col} <= :until")
                params["until"] = until
        if self.state_media is not None:
            clauses.append(f"COALESCE({state_col}, 0) = :state_media")
            params["state_media"] = 1 if self.state_media else 0
        return clauses, params


def _check_date(value: str, name: str) -> str:
    try:
        return normalize_date(value, name)
    except BadArticle as exc:
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
}


def clusters(db: Database, *, sort: str = "size", limit: int | None = 20, filters: Filters | None = None) -> list[dict]:
    """The largest (``sort="size"``) or most recently active clusters.

    ``filters.outlet`` keeps clusters the outlet originated or carried; the
    dates apply to the origin's publication date; ``state_media`` to the
    origin's outlet.
    """
    if sort not in CLUSTER_SORTS:
        raise QueryError(f"unknown sort {sort!r}: use one of {', '.join(CLUSTER_SORTS)}")
    filters = filters or Filters()
    clauses, params = filters.where(
        date_col="origin_published",
        outlet_sql="(origin_outlet = :outlet OR id IN (SELECT cluster_id FROM republications WHERE copy_outlet = :outlet))",
    )
    return _select(db, "SELECT * FROM cluster_summary", clauses, params, CLUSTER_SORTS[sort], limit)


def outlet_report(db: Database, *, limit: int | None = None, filters: Filters | None = None, sort: str = "republications") -> list[dict]:
    """Which outlets republish which sources: how often, how fast, how often uncredited.

    Without date filters this reads the ``outlet_report`` view; with them the
    same query runs over the republications published in the window.
    """
    filters = filters or Filters()
    order = {
        "republications": "republications DESC, outlet, source",
        "uncredited": "uncredited_share DESC, republications DESC, outlet",
        "lag": "median_lag_seconds IS NULL, median_lag_seconds, outlet",
    }.get(sort)
    if order is None:
        raise QueryError(f"unknown sort {sort!r}: use republications, uncredited or lag")
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
    spans in the middle, for display.
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
    copies = []
    for m in members:
        text = m.pop("copy_text") or ""
        diff = passages_between(db, origin["id"], m["copy_id"], origin["text"] or "", text, context=context)
        copies.append({**m, **diff})
    origin_row = {k: origin.get(k) for k in ("id", "url", "outlet", "title", "published", "credit")}
    origin_row["state_media"] = summary["state_media"]
    return {"cluster": summary, "origin": origin_row, "copies": copies}


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
    sql = """
        SELECT a.id, a.url, a.outlet, a.title, a.published,
          snippet(articles_fts, 1, '[', ']', '…', 16) AS snippet,
          cm.cluster_id, cm.relation, ol.state_media
        FROM articles_fts
        JOIN articles a ON a.id = articles_fts.rowid
        LEFT JOIN cluster_members cm ON cm.article_id = a.id
        LEFT JOIN (SELECT * FROM outlet_lookup GROUP BY name) ol ON ol.name = a.outlet
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
        LEFT JOIN (SELECT * FROM outlet_lookup GROUP BY name) ol ON ol.name = a.outlet
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
