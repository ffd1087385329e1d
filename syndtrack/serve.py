"""Datasette on a syndtrack database: read-only, local, with the analysts' views documented.

The metadata (titles, descriptions, column docs, facets and canned queries) is
``syndtrack/data/datasette/metadata.json``, written for a database called
``syndtrack``; the plugin (:mod:`syndtrack.datasette_plugin`, also registered
through the ``datasette`` entry point) gives it to every syndtrack database
Datasette serves, under the name Datasette shows (a database is named after its
file); :func:`metadata_for` does that renaming for one file.
"""

from __future__ import annotations

import asyncio
import copy
import json
import socket
import sqlite3
from importlib import resources
from pathlib import Path

from syndtrack.store.db import open_db

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001
# The views aggregate over every republication; Datasette's 1 s default is
# tight for a big database on a small machine.
# Suggested facets try a query per column on every page view: too slow on the
# views of a big database, and the useful facets are configured in the metadata.
# Article texts are long: show the start of each in tables, the whole on the row page.
SETTINGS = {"sql_time_limit_ms": 5000, "facet_time_limit_ms": 1000, "default_page_size": 50, "suggest_facets": False,
            "truncate_cells_html": 400}


class ServeError(Exception):
    pass


def load_metadata() -> dict:
    return json.loads(resources.files("syndtrack").joinpath("data/datasette/metadata.json").read_text("utf-8"))


def database_name(db_path: str | Path) -> str:
    return Path(db_path).stem


def metadata_for(db_path: str | Path) -> dict:
    meta = copy.deepcopy(load_metadata())
    meta["databases"] = {database_name(db_path): meta["databases"].pop("syndtrack")}
    return meta


def make_datasette(db_path: str | Path, *, immutable: bool = False):
    """A configured :class:`datasette.app.Datasette` for the database at ``db_path``.

    The file must exist. Mutable (the default) means Datasette reads through
    ``mode=ro`` connections and sees what a running crawl adds; ``immutable``
    opens a snapshot with ``immutable=1`` (faster counts, but it must not
    change while served).
    """
    from datasette.app import Datasette

    path = Path(db_path)
    if not path.exists():
        raise ServeError(f"no database at {path}")
    _prepare(path, immutable=immutable)
    _register_plugin()
    files = {"immutables": [str(path)]} if immutable else {"files": [str(path)]}
    # The metadata comes from the plugin, as for a plain `datasette news.db`.
    return Datasette(settings=SETTINGS, **files)


def _register_plugin() -> None:
    """Register syndtrack's Datasette plugin when its entry point did not (running from a source tree)."""
    from datasette.plugins import pm

    from syndtrack import datasette_plugin

    if not pm.is_registered(datasette_plugin) and pm.get_plugin("syndtrack") is None:
        pm.register(datasette_plugin, name="syndtrack")


def _prepare(path: Path, *, immutable: bool) -> None:
    """Bring the schema up to date (the views come from migrations, and a read-only
    server could not create them); for an immutable snapshot, also fold the WAL
    into the main file, since ``immutable=1`` reads the main file only."""
    try:
        db = open_db(path)
    except sqlite3.OperationalError as exc:
        views = sqlite3.connect(f"file:{path}?mode=ro", uri=True).execute(
            "select count(*) from sqlite_master where type = 'view' and name = 'cluster_summary'").fetchone()[0]
        if not views:
            raise ServeError(f"{path}: cannot bring the schema up to date ({exc}); "
                             "run `syndtrack migrate` on a writable copy") from None
        return
    try:
        if immutable:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


def serve(db_path: str | Path, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, immutable: bool = False,
          on_ready=None) -> None:
    """Run Datasette until interrupted (what ``syndtrack serve`` does)."""
    import uvicorn

    ds = make_datasette(db_path, immutable=immutable)
    _check_port(host, port)
    # Datasette's own `serve` runs the startup hooks before handing the app to uvicorn.
    asyncio.run(ds.invoke_startup())
    if on_ready:
        on_ready(f"http://{host}:{port}/{database_name(db_path)}")
    uvicorn.run(ds.app(), host=host, port=port, log_level="warning", lifespan="on", workers=1)


def _check_port(host: str, port: int) -> None:
    """Fail with one clear line, before announcing a URL, when the port is taken."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
    except OSError as exc:
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc} (try --port)") from None
