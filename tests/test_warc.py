"""import-warc: WARC files built here with warcio's writer from the fixture pages."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from syndtrack.cli import cli
from syndtrack.store.db import open_db
from syndtrack.store.registry import Registry
from syndtrack.warc import CopyFilter, _fast_skeleton, expand_paths, import_warc, page_skeleton, page_text

TESTS = Path(__file__).parent
SITES = TESTS / "sites"
STATE_PAGE = SITES / "statemedia/news/2023-05-20/what-is-the-purpose-of-japans-series-of-dangerous-actions.html"
SOURCE_URL = "https://news.cgtn.com/news/2023-05-20/what-is-the-purpose-of-japans-series-of-dangerous-actions.html"
COPY_URL = "https://dainiksaveratimes.com/2023/05/what-is-the-purpose-of-japans-series-of-dangerous-actions/"
MIRROR_URL = "https://www.unlisted-mirror.net/2023/05/21/japan-dangerous-actions/"
UNRELATED = [
    ("https://dainiksaveratimes.com/2016/01/tesla-curbs-autopilot/",
     SITES / "republisher/2016/01/tesla-curbs-autopilot-functionality-in-model-s-cars/index.html"),
    ("https://autoblog.example.org/woman-raped-by-five-men/",
     SITES / "autoblog/woman-raped-by-five-men-in-new-york-city-park-police-say-reuters/index.html"),
    ("https://autoblog.example.org/obama-guantanamo/",
     SITES / "autoblog/obama-to-make-good-on-guantanamo-pledge-white-house-chief-of-staff/index.html"),
]


def _member(write) -> bytes:
    """One gzip member holding what ``write(writer)`` writes: one record, as CC-NEWS files have."""
    buf = io.BytesIO()
    write(WARCWriter(buf, gzip=True))
    return buf.getvalue()


def response(url: str, body: bytes, *, status: str = "200 OK", ctype: str = "text/html; charset=utf-8",
             extra=()) -> bytes:
    def write(w):
        headers = StatusAndHeaders(status, [("Content-Type", ctype), *extra], protocol="HTTP/1.1")
        w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers,
                                            warc_headers_dict={"WARC-Date": "2023-05-21T08:00:00Z"}))
    return _member(write)


def revisit(url: str) -> bytes:
    def write(w):
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        w.write_record(w.create_revisit_record(url, digest="sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                               refers_to_uri=url, refers_to_date="2023-05-20T00:00:00Z", http_headers=headers))
    return _member(write)


def truncated(url: str, body: bytes) -> bytes:
    """A well-formed gzip member whose record stops before its Content-Length (a writer killed mid-record)."""
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n" + body
    head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {url}\r\n"
            f"WARC-Date: 2023-05-21T08:00:00Z\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000001>\r\n"
            f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(http) + 5000}\r\n\r\n")
    return gzip.compress(head.encode() + http)


def broken(member: bytes) -> bytes:
    """The member with its deflate stream overwritten in the middle: zlib refuses it."""
    bad = bytearray(member)
    mid = len(bad) // 2
    bad[mid : mid + 64] = b"\xff" * 64
    return bytes(bad)


def write_warc(path: Path, members: list[bytes]) -> list[int]:
    offsets, pos = [], 0
    for m in members:
        offsets.append(pos)
        pos += len(m)
    path.write_bytes(b"".join(members))
    return offsets


@pytest.fixture
def db(tmp_path):
    db = open_db(tmp_path / "t.db")
    yield db
    db.close()


@pytest.fixture
def source_warc(tmp_path) -> Path:
    path = tmp_path / "source.warc.gz"
    write_warc(path, [response(SOURCE_URL, STATE_PAGE.read_bytes())])
    return path


def firehose(tmp_path) -> tuple[Path, dict[str, int]]:
    seed = (TESTS / "extraction/dainik_seed.html").read_bytes()
    mirror = seed.replace(b"Dainik Savera Times", b"Unlisted Mirror")
    members = {
        "copy": response(COPY_URL, seed),
        "mirror": response(MIRROR_URL, mirror),
        "robots": response("https://dainiksaveratimes.com/robots.txt", b"User-agent: *\nDisallow:\n",
                           ctype="text/plain"),
        "image": response("https://dainiksaveratimes.com/logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200,
                          ctype="image/png"),
        "redirect": response("http://dainiksaveratimes.com/", b"", status="301 Moved Permanently",
                             extra=[("Location", "https://dainiksaveratimes.com/")]),
        "404": response("https://dainiksaveratimes.com/nope", b"<html><body>Not found</body></html>",
                        status="404 Not Found"),
        "revisit": revisit(COPY_URL),
        "truncated": truncated("https://unlisted-mirror.net/cut/", seed),
        "broken": broken(response("https://unlisted-mirror.net/broken/", seed)),
    }
    for i, (url, page) in enumerate(UNRELATED):
        members[f"unrelated{i}"] = response(url, page.read_bytes())
    members["duplicate"] = response(COPY_URL, seed)  # the same URL again, as CC-NEWS has
    names = list(members)
    path = tmp_path / "firehose.warc.gz"
    offsets = write_warc(path, [members[n] for n in names])
    return path, dict(zip(names, offsets))


def test_import_stores_articles_with_evidence_and_reports_damage(db, tmp_path):
    path, offsets = firehose(tmp_path)
    skipped = []
    result = import_warc(db, [path], on_skip=skipped.append)
    kinds = {(s.kind, s.offset) for s in skipped}
    assert ("revisit", offsets["revisit"]) in kinds
    assert ("truncated", offsets["truncated"]) in kinds
    assert ("broken_gzip", offsets["broken"]) in kinds
    assert ("not_html", offsets["robots"]) in kinds and ("not_html", offsets["image"]) in kinds
    assert ("not_ok", offsets["redirect"]) in kinds and ("not_ok", offsets["404"]) in kinds
    # Every record after the broken member was still read.
    assert result.records == len(offsets)
    urls = {r["url"]: r for r in db.query("select url, outlet, text, fetched from articles")}
    assert COPY_URL in urls and MIRROR_URL in urls
    assert urls[COPY_URL]["outlet"] == "dainik-savera-times"  # through the registry
    assert urls[MIRROR_URL]["outlet"] == "unlisted-mirror.net"  # unlisted: its registrable domain
    assert urls[COPY_URL]["fetched"] == "2023-05-21T08:00:00+00:00"  # the WARC-Date
    assert "US-Japan security treaty" in urls[COPY_URL]["text"]
    pages = list(db.query("select p.url, p.html_gz, p.status from pages p join articles a on a.id = p.article_id "
                          "where a.url = ?", [COPY_URL]))
    assert len(pages) == 1 and pages[0]["status"] == 200
    assert gzip.decompress(pages[0]["html_gz"]) == (TESTS / "extraction/dainik_seed.html").read_bytes()


def test_importing_twice_changes_nothing(db, tmp_path):
    path, _ = firehose(tmp_path)
    import_warc(db, [path])

    def snapshot():
        return {t: list(db.query(f"select * from {t} order by 1, 2")) for t in
                ("articles", "pages", "warc_hosts", "warc_files", "outlets", "article_revisions")}

    before = snapshot()
    again = import_warc(db, [path])
    assert again.counts.new == 0 and again.counts.updated == 0 and again.counts.unchanged >= 2
    assert snapshot() == before


def test_filter_copies_keeps_the_copy_and_drops_unrelated_pages(db, tmp_path, source_warc):
    import_warc(db, [source_warc])
    assert db.execute("select outlet from articles").fetchall() == [("cgtn",)]
    registry = Registry.load()
    copy_filter = CopyFilter.load(db, registry)
    assert len(copy_filter) > 10 and copy_filter.sources == ["cgtn"]
    path, _ = firehose(tmp_path)
    result = import_warc(db, [path], registry=registry, copy_filter=copy_filter)
    stored = {r[0] for r in db.execute("select url from articles where outlet != 'cgtn'")}
    assert stored == {COPY_URL, MIRROR_URL}
    assert result.skipped["filtered"] == len(UNRELATED)
    hosts = {(r["outlet"], r["seen"], r["kept"]) for r in db.query("select * from warc_hosts where warc like 'firehose%'")}
    # dainik: the copy twice (a duplicate URL) and its unrelated Tesla story seen.
    assert ("dainik-savera-times", 3, 2) in hosts
    assert ("unlisted-mirror.net", 1, 1) in hosts
    assert ("example.org", 2, 0) in hosts


@pytest.mark.parametrize("filtered", [False, True])
def test_worker_processes_give_the_same_import(tmp_path, source_warc, monkeypatch, filtered):
    """Records filtered and extracted in two processes: a WARC.gz file in byte ranges the
    workers read (several ranges of a few members, one cut inside the broken member), a
    plain WARC in chunks of a few records. The same rows, counts and reports, in file
    order, as in one process."""
    import syndtrack.warc as warc

    path, offsets = firehose(tmp_path)
    # A range boundary inside the broken gzip member, and several per file.
    monkeypatch.setattr(warc, "RANGE_BYTES", offsets["broken"] + 40)
    monkeypatch.setattr(warc, "RANGES_IN_FLIGHT", 1)
    monkeypatch.setattr(warc, "CHUNK_RECORDS", 3)
    assert len(warc._byte_ranges(path)) >= 2
    second = tmp_path / "second.warc.gz"
    write_warc(second, [response(MIRROR_URL, b"<html><body><p>Gone.</p></body></html>"), revisit(COPY_URL)])
    plain = tmp_path / "plain.warc"
    plain.write_bytes(b"".join(gzip.decompress(m) for m in [
        response(COPY_URL + "?plain", (TESTS / "extraction/dainik_seed.html").read_bytes()),
        *(response(url, page.read_bytes()) for url, page in UNRELATED), revisit(COPY_URL)]))
    outcomes = []
    for workers in (0, 2, 3):
        db = open_db(tmp_path / f"w{workers}-{filtered}.db")
        import_warc(db, [source_warc])
        copy_filter = CopyFilter.load(db, Registry.load()) if filtered else None
        skipped = []
        result = import_warc(db, [path, second, plain], copy_filter=copy_filter, workers=workers,
                             on_skip=skipped.append)
        rows = {"warc_hosts": list(db.query("select * from warc_hosts order by 1, 2")),
                "outlets": [r[0] for r in db.execute("select slug from outlets order by 1")]}
        rows["articles"] = list(db.query("select url, outlet, title, text, fetched, origin from articles order by url"))
        rows["pages"] = [(r["url"], gzip.decompress(r["html_gz"]), r["fetched"])  # gzip headers carry a time
                         for r in db.query("select url, html_gz, fetched from pages order by url, fetched")]
        outcomes.append((rows, [str(s) for s in skipped], result.records, dict(result.skipped), dict(result.kept),
                         result.counts))
        db.close()
    for other in outcomes[1:]:
        for one, two in zip(outcomes[0], other):
            if isinstance(one, dict) and "articles" in one:
                for table in one:
                    assert one[table] == two[table], table
            assert one == two
    assert len(outcomes[0][0]["articles"]) >= 3
    assert any("broken_gzip" in s for s in outcomes[0][1])


def test_filter_is_the_cheap_test_on_raw_text(db, source_warc):
    import_warc(db, [source_warc])
    f = CopyFilter.load(db, Registry.load())
    seed = (TESTS / "extraction/dainik_seed.html").read_text(encoding="utf-8")
    assert f.check_page(seed) == "text"
    assert f.check_page(UNRELATED[1][1].read_text(encoding="utf-8")) is None
    # A rewritten page that links to the source article is kept for its link.
    rewritten = f'<html><body><p>Japan did things.</p><a href="{SOURCE_URL}">Source link</a></body></html>'
    assert f.check_page(rewritten) == "link"
    assert f.check_page(seed.encode("utf-8")) == "text"  # the importer hands it the raw bytes
    assert f.check_page(rewritten.encode("utf-8")) == "link"
    assert "<" not in page_text(seed) and "window." not in page_text("<script>window.x=1</script>hi")
    assert page_text(b"<SCRIPT>var a='<b>';</SCRIPT><p>caf\xc3\xa9</p><!-- x -->").split() == ["caf\u00e9"]
    # Not UTF-8: decoded by the crawler's rules (here the declared charset).
    assert "caf\u00e9" in page_text("<p>caf\u00e9</p>".encode("latin-1"), {"content-type": "text/html; charset=latin-1"})


def test_link_test_reads_only_the_links_to_source_articles(db, source_warc):
    import_warc(db, [source_warc])
    f = CopyFilter.load(db, Registry.load())
    other = "https://www.globaltimes.cn/page/202401/1305000.shtml"  # a source host's article we do not hold
    page = "<html><head>{}</head><body><p>Rewritten.</p>{}</body></html>"
    assert f.check_links(page.format(f'<link rel="canonical" href="{SOURCE_URL}">', "").encode()) == "link"
    assert f.check_links(page.format("", f'<A class=x HREF="{other}"><b>Original</b> story</A>').encode()) == "link"
    # A "related" box links to the article by its headline; a credit names the home page only.
    related = page.format("", f'<ul class="related"><li><a href="{SOURCE_URL}">What is the purpose of Japan</a></li></ul>')
    assert f.check_links(related.encode()) is None
    assert f.check_links(page.format("", '<a href="https://news.cgtn.com/">Source: CGTN</a>').encode()) is None
    # The cue must be the anchor's own text, not the text after it.
    assert f.check_links(page.format("", f'<a href="{other}">Beijing</a> source: staff').encode()) is None
    # The whole cheap test reads the links of the markup shown: not those in scripts or comments.
    credit = f'<a href="{other}">Original story</a>'
    assert f.check_page(page.format("", credit).encode()) == "link"
    assert f.check_page(page.format("", f"<!-- {credit} -->").encode()) is None
    assert f.check_page(page.format("", f"<script>var a = '{credit}';</script>").encode()) is None


def test_page_skeleton_from_bytes_equals_the_normalised_text(db, source_warc):
    """The fast path (bytes, no normalisation) must give what normalising the text gives."""
    from dedupe.normalize import normalize_text, skeleton

    pages = [p.read_bytes() for p in sorted([*SITES.rglob("*.html"), *(TESTS / "extraction").glob("*.html")])]
    pages += [
        "<p>It\u2019s \u201cfine\u201d \u2014 really\u2026 \u00a9 2024\u00a0AP</p>".encode(),
        b"<p>AT&amp;T &amp;rsquo;said&amp;rsquo; &#8217;no&#x2019; &eacute;t&eacute; &nbsp;&copy;</p>",
        "<p>Stra\u00dfe CAF\u00c9 \u00fcber \u0131 \u1ebf \u00b5m \ufb01</p>".encode(),  # Latin letters beyond ASCII, micro, fi
        "<p>e\u0301 o\u031b \uff21\uff22 \u2122 \u00bd</p>".encode(),  # composing, full-width, TM, 1/2
        "<p>\u65b0\u83ef\u793e(xinhua) \u6a19(bi\u0101o)\u6e96</p>".encode(),  # Traditional Chinese
        "<p>\u0421ity of \u0430pple</p>".encode(),  # Cyrillic look-alikes inside Latin words
        b"<p>caf\xe9 in Latin-1</p>",
        # Punctuation entities turned into spaces; anything else, or what a second unescaping
        # would read, decoded as normalisation does.
        b"<p>don&#x27;t &quot;q&quot; &copy;&nbsp;2024 &raquo; AT&amp;T &lt;b&gt; &#8217;s&hellip;</p>",
        b"<p>&amp;#8217;s &amp;eacute;t&amp;eacute; &quot;x&quot;</p>",  # each alone: what unescaping twice reads
        b"<p>&amp;amp;eacute; &#x27;</p>",
        b"<p>&COPY; &#X27;s &QUOT;q&QUOT;</p>",
        b"<p>caf&eacute &amp; &amp</p>",
        b"<p>a&amp;b&amp;&amp; &#39;q&#039; &#x201C;u&#x201d; caf\xc3\xa9&#x27;s \xc3\xa9&#8217;\xc3\xbc</p>",
    ]
    edges = [  # not on the fast path, but the same skeleton
        b"<p>broken \xc3\xe2\x80\x99\xa9 halves around a curly quote</p>",
        "<p>\u00ab Quote \u00bb \u2026 \u2022 \u00b7 x\u2019\u0301y \u2014caf\u00e9\u2013</p>".encode(),
    ]
    fast = 0
    for html in pages + edges:
        got = page_skeleton(html)
        fast += html in pages and _fast_skeleton(html) is not None
        got = got.decode("ascii") if isinstance(got, bytes) else got
        assert got == skeleton(normalize_text(page_text(html))), html[:200]
    assert fast >= len(pages) * 3 // 4  # most pages take the fast path
    assert _fast_skeleton("<p>Stra\u00dfe caf\u00e9</p>".encode()) == "strassecaf\u00e9"
    assert _fast_skeleton("<p>\u6a19\u6e96</p>".encode()) is None  # Chinese: normalisation's own rules
    # The punctuation deleted before the run look-ups has an empty skeleton, as the look-ups say.
    from syndtrack.warc import _DROPPED, _run_skeleton

    assert all(_run_skeleton(c.encode()) == b"" for c in _DROPPED)
    assert _fast_skeleton("<p>It\u2019s \u201cfine\u201d\u00a0\u2014 ok\u2026</p>".encode()) == b"itsfineok"
    # And the look-up agrees: the copy's skeleton from bytes finds the source's fingerprints.
    import_warc(db, [source_warc])
    f = CopyFilter.load(db, Registry.load())
    seed = (TESTS / "extraction/dainik_seed.html").read_bytes()
    assert f.skeleton_hits(page_skeleton(seed)) == f.hits(page_text(seed)) >= 2


def test_filter_uses_the_cluster_index_when_there_is_one(db, source_warc):
    from syndtrack.clustering import cluster

    import_warc(db, [source_warc])
    unindexed = CopyFilter.load(db, Registry.load())
    cluster(db)
    indexed = CopyFilter.load(db, Registry.load())
    stored = {r[0] for r in db.execute("select hash from dedupe_fingerprints")}
    assert set(indexed.fingerprints.tolist()) == stored
    assert set(unindexed.fingerprints.tolist()) == stored


def test_expand_paths_globs_and_lists(tmp_path):
    for name in ("a.warc.gz", "b.warc.gz", "c.warc"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "list.txt").write_text("# CC-NEWS\nc.warc\n*.warc.gz\n")
    assert [p.name for p in expand_paths([str(tmp_path / "*.warc.gz")])] == ["a.warc.gz", "b.warc.gz"]
    assert [p.name for p in expand_paths(["@" + str(tmp_path / "list.txt")])] == ["c.warc", "a.warc.gz", "b.warc.gz"]


def test_uncompressed_warc_with_truncated_last_record(db, tmp_path):
    seed = (TESTS / "extraction/dainik_seed.html").read_bytes()
    members = [response(COPY_URL, seed), truncated("https://unlisted-mirror.net/cut/", seed)]
    path = tmp_path / "plain.warc"
    path.write_bytes(b"".join(gzip.decompress(m) for m in members))
    skipped = []
    result = import_warc(db, [path], on_skip=skipped.append)
    assert result.counts.new == 1
    assert [s.kind for s in skipped] == ["truncated"] and skipped[0].offset == len(gzip.decompress(members[0]))


def test_cli_import_warc(tmp_path, source_warc):
    path, offsets = firehose(tmp_path)
    db_file = tmp_path / "cli.db"
    runner = CliRunner()
    first = runner.invoke(cli, ["--db", str(db_file), "import-warc", str(source_warc)])
    assert first.exit_code == 0, first.output
    (tmp_path / "list.txt").write_text(path.name + "\n")
    out = runner.invoke(cli, ["--db", str(db_file), "import-warc", "--filter", "copies", "@" + str(tmp_path / "list.txt")])
    assert out.exit_code == 0, out.output
    assert f"offset {offsets['broken']}: broken_gzip" in out.output
    assert f"offset {offsets['truncated']}: truncated" in out.output
    assert "2 new" in out.output and "records/s" in out.output
    none = runner.invoke(cli, ["--db", str(tmp_path / "empty.db"), "import-warc", "--filter", "copies", str(path)])
    assert none.exit_code == 1 and "no source articles" in none.output


def test_discover_ranks_the_unlisted_republisher(tmp_path, source_warc):
    from syndtrack.clustering import cluster
    from syndtrack.discover import discover, to_toml
    from syndtrack.store.registry import parse_toml, validate_registry

    db = open_db(tmp_path / "d.db")
    import_warc(db, [source_warc])
    path, _ = firehose(tmp_path)
    # A rewritten page that keeps only a Source link to the state-media article.
    rewritten = (f"<html><head><title>Japan's moves worry region</title></head><body><article><h1>Japan's moves worry "
                 f"region</h1>" + "<p>Officials in the region said this week that the recent military steps taken "
                 "by Tokyo deserve close attention from every neighbour, and they asked for talks.</p>" * 6
                 + f'<p><a href="{SOURCE_URL}">Source link</a></p></article></body></html>').encode()
    linked = tmp_path / "linked.warc.gz"
    write_warc(linked, [response("https://rewriter.example.com/2023/05/22/japan-moves/", rewritten)])
    f = CopyFilter.load(db, Registry.load())
    import_warc(db, [path, linked], copy_filter=f)
    cluster(db)
    rows = discover(db, Registry.load())
    hosts = {r["host"]: r for r in rows}
    assert "dainik-savera-times" not in hosts  # listed already
    assert hosts["unlisted-mirror.net"]["text_stories"] == 1
    assert hosts["unlisted-mirror.net"]["sources"] == "cgtn"
    assert hosts["unlisted-mirror.net"]["credited_share"] == 1.0  # "(Courtesy-China Media Group, Beijing)"
    assert hosts["example.com"]["linked"] == 1 and hosts["example.com"]["text_stories"] == 0
    entries = validate_registry(parse_toml(to_toml(rows), "discovered"))
    assert {"unlisted-mirror-net", "example-com"} <= set(entries)
    out = CliRunner().invoke(cli, ["--db", str(tmp_path / "d.db"), "outlets", "discover", "--toml"])
    assert out.exit_code == 0 and "[outlets.unlisted-mirror-net]" in out.output
    from syndtrack.report import build_report

    build_report(db, tmp_path / "report.html")
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    section = html.split('id="new-republishers"', 1)[1].split("<h2", 1)[0]
    assert "unlisted-mirror.net" in section and "example.com" in section
    db.close()


@pytest.mark.parametrize("html", [
    b"no tags at all", b"a>b<p>c</p>d", b"x<p>y<z", b"x<p>y<z<w", b"<p>a</p>>b<", b"<p>a><z", b"x<p><z",
    b"t<a title='x>y'>u</a>v", b"<<>>x<", b"a<b>c>d<e", b"", b"<", b">",
    b"<script>var a = '<p>';</script><p>kept &amp; <b>bold</b></p><!-- gone <p> -->tail",
])
def test_strip_bytes_keeps_what_the_tag_regex_keeps(html):
    """_strip_bytes finds the text between tags instead of replacing every tag: the same
    words as the two substitutions (whitespace aside: the skeleton drops it)."""
    from syndtrack.warc import _B_INVISIBLE, _B_TAG, _strip_bytes

    assert _strip_bytes(html).split() == _B_TAG.sub(b" ", _B_INVISIBLE.sub(b" ", html)).split()


def test_strip_bytes_on_every_fixture_page():
    from syndtrack.warc import _B_INVISIBLE, _B_TAG, _strip_bytes

    pages = sorted([*SITES.rglob("*.html"), *(TESTS / "extraction").glob("*.html")])
    assert len(pages) >= 10
    for page in pages:
        html = page.read_bytes()
        assert _strip_bytes(html).split() == _B_TAG.sub(b" ", _B_INVISIBLE.sub(b" ", html)).split(), page.name
