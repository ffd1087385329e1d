"""Query commands: ``clusters``, ``show``, ``trace``, ``search`` and ``outlets report``.

Each is a thin layer over :mod:`syndtrack.queries` (which reads the SQL views
that Datasette and sqlite-utils users query directly) or :mod:`syndtrack.trace`.
"""

from __future__ import annotations

import sys

import click

from syndtrack import queries
from syndtrack.cli_common import CLIError, read_db
from syndtrack.output import echo, format_option, plural, render, shorten

# Below this share of its own text from the origin, `show` says so: the page is mostly its own
# article (Hot Air's post quoting AP's item, Helsinki news day: 14%), not a copy of the origin.
OWN_SHARE_SHOWN = 0.5


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
        filters = kwargs.get("filters")
        if filters is not None and filters.outlet:
            queries.check_outlet(args[0], filters.outlet)
        return fn(*args, **kwargs)
    except queries.QueryError as exc:
        raise CLIError(str(exc)) from None


@click.command()
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

    One row per cluster (one version of a story: `syndtrack stories` counts
    stories across their versions): its story, its id (for `syndtrack show`), the origin's title,
    outlet and date, how many copies, on how many outlets, which outlets, and
    the share of copies that credited the source. Dates filter on the origin's
    publication date; --outlet keeps clusters the outlet started or carried.
    origin_gone is when the crawler found the origin deleted (404/410 on a
    re-check); the table shows it when a listed origin is gone.

    Example:

        syndtrack clusters --gone --state-media --sort gone
    """
    rows = _run(queries.clusters, read_db(ctx), sort=sort, limit=limit, filters=_filters(outlet, since, until, state_media),
                gone=True if gone else None)
    columns = ["story_id", "id", "origin_title", "origin_outlet", "origin_published", "copies", "outlets", "copy_outlets",
               "credited_share"]
    if any(r.get("origin_gone") for r in rows):
        columns.append("origin_gone")
    if any(r.get("copy_languages") and set(r["copy_languages"].split(",")) - {r.get("origin_language")} for r in rows):
        columns += ["origin_language", "copy_languages"]  # translated copies listed: say in which language
    echo(render(rows, fmt, columns=columns, widths={"origin_title": 48, "copy_outlets": 40}), fmt)


@click.command()
@click.option("--sort", type=click.Choice(sorted(queries.STORY_SORTS)), default="outlets", show_default=True,
              help="outlets: reached most outlets first; recent: latest publication first.")
@limit_option(20)
@filter_options
@format_option
@click.pass_context
def stories(ctx, sort, limit, outlet, since, until, state_media, fmt):
    """List stories: each piece with all its versions and every outlet that ran one.

    Agencies rewrite a story through the day and outlets carry different
    versions; each version is a cluster (`syndtrack clusters`), and a story
    groups the versions that share substantial own text within 48 hours.
    One row per story: its id (for `syndtrack story`), the first version's
    title, outlet and date, how many versions, articles and outlets, and the
    share of copies that credited the source. Dates filter on the first
    version's date; --outlet keeps stories the outlet started or carried.

    Example:

        syndtrack stories --state-media --since 2024-05-01
    """
    rows = _run(queries.stories, read_db(ctx), sort=sort, limit=limit, filters=_filters(outlet, since, until, state_media))
    columns = ["id", "origin_title", "origin_outlet", "origin_published", "versions", "articles", "outlets",
               "copy_outlets", "credited_share"]
    echo(render(rows, fmt, columns=columns, widths={"origin_title": 48, "copy_outlets": 40}), fmt)


@click.command()
@click.argument("story_id", type=int)
@format_option
@click.pass_context
def story(ctx, story_id, fmt):
    """Show one story: its versions, each with its copies (see `syndtrack show`).

    Example:

        syndtrack story 3
    """
    result = _run(queries.show_story, read_db(ctx), story_id)
    if fmt != "table":
        echo(render(result if fmt == "json" else result["versions"], fmt), fmt)
        return
    s = result["story"]
    state = " (state media)" if s.get("state_media") else ""
    lines = [
        f"story {s['id']}: {plural(s['versions'], 'version', 'versions')}, {plural(s['articles'], 'article', 'articles')} "
        f"on {plural(s['outlets'], 'outlet', 'outlets')}, {_pct(s['credited_share'])} of copies credited",
        f"first   #{s['origin_id']} {s['origin_outlet']}{state}  {s['origin_published'] or 'date unknown'}",
        f"        {s['origin_title'] or '(no title)'}",
        "",
    ]
    for v in result["versions"]:
        # A version nobody copied is kept for the story's count (stage_assemble.lone_versions);
        # "0 copies on 0 outlets" read like an empty or broken cluster.
        reach = (f"{plural(v['copies'], 'copy', 'copies')} on {plural(v['outlets'], 'outlet', 'outlets')}"
                 if v["copies"] else "no copies of its own (carried by its outlet only)")
        lines.append(f"version cluster {v['id']}: {v['origin_outlet']}  {v['origin_published'] or 'date unknown'}  {reach}")
        lines.append(f"        {v['origin_title'] or '(no title)'}")
        if v.get("copy_outlets"):
            lines.append(f"        carried by: {v['copy_outlets']}")
    echo("\n".join(lines), fmt)


@click.command()
@click.argument("cluster_id", type=int)
@limit_option(0, "copies")
@click.option("--context", type=click.IntRange(min=0), default=120, show_default=True,
              help="In table output, shorten each passage to this many characters at each end (0: whole passages).")
@format_option
@click.pass_context
def show(ctx, cluster_id, limit, context, fmt):
    """Show one cluster: the origin, every copy, and what each copy took.

    For each copy: outlet, date, language, lag behind the origin, relation
    (copy, excerpt, edited, paraphrased, translated, headline), coverage (share of the origin
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
    result = _run(queries.show_cluster, read_db(ctx), cluster_id, context=context if fmt == "table" else None)
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
        f"cluster {c['id']}: {plural(c['copies'], 'copy', 'copies')} on {plural(c['outlets'], 'outlet', 'outlets')}, "
        f"{_pct(c['credited_share'])} credited"
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
            + _own_share(cp) + f"  {'credited' if cp['credited'] else 'NOT credited'}" + (f" {cp['copy_credit']}" if cp.get("copy_credit") else "")
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
    if c.get("story_id"):
        lines += ["", f"a version of story {c['story_id']}: all its versions with `syndtrack story {c['story_id']}`"]
    return "\n".join(lines)


def _gone(stamp: str) -> str:
    """The mark of a deleted article: since when (the crawler's first 404/410), and that the text stays."""
    return f"GONE since {shorten(stamp, 16)} (404/410 on re-check; text kept)"


def _pct(value) -> str:
    return "?" if value is None else f"{100 * value:.0f}%"


def _own_share(copy: dict) -> str:
    """A page made mostly of its own text that carries the origin: the share of itself that is the origin's.
    (A copy is nearly all origin; a commentary quoting a wire item is not, and is worth reading.)"""
    share = copy.get("member_coverage")
    return f" ({_pct(share)} of its own text)" if share is not None and share < OWN_SHARE_SHOWN else ""


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


@click.command()
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
    rows = _run(queries.search, read_db(ctx), query, limit=limit, filters=_filters(outlet, since, until, state_media))
    echo(
        render(
            rows,
            fmt,
            columns=["id", "outlet", "published", "title", "cluster_id", "snippet"],
            widths={"title": 40, "snippet": 90},
        ),
        fmt,
    )


@click.command()
@click.argument("source")
@click.option("--fetch", is_flag=True,
              help="SOURCE is a URL to fetch live (default: a URL is looked up in the database, no network).")
@limit_option(10, "matches")
@click.option("--min-score", type=click.FloatRange(0, 100), default=None,
              help="Ignore candidates scoring below this (0-100). Default: dedupe's own threshold.")
@format_option
@click.pass_context
def trace(ctx, source, fetch, limit, min_score, fmt):
    """Find where a text came from: its origin and sibling copies in the database.

    SOURCE is any of: an article id (12 or #12) or a stored article's URL
    (its stored text: works when the page is gone), a file (HTML or plain
    text), - for text on stdin, or the text itself in quotes. Nothing is
    fetched unless --fetch is given with a URL. The text need not be in the
    database: it is compared with the articles sharing its fingerprints or
    its rarest words, as `syndtrack cluster` compares two articles (same
    normalisation and verifier); a short passage (an excerpt, reworded or cut
    mid-sentence) is also looked for inside each of them. Each match is
    shown with its cluster's origin and the other copies of the same story.

    Example:

        syndtrack trace 'Japan has taken dangerous actions in the region'
    """
    from syndtrack import trace as tracing

    db = read_db(ctx)
    try:
        doc = tracing.resolve(db, source, fetch=fetch, stdin=sys.stdin)
        result = tracing.trace(db, doc, limit=limit or None, min_score=min_score)
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
    src = d["source"]
    after = ""
    if src["kind"] == "stored article":
        what = f"stored article #{src['in_database']} ({src['name']}), its stored text" + (
            f" as fetched {shorten(src['fetched'], 16)}" if src.get("fetched") else "")
        after = "; nothing fetched now"
    elif src["kind"] == "fetched page":
        what = f"{src['name']}, fetched live now (--fetch)"
    elif src["kind"] == "file":
        what = f"the file {src['name']}"
    elif src["kind"] == "stdin":
        what = "the text on stdin"
    else:
        what = "the text given as an argument"
    lines = [f"traced: {what}, {plural(src['chars'], 'character', 'characters')}{after}",
             f"matched against: {d['database']} ({plural(d['candidates'], 'candidate', 'candidates')} from its fingerprint "
             "and full-text indexes, compared as `syndtrack cluster` does)"]
    if src["in_database"] and src["kind"] != "stored article":
        lines.append(f"this page is already in the database as article #{src['in_database']}")
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
        # The origin's language where the copies found are not all in one (a translated copy).
        found = d["matches"] + d["siblings"] + [origin]
        lang = f"  [{origin['language']}]" if len({r.get("language") for r in found} - {None}) > 1 else ""
        lines += [
            f"origin: #{origin['id']} {origin['outlet']}{state}  {origin['published'] or 'date unknown'}{lang}",
            f"        {origin['title'] or '(no title)'}",
            f"        {origin['url']}",
        ]
        if origin.get("gone"):
            lines.append(f"        {_gone(origin['gone'])}")
    lines.append("")
    rows = [{**m, "coverage": _pct(m["coverage"])} for m in d["matches"]]
    # A language column on the same condition.
    found = d["matches"] + d["siblings"] + ([origin] if origin else [])
    lang = ["language"] if len({r.get("language") for r in found} - {None}) > 1 else []
    lines.append(render(rows, "table", columns=["id", "outlet", "published"] + lang + ["score", "coverage", "method", "cluster_id",
                                                                                     "relation", "title"],
                        widths={"title": 50}))
    if any(m["method"] == "passage" for m in d["matches"]):
        lines.append("(method passage: the text was found inside the article, edited or cut mid-sentence; "
                     "aligned: sentence by sentence, as clustering does)")
    if d["siblings"]:
        lines.append("")
        lines.append("other copies of the same story:")
        lines.append(render(d["siblings"], "table", columns=["id", "outlet", "published"] + lang + ["relation", "credited", "cluster_id",
                                                                                                  "url"],
                            widths={"url": 70}))
    return "\n".join(lines)


@click.command(name="report")
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
    The uncredited copies by what they say instead: credit_other (another
    outlet, e.g. "Xinhua" on a CGTN piece), credit_vague ("Agencies"),
    credit_stripped (the source's own credit or dateline removed), and
    credit_none (JSON and CSV) for the rest.

    Example:

        syndtrack outlets report --state-media --sort uncredited
    """
    rows = _run(queries.outlet_report, read_db(ctx), limit=limit, sort=sort,
                filters=_filters(outlet, since, until, state_media))
    columns = ["outlet", "source", "state_media", "republications", "stories", "uncredited",
               "uncredited_share", "credit_other", "credit_vague", "credit_stripped", "median_lag_hours", "avg_coverage"]
    if any(r.get("origins_gone") or r.get("copies_gone") for r in rows):
        columns += ["origins_gone", "copies_gone"]
    echo(render(rows, fmt, columns=columns), fmt)

