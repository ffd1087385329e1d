"""Rebuild the crawler's fixture sites from the real pages in ../shared/data.

    python tests/sites/build_fixtures.py /path/to/shared

The output is committed; the tests never need shared/. Sites (each served on
its own port by syndtrack.siteserver; {{site:NAME}} is that site's base URL):

- statemedia: a China Media Group-style outlet. robots.txt (a Disallow and a
  Sitemap line) -> sitemap index -> a Google News sitemap and an archive
  sitemap. Articles: the CMG commentary of the seed, and a real People's
  Daily page carrying a Xinhua dispatch (fundus test page, GB2312 declared
  in a meta tag, served as UTF-8).
- republisher: a Dainik Savera Times-style WordPress site known only by its
  RSS feed; posts use the autoblog wrapper ([ad_1] ... [ad_2] Source link),
  one of them is the seed copy with its "(Courtesy-China Media Group,
  Beijing)" credit.
- autoblog: real whenitson.com autoblog posts; the registry gives only the
  home page, which advertises an RSS feed with <link rel="alternate">.
- badsite: every kind of bad input the crawler must survive.
"""

from __future__ import annotations

import csv
import gzip
import html
import re
import sys
import tarfile
from pathlib import Path

HERE = Path(__file__).parent

PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{title}{title_suffix}</title>
<link rel="canonical" href="{url}">
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="{site_name}">
<meta property="og:type" content="article">
<meta property="article:published_time" content="{published}">
<meta name="author" content="{author}">
{extra_head}</head>
<body>
<header class="site-header"><a href="{home}/">{site_name}</a>
<nav><a href="{home}/">Home</a> <a href="{home}/category/world/">World</a> <a href="{home}/category/china/">China</a></nav></header>
<main>
<article class="post">
<h1 class="entry-title">{title}</h1>
<div class="entry-meta">By <span class="author">{author}</span> | <time datetime="{published}">{published_human}</time></div>
<div class="entry-content">
{body}
</div>
</article>
<aside class="related"><h3>Related</h3><ul>{related}</ul></aside>
</main>
<footer><p>Copyright {site_name}. All rights reserved.</p></footer>
</body>
</html>
"""


def paragraphs(text: str) -> str:
    return "\n".join(f"<p>{html.escape(p.strip())}</p>" for p in text.split("\n") if p.strip())


def write(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)


def seed_parts(shared: Path):
    text = (shared / "seeds" / "000_d229f4eea3c573a8.txt").read_text(encoding="utf-8")
    title = text.splitlines()[0].split(" – ")[0].strip()
    body = text.split("[ad_1]", 1)[1].split("[ad_2]", 1)[0].strip()
    credit = "(Courtesy-China Media Group, Beijing)"
    commentary = body.replace(credit, "").strip()
    return title, commentary, credit


def autoblog_posts(shared: Path, files: list[str]) -> dict[str, dict]:
    data = shared / "data" / "autoblog-whenitson-2016"
    index = {r["file"]: r for r in csv.DictReader(open(data / "index.csv", encoding="utf-8"))}
    posts = {}
    with tarfile.open(data / "posts.tar.gz") as tar:
        for name in files:
            raw = tar.extractfile(name).read().decode("utf-8")
            body = raw.split("\n---\n", 1)[1]
            body = body.split("[ad_1]", 1)[1].split("[ad_2]", 1)[0]
            row = index[name]
            posts[name] = {
                "title": row["post_title"],
                "date": row["post_date"].replace(" ", "T") + "+00:00",
                "slug": Path(name).stem[11:],
                "body": body.strip(),
                "source": row["source_url"],
            }
    return posts


def build_statemedia(shared: Path, out: Path) -> None:
    base = "{{site:statemedia}}"
    title, commentary, _ = seed_parts(shared)
    write(out / "robots.txt", f"User-agent: *\nDisallow: /private/\n\nSitemap: {base}/sitemap_index.xml\n")
    art = "/news/2023-05-20/what-is-the-purpose-of-japans-series-of-dangerous-actions.html"
    write(out / art.lstrip("/"), PAGE.format(
        lang="en", title=html.escape(title), title_suffix=" - CGTN", url=base + art, site_name="CGTN",
        published="2023-05-20T10:12:00+08:00", published_human="20-May-2023 10:12", author="China Media Group",
        extra_head="", home=base, body=paragraphs(commentary), related=""))
    people = gzip.decompress((shared / "data" / "fundus-publisher-pages" / "cn" / "People_2024_04_24.html.gz").read_bytes())
    pd_path = "/n1/2024/0424/c1001-40223222.html"
    write(out / pd_path.lstrip("/"), people)
    old_path = "/news/2019-01-02/an-old-story.html"
    write(out / old_path.lstrip("/"), PAGE.format(
        lang="en", title="An old story", title_suffix=" - CGTN", url=base + old_path, site_name="CGTN",
        published="2019-01-02T08:00:00+08:00", published_human="2-Jan-2019", author="CGTN",
        extra_head="", home=base, body=paragraphs(commentary.split("\n\n")[0]), related=""))
    write(out / "private" / "secret.html", "<html><body><p>robots.txt says no</p></body></html>")
    write(out / "about.html", "<html><head><title>About</title></head><body><p>About us.</p></body></html>")
    write(out / "index.html", f"""<!DOCTYPE html><html><head><title>CGTN</title></head><body>
<h1>CGTN</h1><ul>
<li><a href="{base}{art}">{html.escape(title)}</a></li>
<li><a href="{base}{pd_path}">People's Daily</a></li>
<li><a href="{base}/private/secret.html">Members only</a></li>
<li><a href="{base}/about.html">About</a></li>
</ul></body></html>
""")
    write(out / "sitemap_index.xml", f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>{base}/sitemaps/news.xml</loc><lastmod>2024-04-24T12:00:00+00:00</lastmod></sitemap>
  <sitemap><loc>{base}/sitemaps/archive.xml</loc><lastmod>2019-01-03T00:00:00+00:00</lastmod></sitemap>
</sitemapindex>
""")
    write(out / "sitemaps" / "news.xml", f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>{base}{art}</loc>
    <news:news><news:publication><news:name>CGTN</news:name><news:language>en</news:language></news:publication>
      <news:publication_date>2023-05-20T10:12:00+08:00</news:publication_date>
      <news:title>{html.escape(title)}</news:title></news:news></url>
  <url><loc>{base}{pd_path}</loc>
    <news:news><news:publication><news:name>People's Daily</news:name><news:language>zh</news:language></news:publication>
      <news:publication_date>2024-04-24T00:00:00+08:00</news:publication_date>
      <news:title>促进航天技术更好惠及人民</news:title></news:news></url>
</urlset>
""")
    write(out / "sitemaps" / "archive.xml", f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>{base}{old_path}</loc><lastmod>2019-01-02T00:00:00+00:00</lastmod></url>
  <url><loc>{base}/private/secret.html</loc><lastmod>2019-01-02T00:00:00+00:00</lastmod></url>
  <url><loc>{base}/about.html</loc><lastmod>2019-01-02T00:00:00+00:00</lastmod></url>
</urlset>
""")


def wordpress_post(base: str, path: str, title: str, date: str, body_html: str, source: str, credit: str = "", site="Dainik Savera Times") -> str:
    content = f"[ad_1]\n{body_html}\n{('<p>' + credit + '</p>') if credit else ''}\n[ad_2]\n<br><a href=\"{html.escape(source)}\">Source link</a>"
    return PAGE.format(lang="en", title=html.escape(title), title_suffix=f" – {site}", url=base + path, site_name=site,
                       published=date, published_human=date[:10], author="Staff Writer",
                       extra_head='<meta name="generator" content="WordPress 6.2">\n', home=base, body=content,
                       related=f'<li><a href="{base}/">More news</a></li>')


RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>{title}</title>
<link>{base}/</link>
<description>Latest posts</description>
{items}
</channel>
</rss>
"""


def rss_item(url: str, title: str, rfc822: str) -> str:
    return f"<item><title>{html.escape(title)}</title><link>{url}</link><pubDate>{rfc822}</pubDate></item>"


def rfc822(iso: str) -> str:
    from datetime import datetime
    from email.utils import format_datetime

    return format_datetime(datetime.fromisoformat(iso))


def build_republisher(shared: Path, out: Path) -> None:
    base = "{{site:republisher}}"
    title, commentary, credit = seed_parts(shared)
    posts = autoblog_posts(shared, [
        "_posts/2016-01-10-frances-louis-vuitton-sues-counterfeit-online-sellers-in-china.md",
        "_posts/2016-01-10-tesla-curbs-autopilot-functionality-in-model-s-cars.md",
    ])
    items = []
    seed_path = "/2023/05/what-is-the-purpose-of-japans-series-of-dangerous-actions/"
    source = "{{site:statemedia}}/news/2023-05-20/what-is-the-purpose-of-japans-series-of-dangerous-actions.html"
    write(out / seed_path.lstrip("/") / "index.html",
          wordpress_post(base, seed_path, title, "2023-05-21T09:30:00+05:30", paragraphs(commentary), source, credit))
    items.append(rss_item(base + seed_path, title, rfc822("2023-05-21T09:30:00+05:30")))
    for post in posts.values():
        path = f"/2016/01/{post['slug']}/"
        write(out / path.lstrip("/") / "index.html", wordpress_post(base, path, post["title"], post["date"], post["body"], post["source"]))
        items.append(rss_item(base + path, post["title"], rfc822(post["date"])))
    write(out / "feed.rss", RSS.format(title="Dainik Savera Times", base=base, items="\n".join(items)))
    write(out / "robots.txt", "User-agent: *\nDisallow: /wp-admin/\n")


def build_autoblog(shared: Path, out: Path) -> None:
    base = "{{site:autoblog}}"
    posts = autoblog_posts(shared, [
        "_posts/2016-01-10-obama-to-make-good-on-guantanamo-pledge-white-house-chief-of-staff.md",
        "_posts/2016-01-10-woman-raped-by-five-men-in-new-york-city-park-police-say-reuters.md",
        "_posts/2016-01-10-trump-i-dont-want-to-say-its-a-threat-but-it-is-a-threat-cnn.md",
    ])
    links, items = [], []
    for i, post in enumerate(posts.values()):
        path = f"/{post['slug']}/"
        write(out / path.lstrip("/") / "index.html",
              wordpress_post(base, path, post["title"], post["date"], post["body"], post["source"], site="When It's On"))
        if i < 2:  # the third post is only in the feed
            links.append(f'<li><a href="{base}{path}">{html.escape(post["title"])}</a></li>')
        items.append(rss_item(base + path, post["title"], rfc822(post["date"])))
    write(out / "index.html", f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>When It's On</title>
<link rel="alternate" type="application/rss+xml" title="When It's On &raquo; Feed" href="{base}/feed.rss">
</head><body><h1>When It's On</h1><ul>
{chr(10).join(links)}
<li><a href="{base}/wp-admin/edit.php">Admin</a></li>
<li><a href="https://elsewhere.example/story">Elsewhere</a></li>
</ul></body></html>
""")
    write(out / "feed.rss", RSS.format(title="When It's On", base=base, items="\n".join(items)))
    write(out / "robots.txt", "User-agent: *\nDisallow: /wp-admin/\nCrawl-delay: 0.05\n")


BILLION_LAUGHS_DTD = """<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>"""


def build_badsite(shared: Path, out: Path) -> None:
    base = "{{site:badsite}}"
    title, commentary, _ = seed_parts(shared)
    good = "/good/fine-article.html"
    write(out / good.lstrip("/"), PAGE.format(
        lang="en", title="A fine article among bad ones", title_suffix="", url=base + good, site_name="Bad Site",
        published="2023-05-22T08:00:00+00:00", published_human="22 May 2023", author="Editor",
        extra_head="", home=base, body=paragraphs(commentary), related=""))
    # Malformed: unclosed tags, a stray </html> in the middle, junk bytes.
    write(out / "malformed.html", ("<html><head><title>Malformed page</head><body><div><p>" + commentary.split("\n\n")[0]
                                   + "<p><b><i>unclosed</div></html>\x00\x01<table><tr><td>" + commentary.split("\n\n")[1]
                                   + "</p><<<>>>&&&;;</td>").encode("utf-8"))
    # Header says UTF-8 (the server says so for every .html), body is GBK.
    people = gzip.decompress((shared / "data" / "fundus-publisher-pages" / "cn" / "People_2024_04_24.html.gz").read_bytes())
    write(out / "wrong-charset.html", people.decode("utf-8").replace("GB2312", "gbk").encode("gbk", errors="replace"))
    write(out / "empty.html", b"")
    write(out / "bomb.rss", f'<?xml version="1.0"?>\n{BILLION_LAUGHS_DTD}\n<rss version="2.0"><channel><title>&lol9;</title>'
          f'<item><title>&lol9;</title><link>{base}/good/from-bomb-feed.html</link></item></channel></rss>\n')
    write(out / "bomb.xml", f'<?xml version="1.0"?>\n{BILLION_LAUGHS_DTD}\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
          f'<url><loc>{base}/good/from-bomb-sitemap.html&lol9;</loc></url></urlset>\n')
    write(out / "broken.rss", "<rss><channel><item><title>no end\x00\x00 <<<")
    write(out / "broken.xml", "<?xml version='1.0'?><urlset><url><loc")
    write(out / "index.html", f"""<!DOCTYPE html><html><head><title>Bad Site</title></head><body><ul>
<li><a href="{base}{good}">fine</a></li>
<li><a href="{base}/_status/404">404</a></li>
<li><a href="{base}/_status/410">410</a></li>
<li><a href="{base}/_status/500">500</a></li>
<li><a href="{base}/_redirect-loop">loop</a></li>
<li><a href="{base}/_slow/3">slow</a></li>
<li><a href="{base}/_huge/2">huge</a></li>
<li><a href="{base}/_huge/1.6">big</a></li>
<li><a href="{base}/malformed.html">malformed</a></li>
<li><a href="{base}/wrong-charset.html">wrong charset</a></li>
<li><a href="{base}/empty.html">empty</a></li>
</ul></body></html>
""")
    write(out / "robots.txt", "User-agent: *\nDisallow:\n")


def main() -> None:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parents[2].parent / "shared"
    for name, build in [("statemedia", build_statemedia), ("republisher", build_republisher),
                        ("autoblog", build_autoblog), ("badsite", build_badsite)]:
        build(shared, HERE / name)
        print(f"built tests/sites/{name}")


if __name__ == "__main__":
    main()
