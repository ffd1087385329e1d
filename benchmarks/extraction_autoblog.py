"""Attribution on real autoblog reposts: does extract() find the "Source link" target?

Every post of shared/data/autoblog-whenitson-2016 (a WP-Automatic autoblog, the wrapper of the
seed) is put into a WordPress single-post page, the same template as the regression fixture
tests/extraction/autoblog_reuters.html, and extracted. Reported: share of posts whose
source_url equals the original_link the plugin recorded in index.csv, share whose text still
holds an [ad_N] marker or the "Source link" line, share rejected as not an article, ms/page.

    python benchmarks/extraction_autoblog.py [--data ../shared/data] [--sample 600]
"""

from __future__ import annotations

import argparse
import csv
import html
import random
import statistics
import sys
import tarfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.extraction import extract  # noqa: E402
from tests.extraction.build_fixtures import WORDPRESS, frontmatter_value  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--sample", type=int, default=600, help="posts to try (0 = all 4,374)")
    args = parser.parse_args(argv)
    root = args.data / "autoblog-whenitson-2016"
    with open(root / "index.csv", newline="", encoding="utf-8") as f:
        index = {row["file"]: row for row in csv.DictReader(f)}
    files = sorted(index)
    if args.sample:
        files = sorted(random.Random(3).sample(files, min(args.sample, len(files))))
    wanted = set(files)
    found_source = with_link = ads_left = link_left = rejected = 0
    times = []
    with tarfile.open(root / "posts.tar.gz") as tar:
        for member in tar:
            name = member.name.split("/", 1)[-1] if not member.name.startswith("_posts") else member.name
            if name not in wanted:
                continue
            post = tar.extractfile(member).read().decode("utf-8")
            _, front, body = post.split("---", 2)
            row = index[name]
            url = frontmatter_value(front, "permalink")
            page = WORDPRESS.format(
                title=html.escape(frontmatter_value(front, "post_title")), site="When It&#039;s On", url=url,
                home="https://www.whenitson.com/", published=row["post_date"].replace(" ", "T") + "+00:00",
                day=row["post_date"][:10], content=body.strip())
            start = time.perf_counter()
            result = extract(page.encode("utf-8"), url)
            times.append(time.perf_counter() - start)
            has_link = row["has_source_link"] == "True"
            with_link += has_link
            if result is None:
                rejected += 1
                continue
            if has_link and result["source_url"] == html.unescape(row["original_link"]):
                found_source += 1
            ads_left += "[ad_" in result["text"]
            link_left += result["text"].rstrip().endswith("Source link")
    n = len(times)
    print(f"{n} posts ({with_link} with a Source anchor): source_url = recorded original_link for "
          f"{found_source}/{with_link} ({found_source / with_link:.1%}); not an article {rejected}; "
          f"[ad_N] left in text {ads_left}; 'Source link' left in text {link_left}; "
          f"{1000 * statistics.mean(times):.1f} ms/page")


if __name__ == "__main__":
    main()
