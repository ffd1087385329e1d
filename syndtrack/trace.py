"""Trace a text to its origin: the Churnalism question, "where did this come from?".

The text (a fetched page, a file, stdin) need not be in the database. We find
candidates with SQLite's own full-text index (the articles that share the
text's rarest words, ranked by bm25), score each candidate against the text
with dedupe's pairwise matcher, and report the matches with their cluster's
origin and the other copies of the same story.

Candidates come from two places, both read-only:

- dedupe's fingerprint index (``dedupe_fingerprints``, filled by ``syndtrack
  cluster``): the text is fingerprinted with dedupe's own functions and the
  articles sharing at least ``MIN_SHARED`` fingerprints are taken. Character
  shingles of the skeleton, so it works the same for Chinese and for English;
- SQLite's FTS5 index, for articles not fingerprinted yet (imported or crawled
  since the last ``cluster``): ``fts5vocab`` gives each term's document
  frequency, and the rarest terms of the text go into one bm25-ranked OR query.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from syndtrack import __version__
from syndtrack.store.urls import BadURL, canonical_url

USER_AGENT = f"syndtrack/{__version__} (trace)"
MAX_PAGE_BYTES = 20 * 1024 * 1024
# Terms sent to FTS5: enough that a copy which kept a third of the text still
# shares several of them, few enough that the OR query stays fast.
QUERY_TERMS = 40
CANDIDATES = 60
_WORD = re.compile(r"\w+")


class TraceError(Exception):
    """The text could not be read or fetched; the message says why."""


@dataclass
class Document:
    text: str
    name: str
    title: str | None = None
    url: str | None = None
    published: str | None = None


def document_from_text(text: str, *, name: str) -> Document:
    if not text or not text.strip():
        raise TraceError(f"{name}: no text to trace")
    return Document(text=text.strip(), name=name)


def read_document(path: str | Path) -> Document:
    """A plain-text file as is; an HTML file through the article extractor."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TraceError(f"cannot read {path}: {exc.strerror or exc}") from None
    head = raw[:2048].lstrip().lower()
    if path.suffix.lower() in (".html", ".htm") or head.startswith((b"<!doctype html", b"<html")):
        return _extract(raw, path.resolve().as_uri(), name=str(path))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TraceError(f"{path}: not UTF-8 text (convert it, or give the HTML page)") from None
    return document_from_text(text, name=str(path))


def fetch_document(url: str, *, timeout: float = 30) -> Document:
    """Fetch one page and extract its article text."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "text/html,*/*;q=0.5"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            body = resp.read(MAX_PAGE_BYTES + 1)
            headers = dict(resp.headers.items())
            final_url = resp.geturl()
    except urllib.error.HTTPError as exc:
        raise TraceError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise TraceError(f"{url}: cannot fetch: {getattr(exc, 'reason', exc)}") from None
    if len(body) > MAX_PAGE_BYTES:
        raise TraceError(f"{url}: page larger than {MAX_PAGE_BYTES // 2**20} MB")
    return _extract(body, final_url, name=url, headers=headers)


def _extract(html: bytes, url: str, *, name: str, headers: dict | None = None) -> Document:
    from crawler.extraction import extract

    art = extract(html, url, headers=headers)
    if not art or not (art.get("text") or "").strip():
        raise TraceError(f"{name}: no article text found on the page")
    page_url = art.get("canonical_url") or url
    return Document(text=art["text"], name=name, title=art.get("title"), url=page_url if page_url.startswith("http") else None,
                    published=art.get("published"))


# -- finding and scoring candidates ------------------------------------------------------------


def _terms(text: str) -> set[str]:
    """Terms as FTS5's unicode61 tokenizer makes them: casefolded, diacritics removed."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return set(_WORD.findall(text))


def candidate_ids(db: Database, text: str, *, terms: int = QUERY_TERMS, limit: int = CANDIDATES) -> list[int]:
    """Ids of the articles sharing most of the text's rarest terms, best first."""
    words = [w for w in _terms(text) if len(w) > 1 and not w.isdigit()]
    if not words:
        return []
    conn = db.conn
    conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.syndtrack_trace_vocab USING fts5vocab(main, 'articles_fts', 'row')")
    df: dict[str, int] = {}
    for start in range(0, len(words), 500):
        chunk = words[start : start + 500]
        marks = ",".join("?" * len(chunk))
        df.update(conn.execute(f"SELECT term, doc FROM temp.syndtrack_trace_vocab WHERE term IN ({marks})", chunk).fetchall())
    if not df:
        return []
    # Rarest first; among equally rare terms the longer ones say more.
    chosen = sorted(df, key=lambda w: (df[w], -len(w), w))[:terms]
    query = " OR ".join('"' + w.replace('"', '""') + '"' for w in chosen)
    rows = conn.execute(
        "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rank LIMIT ?", [query, limit]
    ).fetchall()
    return [r[0] for r in rows]


def fingerprint_candidate_ids(db: Database, text: str, *, limit: int = CANDIDATES) -> list[int]:
    """Ids of the articles sharing most of the text's dedupe fingerprints, most first."""
    from dedupe.fingerprint import MIN_SHARED, fingerprint_batch
    from dedupe.normalize import scan

    if "dedupe_fingerprints" not in db.table_names():
        return []
    prints = fingerprint_batch([scan(text).skeleton])[0].tolist()
    shared: Counter[int] = Counter()
    for start in range(0, len(prints), 500):
        chunk = prints[start : start + 500]
        marks = ",".join("?" * len(chunk))
        shared.update(r[0] for r in db.execute(f"SELECT article_id FROM dedupe_fingerprints WHERE hash IN ({marks})", chunk))
    return [aid for aid, n in shared.most_common(limit) if n >= MIN_SHARED]


@dataclass
class TraceResult:
    source: Document
    candidates: int
    matches: list[dict]
    origin: dict | None
    siblings: list[dict]
    in_database: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "source": {"name": self.source.name, "url": self.source.url, "title": self.source.title,
                       "chars": len(self.source.text), "in_database": self.in_database},
            "candidates": self.candidates,
            "origin": self.origin,
            "matches": self.matches,
            "siblings": self.siblings,
        }

    def rows(self) -> list[dict]:
        """One flat row per article found, for CSV: role is origin, match or sibling."""
        out = []
        origin_id = self.origin["id"] if self.origin else None
        for m in self.matches:
            out.append({"role": "origin" if m["id"] == origin_id else "match", **{k: m.get(k) for k in _ROW}})
        if self.origin and origin_id not in {m["id"] for m in self.matches}:
            out.insert(0, {"role": "origin", **{k: self.origin.get(k) for k in _ROW}})
        for s in self.siblings:
            out.append({"role": "sibling", **{k: s.get(k) for k in _ROW}})
        return out


_ROW = ("id", "url", "outlet", "title", "published", "score", "coverage", "cluster_id", "relation", "credited", "gone")


def trace(db: Database, doc: Document, *, limit: int | None = 10, min_score: float | None = None) -> TraceResult:
    """Match ``doc`` against the database; see the module docstring.

    A candidate counts when dedupe's verifier (``dedupe.align.align``, the
    same test clustering applies) accepts the pair; ``min_score`` (0-100)
    then drops the looser matches.
    """
    from dedupe.align import align
    from dedupe.normalize import clean

    in_db = None
    if doc.url:
        try:
            row = db.execute("SELECT id FROM articles WHERE url = ?", [canonical_url(doc.url)]).fetchone()
            in_db = row[0] if row else None
        except BadURL:
            pass
    try:
        found = fingerprint_candidate_ids(db, doc.text) + candidate_ids(db, doc.text)
    except sqlite3.OperationalError as exc:
        raise TraceError(f"cannot search the database: {exc}") from None
    ids = [i for i in dict.fromkeys(found) if i != in_db]
    query = clean(doc.text, title=doc.title)
    matches = []
    for art in _articles(db, ids):
        m = align(query, clean(art["text"] or "", title=art["title"]))
        if m is None or (min_score is not None and m.score < min_score):
            continue
        matches.append(
            {
                "id": art["id"], "url": art["url"], "outlet": art["outlet"], "title": art["title"],
                "published": art["published"], "score": round(m.score, 1),
                # coverage: share of the traced text found in the article; reverse: the other way round
                "coverage": round(m.coverage_a, 3), "reverse_coverage": round(m.coverage_b, 3),
                "cluster_id": art["cluster_id"], "relation": art["relation"], "credited": art["credited"],
                "state_media": art["state_media"],
                # when its URL was found answering 404/410 (articles.gone), else None
                "gone": art["gone"],
            }
        )
    matches.sort(key=lambda m: (-m["score"], m["published"] or "9999", m["id"]))
    if limit:
        matches = matches[:limit]
    origin = _origin(db, matches, in_db)
    siblings = _siblings(db, matches, origin, in_db)
    return TraceResult(source=doc, candidates=len(ids), matches=matches, origin=origin, siblings=siblings, in_database=in_db)


_ARTICLE_SQL = """
SELECT a.id, a.url, a.outlet, a.title, a.published, a.text, cm.cluster_id, cm.relation, cm.credited, ol.state_media,
  a.gone
FROM articles a
LEFT JOIN cluster_members cm ON cm.article_id = a.id
LEFT JOIN outlet_lookup ol ON ol.name = a.outlet
"""


def _articles(db: Database, ids: list[int]) -> list[dict]:
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    return list(db.query(_ARTICLE_SQL + f" WHERE a.id IN ({marks})", ids))


def _origin(db: Database, matches: list[dict], in_db: int | None) -> dict | None:
    """The best match's cluster origin; failing a cluster, the earliest match."""
    cluster_ids = [m["cluster_id"] for m in matches if m["cluster_id"] is not None]
    if in_db is not None:
        row = db.execute("SELECT cluster_id FROM cluster_members WHERE article_id = ?", [in_db]).fetchone()
        if row:
            cluster_ids.insert(0, row[0])
    if cluster_ids:
        row = db.execute("SELECT origin_id FROM clusters WHERE id = ?", [cluster_ids[0]]).fetchone()
        if row:
            found = _articles(db, [row[0]])
            if found:
                art = found[0]
                art.pop("text")
                return art
    dated = [m for m in matches if m["published"]]
    if dated:
        return min(dated, key=lambda m: m["published"])
    return matches[0] if matches else None


def _siblings(db: Database, matches: list[dict], origin: dict | None, in_db: int | None) -> list[dict]:
    """Members of the clusters found that are neither matches nor the origin."""
    shown = {m["id"] for m in matches} | {in_db} | ({origin["id"]} if origin else set())
    cluster_ids = sorted({m["cluster_id"] for m in matches if m["cluster_id"] is not None}
                         | ({origin["cluster_id"]} if origin and origin.get("cluster_id") else set()))
    if not cluster_ids:
        return []
    marks = ",".join("?" * len(cluster_ids))
    rows = db.query(_ARTICLE_SQL + f" WHERE cm.cluster_id IN ({marks}) ORDER BY a.published, a.id", cluster_ids)
    out = []
    for r in rows:
        if r["id"] in shown:
            continue
        r.pop("text")
        out.append(r)
    return out
