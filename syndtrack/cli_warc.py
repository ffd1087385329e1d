"""``syndtrack import-warc`` (see :mod:`syndtrack.warc`) and ``outlets discover`` (:mod:`syndtrack.discover`)."""

from __future__ import annotations

import sys
import time

import click

from syndtrack.cli_common import CLIError, get_db, is_terminal, read_db
from syndtrack.cli_crawl import OUTLETS_FILE_HELP, _registry
from syndtrack.output import echo, format_option, render


@click.command(name="import-warc")
@click.argument("paths", nargs=-1, required=True)
@click.option("--filter", "filter_", type=click.Choice(["all", "copies"]), default="all", show_default=True,
              help="all: store every article page. copies: only pages that reuse the text of source "
                   "articles already in the database (or link to one); the rest is dropped before extraction.")
@click.option("--sources", "sources", multiple=True, metavar="OUTLET",
              help="With --filter copies: the outlets whose articles count as sources (slug, host or name; "
                   "repeatable). Default: every state-media outlet of the registry.")
@click.option("--min-hits", type=click.IntRange(min=1), default=None,
              help="With --filter copies: distinct source fingerprints a page must contain. [default: 2]")
@click.option("--outlets", "outlets_file", type=click.Path(exists=True, dir_okay=False), help=OUTLETS_FILE_HELP)
@click.option("--no-default-outlets", is_flag=True, help="Use only --outlets FILE, not the default registry.")
@click.option("--scheduler", metavar="ADDRESS",
              help="Run on a Dask distributed cluster: its scheduler's address (tcp://host:8786) or scheduler "
                   "file. Workers read, filter and extract a 16 MB piece of a file each (they must see the same "
                   "paths); this process alone writes the database. Default: no cluster, this process does everything.")
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Processes that read, filter and extract pieces of each file while this one writes (0: none, "
                   "all in this process). [default: one per core; 0 on one core]")
@click.option("-v", "--verbose", is_flag=True,
              help="Also list every skipped record (revisits, non-HTML, HTTP errors) with its offset.")
@click.pass_context
def import_warc(ctx, paths, filter_, sources, min_hits, outlets_file, no_default_outlets, scheduler, workers, verbose):
    """Import the article pages of WARC or WARC.gz files (CC-NEWS, your own crawls).

    PATHS are files, globs ('cc-news/*.warc.gz') or @LIST, a text file naming
    one path or glob a line. Each HTML response goes through the crawler's
    extraction; the raw page is kept as evidence in `pages`. Articles are keyed
    by canonical URL, so importing a file twice changes nothing. An article's
    outlet is its registry entry, or the registrable domain of an unlisted host.

    Revisit, non-HTML, non-200 and truncated records and broken gzip members
    are counted and skipped; damaged ones are reported with their offset
    (--verbose lists every skipped record). Reading resumes after a broken
    gzip member.

    --filter copies is the firehose mode: a page is extracted only if its raw
    text contains fingerprints of source articles already in the database
    (state media by default; --sources to choose) or it links to one. Pages
    seen and kept per host land in `warc_hosts` for `outlets discover`.

    On one machine, worker processes (--workers, one per core by default)
    read, filter and extract 8 MB pieces of each WARC.gz file while this
    process writes the database, in file order: the result is the same as
    with --workers 0.

    --scheduler runs the same import on a Dask distributed cluster: workers
    filter and extract, this process is the one writer; a failed task is
    retried, and a result stored twice changes nothing.

    Example:

        syndtrack --db news.db import-warc --filter copies 'CC-NEWS-2024*.warc.gz'
    """
    from syndtrack.warc import CopyFilter, MIN_HITS, WarcInputError, default_workers, expand_paths, import_warc as run

    if no_default_outlets and not outlets_file:
        raise CLIError("--no-default-outlets needs --outlets FILE")
    if (sources or min_hits) and filter_ != "copies":
        raise CLIError("--sources and --min-hits need --filter copies")
    if scheduler and workers is not None:
        raise CLIError("--workers is for one machine; with --scheduler the cluster's workers do the work")
    try:
        files = expand_paths(paths)
    except WarcInputError as exc:
        raise CLIError(str(exc)) from None
    registry = _registry(outlets_file, no_default_outlets)
    db = get_db(ctx)
    copy_filter = None
    if filter_ == "copies":
        copy_filter = CopyFilter.load(db, registry, sources or None, min_hits=min_hits or MIN_HITS)
        if not len(copy_filter) and not copy_filter.source_urls:
            raise CLIError("--filter copies: no source articles in the database"
                           + (f" for {', '.join(sources)}" if sources else " (no state-media articles)")
                           + "; crawl or import them first")
        click.echo(f"filter: {len(copy_filter)} fingerprints of {len(copy_filter.source_urls)} articles "
                   f"from {len(copy_filter.sources)} source outlet(s)", err=True)
    progress = _Progress(sum(f.stat().st_size for f in files))
    damaged = {"truncated", "broken_gzip", "unreadable", "extraction_failed", "bad_article", "too_large"}

    def on_skip(skipped) -> None:
        if verbose or skipped.kind in damaged:
            progress.clear()
            click.echo(str(skipped), err=True)

    try:
        if scheduler:
            result = _on_cluster(scheduler, db, files, registry, copy_filter, on_skip, progress.update)
        else:
            result = run(db, files, registry=registry, copy_filter=copy_filter, on_skip=on_skip,
                         on_progress=progress.update, workers=default_workers() if workers is None else workers)
    finally:
        progress.close()
    click.echo(result.summary())
    if copy_filter is not None:
        kept = sum(result.kept.values())
        click.echo(f"kept {kept} pages that reuse source text ({result.kept['text']}) or link to it "
                   f"({result.kept['link']}); {result.skipped['filtered']} dropped by the cheap test")


def _on_cluster(address, db, files, registry, copy_filter, on_skip, on_progress):
    import os

    try:
        from distributed import Client
    except ImportError:
        raise CLIError("--scheduler needs Dask distributed: pip install 'syndtrack[cluster]'") from None
    from syndtrack.warc_dask import import_warc_dask

    kwargs = {"scheduler_file": address} if os.path.isfile(address) else {"address": address}
    with Client(timeout="30s", **kwargs) as client:
        workers = len(client.scheduler_info().get("workers", {}))
        click.echo(f"cluster: {workers} worker(s) at {client.scheduler.address}", err=True)
        return import_warc_dask(db, files, client, registry=registry, copy_filter=copy_filter, on_skip=on_skip,
                                on_progress=on_progress)


class _Progress:
    """click's progress bar over the files' bytes, showing records/s, on a terminal; a log line
    every 10k records otherwise (cron mails and CI logs get no carriage returns)."""

    def __init__(self, total_bytes: int):
        self.started = time.perf_counter()
        self.logged = 0
        self.records = 0
        self.bar = None
        if is_terminal():
            self.bar = click.progressbar(length=max(total_bytes, 1), label="importing", file=sys.stderr,
                                         item_show_func=lambda _: self._status())
            self.bar.__enter__()

    def _rate(self) -> float:
        return self.records / max(time.perf_counter() - self.started, 1e-9)

    def _status(self) -> str:
        return f"{self.records} records, {self._rate():.0f} records/s"

    def update(self, records: int, position: int) -> None:
        self.records = records
        if self.bar is not None:
            self.bar.update(max(0, min(position, self.bar.length) - self.bar.pos), current_item=records)
        elif records - self.logged >= 10_000:
            click.echo(f"{self._status()} read", err=True)
            self.logged = records

    def clear(self) -> None:
        if self.bar is not None:
            click.echo("\r\033[K", nl=False, err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command(name="discover")
@click.option("--sort", type=click.Choice(["stories", "share"]), default="stories", show_default=True,
              help="Most state-media stories carried first, or highest share of the host's pages that are copies.")
@click.option("--min-stories", type=click.IntRange(min=1), default=1, show_default=True,
              help="Leave out hosts with fewer stories than this.")
@click.option("--limit", type=click.IntRange(min=0), default=20, show_default=True, help="Hosts shown (0: all).")
@click.option("--toml", "as_toml", is_flag=True, help="Print registry entries for the hosts instead of a table.")
@click.option("--outlets", "outlets_file", type=click.Path(exists=True, dir_okay=False), help=OUTLETS_FILE_HELP)
@format_option
@click.pass_context
def outlets_discover(ctx, sort, min_stories, limit, as_toml, outlets_file, fmt):
    """Hosts not in the registry that carry state-media stories, best candidates first.

    A host carries a story when one of its articles is clustered with a
    state-media article (run `syndtrack cluster` after importing), or when its
    source, credit or canonical link points at a state-media article page
    (rewritten copies match no text but keep the link). Columns: stories
    (text_stories + linked), pages_seen (from import-warc's host counts, else
    the host's stored articles), copy_share (its pages that are copies),
    credited_share, median_lag_hours behind the state-media original, and the
    state media it draws on. --toml prints ready [outlets.*] entries.

    Example:

        syndtrack --db news.db outlets discover --toml > new.toml
    """
    from syndtrack.discover import discover, to_toml

    registry = _registry(outlets_file, False)
    rows = discover(read_db(ctx), registry, limit=limit, min_stories=min_stories, sort=sort)
    if as_toml:
        click.echo(to_toml(rows), nl=False)
        return
    columns = ["host", "stories", "text_stories", "linked", "pages_seen", "copy_share", "credited_share",
               "median_lag_hours", "sources"]
    echo(render(rows, fmt, columns=columns, widths={"sources": 40}), fmt)
