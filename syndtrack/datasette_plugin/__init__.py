"""syndtrack as a Datasette plugin, registered through the ``datasette`` entry point.

So a plain ``datasette news.db`` (or ``datasette publish ... --install``) gets
what ``syndtrack serve`` shows: the metadata (titles, column docs, facets, canned
queries, hidden internal tables), cluster ids linking to their copies
(:mod:`syndtrack.datasette_links`), ``syndtrack_snippet()`` and the refusal of
unbounded ``snippet()``/``highlight()`` (:mod:`syndtrack.datasette_sql`), and
pages that lead with the analysts' views. Only for syndtrack databases: a
database is one when its ``_sqlite_migrations`` has rows of the migration set
"syndtrack"; any other database served beside it is left as Datasette shows it.

The templates here extend Datasette's own (``default:...``) and change nothing
unless ``syndtrack_database`` is true.
"""

from __future__ import annotations

import copy
import sqlite3
import threading

from datasette import hookimpl

from syndtrack.datasette_links import render_cell  # noqa: F401  (a hook of this plugin)
from syndtrack.datasette_sql import install as _install_sql

MIGRATION_SET = "syndtrack"

# The views analysts start from, in the order the database page lists them.
ANALYST_VIEWS = ("cluster_summary", "republications", "outlet_report")

# What a reader needs first on each row (who copied whom, when, with or without
# credit, how much, how fast), then the rest in the view's own order; the
# view's column order itself is a contract for other tools and stays.
KEY_COLUMNS = {
    "republications": ["copy_outlet", "copy_published", "origin_outlet", "state_media", "credit_status", "credited",
                       "relation", "coverage", "lag_hours", "copy_title", "cluster_id", "copy_url", "origin_title"],
}

_known: dict[tuple[str, str], bool] = {}
_lock = threading.Lock()


def is_syndtrack_file(path: str, *, immutable: bool = False) -> bool:
    """True when the SQLite file at ``path`` records syndtrack migrations (read-only look)."""
    mode = "immutable=1" if immutable else "mode=ro"
    try:
        conn = sqlite3.connect(f"file:{path}?{mode}", uri=True)
    except sqlite3.Error:
        return False
    try:
        return conn.execute("select 1 from _sqlite_migrations where migration_set = ? limit 1",
                            [MIGRATION_SET]).fetchone() is not None
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def is_syndtrack(datasette, database: str | None) -> bool:
    """Whether Datasette's database ``database`` is a syndtrack database (looked up once per file)."""
    if not database:
        return False
    db = datasette.databases.get(database)
    if db is None or db.is_memory or not db.path:
        return False
    key = (database, str(db.path))
    with _lock:
        if key not in _known:
            _known[key] = is_syndtrack_file(str(db.path), immutable=not db.is_mutable)
        return _known[key]


def _syndtrack_names(datasette) -> list[str]:
    return [name for name in list(datasette.databases) if is_syndtrack(datasette, name)]


@hookimpl
def get_metadata(datasette, key, database, table):
    from syndtrack.serve import load_metadata

    names = _syndtrack_names(datasette)
    if not names:
        return {}
    meta = load_metadata()
    ours = meta["databases"]["syndtrack"]
    out: dict = {"databases": {name: copy.deepcopy(ours) for name in names}}
    others = [n for n, db in datasette.databases.items() if n not in names and not db.is_memory]
    if not others:
        # The instance's title and blurb only when every database served is syndtrack's.
        out.update({k: meta[k] for k in ("title", "description_html", "source", "about") if k in meta})
    return out


@hookimpl
def startup(datasette):
    """Give a plain ``datasette news.db`` the settings of ``syndtrack serve`` (time limits for the
    views of a big database, no facet suggestions, long texts cut in tables), each only where
    the user left Datasette's default, and only when every database served is syndtrack's:
    settings are the instance's, and another database may want Datasette's."""
    from datasette.app import DEFAULT_SETTINGS

    from syndtrack.serve import SETTINGS

    files = [name for name, db in datasette.databases.items() if not db.is_memory]
    if not files or not all(is_syndtrack(datasette, name) for name in files):
        return
    settings = getattr(datasette, "_settings", None)
    if not isinstance(settings, dict):
        return
    for key, value in SETTINGS.items():
        if key in DEFAULT_SETTINGS and settings.get(key) == DEFAULT_SETTINGS[key]:
            settings[key] = value


@hookimpl
def prepare_connection(conn, database, datasette):
    if is_syndtrack(datasette, database):
        _install_sql(conn)


@hookimpl
def extra_template_vars(template, database, table, datasette):
    if not is_syndtrack(datasette, database):
        return {"syndtrack_database": False}
    return {"syndtrack_database": True, "syndtrack_analyst_views": list(ANALYST_VIEWS),
            "syndtrack_key_columns": KEY_COLUMNS.get(table or "", [])}


def _key_first(items, names, attr):
    """``items`` with those whose ``attr`` is in ``names`` first, in that order; the rest as they were."""
    if not names:
        return items
    rank = {name: i for i, name in enumerate(names)}
    return [item for _, item in sorted(enumerate(items), key=lambda p: (rank.get(p[1][attr], len(rank)), p[0]))]


def key_columns_first(columns, names):
    return _key_first(list(columns), names, "name")


def key_cells_first(rows, names):
    if not names:
        return rows
    return [type(row)(_key_first(list(row), names, "column")) if hasattr(row, "cells") else _key_first(list(row), names, "column")
            for row in rows]


@hookimpl
def prepare_jinja2_environment(env, datasette):
    env.filters["syndtrack_key_columns_first"] = key_columns_first
    env.filters["syndtrack_key_cells_first"] = key_cells_first
