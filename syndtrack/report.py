"""A self-contained HTML report: charts and evidence tables in one file that works offline.

Charts are drawn with matplotlib's Agg backend and inlined as SVG (text stays
text, so the file is searchable and prints sharply); ``png_dir`` also gets a
PNG of each chart for slides. Nothing in the file loads anything: no script,
no stylesheet, no font, no image from elsewhere. The only URLs are links to
the evidence (article pages), and only http(s) ones are made into links.
"""

from __future__ import annotations

import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlite_utils import Database

from syndtrack import __version__, queries
from syndtrack.store.dates import parse_timestamp
from syndtrack.output import plural

# Lag buckets, in hours: how fast a story travels matters at these scales.
LAG_BUCKETS = [(0, 1, "< 1 h"), (1, 6, "1-6 h"), (6, 24, "6-24 h"), (24, 72, "1-3 d"), (72, 168, "3-7 d"),
               (168, 720, "1-4 wk"), (720, float("inf"), "> 4 wk")]
TOP_SOURCES = 6
CREDITED_COLOR, UNCREDITED_COLOR, UNKNOWN_COLOR = "#4c72b0", "#dd5544", "#bbbbbb"


@dataclass
class Chart:
    slug: str
    title: str
    caption: str
    svg: str = ""
    png: Path | None = None


@dataclass
class ReportResult:
    out: Path
    charts: list[Chart] = field(default_factory=list)
    republications: int = 0
    clusters: int = 0
    deleted: int = 0  # republished state-media stories now gone at the source

    @property
    def pngs(self) -> list[Path]:
        return [c.png for c in self.charts if c.png]


def build_report(db: Database, out: str | Path, *, png_dir: str | Path | None = None,
                 filters: queries.Filters | None = None, top: int = 15) -> ReportResult:
    """Write the report to ``out`` (and PNGs to ``png_dir``); returns what was made."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    filters = filters or queries.Filters()
    out = Path(out)
    # A mistyped --out must not leave a report in a directory tree made up on the spot.
    for where, what in ((out.parent, "--out"), (Path(png_dir).parent if png_dir else None, "--png-dir")):
        if where is not None and not where.is_dir():
            raise queries.QueryError(f"{what}: directory does not exist: {where}")
    data = _gather(db, filters, top)
    stories = queries.stories(db, sort="outlets", limit=top, filters=filters)
    clusters = queries.clusters(db, sort="size", limit=top, filters=filters)
    outlets = queries.outlet_report(db, limit=top * 2, filters=filters)

    charts = [
        Chart("republications_over_time", "Republications over time, by state-media source",
              "Copies of state-media stories found, by the date the copy was published."),
        Chart("top_republishers", "Top republishing outlets",
              "Copies each outlet carried (any source), split by whether the copy credited the source."),
        Chart("lag_distribution", "How fast copies appear",
              "Time from the origin's publication to the copy's, for every copy with both dates."),
        Chart("credited_vs_uncredited", "Credited vs uncredited, by source",
              "Whether copies named their source (credit line or source link), per source outlet."),
    ]
    drawers = {"republications_over_time": _over_time, "top_republishers": _top_republishers,
               "lag_distribution": _lags, "credited_vs_uncredited": _credited}
    if png_dir:
        png_dir = Path(png_dir)
        png_dir.mkdir(exist_ok=True)
    for chart in charts:
        fig = drawers[chart.slug](data, top)
        chart.svg = _svg(fig)
        if png_dir:
            chart.png = png_dir / f"{chart.slug}.png"
            fig.savefig(chart.png, dpi=150, bbox_inches="tight")

    deleted = _deleted(db, filters)
    from markupsafe import Markup

    from syndtrack.network import network_svg

    # Escaped by network_svg itself (no script, no external reference): safe to inline.
    network = Markup(network_svg(db, filters=filters))
    from syndtrack.discover import discover

    discovered = discover(db, limit=top)
    doc = _html(charts, clusters, outlets, data["uncredited"], data["totals"], filters, deleted, top,
                stories=stories, network=network, discovered=discovered)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(doc, encoding="utf-8")
    tmp.replace(out)
    totals = data["totals"]
    return ReportResult(out=out, charts=charts, republications=totals["republications"], clusters=totals["clusters"],
                        deleted=len(deleted))


def _gather(db: Database, filters: queries.Filters, top: int) -> dict:
    """What the charts and tables need, aggregated in SQL: the report's memory does
    not grow with the number of copies."""
    clauses, params = filters.where(date_col="copy_published", outlet_cols=["copy_outlet", "origin_outlet"])
    base = "WITH r AS (SELECT * FROM republications WHERE COALESCE(same_outlet, 0) = 0"
    base += "".join(f" AND {c}" for c in clauses) + ") "

    def rows(sql: str) -> list[tuple]:
        return db.execute(base + sql, params).fetchall()

    def by(column: str) -> dict[str, Counter]:
        counts: dict[str, Counter] = defaultdict(Counter)
        for name, credited, n in rows(f"SELECT {column}, credited, COUNT(*) FROM r GROUP BY 1, 2"):
            counts[name or "?"][_credit_key(credited)] += n
        return counts

    buckets = " ".join(f"WHEN lag_seconds < {hi * 3600} THEN {i}" for i, (_, hi, _) in enumerate(LAG_BUCKETS[:-1]))
    lags = Counter(dict(rows(
        f"SELECT CASE {buckets} ELSE {len(LAG_BUCKETS) - 1} END, COUNT(*) FROM r "
        "WHERE lag_seconds IS NOT NULL AND lag_seconds >= 0 GROUP BY 1")))
    total, clusters, state, outlets, uncredited = rows(
        "SELECT COUNT(*), COUNT(DISTINCT cluster_id), SUM(state_media = 1), "
        "COUNT(DISTINCT CASE WHEN state_media = 1 THEN copy_outlet END), "
        "SUM(state_media = 1 AND credited = 0) FROM r")[0]
    return {
        "over_time": rows("SELECT origin_outlet, substr(copy_published, 1, 10), COUNT(*) FROM r "
                          "WHERE state_media = 1 AND copy_published IS NOT NULL GROUP BY 1, 2"),
        "by_outlet": by("copy_outlet"),
        "by_source": by("origin_outlet"),
        "lags": [lags[i] for i in range(len(LAG_BUCKETS))],
        "uncredited": [dict(zip(("copy_published", "copy_outlet", "copy_url", "copy_title", "origin_url",
                                 "origin_outlet", "lag_hours", "coverage", "cluster_id", "origin_language", "copy_language"), r))
                       for r in rows(
            "SELECT copy_published, copy_outlet, copy_url, copy_title, origin_url, origin_outlet, lag_hours, "
            "coverage, cluster_id, origin_language, copy_language FROM r WHERE credited = 0 AND state_media = 1 "
            f"ORDER BY copy_published DESC, copy_id LIMIT {int(top) * 3}")],
        "totals": {
            "articles": db["articles"].count,
            "clusters": clusters,
            "republications": total,
            "state_media_republications": state or 0,
            "republishing_outlets": outlets,
            "uncredited_share": (uncredited / state) if state else None,
        },
    }


def _deleted(db: Database, filters: queries.Filters) -> list[dict]:
    """Republished state-media stories whose origin is now gone (404/410 on the crawler's
    re-check), latest found first; the filters apply as to the clusters table (the
    origin's date, an outlet that started or carried the story). A few hundred rows
    at most in practice: each is a cluster_summary row, computed only for gone origins."""
    if filters.state_media is False:
        return []
    state = queries.Filters(outlet=filters.outlet, since=filters.since, until=filters.until, state_media=True)
    return [c for c in queries.clusters(db, sort="gone", limit=None, filters=state, gone=True) if c["copies"]]


# -- charts ---------------------------------------------------------------------------------


def _figure(height=3.6, *, counts_on="y"):
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(8, height), layout="constrained")
    ax = fig.add_subplot()
    # Counts of copies are whole numbers. Only on the counting axis: the other one
    # holds categories (outlets, lag buckets), whose own locator must stay.
    (ax.xaxis if counts_on == "x" else ax.yaxis).set_major_locator(MaxNLocator(integer=True))
    return fig, ax


def _empty(ax, message="no republications in this selection"):
    ax.text(0.5, 0.5, message, ha="center", va="center", color="#777", transform=ax.transAxes)
    ax.set_axis_off()


def _bin(dates: list[datetime]):
    """Day, week or month bins, whichever gives a readable number of bars."""
    span = (max(dates) - min(dates)).days
    if span <= 45:
        return "day", lambda d: d.strftime("%Y-%m-%d")
    if span <= 365:
        return "week", lambda d: d.strftime("%G-W%V")
    return "month", lambda d: d.strftime("%Y-%m")


def _all_bins(first: datetime, last: datetime, key) -> list[str]:
    """Every bin from first to last, empty ones included, so gaps in time show as gaps."""
    labels, day = [], first
    while day <= last + timedelta(days=1):
        label = key(day)
        if not labels or labels[-1] != label:
            labels.append(label)
        day += timedelta(days=1)
    if labels and labels[-1] > key(last):
        labels.pop()
    return labels


def _over_time(data, top):
    fig, ax = _figure()
    rows = [(source, parse_timestamp(day), n) for source, day, n in data["over_time"]]
    rows = [(source, d, n) for source, d, n in rows if d]
    if not rows:
        _empty(ax, "no dated copies of state-media stories in this selection")
        return fig
    unit, key = _bin([d for _, d, _ in rows])
    per_source: Counter = Counter()
    for source, _, n in rows:
        per_source[source] += n
    sources = [s for s, _ in per_source.most_common(TOP_SOURCES)]
    counts: dict[str, Counter] = defaultdict(Counter)
    for source, d, n in rows:
        counts[source if source in sources else "other"][key(d)] += n
    labels = _all_bins(min(d for _, d, _ in rows), max(d for _, d, _ in rows), key)
    bottom = [0] * len(labels)
    for source in sources + (["other"] if "other" in counts else []):
        values = [counts[source][b] for b in labels]
        ax.bar(range(len(labels)), values, bottom=bottom, label=source, width=0.8)
        bottom = [a + b for a, b in zip(bottom, values)]
    step = max(1, len(labels) // 12)
    ax.set_xticks(range(0, len(labels), step), labels[::step], rotation=45, ha="right", fontsize=8)
    ax.set_ylabel(f"copies per {unit}")
    ax.legend(title="source", fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _top_republishers(data, top):
    bars = min(top, len(data["by_outlet"]))
    fig, ax = _figure(height=max(2.5, 0.3 * bars + 1), counts_on="x")
    if _credit_bars(ax, data["by_outlet"], top, horizontal=True):
        ax.set_xlabel("copies")
    return fig


def _lags(data, top):
    fig, ax = _figure(height=3)
    if not any(data["lags"]):
        _empty(ax, "no copy with both publication dates in this selection")
        return fig
    ax.bar([label for _, _, label in LAG_BUCKETS], data["lags"], color="#55a868")
    ax.set_ylabel("copies")
    ax.set_xlabel("lag behind the origin")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def _credited(data, top):
    fig, ax = _figure(height=3)
    if _credit_bars(ax, data["by_source"], top, horizontal=False):
        ax.set_ylabel("copies")
        ax.set_xlabel("source outlet")
        ax.tick_params(axis="x", labelrotation=30)
    return fig


def _credit_bars(ax, counts: dict[str, Counter], top: int, *, horizontal: bool) -> bool:
    """Copies per outlet, stacked credited / uncredited / unknown; False when there are none."""
    if not counts:
        _empty(ax)
        return False
    names = sorted(counts, key=lambda n: (-sum(counts[n].values()), n))[:top]
    if horizontal:
        names.reverse()  # largest on top
    base = [0] * len(names)
    for kind, color in (("credited", CREDITED_COLOR), ("uncredited", UNCREDITED_COLOR), ("unknown", UNKNOWN_COLOR)):
        values = [counts[n][kind] for n in names]
        if any(values):
            if horizontal:
                ax.barh(names, values, left=base, color=color, label=kind)
            else:
                ax.bar(names, values, bottom=base, color=color, label=kind)
            base = [a + b for a, b in zip(base, values)]
    # Keep bars bar-shaped when there are only one or two of them.
    room = max(len(names), 5)
    if horizontal:
        ax.set_ylim(len(names) - room - 0.6, len(names) - 0.4)  # the largest stays on top
    else:
        ax.set_xlim(-0.6, room - 0.4)
    ax.legend(fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return True


def _credit_key(credited) -> str:
    return {1: "credited", 0: "uncredited"}.get(credited, "unknown")


_SVG_START = re.compile(r"^.*?(?=<svg\b)", re.S)
_SVG_NOISE = re.compile(r"<metadata>.*?</metadata>|\s+xmlns(?::\w+)?=\"[^\"]*\"", re.S)


def _svg(fig) -> str:
    """The figure as an inline <svg>: no XML prolog, DOCTYPE, RDF metadata or namespace URLs
    (the HTML parser knows SVG without them, and they would be the only URLs in the file
    that are not evidence)."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", bbox_inches="tight")
    svg = _SVG_START.sub("", buf.getvalue(), count=1)
    return _SVG_NOISE.sub("", svg).strip()


# -- the document ---------------------------------------------------------------------------

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
.meta{color:#666}.figures{display:flex;flex-wrap:wrap;gap:1em}.kpi{border:1px solid #ddd;border-radius:6px;padding:.6em 1em}
.kpi b{display:block;font-size:1.5em}figure{margin:1em 0}figcaption{color:#555;font-size:.9em}
figure svg{max-width:100%;height:auto}table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border-bottom:1px solid #eee;padding:.3em .5em;text-align:left;vertical-align:top}th{background:#f6f6f6}
td.n{text-align:right;font-variant-numeric:tabular-nums}.no{color:#c0392b;font-weight:600}code{font-size:.9em}
"""


def _translated(origin_language, copy_languages) -> bool:
    return bool(copy_languages) and bool(set(copy_languages.split(",")) - {origin_language})


def _languages(origin_language, copy_languages) -> str:
    """'zh -> en' for a cluster or copy in other languages than its origin, else ''."""
    if not _translated(origin_language, copy_languages):
        return ""
    return f"{origin_language or '?'} -> {', '.join(sorted(set(copy_languages.split(','))))}"


def _pct(v) -> str:
    return "" if v is None else f"{100 * v:.0f}%"


def _minutes(v) -> str:
    return (v or "")[:16].replace("T", " ")


def _yes_no(v) -> str:
    return "yes" if v else "no"


def _environment():
    """Jinja2 over the templates shipped in syndtrack/templates, autoescaping everything:
    titles, outlet names and URLs are whatever a crawled site sent."""
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(loader=PackageLoader("syndtrack", "templates"), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, keep_trailing_newline=True)
    env.filters.update(pct=_pct, minutes=_minutes, yes_no=_yes_no, plural=lambda n, one, many: plural(n, one, many))
    env.globals.update(languages=_languages)
    return env


def _per_source(deleted: list[dict]) -> list[tuple[str, dict]]:
    """'Deleted by the source': per source, stories deleted, copies kept, and how many of those are gone too."""
    per_source: dict[str, dict] = {}
    for c in deleted:
        s = per_source.setdefault(c["origin_outlet"] or "?", {"stories": 0, "copies": 0, "gone": 0, "outlets": set()})
        s["stories"] += 1
        s["copies"] += c["copies"] or 0
        s["gone"] += c["copies_gone"] or 0
        s["outlets"].update(o for o in (c["copy_outlets"] or "").split(",") if o)
    return sorted(per_source.items(), key=lambda kv: (-kv[1]["stories"], kv[0]))


def _html(charts, clusters, outlets, uncredited, totals, filters, deleted=(), top=15, *, stories=(), network="",
          discovered=()) -> str:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    selection = ", ".join(
        f"{k} {v}" for k, v in (("outlet", filters.outlet), ("since", filters.since), ("until", filters.until),
                                 ("state media", filters.state_media)) if v is not None
    ) or "everything in the database"
    kpis = [
        ("articles", totals["articles"]), ("stories republished", totals["clusters"]),
        ("copies found", totals["republications"]), ("copies of state media", totals["state_media_republications"]),
        ("outlets carrying state media", totals["republishing_outlets"]),
        ("state-media copies uncredited", _pct(totals["uncredited_share"]) or "n/a"),
    ]
    deleted = list(deleted)
    # Translated copies (issue 15): a language column where a listed copy is in another
    # language than its origin; a one-language database keeps its tables as they were.
    langs_clusters = any(_translated(c.get("origin_language"), c.get("copy_languages")) for c in clusters)
    langs_uncredited = any(_translated(r.get("origin_language"), r.get("copy_language")) for r in uncredited)
    return _environment().get_template("report.html").render(
        langs_clusters=langs_clusters, langs_uncredited=langs_uncredited,
        now=now, css=_CSS, version=__version__, selection=selection, kpis=kpis, charts=charts, clusters=clusters,
        outlets=outlets, uncredited=uncredited, deleted=deleted, per_source=_per_source(deleted), shown=deleted[: top * 3],
        stories=list(stories), network=network, discovered=list(discovered),
    )
