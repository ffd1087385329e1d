"""Scheduled runs: crawl then cluster, one at a time per database.

``syndtrack run`` (and :func:`run`) is what cron or a systemd timer calls. It
takes an exclusive lock next to the database (``<db>.lock``) so two firings
that overlap never crawl or cluster the same database at once: the second one
exits with :data:`EXIT_LOCKED` (or waits for the lock with ``wait=True``).
The lock is an OS file lock (``flock`` through filelock), so it is released
when the holder exits, even on ``kill -9``: there are no stale locks to clean.
The crawl's child process inherits the lock's descriptor, so the lock is held
until the run *and* its crawl are gone; the crawl dies with the run
(crawler.runner.die_with_parent).

Every attempt is appended to a JSON-lines run log next to the database
(``<db>.runs.jsonl``), including the ones that found the lock taken; the crawl
itself also writes its ``crawl_runs`` row, whose id the log records.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path
from typing import Any, Callable

import filelock

from syndtrack.store.dates import utcnow

# Exit statuses monitoring can tell apart. 75 is EX_TEMPFAIL from sysexits.h:
# "try again later", which is exactly what a skipped overlapping run means.
EXIT_OK = 0
EXIT_ERROR = 1  # bad configuration (unknown outlet, unreadable registry): nothing ran
EXIT_CRAWL_FAILED = 3  # the crawl failed; clustering still ran over what landed
EXIT_CLUSTER_FAILED = 4  # the crawl went fine, clustering failed
EXIT_ALERTS_FAILED = 5  # crawl and clustering went fine, an alerts output failed (its alerts stay pending)
EXIT_LOCKED = 75  # another run holds the lock: this one did nothing
EXIT_INTERRUPTED = 130  # Ctrl-C; SIGTERM gives 143 (128 + 15), as shells report it

EXIT_CODES = {
    EXIT_OK: "ok",
    EXIT_ERROR: "error",
    EXIT_CRAWL_FAILED: "crawl_failed",
    EXIT_CLUSTER_FAILED: "cluster_failed",
    EXIT_ALERTS_FAILED: "alerts_failed",
    EXIT_LOCKED: "locked",
    EXIT_INTERRUPTED: "interrupted",
}


def lock_path(db_path: str | os.PathLike) -> Path:
    return Path(f"{os.fspath(db_path)}.lock")


def log_path(db_path: str | os.PathLike) -> Path:
    return Path(f"{os.fspath(db_path)}.runs.jsonl")


class RunConfigError(ValueError):
    """The run cannot start: bad outlets file or unknown outlet slug."""


@dataclass
class RunResult:
    db_path: str
    status: str  # ok / crawl_failed / cluster_failed / locked / error
    exit_code: int
    started: str
    finished: str | None = None
    seconds: float = 0.0
    crawl: dict | None = None
    cluster: dict | None = None
    alerts: dict | None = None
    errors: list[str] = field(default_factory=list)
    holder: dict | None = None  # for status "locked": the run log's entry of the run holding the lock

    def summary(self) -> str:
        """The one line cron mails and journald keeps."""
        if self.status == "locked":
            who = ""
            if self.holder:
                who = f" (pid {self.holder.get('pid')} on {self.holder.get('host')}, started {self.holder.get('started')})"
            why = "".join(f"; {e}" for e in self.errors)
            return f"run {self.status}: another syndtrack run holds {lock_path(self.db_path)}{who}{why}; did nothing [exit {self.exit_code}]"
        from syndtrack.output import plural as n

        parts = [f"run {self.status} in {self.seconds:.1f}s"]
        if self.crawl:
            c = self.crawl
            parts.append(
                f"crawl #{c.get('run_id')} {c.get('status')}: {n(c.get('pages_fetched', 0), 'page', 'pages')}, "
                f"{c.get('articles_new', 0)} new, {c.get('articles_updated', 0)} updated, "
                f"{c.get('articles_unchanged', 0)} unchanged, {n(c.get('errors', 0), 'error', 'errors')}"
            )
        if self.cluster:
            c = self.cluster
            parts.append(
                f"cluster: {n(c.get('articles_processed', 0), 'article', 'articles')}, {n(c.get('matches', 0), 'match', 'matches')}, "
                f"{n(c.get('clusters', 0), 'cluster', 'clusters')}, {n(c.get('members', 0), 'member', 'members')}"
            )
        if self.alerts:
            parts.append(self.alerts.get("summary") or "alerts")
        parts.extend(self.errors)
        return "; ".join(parts) + f" [exit {self.exit_code}]"


def _as_dict(result: Any) -> dict:
    if result is None:
        return {}
    if is_dataclass(result):
        return asdict(result)
    if hasattr(result, "_asdict"):
        return result._asdict()
    if isinstance(result, dict):
        return dict(result)
    return {k: v for k, v in vars(result).items() if not k.startswith("_")}


def _append_log(path: Path, entry: dict) -> None:
    # One write() of one line in append mode: concurrent appenders (a locked
    # run logging while the holder logs) cannot interleave within a line.
    line = json.dumps(entry, ensure_ascii=False, default=str) + "\n"
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line)


def last_start(db_path: str | os.PathLike) -> dict | None:
    """The run log's latest "start" with no "finish" after it: who probably holds the lock.

    None when every run in the log finished (the lock is held by something
    that does not log, e.g. a script using the same lock file).
    """
    open_starts: dict[tuple, dict] = {}
    for entry in read_log(db_path):
        key = (entry.get("host"), entry.get("pid"))
        if entry.get("event") == "start":
            open_starts[key] = entry
        elif entry.get("event") == "finish":
            open_starts.pop(key, None)
    if not open_starts:
        return None
    return max(open_starts.values(), key=lambda e: e.get("started") or "")


def read_log(db_path: str | os.PathLike) -> list[dict]:
    """Every entry of ``<db>.runs.jsonl``, oldest first; unreadable lines are skipped."""
    path = log_path(db_path)
    if not path.exists():
        return []
    entries = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            try:
                entries.append(json.loads(line))
            except ValueError:  # a line cut short by a full disk must not hide the rest
                continue
    return entries


def _default_crawl(db_path, **kwargs):
    from syndtrack.crawl import crawl

    return crawl(db_path, **kwargs)


def _default_cluster(db_path, *, full: bool = False, progress=None):
    from syndtrack.clustering import cluster
    from syndtrack.store.db import open_db

    db = open_db(db_path)
    try:
        return cluster(db, full=full, progress=progress)
    finally:
        db.close()


def check_outlets(outlets_file=None, outlet_slugs=None, use_default_outlets: bool = True) -> None:
    """Fail before taking the lock when the registry or a slug is wrong."""
    from syndtrack.crawl import load_registry

    try:
        registry = load_registry(outlets_file, use_default=use_default_outlets)
    except Exception as exc:  # the registry loader's own message says what is wrong
        raise RunConfigError(f"cannot load outlets: {exc}") from exc
    unknown = [s for s in (outlet_slugs or []) if s not in registry]
    if unknown:
        raise RunConfigError(f"unknown outlet(s): {', '.join(unknown)} (see: syndtrack outlets list)")
    if not registry:
        raise RunConfigError("no outlets to crawl")


def run(
    db_path: str | os.PathLike,
    *,
    outlets_file: str | os.PathLike | None = None,
    outlet_slugs: list[str] | None = None,
    use_default_outlets: bool = True,
    settings: dict | None = None,
    crawl_options: dict | None = None,
    full: bool = False,
    crawl: bool = True,
    wait: bool = False,
    timeout: float | None = 3600,
    crawl_fn: Callable[..., Any] | None = None,
    cluster_fn: Callable[..., Any] | None = None,
    log: Callable[[str], None] | None = None,
    cluster_progress: Any = None,
    on_locked_wait: Callable[[dict | None], None] | None = None,
    alerts_config: Any = None,
) -> RunResult:
    """Crawl then cluster ``db_path`` under ``<db>.lock``; never raises for a failed step.

    ``crawl_fn(db_path, outlets_file=..., outlet_slugs=..., use_default_outlets=..., settings=...)``
    and ``cluster_fn(db_path, full=..., progress=...)`` default to
    :func:`syndtrack.crawl.crawl` and :func:`syndtrack.clustering.cluster`;
    pass others to run something else under the same lock and log.
    ``wait=True`` waits up to ``timeout`` seconds (None: forever) for the lock.
    ``crawl_options`` are extra keyword arguments for the crawl (e.g. ``progress=True``).
    ``crawl=False`` only clusters, under the same lock (for crawls run by scrapyd).
    ``alerts_config`` (:class:`syndtrack.alerts.AlertsConfig`): after clustering, send
    the alerts for what is new (:func:`syndtrack.alerts.check`), still under the lock.
    """
    db_path = os.fspath(db_path)
    log = log or (lambda message: None)
    parent = Path(db_path).resolve().parent
    if not parent.is_dir():
        # Checked here because filelock would create the missing folders for the lock file.
        raise RunConfigError(f"directory for database does not exist: {parent}")
    inherit_lock = False
    if crawl_fn is None and crawl:
        check_outlets(outlets_file, outlet_slugs, use_default_outlets)
        crawl_fn = _default_crawl
        inherit_lock = True
    cluster_fn = cluster_fn or _default_cluster
    started_mono = time.monotonic()
    base = {"pid": os.getpid(), "host": socket.gethostname(), "db": db_path}
    result = RunResult(db_path=db_path, status="ok", exit_code=EXIT_OK, started=utcnow())

    lock = filelock.FileLock(lock_path(db_path))
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        holder = last_start(db_path)
        if wait:
            if on_locked_wait:
                on_locked_wait(holder)
            log(f"waiting for {lock_path(db_path)} (held by pid {holder.get('pid') if holder else '?'})")
            try:
                lock.acquire(timeout=-1 if timeout is None else timeout)
            except filelock.Timeout:
                return _locked(result, holder, base, started_mono, waited=True)
        else:
            return _locked(result, holder, base, started_mono, waited=False)

    waited = round(time.monotonic() - started_mono, 3)
    result.started = utcnow()  # when the work began; ``seconds`` still counts any wait
    try:
        _append_log(log_path(db_path), {"event": "start", "started": result.started, "waited_seconds": waited, **base,
                                        "outlets_file": os.fspath(outlets_file) if outlets_file else None,
                                        "outlets": outlet_slugs or None})
        crawl_failed = False
        if crawl:
            log("crawl started")
            crawl_kwargs = dict(
                outlets_file=outlets_file,
                outlet_slugs=outlet_slugs or None,
                use_default_outlets=use_default_outlets,
                settings=settings,
                **(crawl_options or {}),
            )
            fd = _lock_fd(lock) if inherit_lock else None
            if fd is not None:
                crawl_kwargs["pass_fds"] = (fd,)
            crawl_failed = _crawl_step(result, crawl_fn, db_path, crawl_kwargs)
            log(f"crawl {'failed' if crawl_failed else 'finished'}")

        # Cluster even after a failed crawl: what did land should not wait a
        # whole schedule period to be matched.
        log("cluster started")
        cluster_failed = False
        try:
            result.cluster = _as_dict(_interruptible(cluster_fn, db_path, full=full, progress=cluster_progress))
        except Exception as exc:
            cluster_failed = True
            result.errors.append(f"cluster failed: {type(exc).__name__}: {exc}")
        log(f"cluster {'failed' if cluster_failed else 'finished'}")

        alerts_failed = False
        if alerts_config is not None:
            # After a failed step too: whatever did land is news all the same.
            log("alerts started")
            alerts_failed = _alerts_step(result, db_path, alerts_config)
            log(f"alerts {'failed' if alerts_failed else 'finished'}")

        if crawl_failed:
            result.status, result.exit_code = "crawl_failed", EXIT_CRAWL_FAILED
        elif cluster_failed:
            result.status, result.exit_code = "cluster_failed", EXIT_CLUSTER_FAILED
        elif alerts_failed:
            result.status, result.exit_code = "alerts_failed", EXIT_ALERTS_FAILED
    except (KeyboardInterrupt, SystemExit) as exc:
        # Ctrl-C, or SIGTERM turned into SystemExit by the CLI (systemd's stop or
        # TimeoutStartSec=): say so in the log, then let it end the process.
        code = exc.code if isinstance(exc, SystemExit) and isinstance(exc.code, int) else EXIT_INTERRUPTED
        result.status, result.exit_code = "interrupted", code
        result.errors.append(f"interrupted ({type(exc).__name__})")
        raise
    finally:
        if result.status != "locked":
            result.finished = utcnow()
            result.seconds = round(time.monotonic() - started_mono, 3)
            _append_log(log_path(db_path), {"event": "finish", **base, **_log_fields(result)})
        lock.release()
    return result


def _lock_fd(lock: filelock.BaseFileLock) -> int | None:
    """The descriptor ``lock`` holds its flock on, for the crawl process to inherit.

    A flock belongs to the open file, shared by every descriptor of it in any
    process: while the crawl child keeps its copy, the lock stays taken even
    after kill -9 of this process, so the next run cannot start beside a
    crawl still shutting down. filelock has no public accessor for the
    descriptor; without one (another filelock, a soft lock) the crawl still
    dies with us, only the lock is freed a moment sooner.
    """
    fd = getattr(getattr(lock, "_context", None), "lock_file_fd", None)
    return fd if isinstance(fd, int) else None


# How long an interrupted run waits for the crawl to close its run cleanly.
STOP_GRACE_SECONDS = 60


def _interruptible(fn, *args, **kwargs):
    """Call ``fn`` so that a signal stops the run promptly and the crawl child with it.

    A main thread blocked in waitpid() on the crawl child never sees SIGTERM
    when the kernel hands the signal to another thread (libraries start
    some), so the step runs in a worker thread and the main thread waits in
    short slices, where Python runs signal handlers. On SystemExit (the CLI
    turns SIGTERM into one) the signal is passed on to our child processes:
    Scrapy then shuts down gracefully and closes its crawl_runs row; on
    Ctrl-C the terminal has already signalled them. Either way we give the
    step STOP_GRACE_SECONDS to finish before the exception goes on.
    """
    if threading.current_thread() is not threading.main_thread():
        return fn(*args, **kwargs)
    box: dict[str, Any] = {}
    # An Event, not Thread.join(): a join interrupted by an exception marks the
    # thread as stopped while it still runs (the bpo-45274 handling in 3.11),
    # and the grace-period join after it would return at once.
    done = threading.Event()

    def target():
        try:
            box["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # handed to the main thread below
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=target, name="syndtrack-run-step", daemon=True).start()
    try:
        while not done.wait(0.2):
            pass
    except SystemExit:
        _signal_children(signal.SIGTERM)
        done.wait(STOP_GRACE_SECONDS)
        raise
    except KeyboardInterrupt:
        done.wait(STOP_GRACE_SECONDS)
        raise
    if "error" in box:
        raise box["error"]
    return box.get("value")


def _signal_children(signum: int) -> None:
    """Send ``signum`` to this process's direct children (Linux /proc; elsewhere a no-op)."""
    me = os.getpid()
    proc = Path("/proc")
    if not proc.is_dir():
        return
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == me:
            try:
                os.kill(int(entry.name), signum)
            except OSError:
                pass


def _crawl_step(result: RunResult, crawl_fn, db_path, kwargs: dict) -> bool:
    """Run the crawl into ``result``; True when it failed."""
    try:
        crawl_result = _interruptible(crawl_fn, db_path, **kwargs)
    except Exception as exc:  # reported in the log and the exit status, never a traceback in cron mail
        result.errors.append(f"crawl failed: {type(exc).__name__}: {exc}")
        return True
    result.crawl = _as_dict(crawl_result)
    if result.crawl.get("status") == "failed":
        result.errors.append(f"crawl #{result.crawl.get('run_id')} failed")
        return True
    return False


def _alerts_step(result: RunResult, db_path: str, config) -> bool:
    """Send the alerts into ``result``; True when they could not all be delivered."""
    from syndtrack.alerts import check
    from syndtrack.store.db import open_db

    try:
        db = open_db(db_path)
        try:
            checked = check(db, config, database_name=Path(db_path).stem)
        finally:
            db.close()
    except Exception as exc:
        result.errors.append(f"alerts failed: {type(exc).__name__}: {exc}")
        return True
    result.alerts = {**checked.as_dict(), "summary": checked.summary()}
    return bool(checked.failed)


def _log_fields(result: RunResult) -> dict:
    fields = asdict(result)
    fields.pop("db_path", None)
    if fields.get("holder") is None:
        fields.pop("holder", None)
    return fields


def _locked(result: RunResult, holder: dict | None, base: dict, started_mono: float, *, waited: bool) -> RunResult:
    result.status, result.exit_code = "locked", EXIT_LOCKED
    result.holder = {k: holder.get(k) for k in ("pid", "host", "started")} if holder else None
    result.finished = utcnow()
    result.seconds = round(time.monotonic() - started_mono, 3)
    if waited:
        result.errors.append(f"gave up waiting for the lock after {result.seconds:.0f}s")
    _append_log(log_path(result.db_path), {"event": "locked", **base, **_log_fields(result)})
    return result
