"""Worker processes for the stages that are pure per article or per pair.

Scanning, fingerprinting, verifying and keying are independent per article or
pair, so big runs spread them over forked worker processes. The run's state
reaches a worker once, through the pool's initializer (forked, so nothing is
pickled); each worker opens its own connection to read texts, since a forked
child must never use its parent's SQLite connection. A task is a module-level
function ``func(run, item)``; in this process (small runs, or
``SYNDTRACK_CLUSTER_WORKERS=1``) it is called with the run directly.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sqlite3
from contextlib import contextmanager

PARALLEL_MIN = 2000  # tasks' items below which a pool costs more than it saves

_state = None  # the run, in a worker process only (set by _init)


def worker_count() -> int:
    try:
        return max(1, int(os.environ.get("SYNDTRACK_CLUSTER_WORKERS") or min(2, os.cpu_count() or 1)))
    except ValueError:
        return 1


def _init(run) -> None:
    global _state
    run.conn = sqlite3.connect(run.path)
    _state = run


def _call(task):
    func, item = task
    return func(_state, item)


@contextmanager
def fork_friendly():
    """Fork inside this block: the heap is frozen out of the cyclic GC's reach first
    (``gc.freeze``, as Python's docs advise before a fork), so a child's collections do not
    walk, and so copy page by page, every object it inherited. On the 20% Chinese speed
    corpus this took the cross-language stage from 7.5-7.7 to 6.3-6.8 CPU seconds (its
    process and its workers are forked from a heap holding the whole run). A process that
    had nothing frozen unfreezes after the fork, so its own garbage stays collectable."""
    frozen = gc.get_freeze_count()
    gc.freeze()
    try:
        yield
    finally:
        if not frozen:
            gc.unfreeze()


class Workers:
    """A fork pool when ``size`` items are worth it, else a plain loop behind the same ``map``."""

    def __init__(self, run, size: int, min_size: int = PARALLEL_MIN):
        self.run = run
        self.n = worker_count() if size >= min_size and bool(getattr(run, "path", None)) else 1
        self.pool = None

    def __enter__(self):
        if self.n > 1:
            try:
                with fork_friendly():
                    self.pool = multiprocessing.get_context("fork").Pool(self.n, initializer=_init, initargs=(self.run,))
            except (ValueError, OSError):
                self.pool = None
        return self

    def map(self, func, items: list, chunksize: int = 1) -> list:
        if self.pool is None:
            return [func(self.run, x) for x in items]
        return self.pool.map(_call, [(func, x) for x in items], chunksize)

    def imap(self, func, items: list):
        """Results in order as they come, without waiting for a whole batch."""
        if self.pool is None:
            return (func(self.run, x) for x in items)
        return self.pool.imap(_call, ((func, x) for x in items), 1)

    def __exit__(self, *exc):
        if self.pool is not None:
            self.pool.terminate() if exc[0] else self.pool.close()
            self.pool.join()
