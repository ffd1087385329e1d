"""The firehose's cheap test on real copies found on the web: does it keep what extracting would?

``import-warc --filter copies`` drops a page when its raw HTML shares fewer than
``MIN_HITS`` fingerprints with the source articles, before extraction. On the labelled
real pages of ``benchmarks/labels/web_copies.csv`` (texts read from the cache that
``web_copies_eval.py`` uses; third-party text, kept out of the repository), one page per
story is the source (its state-media page, else the first listed); every other page of a
story is wrapped in HTML (its lines as paragraphs) and asked both questions: the cheap test
on the markup (``CopyFilter.check_page``) and the same test on the text, as after
extraction (``CopyFilter.hits``). Recall of the cheap test against the second is the
issue's "recall of copies against extracting everything", here on real reuse (copies,
excerpts, listings, rewrites, paraphrases).

    python benchmarks/web_copies_filter.py [--cache DIR]
"""

from __future__ import annotations

import argparse
import html
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from web_copies_eval import CACHE, load_texts, read_rows, records  # noqa: E402

from dedupe.fingerprint import fingerprint_batch  # noqa: E402
from dedupe.normalize import scan  # noqa: E402
from syndtrack.warc import CopyFilter  # noqa: E402


def as_page(rec: dict) -> bytes:
    body = "".join(f"<p>{html.escape(line)}</p>" for line in rec["text"].splitlines() if line.strip())
    return f"<html><head><title>{html.escape(rec['title'])}</title></head><body>{body}</body></html>".encode()


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", type=Path, default=CACHE)
    args = ap.parse_args(argv)
    rows = read_rows()
    recs = records(rows, load_texts(rows, args.cache))
    source: dict[str, int] = {}
    for i, r in enumerate(rows):
        if r["story"] not in source or r["role"] == "state_media":
            source[r["story"]] = i
    prints = fingerprint_batch([scan(recs[i]["text"], title=recs[i]["title"]).skeleton for i in source.values()])
    copy_filter = CopyFilter(np.concatenate(prints))
    counts: Counter = Counter()
    for i, (r, rec) in enumerate(zip(rows, recs)):
        if i in source.values():
            continue
        cheap = copy_filter.check_page(as_page(rec)) is not None
        extracted = copy_filter.hits(rec["text"]) >= copy_filter.min_hits
        counts[(r["role"], cheap, extracted)] += 1
    print(f"{len(source)} source pages (one per story), {sum(counts.values())} other pages of their stories")
    print("role          cheap test  text test  pages")
    for (role, cheap, extracted), n in sorted(counts.items()):
        print(f"{role:13} {'kept' if cheap else '-':>10} {'kept' if extracted else '-':>10} {n:6}")
    by_text = sum(n for (_, _, e), n in counts.items() if e)
    both = sum(n for (_, c, e), n in counts.items() if c and e)
    print(f"recall of the cheap test against the text test: {both}/{by_text}"
          + (f" = {both / by_text:.3f}" if by_text else ""))


if __name__ == "__main__":
    main()
