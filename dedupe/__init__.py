"""Text-reuse detection for syndtrack: pure Python, no Scrapy, no network.

The stages, each a module you can name:

- :mod:`dedupe.normalize` — text -> comparable units (+ credit signals)
- :mod:`dedupe.fingerprint` — units -> fingerprints -> candidate pairs
- :mod:`dedupe.align` — a candidate pair -> a verified match (rapidfuzz)
- :mod:`dedupe.assemble` — verified matches -> clusters with an origin
- :mod:`dedupe.credit` — does a copy credit its origin (names and hosts come from the caller)

Matching is a pure function of two texts; the database work (the persisted
fingerprint index, incremental runs) lives in :mod:`syndtrack.clustering`.
"""

from dedupe.align import Match, align, align_passage
from dedupe.assemble import Cluster, Edge, Member, Node, assemble
from dedupe.fingerprint import candidate_pairs, fingerprint_batch
from dedupe.normalize import Cleaned, clean, normalize_text

__all__ = [
    "Cleaned", "Cluster", "Edge", "Match", "Member", "Node",
    "align", "align_passage", "assemble", "candidate_pairs", "clean", "fingerprint_batch", "normalize_text",
]
