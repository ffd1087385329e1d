"""``syndtrack run``: crawl then cluster under a lock, for cron and systemd timers."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager

import click

from syndtrack.cli_alerts import config_option, load_alerts_config
from syndtrack.cli_common import CLIError, is_terminal
from syndtrack.cli_crawl import _setting  # the same -s NAME=VALUE parsing as `syndtrack crawl`
from syndtrack.run import RunConfigError, lock_path, log_path, run
from syndtrack.run_display import RunDisplay


@contextmanager
def sigterm_exits():
    """Turn SIGTERM into SystemExit(143) while a run is in progress.

    Python's default for SIGTERM ends the process on the spot: the crawl's
    child process would be orphaned and go on writing after the lock is gone,
    and the run log would never hear of it. As an exception it unwinds: the
    crawl child is killed (subprocess.run does that on any exception), the
    run log gets an "interrupted" entry and the lock is released.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@click.command(name="run")
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
@config_option
@click.pass_context
def run_command(ctx, outlets_file, outlet_slugs, default_outlets, settings, wait, timeout, do_crawl, full, progress, quiet,
                config_path):
    """Crawl, then cluster what is new: the command for cron and systemd timers.

    Holds a lock next to the database (DB.lock) for the whole run, so timer
    firings that overlap never run twice at once: the second one prints why
    and exits with status 75, or waits for the first with --wait. Each attempt
    is appended to DB.runs.jsonl; the crawl also records a crawl_runs row.
    Prints one summary line on stdout.

    Exit status: 0 ok; 1 bad configuration (nothing ran); 3 crawl failed
    (clustering still ran over what landed); 4 clustering failed; 5 an
    alerts output failed; 75 another run holds the lock (nothing ran); 143
    stopped by SIGTERM. See docs/operations.md.

    With --config (or $SYNDTRACK_CONFIG) naming a TOML file with an [alerts]
    table, each run ends by sending the alerts for what is new, as
    `syndtrack alerts` does.

    Example:

        syndtrack --db news.db run --outlets outlets.toml
    """
    db_path = ctx.obj["db_path"]
    alerts_config = load_alerts_config(config_path, required=False)
    show_progress = is_terminal() if progress is None else progress
    display = RunDisplay(db_path, progress=show_progress, plain=not quiet)

    def on_locked_wait(holder):
        if not quiet:
            pid = holder.get("pid") if holder else "?"
            click.echo(f"{lock_path(db_path)} is held by another run (pid {pid}); waiting up to {timeout:.0f}s", err=True)

    try:
        with sigterm_exits():
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
                alerts_config=alerts_config,
            )
    except RunConfigError as exc:
        raise CLIError(str(exc)) from None
    except (KeyboardInterrupt, SystemExit):
        display.close()
        click.echo(f"run interrupted: the crawl was stopped and the lock released; see {log_path(db_path)}")
        raise
    finally:
        display.close()
    run_id = (result.crawl or {}).get("run_id")
    if not quiet and run_id:
        from syndtrack.crawl import failed_outlets

        for line in failed_outlets(db_path, run_id):
            click.echo(line, err=True)
    click.echo(result.summary())
    if not quiet and result.status not in ("ok", "locked"):
        click.echo(f"details: {log_path(db_path)}", err=True)
    ctx.exit(result.exit_code)

