"""Rebuild the extraction regression pages from the real data in ../shared/data.

    python tests/extraction/build_fixtures.py /path/to/shared

The pages are committed (the tests never need shared/); the expected fields in
<name>.json are written and checked by hand, not generated. Pages:

- people_xinhua.html.gz   People's Daily page carrying a Xinhua dispatch (fundus test page, as is)
- chunichi_ja.html.gz     a Japanese article (fundus test page, as is)
- autoblog_reuters.html   a real whenitson.com autoblog post body ([ad_1] ... [ad_2] Source),
                          put in a WordPress single-post page like the ones the plugin produces
- dainik_seed.html        the motivating seed (Dainik Savera Times copy of a China Media Group
                          commentary with its credit line), in the same WordPress wrapper; the
                          Source link target is a fixture URL (the seed does not record it)
- section_front.html      a section front listing real headlines (fundus index titles/URLs),
                          the shape of a state-media "World" page: must not be an article
"""

from __future__ import annotations

import gzip
import html
import json
import re
import shutil
import sys
import tarfile
from pathlib import Path

HERE = Path(__file__).parent

WORDPRESS = """<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="UTF-8">
<title>{title} – {site}</title>
<link rel="canonical" href="{url}">
<meta property="og:type" content="article">
<meta property="og:title" content="{title}">
<meta property="og:url" content="{url}">
<meta property="og:site_name" content="{site}">
<meta property="article:published_time" content="{published}">
<meta name="generator" content="WordPress 4.4.1">
</head>
<body class="post-template-default single single-post">
<header id="masthead"><a href="{home}">{site}</a>
<nav><ul><li><a href="{home}category/world/">World</a></li><li><a href="{home}category/business/">Business</a></li>
<li><a href="{home}category/technology/">Technology</a></li></ul></nav></header>
<div id="content"><main id="main">
<article class="post type-post status-publish format-standard hentry">
<header class="entry-header"><h1 class="entry-title">{title}</h1>
<div class="entry-meta"><span class="posted-on"><time class="entry-date published" datetime="{published}">{day}</time></span>
<span class="byline"> by <span class="author vcard">Staff Writer</span></span></div></header>
<div class="entry-content">
{content}
</div>
<footer class="entry-footer"><span class="cat-links">Posted in <a href="{home}category/world/" rel="category tag">World</a></span></footer>
</article>
<nav class="navigation post-navigation"><div class="nav-links"><div class="nav-previous"><a href="{home}">Previous post</a></div></div></nav>
</main>
<aside id="secondary"><section class="widget"><h2 class="widget-title">Recent Posts</h2><ul>
<li><a href="{home}2016/01/tesla-curbs-autopilot-functionality-in-model-s-cars/">Tesla curbs autopilot functionality in Model S cars</a></li>
<li><a href="{home}2016/01/a-new-hope-for-a-perplexing-mathematical-proof/">A New Hope for a Perplexing Mathematical Proof</a></li>
</ul></section></aside></div>
<footer id="colophon"><div class="site-info">Copyright © {site}. All rights reserved.</div></footer>
</body>
</html>
"""

SECTION = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>World - Xinhua</title>
<meta property="og:type" content="website">
<meta property="og:title" content="World">
<meta property="og:site_name" content="Xinhua">
<link rel="canonical" href="https://english.news.cn/world/index.htm">
</head>
<body>
<header><a href="https://english.news.cn/">Xinhua</a><nav>
<a href="https://english.news.cn/china/index.htm">China</a> <a href="https://english.news.cn/world/index.htm">World</a>
<a href="https://english.news.cn/business/index.htm">Business</a> <a href="https://english.news.cn/culture/index.htm">Culture</a>
</nav></header>
<main><h1>World</h1>
<ul class="list">
{items}
</ul>
<div class="pages"><a href="https://english.news.cn/world/index_2.htm">Next page</a></div>
</main>
<footer><p>Copyright © Xinhua News Agency. All rights reserved.</p></footer>
</body>
</html>
"""


def frontmatter_value(text: str, key: str) -> str:
    match = re.search(rf"^{key}:\s*(?:>\s*\n\s*|\n\s*-\s*>?\s*\n?\s*|'?)(.+?)'?\s*$", text, re.M)
    return html.unescape(match.group(1).strip()) if match else ""


def main(shared: Path) -> None:
    data = shared / "data"
    fundus = data / "fundus-publisher-pages"
    shutil.copy(fundus / "cn" / "People_2024_04_24.html.gz", HERE / "people_xinhua.html.gz")
    shutil.copy(fundus / "jp" / "ChunichiShimbun_2025_01_13.html.gz", HERE / "chunichi_ja.html.gz")

    name = "_posts/2016-01-10-frances-louis-vuitton-sues-counterfeit-online-sellers-in-china.md"
    with tarfile.open(data / "autoblog-whenitson-2016" / "posts.tar.gz") as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith(name))
        post = tar.extractfile(member).read().decode("utf-8")
    _, front, body = post.split("---", 2)
    url = frontmatter_value(front, "permalink")
    (HERE / "autoblog_reuters.html").write_text(WORDPRESS.format(
        title=html.escape(frontmatter_value(front, "post_title")), site="When It&#039;s On", url=url,
        home="https://www.whenitson.com/", published="2016-01-10T20:43:09+00:00", day="January 10, 2016",
        content=body.strip()), encoding="utf-8")

    seed = (shared / "seeds" / "000_d229f4eea3c573a8.txt").read_text(encoding="utf-8")
    lines = [line.strip() for line in seed.splitlines() if line.strip()]
    title = lines[0].rsplit(" – ", 1)[0].strip()
    start, end = lines.index("[ad_1]"), lines.index("[ad_2]")
    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in lines[start + 1 : end])
    content = (f"[ad_1]\n<br>{paragraphs}\n<br>[ad_2]\n<br><a href=\"http://statemedia.test/news/2023-05-20/"
               f"what-is-the-purpose-of-japans-series-of-dangerous-actions.html\">Source link</a>")
    url = "https://dainiksaveratimes.com/2023/05/what-is-the-purpose-of-japans-series-of-dangerous-actions/"
    (HERE / "dainik_seed.html").write_text(WORDPRESS.format(
        title=html.escape(title), site="Dainik Savera Times", url=url, home="https://dainiksaveratimes.com/",
        published="2023-05-21T09:30:00+05:30", day="May 21, 2023", content=content), encoding="utf-8")

    records = [json.loads(line) for line in (fundus / "index.jsonl").read_text(encoding="utf-8").splitlines()]
    english = [r for r in records if r["country"] in ("us", "uk", "ind", "tw", "my", "za")][:30]
    items = "\n".join(
        f'<li><h3><a href="{html.escape(r["url"])}">{html.escape(r["title"])}</a></h3>'
        f'<span class="time">{r["crawl_date"][:10]}</span></li>'
        for r in english
    )
    (HERE / "section_front.html").write_text(SECTION.format(items=items), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else HERE.parent.parent.parent / "shared"))
