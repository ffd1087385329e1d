"""``syndtrack demo``: the whole pipeline on bundled outlet sites, offline.

The package ships a handful of small outlet sites (``syndtrack/data/demo_sites``):
a China Media Group outlet carrying the seed commentary, the Dainik Savera
Times copy of it in its autoblog wrapper, an excerpting digest, a site that
rewrites without credit, a Chinese state-media site and an unrelated news
site. Every text is real (see SOURCE.txt there); the sites are made up.

:func:`demo` serves them on 127.0.0.1 with :class:`syndtrack.siteserver.SiteServer`,
writes a registry TOML pointing at them, and calls :func:`syndtrack.run.run`,
the same crawl-then-cluster path (lock, run log, crawl_runs row) that a
scheduled ``syndtrack run`` takes.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Callable

import filelock

from syndtrack.store.db import open_db
from syndtrack.run import RunResult, lock_path, log_path, run
from syndtrack.siteserver import SiteServer

import tomllib

DEFAULT_DEMO_DB = "demo.db"
SEED_ORIGIN_PATH = "/news/2024-04-15/japan-dangerous-actions.html"
SEED_COPY_PATH = "/what-is-the-purpose-of-japans-series-of-dangerous-actions/"
# Every demo site is 127.0.0.1 (on its own port), and Scrapy keys download
# slots by host: with the polite production settings (AutoThrottle starting at
# 2 s, 2 requests per host) the six sites would queue behind each other and
# the demo would take 40 s instead of 4. A local server needs no politeness.
DEMO_SETTINGS = {"AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0, "CONCURRENT_REQUESTS_PER_DOMAIN": 16}


class DemoError(RuntimeError):
    """The demo cannot run (or did not produce its result); the message says why."""


@dataclass
class DemoResult:
    db_path: str
    sites: dict[str, str]  # slug -> base URL it was served on
    outlets: dict[str, dict]  # slug -> registry table
    run: RunResult
    clusters: list[dict] = field(default_factory=list)
    republications: list[dict] = field(default_factory=list)
    articles: int = 0
    unclustered_outlets: list[str] = field(default_factory=list)  # outlets with articles in no cluster
    seed_found: bool = False  # the Dainik Savera Times copy clustered under the CMG original, credited
    report_path: str | None = None
    report_error: str | None = None
    seconds: float = 0.0


def demo_sites_root():
    """The bundled sites as an importlib Traversable (a plain folder when installed normally)."""
    return resources.files("syndtrack") / "data" / "demo_sites"


def demo_outlets() -> dict[str, dict]:
    text = (demo_sites_root() / "outlets.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)["outlets"]


def prepare_db(db_path: str | os.PathLike) -> None:
    """Start the demo from an empty database, without ever deleting real data.

    The sites are served on new ports each time, so their URLs change and an
    old demo database would end up with every article twice. A database that
    holds only demo outlets is removed; anything else is refused.
    """
    path = Path(db_path)
    if not path.exists():
        return
    slugs = set(demo_outlets())
    try:
        db = open_db(path, migrate=False)
        try:
            tables = set(db.table_names())
            found = set()
            if "articles" in tables:
                found |= {r[0] for r in db.execute("select distinct outlet from articles")}
            if "outlets" in tables:
                found |= {r[0] for r in db.execute("select slug from outlets")}
        finally:
            db.close()
    except Exception as exc:
        raise DemoError(f"{path} exists and is not a syndtrack demo database ({exc}); pick another --db") from exc
    foreign = sorted(str(s) for s in found - slugs)
    if foreign:
        raise DemoError(
            f"{path} holds data from outlets that are not the demo's ({', '.join(foreign[:3])}"
            f"{', ...' if len(foreign) > 3 else ''}); the demo needs its own database: pass --db demo.db"
        )
    # Never delete a database a run (or another demo) is working on.
    lock = filelock.FileLock(lock_path(path))
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        raise DemoError(f"{path} is in use by another syndtrack run or demo (its lock {lock_path(path)} is held)") from None
    try:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        log_path(path).unlink(missing_ok=True)
    finally:
        lock.release()


def demo(
    db_path: str | os.PathLike = DEFAULT_DEMO_DB,
    *,
    report_path: str | os.PathLike | None = None,
    log: Callable[[str], None] | None = None,
    cluster_progress: Callable | None = None,
    on_sites: Callable[[dict[str, str], dict[str, dict]], None] | None = None,
    settings: dict | None = None,
    while_serving: Callable[[DemoResult], None] | None = None,
) -> DemoResult:
    """Serve the demo sites, crawl and cluster them into ``db_path``, write the report.

    ``report_path`` defaults to ``<db stem>-report.html`` next to the database.
    ``while_serving(result)`` is called before the sites stop (to keep them up
    for a browser, say).
    Raises :class:`DemoError` when the database is not a demo one or the run fails.
    """
    started = time.monotonic()
    log = log or (lambda message: None)
    db_path = os.fspath(db_path)
    if not Path(db_path).resolve().parent.is_dir():
        raise DemoError(f"directory for database does not exist: {Path(db_path).resolve().parent}")
    prepare_db(db_path)
    outlets = demo_outlets()
    with resources.as_file(demo_sites_root()) as root, tempfile.TemporaryDirectory(prefix="syndtrack-demo-") as tmp:
        server = SiteServer(root)
        sites = server.start()
        try:
            if on_sites:
                on_sites(sites, outlets)
            registry = Path(tmp) / "demo-outlets.toml"
            registry.write_bytes(server.render((Path(root) / "outlets.toml").read_bytes()))
            result = run(
                db_path,
                outlets_file=registry,
                use_default_outlets=False,
                settings={**DEMO_SETTINGS, **(settings or {})},
                log=log,
                cluster_progress=cluster_progress,
            )
            if result.status != "ok":
                raise DemoError(result.summary())
            out = _summarise(db_path, sites, outlets, result)
            report_path = report_path or Path(db_path).with_name(Path(db_path).stem + "-report.html")
            out.report_path, out.report_error = _write_report(db_path, report_path)
            out.seconds = round(time.monotonic() - started, 2)
            if while_serving:
                while_serving(out)
        finally:
            server.stop()
    return out


def _summarise(db_path: str, sites: dict[str, str], outlets: dict[str, dict], result: RunResult) -> DemoResult:
    from syndtrack import queries

    db = open_db(db_path)
    try:
        return DemoResult(
            db_path=db_path,
            sites=sites,
            outlets=outlets,
            run=result,
            clusters=queries.clusters(db, limit=None),
            republications=queries.republications(db, limit=None),
            articles=db["articles"].count,
            seed_found=_seed_found(db),
            unclustered_outlets=[
                r[0] for r in db.execute(
                    "select distinct outlet from articles where id not in (select article_id from cluster_members) "
                    "order by outlet"
                )
            ],
        )
    finally:
        db.close()


def _seed_found(db) -> bool:
    """Whether the demo's known case came out right: a check on this install, not decoration."""
    row = db.execute(
        """
        select count(*) from cluster_members cm
        join articles a on a.id = cm.article_id
        join clusters c on c.id = cm.cluster_id
        join articles o on o.id = c.origin_id
        where a.outlet = 'dainik-savera' and a.url like ? and cm.credited = 1
          and o.outlet = 'cmg-world' and o.url like ?
        """,
        ["%" + SEED_COPY_PATH, "%" + SEED_ORIGIN_PATH],
    ).fetchone()
    return bool(row[0])


def _write_report(db_path: str, report_path) -> tuple[str | None, str | None]:
    """Write the HTML report (syndtrack.report); never fail the demo over it."""
    try:
        from syndtrack.report import build_report
    except ImportError:
        return None, "the report module is not available in this install"
    db = open_db(db_path)
    try:
        build_report(db, report_path)
    except Exception as exc:  # the demo's main result is the database; say what went wrong
        return None, f"{type(exc).__name__}: {exc}"
    finally:
        db.close()
    return os.fspath(report_path), None
