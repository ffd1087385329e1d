"""``syndtrack cluster``: the command over :func:`syndtrack.clustering.cluster`."""

from __future__ import annotations

import sys
from datetime import datetime

import click

from syndtrack.cli_common import get_db, is_terminal


class _Progress:
    """A progress bar per stage on a terminal; plain log lines otherwise."""

    def __init__(self):
        self.tty = is_terminal()
        self.bar = None
        self.stage = None
        self.logged: dict[str, int] = {}

    def __call__(self, done: int, total: int | None = None, stage: str = "clustering", **_) -> None:
        if self.tty:
            if stage != self.stage:
                self.close()
                self.stage = stage
                self.bar = click.progressbar(length=total or 0, label=f"{stage:>8}", file=sys.stderr)
                self.bar.__enter__()
            self.bar.update(done - self.bar.pos)
        elif done == total or done - self.logged.get(stage, 0) >= 20_000:
            self.logged[stage] = done
            stamp = datetime.now().astimezone().replace(microsecond=0).isoformat()
            click.echo(f"{stamp} cluster: {stage} {done}/{total}", err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command(name="cluster")
@click.option("--full", is_flag=True, help="Rebuild the fingerprint index, matches and clusters from scratch.")
@click.pass_context
def cluster_cmd(ctx: click.Context, full: bool) -> None:
    """Find republished articles and cluster them with their origin.

    Compares only the articles that are new or changed since the last run
    against the stored fingerprint index; --full rebuilds everything (same
    result). Writes matches (verified pairs with the aligned passages),
    clusters and cluster_members (origin, relation, lag, coverage, score,
    credited, same_outlet). Shows progress on a terminal, log lines otherwise,
    and prints a one-line summary.

    Example:

        syndtrack --db news.db cluster
    """
    from syndtrack.clustering import cluster

    db = get_db(ctx)
    progress = _Progress()
    try:
        result = cluster(db, full=full, progress=progress)
    finally:
        progress.close()
    click.echo(result.summary())
