"""Peak memory of the running process, for the benchmarks that measure in a child process."""

from __future__ import annotations

import resource


def own_peak_rss_mb() -> float:
    """This process's peak RSS since it started, in MB.

    Not ``ru_maxrss``: on Linux a process keeps the ``ru_maxrss`` of the process it
    was forked from across ``exec``, so a measurement run in a subprocess reported
    the benchmark parent's RSS whenever the parent was the bigger one. ``VmHWM`` is
    the high-water mark of this process's own memory.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
