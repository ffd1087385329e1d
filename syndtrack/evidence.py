"""Evidence: one article as stored, and a cluster or story as a WARC bundle.

What an investigator hands on: the article's metadata, text, earlier versions and
clusters (:func:`article_record`), the archived page (:func:`page_html`), and for a
cluster or a story every archived response of the origin and of each copy, in
WARC, the archivists' format (:func:`write_bundle`). The bundle is written with
warcio and read back by any WARC tool (pywb, replayweb.page, warcio itself).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from io import BytesIO
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from syndtrack import __version__
from syndtrack.store.dates import parse_timestamp, utcnow
from syndtrack.store.articles import article_id_by_url
from syndtrack.store.urls import BadURL


class EvidenceError(Exception):
    """Nothing to show or write; the message says why."""


# -- one article ---------------------------------------------------------------------------------

_ARTICLE_COLUMNS = ("id", "url", "outlet", "title", "published", "modified", "author", "language", "site_name",
                    "credit", "source_url", "fetched", "first_seen", "updated", "gone", "origin")


def find_article(db: Database, ref: str | int) -> int:
    """An article id from an id (``12``, ``#12``) or a URL (canonicalised as stored)."""
    text = str(ref).strip()
    m = re.fullmatch(r"#?(\d+)", text)
    if m:
        aid = int(m.group(1))
        if db.execute("SELECT 1 FROM articles WHERE id = ?", [aid]).fetchone() is None:
            raise EvidenceError(f"no article #{aid} in the database")
        return aid
    try:
        aid = article_id_by_url(db, text)
    except BadURL as exc:
        raise EvidenceError(f"{text}: neither an article id nor a URL ({exc})") from None
    if aid is None:
        raise EvidenceError(f"{text}: no article with this URL in the database")
    return aid


def article_record(db: Database, article_id: int) -> dict[str, Any]:
    """Everything stored about one article: metadata, text, revisions, pages, cluster, story."""
    row = next(iter(db.query("SELECT a.*, ol.state_media, ol.outlet_name FROM articles a "
                             "LEFT JOIN outlet_lookup ol ON ol.name = a.outlet WHERE a.id = ?", [article_id])), None)
    if row is None:
        raise EvidenceError(f"no article #{article_id} in the database")
    meta = {k: row.get(k) for k in _ARTICLE_COLUMNS}
    meta["outlet_name"] = row.get("outlet_name")
    meta["state_media"] = row.get("state_media")
    revisions = list(db.query("SELECT id, title, published, modified, fetched, replaced, length(text) AS chars, text "
                              "FROM article_revisions WHERE article_id = ? ORDER BY replaced, id", [article_id]))
    pages = list(db.query("SELECT id, url, fetched, status, content_type, etag, last_modified, length(html_gz) AS gz_bytes "
                          "FROM pages WHERE article_id = ? ORDER BY fetched, id", [article_id]))
    member = next(iter(db.query(
        "SELECT cm.cluster_id, cm.relation, cm.score, cm.coverage, cm.member_coverage, cm.credited, cm.lag_seconds, "
        "c.origin_id, c.size, "
        "c.story_id FROM cluster_members cm JOIN clusters c ON c.id = cm.cluster_id WHERE cm.article_id = ?",
        [article_id])), None)
    story = None
    if member and member.get("story_id") is not None:
        story = next(iter(db.query("SELECT id, origin_id, versions, size, outlets FROM stories WHERE id = ?",
                                   [member["story_id"]])), None)
    return {"article": meta, "text": row.get("text") or "", "revisions": revisions, "pages": pages,
            "cluster": member, "story": story, "shared_outside": shared_outside(db, article_id, member)}


def shared_outside(db: Database, article_id: int, member: dict | None) -> list[dict]:
    """The verified text matches of an article with articles outside its story (any, when it
    is in none), largest share of its text first: reuse that is not a copy of the same piece,
    such as a follow-up recycling an earlier piece's background (dedupe.quotations), a
    commentary quoting a story (dedupe.commentary) or a story a round-up carries."""
    story = member.get("story_id") if member else None
    rows = db.query(
        "SELECT CASE WHEN m.a_id = :a THEN m.b_id ELSE m.a_id END AS article_id, m.score, m.kind, "
        "CASE WHEN m.a_id = :a THEN m.coverage_a ELSE m.coverage_b END AS coverage, "
        "CASE WHEN m.a_id = :a THEN m.coverage_b ELSE m.coverage_a END AS partner_coverage, "
        "a.title, a.outlet, (SELECT c.story_id FROM cluster_members cm JOIN clusters c ON c.id = cm.cluster_id "
        "WHERE cm.article_id = a.id) AS story_id "
        "FROM matches m JOIN articles a ON a.id = CASE WHEN m.a_id = :a THEN m.b_id ELSE m.a_id END "
        "WHERE (m.a_id = :a OR m.b_id = :a) AND coalesce(m.kind, 'text') != 'headline'",
        {"a": article_id})
    out = [r for r in rows if story is None or r["story_id"] != story]
    return sorted(out, key=lambda r: (-(r["coverage"] or 0), r["article_id"]))


def page_html(db: Database, article_id: int) -> tuple[bytes, dict]:
    """The latest archived page of an article, as fetched, and its ``pages`` row."""
    row = next(iter(db.query("SELECT * FROM pages WHERE article_id = ? ORDER BY fetched DESC, id DESC LIMIT 1",
                             [article_id])), None)
    if row is None or row.get("html_gz") is None:
        raise EvidenceError(f"article #{article_id}: no archived page stored (imported without html?)")
    return gzip.decompress(row.pop("html_gz")), row


# -- a cluster or a story as WARC ----------------------------------------------------------------


@dataclass
class Bundle:
    out: Path
    target: str
    articles: int
    records: int
    without_page: list[int] = field(default_factory=list)
    manifest: dict = field(default_factory=dict)


def parse_target(target: str | int) -> tuple[str, int]:
    """``12`` or ``cluster:12`` -> ("cluster", 12); ``story:4`` -> ("story", 4)."""
    m = re.fullmatch(r"(?:(cluster|story):)?#?(\d+)", str(target).strip())
    if not m:
        raise EvidenceError(f"{target}: give a cluster id (12) or a story (story:4)")
    return (m.group(1) or "cluster"), int(m.group(2))


def _members(db: Database, kind: str, ident: int) -> tuple[list[dict], list[dict]]:
    """The clusters of the target and their members (origin first in each)."""
    if kind == "story":
        clusters = list(db.query("SELECT * FROM clusters WHERE story_id = ? ORDER BY id", [ident]))
        if not clusters:
            raise EvidenceError(f"no story {ident} in the database")
    else:
        clusters = list(db.query("SELECT * FROM clusters WHERE id = ?", [ident]))
        if not clusters:
            raise EvidenceError(f"no cluster {ident} in the database")
    marks = ",".join("?" * len(clusters))
    members = list(db.query(
        f"""SELECT cm.cluster_id, cm.article_id, cm.relation, cm.score, cm.coverage, cm.credited, cm.lag_seconds,
               cm.same_outlet, a.url, a.outlet, a.title, a.published, a.fetched, a.credit, a.gone, ol.state_media
            FROM cluster_members cm JOIN articles a ON a.id = cm.article_id
            LEFT JOIN outlet_lookup ol ON ol.name = a.outlet
            WHERE cm.cluster_id IN ({marks})
            ORDER BY cm.cluster_id, cm.relation != 'origin', a.published IS NULL, a.published, a.id""",
        [c["id"] for c in clusters]))
    return clusters, members


def _warc_date(value: str | None) -> str:
    stamp = parse_timestamp(value) or datetime.now(timezone.utc)
    return stamp.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sha256(data: bytes) -> str:
    # base32, as warcio writes its own sha1 digests and checks any algorithm it names
    return "sha256:" + base64.b32encode(hashlib.sha256(data).digest()).decode("ascii")


_REASONS = {200: "OK", 203: "Non-Authoritative Information", 301: "Moved Permanently", 302: "Found",
            304: "Not Modified", 404: "Not Found", 410: "Gone"}


def write_bundle(db: Database, target: str | int, out: str | Path) -> Bundle:
    """Write the archived responses of a cluster's (or story's) origin and copies to ``out`` (WARC, gzip).

    Records: a ``warcinfo``; per stored page a ``response`` (HTTP status and the
    headers that were stored: Content-Type, ETag, Last-Modified) or, for a page
    imported without its HTTP status, a ``resource``; WARC-Date is when the page was
    fetched, and the block and payload digests are SHA-256. Last, a JSON manifest
    (``resource``, ``urn:syndtrack:manifest:...``): who copied what, when, how much,
    credited or not, and each article's records; articles with no stored page are
    listed there as such.
    """
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    kind, ident = parse_target(target)
    clusters, members = _members(db, kind, ident)
    out = Path(out)
    if not out.parent.exists():
        raise EvidenceError(f"directory does not exist: {out.parent}")
    label = f"{kind}:{ident}"
    entries = []
    records = 0
    buf = BytesIO()
    writer = WARCWriter(buf, gzip=str(out).endswith(".gz"), warc_version="1.1")

    def write(record, payload: bytes, http_head: bytes = b"") -> str:
        # Our own SHA-256 digests (warcio would add SHA-1 ones); set before writing, they are kept.
        record.rec_headers.replace_header("WARC-Payload-Digest", _sha256(payload))
        record.rec_headers.replace_header("WARC-Block-Digest", _sha256(http_head + payload))
        writer.write_record(record)
        return record.rec_headers.get_header("WARC-Record-ID")

    fields = {"software": f"syndtrack/{__version__}", "format": "WARC File Format 1.1",
              "description": f"syndtrack evidence bundle for {label}: the archived pages of its origin and copies"}
    data = "".join(f"{k}: {v}\r\n" for k, v in fields.items()).encode("utf-8")
    write(writer.create_warc_record("", "warcinfo", payload=BytesIO(data), length=len(data),
                                    warc_content_type="application/warc-fields",
                                    warc_headers_dict={"WARC-Filename": out.name}), data)
    records += 1
    for m in members:
        pages = list(db.query("SELECT * FROM pages WHERE article_id = ? ORDER BY fetched, id", [m["article_id"]]))
        written = []
        for page in pages:
            body = gzip.decompress(page["html_gz"]) if page.get("html_gz") is not None else None
            if body is None:
                continue
            url = page.get("url") or m["url"]
            warc_headers = {"WARC-Date": _warc_date(page.get("fetched") or m["fetched"]),
                            "WARC-Syndtrack-Article": str(m["article_id"])}
            ctype = page.get("content_type") or "text/html"
            if page.get("status"):
                headers = [("Content-Type", ctype), ("Content-Length", str(len(body)))]
                if page.get("etag"):
                    headers.append(("ETag", page["etag"]))
                if page.get("last_modified"):
                    headers.append(("Last-Modified", page["last_modified"]))
                status = f"{page['status']} {_REASONS.get(page['status'], '')}".strip()
                http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
                http.compute_headers_buffer()  # the bytes warcio writes, which the block digest covers
                head = http.headers_buff
                record = writer.create_warc_record(url, "response", payload=BytesIO(body), length=len(body),
                                                   http_headers=http, warc_headers_dict=warc_headers)
                record_id = write(record, body, head)
            else:
                # Imported with its HTML but no HTTP exchange to show: the page as a resource.
                record = writer.create_warc_record(url, "resource", payload=BytesIO(body), length=len(body),
                                                   warc_content_type=ctype, warc_headers_dict=warc_headers)
                record_id = write(record, body)
            records += 1
            written.append({"record_id": record_id, "url": url, "fetched": page.get("fetched"),
                            "status": page.get("status"), "bytes": len(body),
                            "sha256": hashlib.sha256(body).hexdigest()})
        entries.append({
            "article_id": m["article_id"], "cluster_id": m["cluster_id"], "relation": m["relation"],
            "url": m["url"], "outlet": m["outlet"], "state_media": bool(m["state_media"]),
            "title": m["title"], "published": m["published"], "fetched": m["fetched"],
            "lag_seconds": m["lag_seconds"], "score": m["score"], "coverage": m["coverage"],
            "credited": None if m["relation"] == "origin" else bool(m["credited"]), "credit_line": m["credit"],
            "gone": m["gone"], "pages": written, "page_stored": bool(written),
        })
    manifest = {
        "syndtrack": __version__, "target": label, "written": utcnow(),
        "clusters": [{"id": c["id"], "origin_id": c["origin_id"], "size": c["size"], "story_id": c.get("story_id")}
                     for c in clusters],
        "articles": entries,
        "without_page": [e["article_id"] for e in entries if not e["page_stored"]],
        "notes": ("coverage: share of the origin's text the copy reused (0-1); lag_seconds: copy published minus "
                  "origin published; credited: the copy names or links the origin (null for the origin itself); "
                  "HTTP headers are those syndtrack stored (status, Content-Type, ETag, Last-Modified), not all "
                  "the server sent; the body is as received, after content decoding."),
    }
    data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
    record = writer.create_warc_record(f"urn:syndtrack:manifest:{label}", "resource", payload=BytesIO(data),
                                       length=len(data), warc_content_type="application/json",
                                       warc_headers_dict={"WARC-Date": _warc_date(manifest["written"])})
    write(record, data)
    records += 1
    out.write_bytes(buf.getvalue())
    return Bundle(out=out, target=label, articles=len(entries), records=records,
                  without_page=manifest["without_page"], manifest=manifest)
