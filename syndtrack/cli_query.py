"""Query commands: ``clusters``, ``show``, ``trace``, ``search`` and ``outlets report``.

Each is a thin layer over :mod:`syndtrack.queries` (which reads the SQL views
that Datasette and sqlite-utils users query directly) or :mod:`syndtrack.trace`.
"""

from __future__ import annotations

import sys

import click

from syndtrack import queries
from syndtrack.cli import CLIError, cli, get_db
from syndtrack.cli_crawl import outlets  # the crawler's group; `report` joins `list` and `check`
from syndtrack.output import echo, format_option, plural, render, shorten


def filter_options(f=None, *, whose="origin outlet"):
    """--outlet, --since, --until, --state-media/--not-state-media."""

    def decorate(f):
        f = click.option(
            "--state-media/--not-state-media",
            "state_media",
            default=None,
            help=f"Only rows whose {whose} is (or is not) state media in the registry.",
        )(f)
        f = click.option("--until", metavar="DATE", help="Published on or before this ISO 8601 date (a bare date: that whole day).")(f)
        f = click.option("--since", metavar="DATE", help="Published on or after this ISO 8601 date.")(f)
        f = click.option("--outlet", metavar="OUTLET", help="Only rows involving this outlet (slug or host).")(f)
        return f

    return decorate(f) if f else decorate


def limit_option(default, what="rows"):
    return click.option("--limit", type=click.IntRange(min=0), default=default, show_default=True,
                        help=f"At most this many {what} (0: all).")


def _filters(outlet, since, until, state_media) -> queries.Filters:
    return queries.Filters(outlet=outlet, since=since, until=until, state_media=state_media)


def _run(fn, *args, **kwargs):
    """Turn a QueryError into the one-line CLI error."""
    try:
        return fn(*args, **kwargs)
    except queries.QueryError as exc:
        raise CLIError(str(exc)) from None


@cli.command()
@click.option("--sort", type=click.Choice(sorted(queries.CLUSTER_SORTS)), default="size", show_default=True,
              help="size: most copies first; recent: latest republication first; gone: latest deleted origin first.")
@click.option("--gone", is_flag=True,
              help="Only clusters whose origin is gone: its URL answered 404/410 on a re-check (the text is kept).")
@limit_option(20)
@filter_options
@format_option
@click.pass_context
def clusters(ctx, sort, gone, limit, outlet, since, until, state_media, fmt):
    """List clusters: each story with the copies found of it.

    One row per cluster: its id (for `syndtrack show`), the origin's title,
    outlet and date, how many copies, on how many outlets, which outlets, and
    the share of copies that credited the source. Dates filter on the origin's
    publication date; --outlet keeps clusters the outlet started or carried.
    origin_gone is when the crawler found the origin deleted (404/410 on a
    re-check); the table shows it when a listed origin is gone.

    Example:

        syndtrack clusters --gone --state-media --sort gone
    """
    rows = _run(queries.clusters, get_db(ctx), sort=sort, limit=limit, filters=_filters(outlet, since, until, state_media),
                gone=True if gone else None)
    columns = ["id", "origin_title", "origin_outlet", "origin_published", "copies", "outlets", "copy_outlets", "credited_share"]
    if any(r.get("origin_gone") for r in rows):
        columns.append("origin_gone")
    echo(render(rows, fmt, columns=columns, widths={"origin_title": 48, "copy_outlets": 40}), fmt)


@cli.command()
@click.argument("cluster_id", type=int)
@limit_option(0, "copies")
@click.option("--context", type=click.IntRange(min=0), default=120, show_default=True,
              help="In table output, shorten each passage to this many characters at each end (0: whole passages).")
@format_option
@click.pass_context
def show(ctx, cluster_id, limit, context, fmt):
    """Show one cluster: the origin, every copy, and what each copy took.

    For each copy: outlet, date, language, lag behind the origin, relation
    (copy, excerpt, edited, translated), coverage (share of the origin
    reused), whether it credited the source, and the aligned passages from
    the stored match (for a translation, each origin sentence above the
    sentence that translates it):
    what was copied, what the copy added, and what it cut from the origin.
    JSON carries the character offsets into articles.text as well. An origin
    or copy whose URL answered 404/410 on a re-check is marked GONE, with
    the date the crawler found it so (its text is kept).

    Example:

        syndtrack show 12 --format json
    """
    result = _run(queries.show_cluster, get_db(ctx), cluster_id, context=context if fmt == "table" else None)
    if limit:
        result["copies"] = result["copies"][:limit]
    if fmt == "json":
        echo(render(result, "json"), fmt)
    elif fmt == "csv":
        rows = [{k: v for k, v in c.items() if k not in ("copied", "added", "cut")} for c in result["copies"]]
        echo(render(rows, "csv"), fmt)
    else:
        echo(_show_text(result), fmt)


def _show_text(result: dict) -> str:
    o = result["origin"]
    c = result["cluster"]
    state = " (state media)" if o.get("state_media") else ""
    gone = [("origin GONE" if o.get("gone") else ""),
            (f"{plural(c['copies_gone'], 'copy', 'copies')} GONE" if c.get("copies_gone") else "")]
    lines = [
        f"cluster {c['id']}: {c['copies']} copies on {c['outlets']} outlets, {_pct(c['credited_share'])} credited"
        + "".join(f", {g}" for g in gone if g),
        f"origin  #{o['id']} {o['outlet']}{state}  {o['published'] or 'date unknown'}" + (f"  [{o['language']}]" if o.get("language") else ""),
        f"        {o['title'] or '(no title)'}",
        f"        {o['url']}",
    ]
    if o.get("gone"):
        lines.append(f"        {_gone(o['gone'])}")
    for cp in result["copies"]:
        lines += [
            "",
            f"{cp['relation'] or 'copy':7} #{cp['copy_id']} {cp['copy_outlet']}  {cp['copy_published'] or 'date unknown'}"
            + (f"  [{cp['copy_language']}]" if cp.get("copy_language") else "") + f"  lag {_lag(cp['lag_seconds'])}  coverage {_pct(cp['coverage'])}"
            f"  {'credited' if cp['credited'] else 'NOT credited'}" + (f" {cp['copy_credit']}" if cp.get("copy_credit") else "")
            + ("  (the outlet re-ran its own piece)" if cp.get("same_outlet") else ""),
            f"        {cp['copy_title'] or '(no title)'}",
            f"        {cp['copy_url']}",
        ]
        if cp.get("copy_gone"):
            lines.append(f"        {_gone(cp['copy_gone'])}")
        if cp["passages"] is None:
            lines.append("        (no stored match with the origin: it joined the cluster through another copy)")
            continue
        if cp["relation"] == "translated":
            for part in cp["copied"]:  # the aligned sentence pairs, origin above its translation
                lines.append(f"   origin | {' '.join(part['origin_text'].split())}")
                lines.append(f"   transl | {' '.join(part['text'].split())}")
            continue
        for label, key in (("copied", "copied"), ("added ", "added"), ("cut   ", "cut")):
            for part in cp[key]:
                lines.append(f"   {label} | {' ¶ '.join(' '.join(p.split()) for p in part['text'].split(chr(10) * 2))}")
    return "\n".join(lines)


def _gone(stamp: str) -> str:
    """The mark of a deleted article: since when (the crawler's first 404/410), and that the text stays."""
    return f"GONE since {shorten(stamp, 16)} (404/410 on re-check; text kept)"


def _pct(value) -> str:
    return "?" if value is None else f"{100 * value:.0f}%"


def _lag(seconds) -> str:
    if seconds is None:
        return "?"
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 3600:
        return f"{sign}{seconds / 60:.0f}m"
    if seconds < 172800:
        return f"{sign}{seconds / 3600:.1f}h"
    return f"{sign}{seconds / 86400:.1f}d"


@cli.command()
@click.argument("query")
@limit_option(20)
@filter_options(whose="outlet")
@format_option
@click.pass_context
def search(ctx, query, limit, outlet, since, until, state_media, fmt):
    """Full-text search over article titles and texts (SQLite FTS5 syntax).

    Words are ANDed; use OR, "quoted phrases", prefix* and NEAR(a b, 5) as
    in FTS5. Results come best match first, with a snippet ([marks] around
    the hits) and the cluster the article belongs to, if any.

    Example:

        syndtrack search '"security treaty" AND japan' --since 2023-01-01
    """
    rows = _run(queries.search, get_db(ctx), query, limit=limit, filters=_filters(outlet, since, until, state_media))
    echo(
        render(
            rows,
            fmt,
            columns=["id", "outlet", "published", "title", "cluster_id", "snippet"],
            widths={"title": 40, "snippet": 90},
        ),
        fmt,
    )


@cli.command()
@click.argument("source")
@limit_option(10, "matches")
@click.option("--min-score", type=click.FloatRange(0, 100), default=None,
              help="Ignore candidates scoring below this (0-100). Default: dedupe's own threshold.")
@format_option
@click.pass_context
def trace(ctx, source, limit, min_score, fmt):
    """Find where a text came from: its origin and sibling copies in the database.

    SOURCE is a URL (the page is fetched and its article text extracted), a
    file (HTML or plain text), or - for text on stdin. The text need not be
    in the database: it is compared, with dedupe's matcher, against the
    articles that share its fingerprints or its rarest words, and each match
    is shown with its cluster's origin and the other copies of the same story.

    Example:

        syndtrack trace https://dainiksaveratimes.com/world/japan-actions/
    """
    from syndtrack import trace as tracing

    try:
        if source == "-":
            doc = tracing.document_from_text(sys.stdin.read(), name="<stdin>")
        elif source.startswith(("http://", "https://")):
            doc = tracing.fetch_document(source)
        else:
            doc = tracing.read_document(source)
        result = tracing.trace(get_db(ctx), doc, limit=limit or None, min_score=min_score)
    except tracing.TraceError as exc:
        raise CLIError(str(exc)) from None
    if fmt == "json":
        echo(render(result.as_dict(), "json"), fmt)
    elif fmt == "csv":
        echo(render(result.rows(), "csv"), fmt)
    else:
        echo(_trace_text(result), fmt)


def _trace_text(result) -> str:
    d = result.as_dict()
    lines = [f"{d['source']['name']}: {d['source']['chars']} characters, {d['candidates']} candidates compared"]
    if d["source"]["in_database"]:
        lines.append(f"this page is already in the database as article #{d['source']['in_database']}")
    if not d["matches"]:
        lines.append("no article in the database shares this text")
        from dedupe.align import MIN_CHARS

        if sum(ch.isalnum() for ch in result.source.text) < MIN_CHARS:
            lines.append(f"(a copy must share at least {MIN_CHARS} letters and digits with it; "
                         "for a phrase or a quotation, try `syndtrack search '\"...\"'`)")
        return "\n".join(lines)
    origin = d["origin"]
    if origin:
        state = " (state media)" if origin.get("state_media") else ""
        lines += [
            f"origin: #{origin['id']} {origin['outlet']}{state}  {origin['published'] or 'date unknown'}",
            f"        {origin['title'] or '(no title)'}",
            f"        {origin['url']}",
        ]
        if origin.get("gone"):
            lines.append(f"        {_gone(origin['gone'])}")
    lines.append("")
    lines.append(render(d["matches"], "table", columns=["id", "outlet", "published", "score", "coverage", "cluster_id", "relation", "title"],
                        widths={"title": 50}))
    if d["siblings"]:
        lines.append("")
        lines.append("other copies of the same story:")
        lines.append(render(d["siblings"], "table", columns=["id", "outlet", "published", "relation", "credited", "cluster_id", "url"],
                            widths={"url": 70}))
    return "\n".join(lines)


@outlets.command(name="report")
@click.option("--sort", type=click.Choice(["republications", "uncredited", "lag", "gone"]), default="republications",
              show_default=True,
              help="Most republications, highest uncredited share, fastest, or most stories deleted at the source first.")
@limit_option(50)
@filter_options
@format_option
@click.pass_context
def outlets_report(ctx, sort, limit, outlet, since, until, state_media, fmt):
    """Which outlets republish which sources: how often, how fast, uncredited.

    One row per (republishing outlet, source outlet): copies carried,
    distinct stories, how many and what share were uncredited, the median
    lag behind the source, and the mean coverage. An outlet re-running its
    own pieces is not counted. --outlet matches either side; dates filter
    on the copy's publication date; --state-media keeps state-media sources.
    origins_gone: stories the source has deleted since (its URL answered
    404/410 on a re-check) while the copy is kept; copies_gone: the outlet's
    own copies gone the same way. The table shows both when any is gone.

    Example:

        syndtrack outlets report --state-media --sort uncredited
    """
    rows = _run(queries.outlet_report, get_db(ctx), limit=limit, sort=sort,
                filters=_filters(outlet, since, until, state_media))
    columns = ["outlet", "source", "state_media", "republications", "stories", "uncredited",
               "uncredited_share", "median_lag_hours", "avg_coverage"]
    if any(r.get("origins_gone") or r.get("copies_gone") for r in rows):
        columns += ["origins_gone", "copies_gone"]
    echo(render(rows, fmt, columns=columns), fmt)

