"""Extraction accuracy and speed.

1. Body text on the article-extraction-benchmark (181 real pages with human ground truth):
   the benchmark's own metric (benchmarks/extraction_metric.py), for crawler.extraction.extract
   and, in the same run, trafilatura 2.x alone (default and favor_precision) as reference.
   --check-metric first reproduces the published figures from the stored tool outputs.
2. Title and date on fundus-publisher-pages (258 expected records from ~180 publishers):
   title equal after whitespace normalisation; date equal to the expected day (and exact).
3. Milliseconds per page for each.

    python benchmarks/extraction_benchmark.py [--data ../shared/data] [--json out.json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from extraction_metric import evaluate  # noqa: E402

from crawler.extraction import extract  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def load_aeb(data: Path):
    root = data / "article-extraction-benchmark"
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf8"))
    pages = {k: gzip.open(root / "html" / f"{k}.html.gz").read() for k in truth}
    return root, truth, pages


def check_metric(root: Path, truth: dict) -> dict:
    out = {}
    for path in sorted((root / "output").glob("*.json")):
        stored = json.loads(path.read_text(encoding="utf8"))
        out[path.stem] = evaluate(truth, stored.get("output", stored))
    return out


def run_body(truth: dict, pages: dict, fn) -> tuple[dict, float, int]:
    predicted, times, none = {}, [], 0
    for key, html in pages.items():
        start = time.perf_counter()
        text = fn(html, truth[key]["url"])
        times.append(time.perf_counter() - start)
        none += text is None
        predicted[key] = {"articleBody": text or ""}
    metrics = evaluate(truth, predicted)
    metrics["ms_median"] = 1000 * statistics.median(times)
    return metrics, 1000 * statistics.mean(times), none


def ours(html: bytes, url: str):
    result = extract(html, url)
    return result["text"] if result else None


def _ablated(off: str):
    from crawler.extraction import body

    def run(html: bytes, url: str):
        saved = body.prune, body.drop_furniture, body.coverage
        if off in ("prune", "all"):
            body.prune = lambda lines, confirm: lines
        if off in ("coverage", "all"):
            body.coverage = lambda lines, other: 0.0
        if off in ("drop_furniture", "all"):
            body.drop_furniture = lambda lines: lines
        try:
            return ours(html, url)
        finally:
            body.prune, body.drop_furniture, body.coverage = saved

    return run


def trafilatura_alone(**kwargs):
    import trafilatura

    from crawler.extraction import tuning

    def run(html: bytes, url: str):
        tuning.uninstall()  # trafilatura as it ships (its own XPaths: the same output, its own speed)
        try:
            return trafilatura.extract(html, url=url, **kwargs)
        finally:
            tuning.install()

    return run


def interleaved_timing(truth: dict, pages: dict, rounds: int = 1) -> dict:
    """ms/page of extract() and of trafilatura alone, run alternately page by page.

    The machine is shared: timing one system after the other lets a change of load between the
    runs decide the ratio. Alternating on each page gives both the same conditions.
    """
    import trafilatura

    from crawler.extraction import tuning

    ours_t, traf_t = [], []
    for _ in range(rounds):
        for key, html in pages.items():
            url = truth[key]["url"]
            tuning.install()  # ours with its faster evaluation of trafilatura's XPaths (tuning.py) ...
            start = time.perf_counter()
            extract(html, url)
            middle = time.perf_counter()
            tuning.uninstall()  # ... trafilatura as it ships
            trafilatura.extract(html, url=url)
            end = time.perf_counter()
            ours_t.append(middle - start)
            traf_t.append(end - middle)
    return {
        "extract_ms_mean": 1000 * statistics.mean(ours_t),
        "extract_ms_median": 1000 * statistics.median(ours_t),
        "trafilatura_ms_mean": 1000 * statistics.mean(traf_t),
        "trafilatura_ms_median": 1000 * statistics.median(traf_t),
        "ratio_of_totals": sum(ours_t) / sum(traf_t),
    }


def _norm(s):
    return " ".join((s or "").split())


def fundus_pages(data: Path):
    root = data / "fundus-publisher-pages"
    records = [json.loads(line) for line in (root / "index.jsonl").read_text(encoding="utf8").splitlines() if line]
    for i, rec in enumerate(records):
        yield i, rec, gzip.open(root / rec["html_file"]).read(), _fundus_body(root, rec)


def run_fundus_body(data: Path, fn) -> dict:
    """Body text on fundus pages with the same metric: a held-out check (nothing was tuned on it)."""
    truth, predicted = {}, {}
    for i, rec, html, body in fundus_pages(data):
        truth[i] = {"articleBody": body}
        predicted[i] = {"articleBody": fn(html, rec["url"]) or ""}
    return evaluate(truth, predicted)


def run_fundus(data: Path) -> dict:
    root = data / "fundus-publisher-pages"
    records = [json.loads(line) for line in (root / "index.jsonl").read_text(encoding="utf8").splitlines() if line]
    n = len(records)
    title_ok = day_ok = exact_ok = has_date = none = 0
    times = []
    misses = []
    truth_bodies, predicted_bodies = {}, {}
    for i, rec in enumerate(records):
        truth_bodies[i] = {"articleBody": _fundus_body(root, rec)}
        html = gzip.open(root / rec["html_file"]).read()
        start = time.perf_counter()
        result = extract(html, rec["url"])
        times.append(time.perf_counter() - start)
        predicted_bodies[i] = {"articleBody": result["text"] if result else ""}
        if result is None:
            none += 1
            misses.append((rec["html_file"], "None"))
            continue
        if _norm(result["title"]) == _norm(rec["title"]):
            title_ok += 1
        else:
            misses.append((rec["html_file"], f"title {result['title']!r} != {rec['title']!r}"))
        expected = rec.get("publishing_date")
        if expected:
            has_date += 1
            got = result["published"]
            want_day = _expected_day(expected)
            if got and got[:10] == want_day:
                day_ok += 1
                if _same_instant(got, expected):
                    exact_ok += 1
            else:
                misses.append((rec["html_file"], f"date {got!r} != {expected!r}"))
    return {
        "records": n,
        "not_article": none,
        "title_accuracy": title_ok / n,
        "date_records": has_date,
        "date_day_accuracy": day_ok / has_date if has_date else None,
        "date_exact_accuracy": exact_ok / has_date if has_date else None,
        "ms_per_page": 1000 * statistics.mean(times),
        "body": evaluate(truth_bodies, predicted_bodies),
        "misses": misses,
    }


def _fundus_body(root: Path, rec: dict) -> str:
    """The expected body of a fundus record: summary, then each section's headline and paragraphs."""
    publisher = json.loads((root / rec["country"] / f"{rec['publisher']}.json").read_text(encoding="utf8"))
    body = publisher[rec["version"]]["body"]
    parts = list(body.get("summary") or [])
    for section in body.get("sections") or []:
        parts += list(section.get("headline") or []) + list(section.get("paragraphs") or [])
    return "\n\n".join(parts)


def _expected_day(value: str) -> str:
    # fundus writes "2024-05-03 15:47:42.389000+00:00": the day as the publisher gave it, in UTC
    # when the zone is UTC, local otherwise; our published is UTC when zoned, so compare in UTC.
    from syndtrack.store.dates import iso

    return (iso(value) or value)[:10]


def _same_instant(got: str, expected: str) -> bool:
    from syndtrack.store.dates import iso

    return iso(expected) == got


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--check-metric", action="store_true", help="reproduce the published figures first")
    parser.add_argument("--no-baseline", action="store_true", help="skip trafilatura alone")
    parser.add_argument("--no-fundus", action="store_true")
    parser.add_argument("--json", type=Path, help="write all figures here")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--ablation", action="store_true",
                        help="also run extract() without the readability cross-check / the furniture filter")
    args = parser.parse_args(argv)

    report: dict = {}
    root, truth, pages = load_aeb(args.data)
    if args.check_metric:
        report["stored_outputs"] = check_metric(root, truth)
        for name, m in report["stored_outputs"].items():
            print(f"stored {name:<22} F1={m['f1']:.3f} P={m['precision']:.3f} R={m['recall']:.3f}")
    systems = [("syndtrack extract", ours)]
    if not args.no_baseline:
        systems += [
            ("trafilatura", trafilatura_alone()),
            ("trafilatura precision", trafilatura_alone(favor_precision=True)),
        ]
    if args.ablation:
        systems += [(f"extract {label}", _ablated(off)) for label, off in
                    [("w/o readability check", "prune"), ("w/o readability takeover", "coverage"),
                     ("w/o furniture filter", "drop_furniture"), ("w/o all three", "all")]]
    report["body"] = {}
    for name, fn in systems:
        metrics, ms, none = run_body(truth, pages, fn)
        report["body"][name] = dict(metrics, ms_per_page=ms, returned_none=none)
        print(f"{name:<24} F1={metrics['f1']:.4f} P={metrics['precision']:.4f} R={metrics['recall']:.4f}"
              f"  {ms:.1f} ms/page (median {metrics['ms_median']:.1f})  none={none}/{len(pages)}")
    if not args.no_baseline:
        extract(next(iter(pages.values())), "https://example.org/warm-up")  # imports, dateparser
        t = interleaved_timing(truth, pages)
        report["timing"] = t
        print(f"timing, alternating page by page: extract {t['extract_ms_mean']:.1f} ms/page "
              f"(median {t['extract_ms_median']:.1f}), trafilatura alone {t['trafilatura_ms_mean']:.1f} "
              f"(median {t['trafilatura_ms_median']:.1f}); ratio {t['ratio_of_totals']:.2f}x")
    if not args.no_fundus:
        f = run_fundus(args.data)
        report["fundus"] = f
        print(f"fundus {f['records']} records: title {f['title_accuracy']:.3f}  date(day) "
              f"{f['date_day_accuracy']:.3f}  date(exact) {f['date_exact_accuracy']:.3f}  "
              f"not-article {f['not_article']}  {f['ms_per_page']:.1f} ms/page  body F1 {f['body']['f1']:.4f} "
              f"P={f['body']['precision']:.4f} R={f['body']['recall']:.4f}")
        for name, fn in systems[1:]:
            m = run_fundus_body(args.data, fn)
            report["fundus"][f"body {name}"] = m
            print(f"fundus body {name:<22} F1={m['f1']:.4f} P={m['precision']:.4f} R={m['recall']:.4f}")
        if args.show_misses:
            for miss in f["misses"]:
                print("  ", *miss)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
