"""A CC-NEWS-like WARC.gz set, built offline from the real pages in ``../shared/data``.

What is in it (every number is in ``labels.json`` next to the files):

- **sources.warc.gz**: state-media articles (Xinhua, CGTN, Global Times, China Daily,
  RT) to load first (``import-warc`` without a filter). Their texts are real articles
  from the pool of ``benchmarks/corpus.py`` (texts sharing no passage), published
  here under state-media URLs: a synthetic attribution, real prose.
- **CC-NEWS-*.warc.gz**, the firehose, one record per gzip member as CC-NEWS ships:
  - the real raw pages of article-extraction-benchmark and fundus-publisher-pages
    (439 pages of ~180 publishers), some twice under the same URL (real duplicates);
  - the other real texts of the pool wrapped in news-site HTML (navigation, teasers,
    scripts of a realistic size) on ~400 background hosts;
  - **planted copies** of state-media articles on **planted republisher hosts** at a
    known rate per host: whole copies (some with a credit line), excerpts (a third to
    two thirds of the piece inside the host's own text), autoblog wrappers
    (``[ad_1]``/``[ad_2]``/``Source link``) and paraphrases that keep only a
    ``Source link`` to the state-media page;
  - decoys: hosts quoting one short sentence of a state-media piece, hosts linking to
    state-media home pages or, in a "related" box, to state-media articles;
  - non-article records: robots.txt, images, redirects, 404s, revisits, request records.

Usage::

    python benchmarks/warc_corpus.py --out /tmp/warc-bench              # 20,000 records
    python benchmarks/warc_corpus.py --out /tmp/warc-bench --records 100000

The data is generated, never committed.
"""

from __future__ import annotations

import argparse
import gzip
import html
import io
import json
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import DATA_DIR, distinct_sources, load_sources, size_of  # noqa: E402

STATE_MEDIA = [  # (registry slug, article URL pattern, name used in credit lines)
    ("xinhua", "https://english.news.cn/{date}/{id}/c.html", "Xinhua"),
    ("cgtn", "https://news.cgtn.com/news/{date}/{slug}-{id}/index.html", "CGTN"),
    # Global Times' real pattern: its "/page/" once made extraction read these as listing pages.
    ("global-times", "https://www.globaltimes.cn/page/{ym}/{id}.shtml", "Global Times"),
    ("china-daily", "https://www.chinadaily.com.cn/a/{ym}/{id}.html", "China Daily"),
    ("rt", "https://www.rt.com/news/{id}-{slug}/", "RT"),
]
MAX_DUPLICATE_POOL = 2000
STATE_HOMES = ["https://english.news.cn/", "https://news.cgtn.com/", "https://www.globaltimes.cn/",
               "https://www.chinadaily.com.cn/", "https://www.rt.com/"]
STYLES = ("whole", "excerpt", "autoblog", "paraphrase")
WORDS = ("daily", "world", "news", "post", "times", "herald", "today", "express", "report", "wire", "global",
         "bulletin", "voice", "tribune", "journal", "observer", "chronicle", "insight", "press", "now")
TLDS = ("com", "net", "org", "info", "news", "co.uk", "com.au", "in", "ng", "co.za", "com.pk", "lk")
T0 = datetime(2024, 3, 1, tzinfo=timezone.utc)


def _host(rng: random.Random, taken: set[str]) -> str:
    while True:
        name = rng.choice(WORDS) + rng.choice(("", "-")) + rng.choice(WORDS) + str(rng.randint(1, 99))
        host = f"www.{name}.{rng.choice(TLDS)}"
        if host not in taken:
            taken.add(host)
            return host


def _slug(title: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in title.lower()).split()[:8]) or "story"


def _script(rng: random.Random) -> str:
    # Real news pages carry 50-300 KB of scripts and styles; the cheap test must skip them.
    n = rng.randint(2000, 8000)
    return "<script>window.__DATA__=" + json.dumps([{"k": rng.random(), "v": "x" * 8} for _ in range(n // 10)]) + \
        ";</script><style>" + ".c{color:#123}" * (n // 4) + "</style>"


_CHROME: dict[str, tuple[str, str]] = {}
SECTIONS = ("world", "business", "sports", "tech", "opinion", "video", "politics", "health", "science",
            "travel", "style", "food", "autos", "real-estate", "education", "weather", "local", "entertainment")


def chrome(rng: random.Random, host: str, site: str) -> tuple[str, str]:
    """A host's header and footer, built once per host: a mega menu, widgets, a footer of links.

    Real news pages carry ~730 elements (the 439 real pages of ../shared/data: 173 KB,
    730 elements, trafilatura 30 ms a page); a page of bare paragraphs would make
    extraction look ten times cheaper than it is on CC-NEWS.
    """
    if host not in _CHROME:
        esc = html.escape
        menu = "".join(
            f'<li class="menu-item"><a href="https://{host}/{s}/">{s.title()}</a><div class="sub"><ul>'
            + "".join(f'<li><a href="https://{host}/{s}/{t}/"><span>{s.title()} {t}</span></a></li>'
                      for t in range(rng.randint(4, 8)))
            + "</ul></div></li>" for s in SECTIONS)
        header = (f'<div id="top-bar"><div class="container"><span class="date">Friday</span>'
                  f'<div class="social">' + "".join(f'<a class="icon-{n}" href="https://{n}.com/{host}"><i></i></a>'
                                                  for n in ("facebook", "twitter", "instagram", "youtube")) +
                  f'</div></div></div><header class="site-header"><div class="logo"><a href="https://{host}/">'
                  f'<img src="/logo.png" alt="{esc(site)}"></a></div><nav class="main-nav"><ul>{menu}</ul></nav>'
                  f'<form class="search"><input type="text" name="q"><button>Search</button></form></header>'
                  f'<div class="ad-slot"><div><div><ins class="adsbygoogle"></ins></div></div></div>')
        cols = "".join(f'<div class="col"><h4>{s.title()}</h4><ul>'
                       + "".join(f'<li><a href="https://{host}/{s}/{i}/">{s.title()} {i}</a></li>' for i in range(6))
                       + "</ul></div>" for s in SECTIONS[:10])
        footer = (f'<footer class="site-footer"><div class="cols">{cols}</div><p>&copy; 2024 {esc(site)}. '
                  f'All rights reserved.</p><p><a href="https://{host}/privacy/">Privacy</a> '
                  f'<a href="https://{host}/terms/">Terms</a></p></footer>')
        _CHROME[host] = (header, footer)
    return _CHROME[host]


def page(rng: random.Random, host: str, title: str, paragraphs: list[str], *, published: datetime,
         teasers: list[str] = (), extra_links: list[tuple[str, str]] = (), site: str | None = None,
         tail: str = "") -> bytes:
    site = site or host.removeprefix("www.").split(".")[0].replace("-", " ").title()
    esc = html.escape
    header, footer = chrome(rng, host, site)
    cards = "".join(
        f'<div class="card"><a href="https://{host}/story/{_slug(t)}/"><div class="thumb"><img src="/i/{i}.jpg" '
        f'alt=""></div><h3>{esc(t)}</h3></a><span class="meta">{i + 1} hours ago</span></div>'
        for i, t in enumerate(teasers))
    widgets = "".join(
        f'<div class="widget"><h3>{w}</h3><ol>'
        + "".join(f'<li><a href="https://{host}/story/{_slug(t)}/"><span class="n">{i + 1}</span> {esc(t)}</a></li>'
                  for i, t in enumerate(teasers[:5]))
        + "</ol></div>" for w in ("Most read", "Trending", "Editor's picks"))
    links = "".join(f'<li><a href="{u}">{esc(t)}</a></li>' for u, t in extra_links)
    body = "".join(f"<p>{esc(p)}</p>" for p in paragraphs)
    share = "".join(f'<a class="share-{n}" href="https://{n}.com/share?u={host}"><i></i><span>{n}</span></a>'
                    for n in ("facebook", "twitter", "whatsapp", "telegram", "email"))
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(title)} | {esc(site)}</title>'
        f'<meta property="og:type" content="article"><meta property="og:title" content="{esc(title)}">'
        f'<meta property="og:site_name" content="{esc(site)}">'
        f'<meta property="article:published_time" content="{published.isoformat()}">{_script(rng)}</head>'
        f'<body class="single-post">{header}<div class="container"><main><article>'
        f'<div class="breadcrumbs"><a href="https://{host}/">Home</a> &raquo; <a href="https://{host}/world/">World</a></div>'
        f'<h1>{esc(title)}</h1><div class="byline">By <a href="https://{host}/author/staff/">Staff Reporter</a></div>'
        f'<div class="share">{share}</div><div class="entry-content">{body}{tail}</div>'
        f'<div class="tags"><a href="https://{host}/tag/news/">News</a></div></article>'
        f'<section class="related"><h2>Related</h2><div class="grid">{cards}</div></section>'
        f'<div id="comments"><h3>Leave a comment</h3><form><textarea></textarea><button>Post</button></form></div>'
        f'</main><aside class="sidebar">{widgets}<ul>{links}</ul></aside></div>{footer}{_script(rng)}</body></html>'
    ).encode("utf-8")


class Writer:
    """Records into files of about ``file_bytes`` compressed, one gzip member each."""

    def __init__(self, out: Path, file_bytes: int, prefix: str = "CC-NEWS-20240301"):
        self.out, self.file_bytes, self.prefix = out, file_bytes, prefix
        self.n_files, self.fh, self.writer, self.records = 0, None, None, 0
        self.files: list[str] = []

    def _open(self) -> None:
        if self.fh is None or self.fh.tell() >= self.file_bytes:
            if self.fh is not None:
                self.fh.close()
            self.n_files += 1
            name = f"{self.prefix}-{self.n_files:05d}.warc.gz"
            self.files.append(name)
            self.fh = open(self.out / name, "wb")
            self.writer = WARCWriter(self.fh, gzip=True)

    def response(self, url: str, body: bytes, *, status="200 OK", ctype="text/html; charset=utf-8",
                 date: datetime = T0, headers=()) -> None:
        self._open()
        w = self.writer
        http = StatusAndHeaders(status, [("Content-Type", ctype), *headers], protocol="HTTP/1.1")
        w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http,
                                            warc_headers_dict={"WARC-Date": date.strftime("%Y-%m-%dT%H:%M:%SZ")}))
        self.records += 1

    def other(self, kind: str, url: str) -> None:
        self._open()
        w = self.writer
        if kind == "revisit":
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            w.write_record(w.create_revisit_record(url, digest="sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                                   refers_to_uri=url, refers_to_date="2024-02-28T00:00:00Z",
                                                   http_headers=http))
        else:  # request
            http = StatusAndHeaders("GET / HTTP/1.1", [("Host", url.split("/")[2])], is_http_request=True)
            w.write_record(w.create_warc_record(url, "request", http_headers=http))
        self.records += 1

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()


def raw_pages(data_dir: Path) -> list[tuple[str, bytes]]:
    out = []
    aeb = data_dir / "article-extraction-benchmark"
    truth = json.loads((aeb / "ground-truth.json").read_text(encoding="utf-8"))
    for key, item in sorted(truth.items()):
        out.append((item["url"], gzip.open(aeb / "html" / f"{key}.html.gz").read()))
    fundus = data_dir / "fundus-publisher-pages"
    for line in (fundus / "index.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        out.append((rec["url"], gzip.open(fundus / rec["html_file"]).read()))
    return out


def build(out: Path, records: int = 20_000, seed: int = 0, *, file_mb: int = 1000, planted_hosts: int = 24,
          data_dir: Path = DATA_DIR, n_sources: int = 400, copy_share: float = 0.03) -> dict:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    started = time.time()
    pool = [s for s in distinct_sources(load_sources(data_dir)) if s.language == "en" and s.kind != "culturax"]
    rng.shuffle(pool)
    sources = [s for s in pool if 250 <= size_of(s.text) <= 2500][:n_sources]
    chosen = {s.key for s in sources}
    background = [s for s in pool if s.key not in chosen and size_of(s.text) >= 80]
    taken: set[str] = set()
    labels: dict = {"seed": seed, "records": records, "sources": [], "planted": [], "planted_hosts": {},
                    "decoy_hosts": {}, "files": [], "counts": {}}

    # -- the state-media articles ---------------------------------------------------
    src_writer = Writer(out, 1 << 40, prefix="sources")
    src_urls = []
    for i, s in enumerate(sources):
        slug, pattern, credit = STATE_MEDIA[i % len(STATE_MEDIA)]
        published = T0 + timedelta(hours=rng.uniform(0, 24 * 10))
        url = pattern.format(date=published.strftime("%Y%m%d"), ym=published.strftime("%Y%m"),
                             id=f"{100000 + i}", slug=_slug(s.title))
        host = url.split("/")[2]
        src_writer.response(url, page(rng, host, s.title, s.paragraphs, published=published, site=credit),
                            date=published + timedelta(minutes=30))
        src_urls.append(url)
        labels["sources"].append({"url": url, "outlet": slug, "published": published.isoformat(), "credit": credit})
    src_writer.close()
    labels["source_file"] = src_writer.files[0]

    # -- who publishes what -----------------------------------------------------------
    planted = []
    for i in range(planted_hosts):
        host = _host(rng, taken)
        styles = [STYLES[i % 4]] + ([rng.choice(STYLES[:3])] if i % 3 == 0 else [])
        planted.append({"host": host, "rate": round(rng.uniform(0.25, 0.9), 2), "styles": styles})
    decoys = [{"host": _host(rng, taken), "kind": k} for k in ("quote", "home_link", "related_link") for _ in range(5)]
    bg_hosts = [_host(rng, taken) for _ in range(400)]
    raw = raw_pages(data_dir)

    n_copies = int(records * copy_share)
    n_other = int(records * 0.10)
    per_host_copies = max(1, n_copies // planted_hosts)
    w = Writer(out, file_mb << 20)
    counts = {"copy": 0, "paraphrase": 0, "background": 0, "raw": 0, "decoy": 0, "duplicate": 0, "other": 0}
    plan: list[tuple] = []
    for p in planted:
        copies = per_host_copies
        own = max(1, round(copies * (1 - p["rate"]) / p["rate"]))
        p["copies"], p["own"] = copies, own
        plan += [("copy", p)] * copies + [("own", p["host"])] * own
    for d in decoys:
        plan += [("decoy", d)] * 8
    plan += [("raw", r) for r in raw]
    plan += [("other", None)] * n_other
    plan += [("dup", None)] * int(records * 0.01)
    while len(plan) < records:
        plan.append(("own", rng.choice(bg_hosts)))
    plan = plan[:records] if len(plan) > records else plan
    rng.shuffle(plan)

    # Pages a duplicate can repeat: a bounded sample, so 100k records (10 GB of pages) do not
    # have to be held; its own generator leaves the main sequence as it was.
    written_html: list[tuple[str, bytes, datetime]] = []
    sample_rng = random.Random(seed + 1)

    def remember(page: tuple[str, bytes, datetime]) -> None:
        if len(written_html) < MAX_DUPLICATE_POOL:
            written_html.append(page)
        else:
            written_html[sample_rng.randrange(MAX_DUPLICATE_POOL)] = page
    bg_i = 0

    def next_background():
        nonlocal bg_i
        s = background[bg_i % len(background)]
        bg_i += 1
        return s

    def teasers():
        return [background[rng.randrange(len(background))].title[:90] for _ in range(12)]

    for kind, arg in plan:
        when = T0 + timedelta(hours=rng.uniform(0, 24 * 12))
        if kind == "copy":
            p = arg
            style = rng.choice(p["styles"])
            k = rng.randrange(len(sources))
            s, src = sources[k], labels["sources"][k]
            published = datetime.fromisoformat(src["published"]) + timedelta(hours=rng.uniform(0.5, 36))
            url = f"https://{p['host']}/{published:%Y/%m/%d}/{_slug(s.title)}-{rng.randint(1000, 9999)}/"
            paras, tail, title = list(s.paragraphs), "", s.title
            credited = rng.random() < 0.4
            if style == "excerpt":
                n = len(paras)
                take = max(2, int(n * rng.uniform(0.34, 0.67)))
                start = rng.randrange(0, max(1, n - take + 1))
                own = next_background()
                paras = own.paragraphs[:2] + paras[start : start + take] + own.paragraphs[2:4]
                title = own.title
            elif style == "autoblog":
                paras = ["[ad_1]", s.title] + paras + ["[ad_2]"]
                tail = f'<p><a href="{src["url"]}" target="_blank">Source link</a></p>'
            elif style == "paraphrase":
                paras = [_paraphrase(rng, q) for q in paras]
                tail = f'<p><a href="{src["url"]}">Source link</a></p>'
            if credited and style != "paraphrase":
                paras.append(f"(Courtesy-{src['credit']})")
            body = page(rng, p["host"], title, paras, published=published, teasers=teasers(), tail=tail)
            w.response(url, body, date=published + timedelta(hours=1))
            labels["planted"].append({"url": url, "host": p["host"], "style": style, "source": src["url"],
                                      "credited": credited and style != "paraphrase"})
            counts["paraphrase" if style == "paraphrase" else "copy"] += 1
            remember((url, body, published))
        elif kind == "decoy":
            d = arg
            s = next_background()
            paras = list(s.paragraphs)
            links: list[tuple[str, str]] = []
            if d["kind"] == "quote":
                src = sources[rng.randrange(len(sources))]
                sentence = src.paragraphs[0].split(". ")[0][:90]
                paras.insert(1, f'As one state outlet put it, "{sentence}."')
            elif d["kind"] == "home_link":
                links = [(rng.choice(STATE_HOMES), "Partner site")]
            else:
                links = [(src_urls[rng.randrange(len(src_urls))], "Related: more on this story")]
            url = f"https://{d['host']}/{when:%Y/%m/%d}/{_slug(s.title)}/"
            body = page(rng, d["host"], s.title, paras, published=when, teasers=teasers(), extra_links=links)
            w.response(url, body, date=when)
            counts["decoy"] += 1
            remember((url, body, when))
        elif kind == "own":
            host = arg
            s = next_background()
            url = f"https://{host}/{when:%Y/%m/%d}/{_slug(s.title)}-{bg_i}/"
            body = page(rng, host, s.title, s.paragraphs, published=when, teasers=teasers())
            w.response(url, body, date=when)
            counts["background"] += 1
            remember((url, body, when))
        elif kind == "raw":
            url, body = arg
            w.response(url, body, date=when)
            counts["raw"] += 1
            remember((url, body, when))
        elif kind == "dup" and written_html:
            url, body, t = written_html[rng.randrange(len(written_html))]
            w.response(url, body, date=t + timedelta(hours=6))
            counts["duplicate"] += 1
        else:
            host = rng.choice(bg_hosts)
            r = rng.random()
            if r < 0.25:
                w.response(f"https://{host}/robots.txt", b"User-agent: *\nDisallow: /admin/\n", ctype="text/plain")
            elif r < 0.45:
                w.response(f"https://{host}/img/{rng.randint(1, 10**6)}.jpg", rng.randbytes(rng.randint(2000, 30000)),
                           ctype="image/jpeg")
            elif r < 0.6:
                w.response(f"http://{host}/{rng.randint(1, 10**6)}", b"", status="301 Moved Permanently",
                           headers=[("Location", f"https://{host}/")])
            elif r < 0.75:
                w.response(f"https://{host}/gone/{rng.randint(1, 10**6)}", b"<html><body><h1>Not Found</h1></body></html>",
                           status="404 Not Found")
            elif r < 0.9:
                w.other("revisit", f"https://{host}/{rng.randint(1, 10**6)}/")
            else:
                w.other("request", f"https://{host}/{rng.randint(1, 10**6)}/")
            counts["other"] += 1
    w.close()
    labels["files"] = w.files
    labels["counts"] = {**counts, "records": w.records}
    labels["planted_hosts"] = {p["host"]: p for p in planted}
    labels["decoy_hosts"] = {d["host"]: d["kind"] for d in decoys}
    labels["seconds"] = round(time.time() - started, 1)
    (out / "labels.json").write_text(json.dumps(labels, indent=1), encoding="utf-8")
    return labels


def _paraphrase(rng: random.Random, paragraph: str) -> str:
    """A rewrite that shares no 32-letter run with the original: every third word swapped, clauses reordered."""
    words = paragraph.split()
    swaps = {"said": "stated", "the": "this", "and": "as well as", "to": "towards", "of": "concerning",
             "in": "within", "is": "remains", "was": "had been", "for": "on behalf of", "on": "upon"}
    words = [swaps.get(x.lower(), x) if i % 2 else x for i, x in enumerate(words)]
    for i in range(0, len(words) - 3, 5):
        words[i], words[i + 1] = words[i + 1], words[i]
    return " ".join(words)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--records", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--file-mb", type=int, default=1000, help="compressed size of each firehose file (CC-NEWS: ~1000)")
    ap.add_argument("--planted-hosts", type=int, default=24)
    ap.add_argument("--copy-share", type=float, default=0.03, help="share of records that are planted copies")
    args = ap.parse_args(argv)
    labels = build(args.out, args.records, args.seed, file_mb=args.file_mb, planted_hosts=args.planted_hosts,
                   copy_share=args.copy_share)
    print(json.dumps({k: labels[k] for k in ("counts", "files", "seconds")}))


if __name__ == "__main__":
    main()
