"""Open the syndtrack database: WAL, a busy timeout, migrations applied.

Every entry point (CLI, crawler pipeline, Datasette wiring, tests) opens the
database through :func:`open_db`, so every connection gets the same pragmas
and the schema is always current.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import Iterator

from sqlite_utils import Database

from syndtrack.store.migrations import migrations
from syndtrack.store.views import ensure_views

DEFAULT_DB = "syndtrack.db"
# Long enough that a crawl writing batches never makes a concurrent reader or
# a second writer fail with "database is locked".
BUSY_TIMEOUT_MS = 30_000


def default_db_path() -> str:
    return os.environ.get("SYNDTRACK_DB") or DEFAULT_DB


class DatabaseError(Exception):
    """The file cannot be used as a syndtrack database; the message names it and says why."""


class NewerDatabaseError(DatabaseError):
    """The database carries migrations this version of syndtrack does not know."""


def open_db(path: str | os.PathLike | None = None, *, migrate: bool = True) -> Database:
    """Open (creating if needed) the database at ``path`` and bring its schema up to date.

    Raises :class:`DatabaseError` for a file that is not an SQLite database and
    :class:`NewerDatabaseError` for one written by a newer syndtrack; in both
    cases nothing has been written to the file.
    """
    path = Path(path or default_db_path())
    if path.parent and not path.parent.exists():
        raise FileNotFoundError(f"directory for database does not exist: {path.parent}")
    db = Database(path)
    db.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.conn.execute("PRAGMA foreign_keys = ON")
    try:
        # Reads only: refuse a file we must not touch before the first write.
        refuse_unknown_migrations(db)
        if db.journal_mode != "wal":
            db.enable_wal()
    except sqlite3.DatabaseError as exc:
        db.close()
        if "not a database" in str(exc) or "malformed" in str(exc):
            raise DatabaseError(f"{path}: {exc}") from None
        raise
    except DatabaseError:
        db.close()
        raise
    if migrate:
        if migrations.pending(db):
            # Two commands starting on a fresh file would both see the migrations
            # pending; the write lock makes the second wait and then find none.
            with write_transaction(db):
                migrations.apply(db)
        ensure_views(db)
    return db


def refuse_unknown_migrations(db: Database) -> None:
    """Raise :class:`NewerDatabaseError` if ``db`` records a migration this syndtrack lacks."""
    if not db[migrations.migrations_table].exists():
        return
    known = {m.name for m in migrations._migrations}
    unknown = [m.name for m in migrations.applied(db) if m.name not in known]
    if unknown:
        raise NewerDatabaseError(
            f"{db.conn.execute('pragma database_list').fetchone()[2]}: this database was written by a newer "
            f"syndtrack ({unknown[0]}); upgrade syndtrack"
        )


@contextlib.contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """A transaction that takes SQLite's write lock first (``BEGIN IMMEDIATE``).

    Use it for every transaction that writes. sqlite-utils' ``atomic()`` begins
    a deferred transaction: one that reads first and then writes while another
    connection holds the write lock fails at once with "database is locked",
    because SQLite cannot wait for a lock upgrade without risking a deadlock,
    so the busy timeout never applies. Taking the lock up front makes a second
    writer wait (up to ``BUSY_TIMEOUT_MS``) instead. Nested inside an open
    transaction it is a savepoint, like ``atomic()``.
    """
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():
            yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
