"""``syndtrack_snippet(text, query)`` in SQL, and no ``snippet()``/``highlight()``, on Datasette's connections.

Datasette's time limit (``sql_time_limit_ms``) works through SQLite's progress
handler, which runs between virtual-machine steps. FTS5's ``snippet()`` and
``highlight()`` are single C calls whose cost grows with the square of an
article's hits (minutes on a 1 MB article of one repeated word), so one such
call froze the server past its limit and past SIGTERM. They are refused on
Datasette's connections, canned queries and typed SQL alike (SQLite's
authorizer, checked when a statement is prepared); ``syndtrack_snippet`` does
their job in bounded time (see :mod:`syndtrack.snippet`). Installed on the
connections of syndtrack databases by the plugin's ``prepare_connection``
(:mod:`syndtrack.datasette_plugin`).
"""

from __future__ import annotations

import sqlite3

from syndtrack.snippet import make_snippet

UNBOUNDED = frozenset({"snippet", "highlight"})


def _authorize(action, arg1, arg2, db_name, trigger):
    if action == sqlite3.SQLITE_FUNCTION and (arg2 or "").lower() in UNBOUNDED:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def install(conn) -> None:
    conn.create_function("syndtrack_snippet", 2, lambda text, query: make_snippet(text, query or ""), deterministic=True)
    conn.set_authorizer(_authorize)
