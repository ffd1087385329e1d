"""The real-page evaluation caches: which page texts are present, which are missing, and a manifest.

The labelled real pages (``benchmarks/labels/xlang_pairs*.csv``, ``web_copies*.csv``) name
their texts by file; the texts themselves are third-party (the stored-pages search's
excerpts) and live outside the repository, in ``~/.cache/syndtrack/xlang-eval`` and
``~/.cache/syndtrack/web-copies``. A new machine starts without them, and the two scoring
scripts then skip (xlang) or refuse (web copies) the pages. This script says what is
missing and writes a task list to restore it: each row the cache file, the URL and the
label's note, which is what a search for the page needs (the search tool finds a page by
its words, not by its URL; save the excerpt of the result whose URL is the row's, as it is).

``--manifest`` checks the present texts against ``benchmarks/labels/cache_manifest.tsv``
(characters and SHA-256 of each text as restored and scored), so a restored cache can be compared with
the one behind the published figures; ``--write-manifest`` records the present texts.

    python benchmarks/eval_cache.py                      # counts per cache, present/missing
    python benchmarks/eval_cache.py --missing tasks.tsv  # the rows to restore
    python benchmarks/eval_cache.py --manifest           # present texts vs the manifest
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "benchmarks" / "labels"
MANIFEST = LABELS / "cache_manifest.tsv"
CACHES = {
    "xlang-eval": ["xlang_pairs.csv", "xlang_pairs_heldout.csv"],
    # Every web-copies set, the development set first: the probes and tests read this list.
    "web-copies": ["web_copies.csv", *(f"web_copies_heldout{n}.csv" for n in ("", 2, 3, 4, 5, 6, 7, 8, 9))],
}


def pages(home: Path) -> list[dict]:
    """One row per page named by a label file: cache dir, file name, URL, note; first mention wins."""
    seen: dict[tuple[str, str], dict] = {}
    for cache, files in CACHES.items():
        for name in files:
            for r in csv.DictReader((LABELS / name).open(encoding="utf-8")):
                sides = [("zh_cache", "zh_url"), ("en_cache", "en_url")] if "zh_cache" in r else [("cache", "url")]
                for file_col, url_col in sides:
                    key = (cache, r[file_col])
                    if key not in seen:
                        note = (r.get("story", "") + ": " if r.get("story") else "") + r.get("note", "")
                        seen[key] = {"cache": cache, "file": r[file_col], "url": r[url_col], "labels": name,
                                     "note": " ".join(note.split())[:200], "path": home / cache / r[file_col]}
    return list(seen.values())


def digest(path: Path) -> tuple[int, str]:
    text = path.read_text(encoding="utf-8")
    return len(text), hashlib.sha256(text.encode("utf-8")).hexdigest()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--home", type=Path, default=Path.home() / ".cache" / "syndtrack",
                    help="where the caches live (default: %(default)s)")
    ap.add_argument("--missing", type=Path, help="write the missing pages here (TSV: cache, file, url, note)")
    ap.add_argument("--manifest", action="store_true", help="compare the present texts with the manifest")
    ap.add_argument("--write-manifest", action="store_true", help="record the present texts in the manifest")
    args = ap.parse_args(argv)
    rows = pages(args.home)
    for cache in CACHES:
        mine = [r for r in rows if r["cache"] == cache]
        have = sum(r["path"].is_file() for r in mine)
        print(f"{cache}: {have}/{len(mine)} page texts present in {args.home / cache}")
    missing = [r for r in rows if not r["path"].is_file()]
    if args.missing:
        with args.missing.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, delimiter="\t")
            w.writerow(["cache", "file", "url", "note"])
            w.writerows([r["cache"], r["file"], r["url"], r["note"]] for r in missing)
        print(f"{len(missing)} missing pages written to {args.missing}")
    if args.write_manifest:
        with MANIFEST.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, delimiter="\t")
            w.writerow(["cache", "file", "chars", "sha256"])
            for r in sorted(rows, key=lambda r: (r["cache"], r["file"])):
                if r["path"].is_file():
                    w.writerow([r["cache"], r["file"], *digest(r["path"])])
        print(f"manifest written: {MANIFEST}")
    if args.manifest:
        if not MANIFEST.exists():
            print(f"no manifest at {MANIFEST}", file=sys.stderr)
            return 2
        known = {(m["cache"], m["file"]): m for m in csv.DictReader(MANIFEST.open(encoding="utf-8"), delimiter="\t")}
        same = differ = unrecorded = 0
        for r in rows:
            if not r["path"].is_file():
                continue
            m = known.get((r["cache"], r["file"]))
            if m is None:
                unrecorded += 1
            elif m["sha256"] == digest(r["path"])[1]:
                same += 1
            else:
                differ += 1
                print(f"  differs: {r['cache']}/{r['file']} ({digest(r['path'])[0]} chars, manifest {m['chars']})")
        print(f"manifest: {same} the same, {differ} different, {unrecorded} not in it")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
