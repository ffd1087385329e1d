"""Crawl the outlet registry into the database: the Python API behind ``syndtrack crawl``.

    >>> from syndtrack.crawl import crawl
    >>> result = crawl("news.db", outlet_slugs=["cgtn"])      # doctest: +SKIP
    >>> result.status, result.articles_new                     # doctest: +SKIP
    ('finished', 42)

The Scrapy crawl runs in a child process (``python -m crawler.runner``): a
Twisted reactor cannot be restarted, and tests, ``syndtrack run`` and
``syndtrack demo`` call :func:`crawl` many times in one process. The parent
validates the registry first (so a bad file fails fast, with every problem
named), writes the ``crawl_runs`` row the child fills in, and marks the run
failed if the child dies. A run whose parent died too is marked failed by the
next crawl (:func:`fail_dead_runs`).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from syndtrack.store.registry import Registry, RegistryError, load_registry as _load_registry, sync_outlets
from syndtrack.store.dates import utcnow
from syndtrack.store.db import open_db, write_transaction

__all__ = ["CrawlResult", "CrawlError", "RegistryError", "crawl", "fail_dead_runs", "failed_outlets", "load_registry"]


class CrawlError(RuntimeError):
    """A crawl that could not start (bad registry, unknown outlet)."""


@dataclass
class CrawlResult:
    run_id: int
    pages_fetched: int
    articles_new: int
    articles_updated: int
    articles_unchanged: int
    errors: int
    status: str

    @property
    def ok(self) -> bool:
        return self.status == "finished"

    def summary(self) -> str:
        from syndtrack.output import plural as n

        return (
            f"crawl run {self.run_id} {self.status}: {n(self.pages_fetched, 'page', 'pages')} fetched, "
            f"{self.articles_new} new, {self.articles_updated} updated, {self.articles_unchanged} unchanged "
            f"{'article' if self.articles_new + self.articles_updated + self.articles_unchanged == 1 else 'articles'}, "
            f"{n(self.errors, 'error', 'errors')}"
        )


def load_registry(outlets_file: str | os.PathLike | None = None, use_default: bool = True) -> Registry:
    """The outlet registry: slug -> outlet dict (see :class:`syndtrack.store.registry.Registry`)."""
    return _load_registry(outlets_file, use_default=use_default)


def crawl(
    db_path: str | os.PathLike,
    *,
    outlets_file: str | os.PathLike | None = None,
    outlet_slugs: list[str] | None = None,
    use_default_outlets: bool = True,
    settings: Mapping[str, Any] | None = None,
    verbose: bool = False,
    log_file: str | os.PathLike | None = None,
    progress: bool = False,
    pass_fds: Sequence[int] = (),
) -> CrawlResult:
    """Crawl the registry (or the outlets named in ``outlet_slugs``) into ``db_path``.

    ``settings`` overrides Scrapy/syndtrack settings (e.g. ``{"DOWNLOAD_DELAY": 0}``).
    Scrapy's log goes to ``log_file`` at INFO, else to stderr at WARNING
    (INFO with ``verbose``). ``progress`` prints a line per stored batch on
    stderr. Raises :class:`RegistryError` or :class:`CrawlError` before
    crawling when the registry or the outlet list is wrong; otherwise returns
    what the run did, with ``status`` "finished" or "failed".

    ``pass_fds`` are descriptors the crawl process inherits and keeps open until
    it exits: :func:`syndtrack.run.run` passes its lock, so the lock stays held
    while the crawl lives even if the run itself is killed.
    """
    registry = _load_registry(outlets_file, use_default=use_default_outlets)
    if not registry:
        raise CrawlError("the outlet registry is empty")
    slugs = list(outlet_slugs or [])
    unknown = [s for s in slugs if s not in registry]
    if unknown:
        raise CrawlError(f"unknown outlet(s): {', '.join(unknown)} (see: syndtrack outlets)")
    homeless = [s for s in slugs if not registry[s]["url"]]
    if homeless:
        raise CrawlError(f"outlet(s) with no url to start from: {', '.join(homeless)} (known by name only)")

    db_path = os.path.abspath(db_path)
    db = open_db(db_path)
    try:
        fail_dead_runs(db)
        sync_outlets(db, registry)
        with write_transaction(db):
            # Our pid until the crawl process takes the row over (crawler.recorder).
            run_id = db["crawl_runs"].insert(
                {"started": utcnow(), "outlets": json.dumps(slugs or registry.crawl_slugs()), "status": "running",
                 "pid": os.getpid(), "host": socket.gethostname()}
            ).last_pk
    finally:
        db.close()

    child_settings: dict[str, Any] = {
        "SYNDTRACK_DB": db_path,
        "SYNDTRACK_OUTLETS_FILE": os.path.abspath(outlets_file) if outlets_file else None,
        "SYNDTRACK_USE_DEFAULT_OUTLETS": use_default_outlets,
        "SYNDTRACK_RUN_ID": run_id,
        "SYNDTRACK_PROGRESS": progress,
        "LOG_LEVEL": "INFO" if (verbose or log_file) else "WARNING",
    }
    if log_file:
        child_settings["LOG_FILE"] = os.path.abspath(log_file)
    child_settings.update(settings or {})
    spec = {"outlets": slugs, "settings": child_settings, "parent_pid": os.getpid()}
    env = dict(os.environ)
    # The child must import this very checkout of syndtrack and crawler.
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("SCRAPY_SETTINGS_MODULE", None)
    proc = subprocess.Popen([sys.executable, "-m", "crawler.runner"], stdin=subprocess.PIPE, text=True, env=env,
                            pass_fds=tuple(pass_fds))
    try:
        proc.communicate(json.dumps(spec))
    except KeyboardInterrupt:
        # The child got the same Ctrl-C and is shutting Scrapy down cleanly,
        # storing what it has; give it time to close the run before we do.
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        _finish(db_path, run_id, proc.returncode or 1)
        raise
    return _finish(db_path, run_id, proc.returncode)


def _finish(db_path: str, run_id: int, returncode: int) -> CrawlResult:
    db = open_db(db_path)
    try:
        row = db["crawl_runs"].get(run_id)
        if returncode != 0 or row["status"] == "running":
            # The child died before it could close the run: say so, keep what it stored.
            stats = json.loads(row["stats"] or "{}")
            stats["syndtrack/child_exit_code"] = returncode
            reason = row["reason"] or f"crawl process exited with status {returncode} without closing the run"
            with write_transaction(db):
                db["crawl_runs"].update(run_id, {"status": "failed", "finished": utcnow(), "stats": json.dumps(stats),
                                                 "reason": reason})
            row = db["crawl_runs"].get(run_id)
        return CrawlResult(
            run_id=run_id,
            pages_fetched=row["pages_fetched"] or 0,
            articles_new=row["articles_new"] or 0,
            articles_updated=row["articles_updated"] or 0,
            articles_unchanged=row["articles_unchanged"] or 0,
            errors=row["errors"] or 0,
            status=row["status"],
        )
    finally:
        db.close()


def failed_outlets(db_path: str | os.PathLike, run_id: int) -> list[str]:
    """One line per outlet that had failures in run ``run_id``: how many URLs, the first reason and URL."""
    db = open_db(db_path)
    try:
        rows = db.execute(
            "select coalesce(outlet, '?'), count(*), min(id) from crawl_errors where run_id = ? group by 1 order by 1",
            [run_id]).fetchall()
        lines = []
        for outlet, n, first in rows:
            url, status, reason = db.execute("select url, status, reason from crawl_errors where id = ?", [first]).fetchone()
            why = reason or (f"HTTP {status}" if status else "failed")
            more = f" (and {n - 1} more URL{'s' if n > 2 else ''})" if n > 1 else ""
            lines.append(f"{outlet}: {url}: {why}{more}")
        return lines
    finally:
        db.close()


def fail_dead_runs(db) -> list[int]:
    """Mark failed the ``crawl_runs`` rows still 'running' whose process on this host is gone.

    A crawl killed with its parent (kill -9, the OOM killer, a power cut) could
    not close its row. Only rows of this host are judged; a pid reused by an
    unrelated process keeps its row 'running' until a later crawl finds it gone:
    wrongly "alive" is harmless, wrongly "dead" would fail a live crawl.
    Returns the ids marked.
    """
    host = socket.gethostname()
    rows = db.query("select id, pid from crawl_runs where status = 'running' and host = ? and pid is not null", [host])
    dead = [(r["id"], r["pid"]) for r in rows if not process_alive(r["pid"])]
    if not dead:
        return []
    now = utcnow()
    with write_transaction(db):
        for run_id, pid in dead:
            db.execute(
                "update crawl_runs set status = 'failed', finished = ?, reason = ? where id = ? and status = 'running'",
                [now, f"process {pid} on {host} ended without closing the run (found by a later crawl)", run_id],
            )
    return [run_id for run_id, _ in dead]


def process_alive(pid: int) -> bool:
    """True if process ``pid`` exists and has not exited (a zombie has: only its exit status is left)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    # An orphan's zombie lasts until init reaps it, and some inits never do
    # (containers): it answers signal 0 like a live process.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return not Path("/proc/self").exists()
    except OSError:
        return True
    # "pid (comm) state ...": comm may hold spaces and parentheses.
    return stat.rsplit(")", 1)[1].split()[0] != "Z"
