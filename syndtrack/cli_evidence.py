"""``article`` and ``evidence``: what an investigator shows and hands on."""

from __future__ import annotations

import click

from syndtrack.cli_common import CLIError, read_db
from syndtrack.cli_query import _own_share
from syndtrack.output import echo, format_option, plural, render, shorten, yes_no


_SHARED_SHOWN = 5  # text matches outside the story listed by `article`


def _pct(value) -> str:
    return "?" if value is None else f"{100 * value:.0f}%"


@click.command()
@click.argument("ref", metavar="ID|URL")
@click.option("--html", "html_out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the archived page (the HTML as fetched) to this file.")
@click.option("--revisions/--no-revisions", default=True, show_default=True,
              help="Show earlier versions of the text, when it changed.")
@format_option
@click.pass_context
def article(ctx, ref, html_out, revisions, fmt):
    """Show one stored article: metadata, text, revisions, cluster and story.

    ID|URL is the article's id (12 or #12) or its URL as stored (tracking
    parameters and fragments do not matter). Shows where and when it was
    published and fetched, its credit line, whether its URL has gone (404/410),
    the pages archived for it, its cluster (relation, coverage, credited) and
    the story that cluster belongs to, the articles it shares text with outside
    that story (a follow-up recycling its background, a round-up carrying its
    lede), then the text and any earlier versions. Nothing is fetched: it is
    what the database holds.

    Example:

        syndtrack article 12 --html article-12.html
    """
    from syndtrack import evidence

    db = read_db(ctx)
    try:
        aid = evidence.find_article(db, ref)
        record = evidence.article_record(db, aid)
        if html_out:
            from pathlib import Path

            target = Path(html_out)
            if not target.parent.exists():
                raise evidence.EvidenceError(f"directory does not exist: {target.parent}")
            html, page = evidence.page_html(db, aid)
            target.write_bytes(html)
    except evidence.EvidenceError as exc:
        raise CLIError(str(exc)) from None
    if fmt == "json":
        echo(render(record, "json"), fmt)
    elif fmt == "csv":
        echo(render([record["article"]], "csv"), fmt)
    else:
        echo(_article_text(record, revisions), fmt)
    if html_out:
        click.echo(f"{html_out}: archived page of article #{aid}, {plural(len(html), 'byte', 'bytes')}, "
                   f"fetched {page.get('fetched') or 'at an unknown time'}", err=True)


def _article_text(record: dict, show_revisions: bool) -> str:
    a = record["article"]
    lines = [f"article #{a['id']}  {a['title'] or '(no title)'}", f"  url        {a['url']}"]
    for label, key in (("outlet", "outlet"), ("published", "published"), ("modified", "modified"), ("author", "author"),
                       ("language", "language"), ("credit", "credit"), ("source url", "source_url"),
                       ("fetched", "fetched"), ("first seen", "first_seen")):
        if a.get(key):
            value = a[key]
            if key == "outlet":
                value = f"{value} ({a['outlet_name']})" if a.get("outlet_name") else value
                value += f", state media: {yes_no(bool(a.get('state_media')))}"  # not in the registry: not known as state media
            lines.append(f"  {label:<10} {value}")
    if a.get("gone"):
        lines.append(f"  gone       since {shorten(a['gone'], 16)} (404/410 on re-check; text kept)")
    pages = record["pages"]
    if pages:
        lines.append(f"  pages      {plural(len(pages), 'archived page', 'archived pages')}: "
                     + "; ".join(f"{shorten(p['fetched'], 16)} HTTP {p['status'] or '?'}" for p in pages))
    else:
        lines.append("  pages      none archived (imported without its HTML)")
    c = record["cluster"]
    if c:
        role = "the origin" if c["relation"] == "origin" else (
            f"{c['relation']} of #{c['origin_id']}, coverage {_pct(c['coverage'])}{_own_share(c)}, "
            f"credited: {yes_no(c['credited'])}")
        lines.append(f"  cluster    {c['cluster_id']} ({plural(c['size'], 'article', 'articles')}): {role}")
        s = record["story"]
        if s:
            lines.append(f"  story      {s['id']}: {plural(s['versions'], 'version', 'versions')}, "
                         f"{plural(s['size'], 'article', 'articles')} on {plural(s['outlets'], 'outlet', 'outlets')}")
    elif record["shared_outside"]:
        lines.append("  cluster    none (the articles below share text with it, but none is a copy of the same piece)")
    else:
        lines.append("  cluster    none (nobody else carried it, as far as the database knows)")
    outside = record["shared_outside"]
    for i, m in enumerate(outside[:_SHARED_SHOWN]):
        lines.append(f"  {'shares' if i == 0 else '':<10} {_pct(m['coverage'])} of its text with #{m['article_id']} "
                     f"{m['outlet'] or '?'} ({_pct(m['partner_coverage'])} of that one's), outside its story: "
                     f"{shorten(m['title'] or '(no title)', 50)}")
    if len(outside) > _SHARED_SHOWN:
        lines.append(f"  {'':<10} and {plural(len(outside) - _SHARED_SHOWN, 'more article', 'more articles')} "
                     "(--format json lists them all)")
    lines += ["", record["text"]]
    if show_revisions and record["revisions"]:
        for r in record["revisions"]:
            lines += ["", f"--- earlier version, replaced {shorten(r['replaced'], 16)} "
                          f"(fetched {shorten(r['fetched'], 16) if r['fetched'] else '?'}, "
                          f"{plural(r['chars'] or 0, 'character', 'characters')}) ---", r["text"] or ""]
    return "\n".join(lines)


@click.command()
@click.argument("target", metavar="CLUSTER_ID|story:STORY_ID")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), required=True,
              help="The WARC file to write (.warc.gz: gzip-compressed records; .warc: plain).")
@click.pass_context
def evidence(ctx, target, out):
    """Write a cluster's or a story's archived pages as a WARC evidence bundle.

    The origin's and every copy's archived responses, each with the HTTP
    status and headers stored (Content-Type, ETag, Last-Modified), its fetch
    date as WARC-Date, and SHA-256 block and payload digests; then a JSON
    manifest record: who copied what, when, how much, credited or not, and
    which articles have no archived page. Readable by any WARC tool (warcio,
    pywb, replayweb.page).

    Example:

        syndtrack evidence 12 --out cluster-12.warc.gz
    """
    from syndtrack import evidence as ev

    db = read_db(ctx)
    try:
        bundle = ev.write_bundle(db, target, out)
    except ev.EvidenceError as exc:
        raise CLIError(str(exc)) from None
    pages = bundle.records - 2
    line = (f"{bundle.out}: {bundle.target}, {plural(bundle.articles, 'article', 'articles')}, "
            f"{plural(pages, 'archived page', 'archived pages')} and a manifest")
    if bundle.without_page:
        line += f"; no archived page for {', '.join('#' + str(i) for i in bundle.without_page)}"
    click.echo(line)
