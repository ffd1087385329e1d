"""Trace a text to its origin: the Churnalism question, "where did this come from?".

The text is a stored article (by id or URL: its stored text, no network), a
file, stdin, text given as an argument, or, only when asked, a page fetched
live (:func:`resolve`). It need not be in the database. Candidates come from
the indexes below; each is compared with the text as ``syndtrack cluster``
compares two articles (the same normalisation, outlet boilerplate left out,
the same verifier, :func:`dedupe.align.align`), and a short text that no
sentence pairs with is looked for as a passage inside each candidate
(:func:`dedupe.align.align_passage`). Matches are reported with their
cluster's origin and the other copies of the same story.

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from syndtrack import __version__
from syndtrack.store.articles import article_id_by_url
from syndtrack.store.urls import BadURL

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
    # What was traced, said in the output: "text", "file", "stdin", "stored article", "fetched page"
    kind: str = "text"
    article_id: int | None = None  # a stored article: its id (it is left out of its own matches)
    outlet: str | None = None  # a stored article: its outlet, whose learned boilerplate is left out
    fetched: str | None = None  # a stored article: when its text was fetched


def document_from_text(text: str, *, name: str, kind: str = "text") -> Document:
    if not text or not text.strip():
        raise TraceError(f"{name}: no text to trace")
    return Document(text=text.strip(), name=name, kind=kind)


_ID = re.compile(r"#?(\d+)")
_PATHLIKE = re.compile(r"[/\\]|\.[A-Za-z0-9]{1,5}$")


def resolve(db: Database, source: str, *, fetch: bool = False, stdin=None) -> Document:
    """What ``syndtrack trace SOURCE`` traces, offline unless ``fetch``.

    ``-``: stdin. An article id (``12`` or ``#12``): the stored article. A URL: the
    stored article at that URL (deleted pages are the usual reason to trace one);
    fetched live only with ``fetch``. An existing file: its text (HTML through the
    extractor). Anything else that does not look like a path: the text itself.
    """
    if source == "-":
        return document_from_text((stdin.read() if stdin is not None else ""), name="<stdin>", kind="stdin")
    m = _ID.fullmatch(source.strip())
    if m:
        return stored_document(db, int(m.group(1)))
    if source.startswith(("http://", "https://")):
        if fetch:
            return fetch_document(source)
        try:
            aid = article_id_by_url(db, source)
        except BadURL as exc:
            raise TraceError(f"{source}: {exc}") from None
        if aid is None:
            raise TraceError(f"{source}: not in the database; add --fetch to fetch it live")
        return stored_document(db, aid)
    path = Path(source)
    try:
        is_file, exists = path.is_file(), path.exists()
    except (OSError, ValueError):  # too long, or a NUL in it, for a path: it is text
        is_file = exists = False
    if is_file:
        return read_document(path)
    if exists:
        raise TraceError(f"{source}: not a file")
    if not any(ch.isspace() for ch in source.strip()) and _PATHLIKE.search(source):
        raise TraceError(f"{source}: no such file (to trace a phrase, give more than one word)")
    return document_from_text(source, name="the text given", kind="text")


def stored_document(db: Database, article_id: int) -> Document:
    row = db.execute("SELECT id, url, outlet, title, text, published, fetched FROM articles WHERE id = ?",
                     [article_id]).fetchone()
    if row is None:
        raise TraceError(f"no article #{article_id} in the database")
    aid, url, outlet, title, text, published, fetched = row
    if not (text or "").strip():
        raise TraceError(f"article #{aid} has no stored text")
    return Document(text=text, name=url, title=title, url=url, published=published, kind="stored article",
                    article_id=aid, outlet=outlet, fetched=fetched)


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
    return document_from_text(text, name=str(path), kind="file")


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
    doc = _extract(body, final_url, name=url, headers=headers)
    doc.kind = "fetched page"
    return doc


def _extract(html: bytes, url: str, *, name: str, headers: dict | None = None) -> Document:
    from crawler.extraction import extract

    art = extract(html, url, headers=headers)
    if not art or not (art.get("text") or "").strip():
        raise TraceError(f"{name}: no article text found on the page")
    page_url = art.get("canonical_url") or url
    return Document(text=art["text"], name=name, title=art.get("title"), url=page_url if page_url.startswith("http") else None,
                    published=art.get("published"), kind="file")


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
    from syndtrack.store.fingerprint_index import FingerprintIndex

    index = FingerprintIndex(db.conn)
    if not index.exists():
        return []
    shared = index.shared_counts(fingerprint_batch([scan(text).skeleton])[0])
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
            "source": {"name": self.source.name, "kind": self.source.kind, "url": self.source.url, "title": self.source.title,
                       "chars": len(self.source.text), "in_database": self.in_database, "fetched": self.source.fetched},
            "database": self.extra.get("database"),
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


_ROW = ("id", "url", "outlet", "title", "published", "language", "score", "coverage", "cluster_id", "relation", "credited",
        "gone", "method", "found_by")


def trace(db: Database, doc: Document, *, limit: int | None = 10, min_score: float | None = None) -> TraceResult:
    """Match ``doc`` against the database; see the module docstring.

    A candidate counts when dedupe's verifier accepts the pair: ``align``, the
    test clustering applies, or for a short text ``align_passage``; each match
    says which (``method``) and which index found it (``found_by``).
    ``min_score`` (0-100) then drops the looser matches.
    """
    from dedupe.align import align, align_passage
    from dedupe.normalize import clean
    from syndtrack.clustering import learned_boilerplate

    in_db = doc.article_id
    if in_db is None and doc.url:
        try:
            in_db = article_id_by_url(db, doc.url)
        except BadURL:
            pass
    try:
        by_prints = fingerprint_candidate_ids(db, doc.text)
        by_words = candidate_ids(db, doc.text)
    except sqlite3.OperationalError as exc:
        raise TraceError(f"cannot search the database: {exc}") from None
    ids = [i for i in dict.fromkeys(by_prints + by_words) if i != in_db]
    prints, words = set(by_prints), set(by_words)
    has_lines = "dedupe_outlet_lines" in db.table_names()
    boilerplate: dict[str, set[int]] = {}

    def cleaned(text: str, title: str | None, outlet: str | None):
        # As clustering compares them: an outlet's learned boilerplate (menus, footers,
        # subscription prompts) is left out, or two stories of one site would match on it.
        if has_lines and outlet is not None and outlet not in boilerplate:
            boilerplate[outlet] = learned_boilerplate(db.conn, outlet)
        return clean(text, title=title, boilerplate=boilerplate.get(outlet, frozenset()))

    query = cleaned(doc.text, doc.title, doc.outlet)
    matches = []
    for art in _articles(db, ids):
        other = cleaned(art["text"] or "", art["title"], art["outlet"])
        m, method = align(query, other), "aligned"
        if m is None:
            m, method = align_passage(query, other), "passage"
        if m is None or (min_score is not None and m.score < min_score):
            continue
        matches.append(
            {
                "id": art["id"], "url": art["url"], "outlet": art["outlet"], "title": art["title"],
                "published": art["published"], "language": art["language"], "score": round(m.score, 1),
                # coverage: share of the traced text found in the article; reverse: the other way round
                "coverage": round(m.coverage_a, 3), "reverse_coverage": round(m.coverage_b, 3),
                "cluster_id": art["cluster_id"], "relation": art["relation"], "credited": art["credited"],
                "state_media": art["state_media"],
                # when its URL was found answering 404/410 (articles.gone), else None
                "gone": art["gone"],
                # aligned: sentence by sentence, as clustering does; passage: the text found inside the article
                "method": method,
                "found_by": "+".join(k for k, hit in (("fingerprints", art["id"] in prints), ("full-text", art["id"] in words)) if hit),
                "passages": m.passages,
            }
        )
    matches.sort(key=lambda m: (-m["score"], m["published"] or "9999", m["id"]))
    if limit:
        matches = matches[:limit]
    origin = _origin(db, matches, in_db)
    siblings = _siblings(db, matches, origin, in_db)
    return TraceResult(source=doc, candidates=len(ids), matches=matches, origin=origin, siblings=siblings, in_database=in_db,
                       extra={"database": db.conn.execute("pragma database_list").fetchone()[2]})


_ARTICLE_SQL = """
SELECT a.id, a.url, a.outlet, a.title, a.published, a.text, cm.cluster_id, cm.relation, cm.credited, ol.state_media,
  a.gone, COALESCE(xl.lang, a.language) AS language
FROM articles a
LEFT JOIN cluster_members cm ON cm.article_id = a.id
LEFT JOIN outlet_lookup ol ON ol.name = a.outlet
LEFT JOIN dedupe_xlang xl ON xl.article_id = a.id
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
