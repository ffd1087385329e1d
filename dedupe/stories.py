"""Stories: the versions of one piece, grouped above the clusters.

A cluster holds one *version* of a piece and its copies (every member checked
against the cluster's origin). News agencies rewrite a story through the day
(AP and Reuters write-throughs: new lede, new headline, the body kept in part),
and publishers carry different versions, so one story lands in several
clusters. Two versions belong to one story when a verified match between their
members shows that they share substantial own text: at least
:data:`VERSION_SHARE` of *each* text, within :data:`VERSION_WINDOW` of each
other.

Why these rules (measured on the Helsinki news day, 612 real articles labelled
at story level by reading: ``benchmarks/labels/helsinki_stories.csv``,
``benchmarks/story_eval.py``):

- The share is of both sides, not of one. A round-up, a live blog or a
  news-in-brief page carries whole ledes of many stories, so each of those
  stories shares most of *its* text with the round-up, but the round-up shares
  only a small part of its own with each: joining on the smaller share keeps a
  round-up from chaining the stories it carries into one. The same holds for two
  different stories that recycle a background paragraph or quote the same
  people: the recycled part is a small share of each.
- Cross-cluster matches of versions of one story had a smaller share of 0.35
  and more for the pairs that link the big AP stories' versions; matches of
  different stories (an AP live file carrying a mainbar's paragraphs, AP briefs
  inside live files, pieces sharing a background paragraph) stayed at 0.32 and
  below. 0.35 is the lowest value that joins no two labelled stories through a
  cross-cluster match; 0.40 loses a third of the joined pairs.
- The shared text must hold together: its three longest passages at least
  :data:`BLOCK_SHARE` of it. Versions share their body in a few long blocks
  (on the news day 6-13 passages, the three longest 0.39-0.91 of the shared
  text); two snapshots of an aggregator page (Google News topic pages: many
  outlets' ledes) share 40% of each other in 43-54 short pieces, the three
  longest 0.08-0.10 of it.
- The window keeps an outlet's templated recurring story apart when it is filed
  on other days: a story's versions on the news day spanned about 30 hours.

Pure: no database; ``syndtrack.clustering`` calls :func:`group_versions`.
"""

from __future__ import annotations

from typing import Iterable

from dedupe.assemble import components

VERSION_SHARE = 0.35  # each text's share of the shared text, at least
VERSION_WINDOW = 48 * 3600.0  # seconds between the two articles' published times, at most
BLOCK_SHARE = 0.25  # share of the shared text in its three longest passages, at least


def holds_together(passages: list[list[int]]) -> bool:
    """Whether shared text (``[a_start, a_end, b_start, b_end]`` passages) is a few long blocks, not many scraps."""
    lengths = sorted((p[1] - p[0] for p in passages), reverse=True)
    total = sum(lengths)
    return total > 0 and sum(lengths[:3]) >= BLOCK_SHARE * total


def joins_versions(coverage_a: float, coverage_b: float, published_a: float | None, published_b: float | None) -> bool:
    """Whether a verified match between two articles of different clusters makes their versions one story."""
    if min(coverage_a, coverage_b) < VERSION_SHARE:
        return False
    if published_a is not None and published_b is not None and abs(published_a - published_b) > VERSION_WINDOW:
        return False
    return True


def group_versions(cluster_of: dict[int, int], links: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Stories as lists of cluster ids (each sorted), from ``links`` between articles.

    ``cluster_of`` maps each clustered article to its cluster; ``links`` are the
    article pairs whose match :func:`joins_versions` accepted. Every cluster is
    in exactly one story, alone when nothing links it.
    """
    pairs = {}
    for a, b in links:
        ca, cb = cluster_of.get(a), cluster_of.get(b)
        if ca is not None and cb is not None and ca != cb:
            pairs[(min(ca, cb), max(ca, cb))] = None
    groups = components(pairs)
    joined = {c for g in groups for c in g}
    groups += [[c] for c in set(cluster_of.values()) - joined]
    return sorted(groups)


def stable_ids(groups: list[list[int]], old_story_of: dict[int, int]) -> list[int | None]:
    """For each group of articles, the old story id it keeps (or None for a new story).

    ``old_story_of`` maps an article to the story it was in before this run. A
    group keeps the id most of its articles had; when two groups claim one id (a
    story split), the larger group keeps it. So a story id is stable across runs while
    the story stays whole, and a new article joining a story does not renumber it.
    """
    claims: list[tuple[int, int, int]] = []  # (-votes, group index, story id)
    for i, g in enumerate(groups):
        votes: dict[int, int] = {}
        for member in g:
            sid = old_story_of.get(member)
            if sid is not None:
                votes[sid] = votes.get(sid, 0) + 1
        for sid, n in votes.items():
            claims.append((-n, i, sid))
    claims.sort(key=lambda t: (t[0], -len(groups[t[1]]), t[2], t[1]))
    chosen: list[int | None] = [None] * len(groups)
    taken: set[int] = set()
    for _, i, sid in claims:
        if chosen[i] is None and sid not in taken:
            chosen[i] = sid
            taken.add(sid)
    return chosen
