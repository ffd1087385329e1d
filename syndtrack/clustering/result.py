"""What a ``syndtrack cluster`` run returns, and how it fails."""

from __future__ import annotations

from dataclasses import dataclass, field


class ClusterError(Exception):
    """Clustering could not complete; nothing was written."""


@dataclass
class ClusterResult:
    articles_processed: int  # dirty articles fingerprinted and compared in this run
    matches: int  # pairs verified and stored in this run
    clusters: int  # clusters in the database after the run
    members: int  # cluster_members rows after the run
    candidates: int = 0  # candidate pairs (sharing fingerprints) in this run
    aligned: int = 0  # pairs aligned in this run: each article against the origins before it among its candidates
    clusters_rebuilt: int = 0  # clusters (re)written in this run
    removed: int = 0  # articles gone from ``articles`` since the last run
    full: bool = False
    seconds: float = 0.0
    timings: dict = field(default_factory=dict, repr=False)
    # Why a run that was not asked to be full rebuilt everything (None otherwise).
    rebuilt_because: str | None = None

    def summary(self) -> str:
        mode = "full rebuild" if self.full else "incremental"
        if self.rebuilt_because:
            mode = f"{mode}: {self.rebuilt_because}"
        from syndtrack.output import plural as n

        return (
            f"{n(self.articles_processed, 'article', 'articles')} processed ({mode}), "
            f"{n(self.candidates, 'candidate pair', 'candidate pairs')}, {n(self.matches, 'match', 'matches')}, "
            f"{n(self.clusters_rebuilt, 'cluster', 'clusters')} rebuilt; "
            f"now {n(self.clusters, 'cluster', 'clusters')} with {n(self.members, 'member', 'members')} ({self.seconds:.1f}s)"
        )
