"""What every command module shares: the one-line error and opening the database.

The command modules import this, never :mod:`syndtrack.cli`: the group there
imports them and adds their commands, so importing a command module has no
effect on the CLI and importing the CLI has no order to get right.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from syndtrack.store.db import open_db


class CLIError(click.ClickException):
    """An expected failure: printed as one line, exit status 1."""


def get_db(ctx: click.Context):
    """Open the database named by ``--db`` (creating and migrating it) for a command that writes."""
    return open_db(ctx.obj["db_path"])


def read_db(ctx: click.Context):
    """Open the database named by ``--db`` for a command that only reads.

    A mistyped --db must not answer "(no rows)" from a database created on the
    spot (and leave that empty file behind): a missing file is an error. An
    existing one is still migrated, so an older database gets the views the
    queries read.
    """
    return open_db(existing_db_path(ctx))


def existing_db_path(ctx: click.Context) -> Path:
    """The ``--db`` path, which must exist (see :func:`read_db`)."""
    path = Path(ctx.obj["db_path"])
    if not path.exists():
        raise CLIError(f"{path}: no such database (crawl or import into it first, or give --db PATH)")
    if path.is_dir():
        raise CLIError(f"{path}: is a directory, not a database")
    return path


def is_terminal(stream=None) -> bool:
    stream = stream or sys.stderr
    return hasattr(stream, "isatty") and stream.isatty()
