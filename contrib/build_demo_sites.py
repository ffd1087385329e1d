"""Rebuild the demo outlet sites bundled in syndtrack/data/demo_sites/.

``syndtrack demo`` serves these folders with syndtrack.siteserver (one
127.0.0.1 port per folder, ``{{site:NAME}}`` replaced by that site's base URL)
and crawls them with the real spider. Every text is a real one taken from the
shared data folder (see syndtrack/data/demo_sites/SOURCE.txt); the page
templates, the dates of the pages and the two hand-made republications (an
excerpt and an edited, uncredited rewrite of the seed) are ours.

Run from the repository root:

    python contrib/build_demo_sites.py /work/shared

It rewrites the site folders and outlets.toml; commit the result.
"""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
import sys
import tarfile
from dataclasses import dataclass, field
from email.utils import format_datetime
from datetime import datetime
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "syndtrack" / "data" / "demo_sites"


@dataclass
class Article:
    path: str  # URL path on its site, e.g. /2024/04/15/japan.html
    title: str
    published: str  # ISO 8601 with offset
    paragraphs: list[str]
    author: str | None = None
    # Raw HTML inserted as-is after the paragraphs (credit lines, source links).
    body_html: str | None = None
    extra_after: str = ""


@dataclass
class Site:
    slug: str
    name: str
    language: str
    country: str
    state_media: bool
    owner: str | None
    style: str  # which page template
    articles: list[Article] = field(default_factory=list)
    registry: dict = field(default_factory=dict)  # how the registry points the spider at it


def paragraphs_of(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def sentences_to_paragraphs(text: str, per: int = 3) -> list[str]:
    sentences = re.split(r"(?<=[.!?\"”])\s+(?=[A-Z\"“])", text.strip())
    return [" ".join(sentences[i : i + per]) for i in range(0, len(sentences), per)]


# ---------------------------------------------------------------------------
# Real texts


def seed(shared: Path) -> tuple[str, list[str], str]:
    raw = (shared / "seeds" / "000_d229f4eea3c573a8.txt").read_text(encoding="utf-8")
    title = raw.splitlines()[0].split(" – ")[0].strip()
    body = raw.split("[ad_1]", 1)[1].split("[ad_2]", 1)[0]
    paras = paragraphs_of(body)
    credit = paras[-1]
    assert credit.startswith("(Courtesy-China Media Group"), credit
    return title, paras[:-1], credit


def culturax(shared: Path) -> list[dict]:
    return json.loads((shared / "data" / "state-media-culturax-sample" / "examples.json").read_text(encoding="utf-8"))


def peoples_daily(shared: Path) -> tuple[str, list[str]]:
    record = json.loads((shared / "data" / "fundus-publisher-pages" / "cn" / "People.json").read_text(encoding="utf-8"))["V1"]
    paras = [p for s in record["body"]["sections"] for p in s["paragraphs"]]
    # The last paragraph ends in a mojibake'd reporter list in the source; keep the clean part.
    paras[-1] = paras[-1].split("（记者")[0]
    title = record["title"].split("--")[0]
    return title, paras


def provenance(shared: Path, csv_name: str, row_id: str, keep: slice | list[int]) -> tuple[str, list[str]]:
    csv.field_size_limit(10**8)
    with open(shared / "data" / "provenance-news-day-samples" / csv_name, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["id"] == row_id:
                parts = row["text"].split(" ### ")
                chosen = parts[keep] if isinstance(keep, slice) else [parts[i] for i in keep]
                return parts[0], chosen
    raise KeyError(row_id)


def autoblog_post(shared: Path, name: str) -> tuple[str, str, str]:
    """(title, post_date, body HTML with its real [ad_1]/[ad_2]/Source wrapper)."""
    with tarfile.open(shared / "data" / "autoblog-whenitson-2016" / "posts.tar.gz") as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith(name))
        text = tar.extractfile(member).read().decode("utf-8")
    _, front, body = text.split("---", 2)
    title = re.search(r"post_title: (?:>\n)?\s*'?(.+?)'?\n(?:\S)", front, re.S).group(1)
    title = html.unescape(" ".join(title.split()))
    date = re.search(r"post_date: (.+)", front).group(1).strip()
    return title, date, body.strip()


# ---------------------------------------------------------------------------
# The sites


def build_sites(shared: Path) -> list[Site]:
    title, seed_paras, credit = seed(shared)
    cx = culturax(shared)
    pd_title, pd_paras = peoples_daily(shared)

    cmg = Site(
        "cmg-world", "CMG World Service", "en", "CN", True, "China Media Group", "cmg",
        registry={"feeds": ["{{site:cmg-world}}/rss.xml"]},
    )
    seed_origin = Article("/news/2024-04-15/japan-dangerous-actions.html", title, "2024-04-15T08:30:00+08:00", seed_paras, "CMG commentary")
    diaoyu = Article(
        "/news/2012-10-11/diaoyu-bandit-logic.html",
        "Foreign Ministry: Japan's use of out-of-context materials on Diaoyu Islands is 'bandit logic'",
        "2012-10-11T18:05:00+08:00", sentences_to_paragraphs(cx[56]["culturax_text_en"]), "Xinhua",
    )
    korea = Article(
        "/news/2015-12-14/china-rok-maritime-talks.html",
        "China and South Korea to hold first round of maritime delimitation talks",
        "2015-12-14T17:40:00+08:00", sentences_to_paragraphs(cx[59]["culturax_text_en"]), "Xinhua",
    )
    cmg.articles = [seed_origin, diaoyu, korea]

    people = Site(
        "people-cn", "人民网 People's Daily Online", "zh", "CN", True, "People's Daily", "people",
        registry={"sitemaps": ["{{site:people-cn}}/sitemap.xml"]},
    )
    people.articles = [
        Article("/n1/2024/0424/c1001-40223222.html", pd_title, "2024-04-24T09:12:00+08:00", pd_paras, "新华社"),
        Article(
            "/n1/2013/0906/c1024-22823184.html", "习近平出席二十国集团领导人第八次峰会第二阶段会议",
            "2013-09-06T22:10:00+08:00", [cx[6]["culturax_text"]], "新华社",
        ),
    ]

    # The republisher from the seed: WordPress with the WP-Automatic template.
    dainik = Site("dainik-savera", "Dainik Savera Times", "en", "IN", False, None, "wordpress", registry={})
    origin_url = "{{site:cmg-world}}" + seed_origin.path
    copy_body = (
        "[ad_1]\n<br>"
        + "".join(f"<p>{html.escape(p, quote=False)}</p>\n" for p in seed_paras)
        + f"<p>{html.escape(credit, quote=False)}</p>\n"
        + f'<br>[ad_2]\n<br><a href="{origin_url}">Source link</a>\n'
    )
    dainik.articles = [
        Article("/what-is-the-purpose-of-japans-series-of-dangerous-actions/", title, "2024-04-16T10:05:00+05:30", [], "Dainik Savera Times", body_html=copy_body),
    ]
    for post, slug in [
        ("2016-01-10-frances-louis-vuitton-sues-counterfeit-online-sellers-in-china.md", "frances-louis-vuitton-sues-counterfeit-online-sellers-in-china"),
        ("2016-01-13-ibm-granted-most-u-s-patents-in-2015-study-finds.md", "ibm-granted-most-u-s-patents-in-2015-study-finds"),
    ]:
        ptitle, pdate, body = autoblog_post(shared, post)
        published = datetime.fromisoformat(pdate).isoformat() + "+05:30"
        dainik.articles.append(Article(f"/{slug}/", ptitle, published, [], "Dainik Savera Times", body_html=body))

    # An aggregator that runs the first paragraphs and credits the source.
    digest = Site(
        "asia-digest", "Asia Briefing Digest", "en", "SG", False, None, "digest",
        registry={"feeds": ["{{site:asia-digest}}/feed.xml"], "article_pattern": r"/briefs/\d+"},
    )
    digest.articles = [
        Article(
            "/briefs/2024041702/", title, "2024-04-17T06:00:00+08:00", seed_paras[:3], "Digest desk",
            extra_after=f'<p class="credit">Source: China Media Group (CMG). <a href="{origin_url}">Read the full commentary</a></p>',
        ),
        Article(
            "/briefs/2012101204/",
            "China calls Japanese minister's Diaoyu remarks 'bandit logic'",
            "2012-10-12T07:30:00+08:00", diaoyu.paragraphs[:2], "Digest desk",
        ),
    ]

    # A site that rewrites lightly and credits nobody.
    edited = [
        "Japan has sharply upgraded its security treaty with the United States, held joint military drills with the US, Australia and the Philippines in the South China Sea, and sought to join “AUKUS”. These risky steps have drawn strong opposition from all quarters.",
        seed_paras[0].split("strong opposition from all quarters. ", 1)[1],
    ] + [p.replace("dangerous", "risky") for p in seed_paras[2:6]] + [
        "Observers in the region say the coming months will show whether Tokyo chooses dialogue with its neighbours or a closer military embrace with Washington.",
    ]
    pacific = Site(
        "pacific-monitor", "Pacific Monitor", "en", "PH", False, None, "monitor",
        registry={"sitemaps": ["{{site:pacific-monitor}}/sitemap.xml"]},
    )
    pacific.articles = [
        Article("/world/asia/japan-military-path-alarms-region/", "Japan's military path alarms the region", "2024-04-18T14:20:00+08:00", edited, "Staff reporter"),
        Article("/world/asia/china-south-korea-sea-border-talks/", "China, South Korea to start sea border talks in Seoul", "2015-12-15T09:00:00+08:00",
            # The copy drops the Xinhua dateline: nothing on the page says where it came from.
            [korea.paragraphs[0].split(": ", 1)[1], *korea.paragraphs[1:]], "Staff reporter",
        ),
    ]

    # An unrelated news site: real articles nobody else in the demo carries.
    metro = Site("metro-herald", "Metro Herald", "en", "US", False, None, "metro", registry={})
    for csv_name, row_id, keep, path, published in [
        ("spotify_articles.csv", "1333", [6, 7, 8, 9, 10, 12], "/2018/06/01/spotify-reverses-policy.html", "2018-06-01T18:35:00-04:00"),
        ("census_articles.csv", "5906", list(range(7, 9)) + list(range(11, 27)), "/2019/05/30/census-citizenship-question-evidence.html", "2019-05-30T19:37:00-04:00"),
        ("helsinki_articles.csv", "171", [7, 8, 9, 11, 12, 14, 15, 16, 17, 18], "/2018/07/15/trump-putin-meddling-question.html", "2018-07-15T08:30:00-04:00"),
    ]:
        mtitle, paras = provenance(shared, csv_name, row_id, keep)
        metro.articles.append(Article(path, mtitle, published, paras, "Metro Herald staff"))

    return [cmg, people, dainik, digest, pacific, metro]


# ---------------------------------------------------------------------------
# Rendering

STYLES = {
    "cmg": ("cmg-header", "article-body", "CMG World Service — News, Views, China"),
    "people": ("rm_header", "rm_txt_con", "人民网"),
    "wordpress": ("site-header", "entry-content", "Dainik Savera Times — Latest News"),
    "digest": ("masthead", "brief", "Asia Briefing Digest — the region in five minutes"),
    "monitor": ("top", "story-body", "Pacific Monitor"),
    "metro": ("metro-nav", "article__content", "Metro Herald"),
}


def base(site: Site) -> str:
    return "{{site:" + site.slug + "}}"


def article_page(site: Site, art: Article) -> str:
    header_class, body_class, _ = STYLES[site.style]
    url = base(site) + art.path
    date_human = datetime.fromisoformat(art.published).strftime("%d %B %Y %H:%M")
    body = art.body_html if art.body_html is not None else "".join(
        f"<p>{html.escape(p, quote=False)}</p>\n" for p in art.paragraphs
    )
    suffix = f" – {site.name}" if site.style == "wordpress" else f" | {site.name}"
    author = f'<span class="byline">{html.escape(art.author)}</span>' if art.author else ""
    return f"""<!doctype html>
<html lang="{site.language}">
<head>
<meta charset="utf-8">
<title>{html.escape(art.title)}{html.escape(suffix)}</title>
<link rel="canonical" href="{url}">
<link rel="alternate" type="application/rss+xml" title="{html.escape(site.name)}" href="{base(site)}/{feed_name(site)}">
<meta property="og:type" content="article">
<meta property="og:title" content="{html.escape(art.title)}">
<meta property="og:url" content="{url}">
<meta property="og:site_name" content="{html.escape(site.name)}">
<meta property="article:published_time" content="{art.published}">
{f'<meta name="author" content="{html.escape(art.author)}">' if art.author else ''}
</head>
<body>
<header class="{header_class}"><a href="{base(site)}/">{html.escape(site.name)}</a>
<nav><a href="{base(site)}/">Home</a> <a href="{base(site)}/about.html">About</a></nav></header>
<main>
<article>
<h1>{html.escape(art.title)}</h1>
<div class="meta">{author} <time datetime="{art.published}">{date_human}</time></div>
<div class="{body_class}">
{body}{art.extra_after}
</div>
</article>
</main>
<footer><p>© {html.escape(site.name)}. <a href="{base(site)}/about.html">About us</a></p></footer>
</body>
</html>
"""


def feed_name(site: Site) -> str:
    return "feed.xml" if site.style in ("wordpress", "digest") else "rss.xml"


def home_page(site: Site) -> str:
    _, _, tagline = STYLES[site.style]
    items = "".join(
        f'<li><a href="{base(site)}{a.path}">{html.escape(a.title)}</a> <time>{a.published[:10]}</time></li>\n'
        for a in sorted(site.articles, key=lambda a: a.published, reverse=True)
    )
    return f"""<!doctype html>
<html lang="{site.language}">
<head><meta charset="utf-8"><title>{html.escape(tagline)}</title>
<link rel="alternate" type="application/rss+xml" title="{html.escape(site.name)}" href="{base(site)}/{feed_name(site)}">
</head>
<body><header><h1>{html.escape(site.name)}</h1></header>
<ul class="latest">
{items}</ul>
<p><a href="{base(site)}/about.html">About {html.escape(site.name)}</a></p>
</body></html>
"""


def about_page(site: Site) -> str:
    return f"""<!doctype html>
<html lang="{site.language}"><head><meta charset="utf-8"><title>About | {html.escape(site.name)}</title></head>
<body><h1>About {html.escape(site.name)}</h1>
<p>This is a demo site bundled with syndtrack. Its articles are real texts (see SOURCE.txt in the package);
the site, its layout and its dates were made for the demo.</p>
<p><a href="{base(site)}/">Home</a></p></body></html>
"""


def rss(site: Site) -> str:
    items = ""
    for a in sorted(site.articles, key=lambda a: a.published, reverse=True):
        pub = format_datetime(datetime.fromisoformat(a.published))
        items += f"""<item><title>{html.escape(a.title)}</title><link>{base(site)}{a.path}</link>
<guid isPermaLink="true">{base(site)}{a.path}</guid><pubDate>{pub}</pubDate></item>
"""
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>{html.escape(site.name)}</title><link>{base(site)}/</link>
<description>{html.escape(STYLES[site.style][2])}</description><language>{site.language}</language>
{items}</channel></rss>
"""


def sitemap(site: Site) -> str:
    urls = "".join(
        f"<url><loc>{base(site)}{a.path}</loc><lastmod>{a.published}</lastmod></url>\n" for a in site.articles
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{urls}</urlset>
"""


def robots(site: Site) -> str:
    return f"User-agent: *\nDisallow: /wp-admin/\nDisallow: /search\n\nSitemap: {base(site)}/sitemap.xml\n"


def write_file(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def registry_toml(sites: list[Site]) -> str:
    out = [
        "# The demo registry. {{site:NAME}} is replaced by the base URL the demo",
        "# serves site NAME on (127.0.0.1, a free port). Outlets with only `url`",
        "# get their feed and sitemap discovered from the home page and robots.txt.",
        "",
    ]
    for s in sites:
        out.append(f"[outlets.{s.slug}]")
        out.append(f"name = {json.dumps(s.name, ensure_ascii=False)}")
        out.append(f'url = "{base(s)}/"')
        for key, value in s.registry.items():
            out.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
        out.append(f'language = "{s.language}"')
        out.append(f'country = "{s.country}"')
        out.append(f"state_media = {'true' if s.state_media else 'false'}")
        if s.owner:
            out.append(f"owner = {json.dumps(s.owner, ensure_ascii=False)}")
        # A local demo server needs no politeness delay. No max_age_days: the
        # texts are years old and must not be skipped as stale.
        out.append("download_delay = 0")
        out.append("")
    return "\n".join(out)


def main(argv: list[str]) -> None:
    shared = Path(argv[0] if argv else "/work/shared")
    sites = build_sites(shared)
    for child in OUT.iterdir() if OUT.exists() else []:
        if child.is_dir():
            shutil.rmtree(child)
    for s in sites:
        root = OUT / s.slug
        write_file(root / "index.html", home_page(s))
        write_file(root / "about.html", about_page(s))
        write_file(root / feed_name(s), rss(s))
        write_file(root / "sitemap.xml", sitemap(s))
        write_file(root / "robots.txt", robots(s))
        for a in s.articles:
            rel = a.path.lstrip("/")
            target = root / (rel + "index.html" if rel.endswith("/") else rel)
            write_file(target, article_page(s, a))
    write_file(OUT / "outlets.toml", registry_toml(sites))
    size = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"wrote {len(sites)} sites, {sum(len(s.articles) for s in sites)} articles, {size // 1024} KB to {OUT}")


if __name__ == "__main__":
    main(sys.argv[1:])
