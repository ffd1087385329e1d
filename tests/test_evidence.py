"""`syndtrack article` and `syndtrack evidence` (issue 14 item 2): the bundle read back with warcio."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from syndtrack.store.articles import ArticleStore, validate_article
from syndtrack.cli import cli
from syndtrack.clustering import cluster
from syndtrack.store.db import open_db

FIXTURES = Path(__file__).parent / "dedupe_fixtures"
STORY = "US official: Russia using social media to divide Americans"  # an AP story six outlets carried


def _page(text: str, n: int) -> bytes:
    # Real-looking pages with bytes a careless writer would mangle: UTF-8, CRLF, NUL-free binary-ish tail.
    body = "".join(f"<p>{p}</p>\r\n" for p in text.split("\n\n"))
    return (f"<!DOCTYPE html><html><head><meta charset=utf-8><title>{STORY} — {n}</title></head>"
            f"<body><article>{body}</article><!-- ünïcödé — {n} --></body></html>").encode("utf-8") + bytes(range(1, 9))


@pytest.fixture(scope="module")
def evidence_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("evidence") / "e.db"
    db = open_db(path)
    rows = [json.loads(line) for line in (FIXTURES / "helsinki_sample.jsonl").read_text(encoding="utf-8").splitlines()]
    store = ArticleStore(db)
    pages = {}
    for n, r in enumerate(rows):
        url = f"https://{r['publisher']}/story/{r['id']}"
        text = r["text"].replace(" ### ", "\n\n")
        row = validate_article({"url": url, "outlet": r["publisher"].split("/")[0], "text": text,
                                "published": f"2018-07-{13 + n % 3:02d}T{n % 24:02d}:00:00Z"})
        html = _page(text, n)
        if r["id"] == 13557:  # imported elsewhere without its page
            evidence = None
        elif r["id"] == 2549:  # imported with its HTML, but no HTTP exchange known
            evidence = {url: {"html": html, "fetched": "2018-07-15T10:00:00+00:00"}}
        else:
            evidence = {url: {"html": html, "status": 200, "etag": f'"e{n}"', "last_modified": "Sun, 15 Jul 2018 09:00:00 GMT",
                              "content_type": "text/html; charset=utf-8", "fetched": f"2018-07-15T{n % 24:02d}:30:00+00:00"}}
        store.store_batch([row], evidence=evidence)
        if evidence:
            pages[url] = html
    cluster(db)
    ids = {r["url"]: r["id"] for r in db.query("select id, url from articles")}
    cid = db.execute("select cluster_id from cluster_members where article_id = ?",
                     [ids["https://startribune.com/story/1197"]]).fetchone()[0]
    sid = db.execute("select story_id from clusters where id = ?", [cid]).fetchone()[0]
    db.close()
    return path, ids, pages, cid, sid


def run(path, *args, ok=True):
    result = CliRunner().invoke(cli, ["--db", str(path), *args])
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_evidence_bundle_reads_back_with_warcio_byte_for_byte(evidence_db, tmp_path):
    path, ids, pages, cid, _ = evidence_db
    out = tmp_path / "bundle.warc.gz"
    said = run(path, "evidence", str(cid), "--out", str(out)).output
    members = {r[0] for r in open_db(path).execute("select article_id from cluster_members where cluster_id = ?", [cid])}
    assert len(members) >= 5
    by_id = {v: k for k, v in ids.items()}
    found, manifest, kinds = {}, None, []
    with out.open("rb") as fh:
        # check_digests="raise": warcio recomputes every block and payload digest and fails on a mismatch
        for rec in ArchiveIterator(fh, check_digests="raise"):
            kinds.append(rec.rec_type)
            payload = rec.content_stream().read()
            h = rec.rec_headers
            if rec.rec_type in ("response", "resource") and h.get_header("WARC-Syndtrack-Article"):
                assert h.get_header("WARC-Payload-Digest") == "sha256:" + __import__("base64").b32encode(
                    hashlib.sha256(payload).digest()).decode()
                assert h.get_header("WARC-Block-Digest").startswith("sha256:")
                found[h.get_header("WARC-Target-URI")] = (rec, payload)
            elif h.get_header("WARC-Target-URI", "").startswith("urn:syndtrack:manifest:"):
                manifest = json.loads(payload)
    assert kinds[0] == "warcinfo" and kinds[-1] == "resource"
    expected = {by_id[a] for a in members if by_id[a] in pages}
    assert set(found) == expected
    for url in expected:
        rec, payload = found[url]
        assert payload == pages[url]  # byte for byte
    crawled = found["https://startribune.com/story/1197"][0]
    assert crawled.rec_type == "response" and crawled.http_headers.get_statuscode() == "200"
    assert crawled.http_headers.get_header("ETag").startswith('"e')
    n = next(i for i, r in enumerate(json.loads(l) for l in (FIXTURES / "helsinki_sample.jsonl").read_text().splitlines())
             if r["id"] == 1197)
    assert crawled.rec_headers.get_header("WARC-Date") == f"2018-07-15T{n % 24:02d}:30:00Z"  # the fetch date
    imported = found["https://washingtontimes.com/story/2549"][0]
    assert imported.rec_type == "resource" and imported.rec_headers.get_header("WARC-Date") == "2018-07-15T10:00:00Z"
    # The manifest: who copied what, when, how much, credited or not; the page-less article listed as such.
    assert manifest["target"] == f"cluster:{cid}"
    entries = {e["article_id"]: e for e in manifest["articles"]}
    assert set(entries) == members
    origin = [e for e in entries.values() if e["relation"] == "origin"]
    assert len(origin) == 1 and origin[0]["credited"] is None
    for e in entries.values():
        assert {"outlet", "published", "coverage", "credited", "lag_seconds", "url"} <= set(e)
        if e["relation"] != "origin":
            assert 0 < e["coverage"] <= 1 and e["credited"] in (True, False)
    missing = ids["https://miamiherald.com/story/13557"]
    assert manifest["without_page"] == [missing] and entries[missing]["page_stored"] is False
    assert f"no archived page for #{missing}" in said


def test_evidence_for_a_story_and_errors(evidence_db, tmp_path):
    path, _, _, cid, sid = evidence_db
    out = tmp_path / "story.warc"
    run(path, "evidence", f"story:{sid}", "--out", str(out))
    with out.open("rb") as fh:
        records = list((r.rec_type, r.content_stream().read()) for r in ArchiveIterator(fh, check_digests="raise"))
    manifest = json.loads(records[-1][1])
    assert manifest["target"] == f"story:{sid}" and cid in {c["id"] for c in manifest["clusters"]}
    for args, says in [(["999999"], "no cluster 999999"), (["story:99999"], "no story 99999"), (["banana"], "give a cluster id"),
                       ([str(cid), "--out", str(tmp_path / "nowhere" / "b.warc.gz")], "directory does not exist")]:
        if "--out" not in args:
            args = [*args, "--out", str(tmp_path / "x.warc.gz")]
        result = run(path, "evidence", *args, ok=False)
        assert result.exit_code == 1 and says in result.output, result.output


def test_article_shows_metadata_text_cluster_story_and_writes_the_archived_page(evidence_db, tmp_path):
    path, ids, pages, cid, sid = evidence_db
    url = "https://startribune.com/story/1197"
    out = run(path, "article", url + "?utm_source=x#top").output
    assert out.startswith(f"article #{ids[url]}")
    assert f"cluster    {cid} (" in out and f"story      {sid}:" in out
    assert "state media: no" in out and "1 archived page:" in out and "HTTP 200" in out
    assert "Russia" in out.split("\n\n", 1)[1]  # the text follows the metadata
    data = json.loads(run(path, "article", str(ids[url]), "--format", "json").output)
    assert data["article"]["url"] == url and data["cluster"]["cluster_id"] == cid and data["story"]["id"] == sid
    html = tmp_path / "page.html"
    run(path, "article", f"#{ids[url]}", "--html", str(html))
    assert html.read_bytes() == pages[url]
    no_page = run(path, "article", str(ids["https://miamiherald.com/story/13557"]), "--html", str(tmp_path / "n.html"), ok=False)
    assert no_page.exit_code == 1 and "no archived page stored" in no_page.output
    assert "no article #424242" in run(path, "article", "424242", ok=False).output


def test_article_shows_revisions(tmp_path):
    path = tmp_path / "r.db"
    db = open_db(path)
    store = ArticleStore(db)
    store.store_batch([validate_article({"url": "https://x.example/a", "text": "First version of the text."})])
    store.store_batch([validate_article({"url": "https://x.example/a", "text": "Second version, edited."})])
    db.close()
    out = run(path, "article", "https://x.example/a").output
    assert "Second version, edited." in out and "--- earlier version, replaced" in out and "First version of the text." in out
    assert "none archived" in out and "cluster    none" in out
