"""The ``syndtrack`` command line: a thin click layer over the Python API.

Each command opens the database with :func:`syndtrack.db.open_db`, calls one
function of the API and prints what it returned. Errors are one line on
stderr (a traceback only with ``--debug``).
"""

from __future__ import annotations

import os
import sys

import click

from syndtrack import __version__
from syndtrack.db import default_db_path, open_db


class CLIError(click.ClickException):
    """An expected failure: printed as one line, exit status 1."""


class SyndtrackGroup(click.Group):
    """Turns unexpected exceptions into one clear line unless ``--debug``."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt, SystemExit):
            raise
        except BrokenPipeError:
            # `syndtrack outlets | head`: the reader left; stop quietly, as
            # Unix tools do, and keep Python from complaining at exit.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(141)
        except Exception as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            raise CLIError(f"{type(exc).__name__}: {exc} (run with --debug for the traceback)") from exc


@click.group(cls=SyndtrackGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="syndtrack")
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="SQLite database file. Default: $SYNDTRACK_DB or ./syndtrack.db",
)
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, db_path: str | None, debug: bool) -> None:
    """Track how state-media articles are republished.

    Crawl state-media outlets and the sites that republish them, cluster the
    copies with fuzzy matching, and query who carried what, when, how much of
    it, and whether they credited it. Everything lands in one SQLite file.

    Example:

        syndtrack --db news.db import articles.jsonl
    """
    ctx.ensure_object(dict)
    ctx.obj["db_path"] = db_path or default_db_path()
    ctx.obj["debug"] = debug


def get_db(ctx: click.Context):
    """Open the database named by ``--db`` (migrating it) for a command."""
    return open_db(ctx.obj["db_path"])


def is_terminal(stream=None) -> bool:
    stream = stream or sys.stderr
    return hasattr(stream, "isatty") and stream.isatty()


@cli.command()
@click.pass_context
def migrate(ctx: click.Context) -> None:
    """Create the database or bring its schema up to date.

    Every command does this on start; run it alone to prepare a database for
    other tools (sqlite-utils, Datasette, pandas).

    Example:

        syndtrack --db news.db migrate
    """
    from syndtrack.migrations import migrations

    db = get_db(ctx)
    applied = [m.name for m in migrations.applied(db)]
    click.echo(f"{ctx.obj['db_path']}: schema up to date ({len(applied)} migrations applied)")


@cli.command(name="import")
# Binary: lines are decoded one by one, so invalid UTF-8 is one bad line, not a crash.
@click.argument("file", type=click.File("rb", lazy=False))
@click.option("--strict", is_flag=True, help="Treat any bad line as an error and import nothing.")
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(min=1), help="Lines stored per transaction.")
@click.pass_context
def import_(ctx: click.Context, file, strict: bool, batch_size: int) -> None:
    """Import articles from a JSONL FILE (or - for stdin).

    One JSON object a line: "url" and "text" are required; "outlet", "title",
    "published" (ISO 8601), "language", "author" and "html" are optional.
    "outlet" defaults to the URL's host. Articles are keyed by canonical URL,
    so importing the same file twice changes nothing; a changed text updates
    the article and keeps the old version in article_revisions.

    A bad line is reported with its line number and skipped. Exit status is 0
    when anything landed or the file had no bad lines, 1 otherwise.

    Example:

        syndtrack --db news.db import articles.jsonl
    """
    from syndtrack.importer import StrictImportError, import_jsonl

    db = get_db(ctx)
    progress = _import_progress(file)
    name = getattr(file, "name", None) or "<stdin>"

    def on_bad(bad) -> None:
        click.echo(f"{name}: {bad}", err=True)

    try:
        result = import_jsonl(db, file, strict=strict, batch_size=batch_size, on_bad=on_bad, on_progress=progress.update)
    except StrictImportError as exc:
        progress.close()
        raise CLIError(str(exc)) from None
    progress.close()
    click.echo(f"{name}: {result.lines} lines: {result.summary()}")
    if result.bad and not result.landed:
        sys.exit(1)


class _import_progress:
    """A progress bar on a terminal, a log line every 10k lines otherwise."""

    def __init__(self, file):
        self.file = file
        self.tty = is_terminal()
        self.last_logged = 0
        self.bar = None
        size = None
        try:
            if file.seekable():
                import os

                size = os.fstat(file.fileno()).st_size
        except (OSError, ValueError, AttributeError):
            size = None
        if self.tty:
            self.bar = click.progressbar(length=size, label="importing", file=sys.stderr, show_pos=size is None)
            self.bar.__enter__()

    def update(self, lines: int) -> None:
        if self.bar is not None:
            try:
                pos = self.file.tell() if self.bar.length else lines
            except (OSError, AttributeError, ValueError):
                pos = lines
            self.bar.update(pos - self.bar.pos)
        elif lines - self.last_logged >= 10_000:
            click.echo(f"imported {lines} lines ...", err=True)
            self.last_logged = lines

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


# Commands of each area live in their own module and register themselves on
# `cli` when imported. Keep this list at the end of the file.
import syndtrack.cli_run  # noqa: E402,F401
import syndtrack.cli_query  # noqa: E402,F401
import syndtrack.cli_serve  # noqa: E402,F401
import syndtrack.cli_crawl  # noqa: E402,F401
import syndtrack.cli_report  # noqa: E402,F401
import syndtrack.cli_cluster  # noqa: E402,F401
import syndtrack.cli_demo  # noqa: E402,F401
import syndtrack.cli_warc  # noqa: E402,F401
