"""Open the syndtrack database: WAL, a busy timeout, migrations applied.

Every entry point (CLI, crawler pipeline, Datasette wiring, tests) opens the
database through :func:`open_db`, so every connection gets the same pragmas
and the schema is always current.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from sqlite_utils import Database

from syndtrack.migrations import migrations

DEFAULT_DB = "syndtrack.db"
# Long enough that a crawl writing batches never makes a concurrent reader or
# a second writer fail with "database is locked".
BUSY_TIMEOUT_MS = 30_000


def default_db_path() -> str:
    return os.environ.get("SYNDTRACK_DB") or DEFAULT_DB


def open_db(path: str | os.PathLike | None = None, *, migrate: bool = True) -> Database:
    """Open (creating if needed) the database at ``path`` and bring its schema up to date."""
    path = Path(path or default_db_path())
    if path.parent and not path.parent.exists():
        raise FileNotFoundError(f"directory for database does not exist: {path.parent}")
    db = Database(path)
    db.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.conn.execute("PRAGMA foreign_keys = ON")
    if db.journal_mode != "wal":
        db.enable_wal()
    if migrate:
        migrations.apply(db)
    return db


def utcnow() -> str:
    """Now, as the ISO 8601 UTC string used in every timestamp column."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def parse_timestamp(value: str | None) -> datetime | None:
    """A stored ISO 8601 string as an aware datetime (naive values taken as UTC); None if unreadable."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
