"""``syndtrack run``: crawl then cluster under a lock, for cron and systemd timers."""

from __future__ import annotations

import sqlite3
import sys
import threading
import time
from datetime import datetime

import click

from syndtrack.cli import CLIError, cli, is_terminal
from syndtrack.cli_crawl import _setting  # the same -s NAME=VALUE parsing as `syndtrack crawl`
from syndtrack.run import RunConfigError, lock_path, log_path, run


class CrawlProgress:
    """Shows how far a crawl running in another process has got.

    The crawl runs in a child process, so we watch what it writes: a status
    line redrawn in place on a terminal, nothing extra otherwise (the run's
    plain log lines are enough for journald and cron mail).
    """

    def __init__(self, db_path: str, stream=None):
        self.db_path = db_path
        self.stream = stream or sys.stderr
        self.stop_event = threading.Event()
        self.thread: threading.Thread | None = None
        self.started = time.monotonic()
        self.base = self._counts() or (0, 0)

    def _counts(self) -> tuple[int, int] | None:
        try:
            conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=1)
            try:
                pages = conn.execute("select count(*) from pages").fetchone()[0]
                articles = conn.execute("select count(*) from articles").fetchone()[0]
                return pages, articles
            finally:
                conn.close()
        except sqlite3.Error:
            return None

    def _loop(self) -> None:
        spinner = "|/-\\"
        i = 0
        while not self.stop_event.wait(0.5):
            counts = self._counts()
            if counts is None:
                continue
            pages, articles = counts[0] - self.base[0], counts[1] - self.base[1]
            elapsed = time.monotonic() - self.started
            self.stream.write(
                f"\r{spinner[i % 4]} crawling: {pages} pages stored, {articles} new articles ({elapsed:.0f}s)  "
            )
            self.stream.flush()
            i += 1

    def __enter__(self):
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        if self.thread:
            self.thread.join()
        self.stream.write("\r" + " " * 72 + "\r")
        self.stream.flush()


class ClusterProgress:
    """A click progress bar per clustering stage, fed by ``progress(done, total, stage=...)``."""

    def __init__(self):
        self.bar = None
        self.stage = None

    def __call__(self, done: int, total: int | None = None, *args, stage: str | None = None, **kwargs) -> None:
        if self.bar is None or stage != self.stage:
            self.close()
            self.stage = stage
            label = f"clustering: {stage}" if stage else "clustering"
            self.bar = click.progressbar(length=max(total or 0, 1), label=label, file=sys.stderr)
            self.bar.__enter__()
        if total and self.bar.length != total:
            self.bar.length = total
        self.bar.update(max(done - self.bar.pos, 0))

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def plain_log(message: str) -> None:
    stamp = datetime.now().astimezone().replace(microsecond=0).isoformat()
    click.echo(f"{stamp} syndtrack run: {message}", err=True)


class RunDisplay:
    """What a run shows on stderr: progress on a terminal, plain log lines otherwise.

    Pass ``display.log`` and ``display.cluster_progress`` to :func:`syndtrack.run.run`
    and call ``close()`` afterwards. ``plain=False`` drops the plain log lines
    (for ``--quiet``, or callers that print their own).
    """

    def __init__(self, db_path: str, *, progress: bool, plain: bool = True):
        self.db_path = db_path
        self.progress = progress
        self.plain = plain and not progress
        self.cluster_progress = ClusterProgress() if progress else None
        self.crawl_watch: CrawlProgress | None = None

    def log(self, message: str) -> None:
        if self.progress and message == "crawl started":
            self.crawl_watch = CrawlProgress(self.db_path).__enter__()
        elif message.startswith("crawl "):
            self._stop_watch()
        if self.plain:
            plain_log(message)

    def _stop_watch(self) -> None:
        if self.crawl_watch is not None:
            self.crawl_watch.__exit__(None, None, None)
            self.crawl_watch = None

    def close(self) -> None:
        self._stop_watch()
        if self.cluster_progress is not None:
            self.cluster_progress.close()


@cli.command(name="run")
@click.option("--outlets", "outlets_file", type=click.Path(exists=True, dir_okay=False), help="Outlet registry TOML (added to the default registry unless --no-default-outlets).")
@click.option("--outlet", "outlet_slugs", multiple=True, metavar="SLUG", help="Crawl only this outlet (repeatable).")
@click.option("--default-outlets/--no-default-outlets", default=True, show_default=True, help="Include the registry that ships with syndtrack.")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE", help="A Scrapy or SYNDTRACK_ setting for the crawl, as for syndtrack crawl (repeatable).")
@click.option("--wait/--no-wait", default=False, show_default=True, help="If another run holds the lock: wait for it, or exit at once with status 75.")
@click.option("--timeout", type=float, default=3600, show_default=True, help="With --wait: give up (status 75) after this many seconds.")
@click.option("--crawl/--no-crawl", "do_crawl", default=True, show_default=True, help="--no-crawl only clusters, under the same lock (for crawls run by scrapyd).")
@click.option("--full", is_flag=True, help="Rebuild all clusters instead of clustering only what is new.")
@click.option("--progress/--no-progress", default=None, help="Progress display (default: only when stderr is a terminal).")
@click.option("--quiet", "-q", is_flag=True, help="Print only the one-line summary.")
@click.pass_context
def run_command(ctx, outlets_file, outlet_slugs, default_outlets, settings, wait, timeout, do_crawl, full, progress, quiet):
    """Crawl, then cluster what is new: the command for cron and systemd timers.

    Holds a lock next to the database (DB.lock) for the whole run, so timer
    firings that overlap never run twice at once: the second one prints why
    and exits with status 75, or waits for the first with --wait. Each attempt
    is appended to DB.runs.jsonl; the crawl also records a crawl_runs row.
    Prints one summary line on stdout.

    Exit status: 0 ok; 1 bad configuration (nothing ran); 3 crawl failed
    (clustering still ran over what landed); 4 clustering failed; 75 another
    run holds the lock (nothing ran). See docs/operations.md.

    Example:

        syndtrack --db news.db run --outlets outlets.toml
    """
    db_path = ctx.obj["db_path"]
    show_progress = is_terminal() if progress is None else progress
    display = RunDisplay(db_path, progress=show_progress, plain=not quiet)

    def on_locked_wait(holder):
        if not quiet:
            pid = holder.get("pid") if holder else "?"
            click.echo(f"{lock_path(db_path)} is held by another run (pid {pid}); waiting up to {timeout:.0f}s", err=True)

    try:
        result = run(
            db_path,
            outlets_file=outlets_file,
            outlet_slugs=list(outlet_slugs),
            use_default_outlets=default_outlets,
            settings=_setting(settings) or None,
            full=full,
            crawl=do_crawl,
            # Off a terminal, the crawl's own line per stored batch is the plain log.
            crawl_options={"progress": display.plain} if do_crawl else None,
            wait=wait,
            timeout=timeout,
            log=display.log,
            cluster_progress=display.cluster_progress,
            on_locked_wait=on_locked_wait,
        )
    except RunConfigError as exc:
        raise CLIError(str(exc)) from None
    finally:
        display.close()
    click.echo(result.summary())
    if not quiet and result.status not in ("ok", "locked"):
        click.echo(f"details: {log_path(db_path)}", err=True)
    ctx.exit(result.exit_code)

