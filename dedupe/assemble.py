"""Cluster assembly: from verified pairs to clusters with one origin each.

Plain transitive union would chain stories: a round-up C that reuses story A
and story B matches both, and union-find would merge A and B. Instead, within
each connected group of matches, articles are visited oldest first; an article
joins the cluster of an *origin* it matches directly (the one whose text it
reuses most), or else starts its own. So every member is checked against its
cluster's origin, never through a third article, and two stories only meet in
one cluster when one of them reuses the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cmp_to_key

from dedupe.align import PARA_COVERAGE, PARAPHRASE_SCORE

# The relation says what happened to the origin's text: carried in part (excerpt),
# carried whole with words changed or sentences dropped (edited), carried whole with
# most sentences reworded (paraphrased: synonym-spun or machine-paraphrased, character
# similarity under dedupe.align.PARAPHRASE_SCORE), or carried whole and unchanged
# (copy). Text added around it (a new intro, a wrapper, a credit line) leaves a copy a copy.
EXCERPT_BELOW = 0.75  # share of the origin reused, below which a member is an excerpt
COPY_SCORE = 99.9  # verbatim sentences align at exactly 100, so anything lower had words changed
COPY_COVERAGE = 0.98  # share of the origin a copy carries (verbatim copies: 0.99+, bar tiny fragments)


@dataclass
class Node:
    id: int
    outlet: str | None = None
    published: float | None = None  # POSIX seconds, None when unknown
    state_media: bool = False
    url: str = ""  # canonical URL: the last tie-breaker, so the origin never depends on insertion order
    precise: bool = True  # published has a time and a zone (not a bare date, not a naive time)
    credits: frozenset = frozenset()  # outlets (registry slugs) its credit lines and source links name
    group: frozenset = frozenset()  # its own outlet and that outlet's media group (registry slugs)
    roundup: bool = False  # a collection of stories under their own datelines (dedupe.roundup)


@dataclass
class Edge:
    score: float
    coverage_a: float  # share of the smaller id's text reused
    coverage_b: float
    kind: str = "text"  # or HEADLINE: the same headline, no shared text (dedupe.headlines); or TRANSLATED


# A page that shares a story member's headline and no text with anything (dedupe.headlines).
HEADLINE = "headline"
# A match across languages (syndtrack.xlang_stage): assembled like any text match, and also
# what joins a translation of a cluster's member that matches no origin itself.
TRANSLATED = "translated"


@dataclass
class Member:
    article_id: int
    relation: str  # origin / copy / excerpt / edited / paraphrased / headline
    score: float
    coverage: float  # share of the origin's text this member reuses
    member_coverage: float  # share of the member's text that comes from the origin
    lag_seconds: float | None
    same_outlet: bool


@dataclass
class Cluster:
    origin_id: int
    members: list[Member] = field(default_factory=list)


DAY = 86400.0


def _before(x: Node, y: Node) -> int:
    """Origin order, a total order that does not depend on when articles were stored.

    1. the earlier published time, unless the times cannot tell: a bare date or
       a time without a zone against a real time (with a zone) of the same day (a date-only
       "2024-05-03" is midnight, which would beat every copy of that day), or
       times less than a day apart when one of the two credits the other
       (time zones get lost; a copy that says "Source: Xinhua" came after Xinhua);
    2. state media first;
    3. the credited first: of two articles where one credits the other's outlet
       or media group, the credited one;
    4. a known time before an unknown one; a precise time before a bare date or
       a naive time of the same day;
    5. the smaller canonical URL (a plain string comparison), and only for
       articles without URLs (tests), the smaller id.
    """
    credit = (1 if x.credits & y.group else 0) - (1 if y.credits & x.group else 0)  # 1: x credits y
    both = x.published is not None and y.published is not None
    if both and x.published != y.published:
        same_day = int(x.published // DAY) == int(y.published // DAY)
        # Only across kinds: two naive times (or two bare dates) still compare as
        # the best there is; a naive or bare one against a real time of that day cannot.
        vague = x.precise != y.precise and same_day
        if not vague and not (credit and abs(x.published - y.published) < DAY):
            return -1 if x.published < y.published else 1
    if x.state_media != y.state_media:
        return -1 if x.state_media else 1
    if credit:
        return credit
    if (x.published is None) != (y.published is None):
        return -1 if x.published is not None else 1
    if x.precise != y.precise:
        return -1 if x.precise else 1  # same day, one bare date: the real time is the evidence
    if x.url != y.url:
        return -1 if x.url < y.url else 1
    return -1 if x.id < y.id else (1 if x.id > y.id else 0)


# Sort key of the origin order, for callers that need the first of several articles.
origin_order = cmp_to_key(_before)


def relation(score: float, origin_coverage: float, member_coverage: float | None = None) -> str:
    # A reworded sentence that pairs with nothing still carries the origin's text, so a
    # paraphrase's coverage understates it: PARA_COVERAGE of the origin is a whole article.
    # (No real pair in the Helsinki day or the generated corpus aligns under
    # PARAPHRASE_SCORE with that coverage; real excerpts under it cover at most 0.46.)
    if score < PARAPHRASE_SCORE and origin_coverage >= PARA_COVERAGE:
        return "paraphrased"
    if origin_coverage < EXCERPT_BELOW:
        return "excerpt"
    if score < COPY_SCORE or origin_coverage < COPY_COVERAGE:
        return "edited"
    return "copy"


def components(edges: dict[tuple[int, int], Edge]) -> list[list[int]]:
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for x in parent:
        groups.setdefault(find(x), []).append(x)
    return [sorted(g) for g in groups.values()]


def assemble(nodes: dict[int, Node], edges: dict[tuple[int, int], Edge]) -> list[Cluster]:
    """Clusters (two members or more) from verified ``edges`` keyed ``(a, b)`` with ``a < b``.

    Round-ups cluster only with round-ups. Headline edges (``kind == HEADLINE``) never
    make an origin nor decide one: a page
    with no text edge joins, as a ``headline`` member, the cluster of the earliest
    article it shares the headline with; a page with text edges ignores its headline ones.
    """
    text = {k: e for k, e in edges.items() if e.kind != HEADLINE and may_cluster(nodes[k[0]], nodes[k[1]], e)}
    clusters = _assemble_text(nodes, text)
    _attach_translations(nodes, {k: e for k, e in text.items() if e.kind == TRANSLATED}, clusters)
    _attach_headlines(nodes, {k: e for k, e in edges.items() if e.kind == HEADLINE}, text, clusters)
    return clusters


def may_cluster(a: Node, b: Node, e: Edge) -> bool:
    """A round-up and a single story are no copies of each other, whichever came first
    (dedupe.roundup), and two round-ups are copies only when each carries most of the
    other: two snapshots of different topic pages share a few of the same items (35-45%
    of each on the Helsinki day). Their matches stay in `matches`, out of the clusters."""
    if a.roundup != b.roundup:
        return False
    return not a.roundup or min(e.coverage_a, e.coverage_b) >= EXCERPT_BELOW


def _attach_translations(nodes: dict[int, Node], translated: dict, clusters: list[Cluster]) -> None:
    """A page left out of every cluster whose translated match is with a cluster's member joins
    that cluster as ``translated``. Two translations of one text in one language share too
    little wording to match each other: the Dalian government's English of Xi's 2022 Kazakhstan
    article matched the article's Chinese copies, which had joined People's Daily's official
    English as its translations, and the assembly (an article joins an origin it matches
    itself) left it out of the story. Score and coverages are those of its match with the
    member; several members: the one first in the origin order."""
    clustered = {m.article_id for c in clusters for m in c.members}

    def member(page: int, partner: int) -> tuple[str, float, float, float]:
        e = translated[(min(page, partner), max(page, partner))]
        mine, theirs = (e.coverage_a, e.coverage_b) if page < partner else (e.coverage_b, e.coverage_a)
        return TRANSLATED, e.score, theirs, mine

    _attach(nodes, translated, clusters, lambda page: page not in clustered, member)


def _attach_headlines(nodes: dict[int, Node], headline: dict, text: dict, clusters: list[Cluster]) -> None:
    with_text = {x for pair in text for x in pair}
    _attach(nodes, headline, clusters, lambda page: page not in with_text, lambda page, partner: (HEADLINE, 0.0, 0.0, 0.0))


def _attach(nodes: dict[int, Node], pairs, clusters: list[Cluster], may_join, member) -> None:
    """Each page of ``pairs`` that ``may_join`` and is paired with a cluster's member joins the
    cluster of the first such member in the origin order; ``member(page, partner)`` gives its
    (relation, score, coverage, member coverage)."""
    cluster_of = {m.article_id: c for c in clusters for m in c.members}
    partners: dict[int, list[int]] = {}
    for a, b in pairs:
        for page, other in ((a, b), (b, a)):
            if may_join(page) and other in cluster_of:
                partners.setdefault(page, []).append(other)
    for page in sorted(partners):
        first = min((nodes[p] for p in partners[page]), key=origin_order)
        cluster = cluster_of[first.id]
        node, origin = nodes[page], nodes[cluster.origin_id]
        lag = node.published - origin.published if node.published is not None and origin.published is not None else None
        kind, score, coverage, member_coverage = member(page, first.id)
        cluster.members.append(Member(page, kind, score, coverage, member_coverage, lag,
                                      bool(node.outlet) and node.outlet == origin.outlet))


def _assemble_text(nodes: dict[int, Node], edges: dict[tuple[int, int], Edge]) -> list[Cluster]:
    neighbours: dict[int, dict[int, Edge]] = {}
    for (a, b), e in edges.items():
        neighbours.setdefault(a, {})[b] = e
        neighbours.setdefault(b, {})[a] = e
    clusters: list[Cluster] = []
    for group in components(edges):
        # Sorted by URL first: the rules of _before are not transitive in every corner
        # (time, credit and state media can disagree), and a fixed input order keeps
        # the result independent of article ids all the same.
        order = sorted(sorted((nodes[i] for i in group), key=lambda n: (n.url, n.id)), key=cmp_to_key(_before))
        by_origin: dict[int, Cluster] = {}
        rank = {n.id: r for r, n in enumerate(order)}
        for node in order:
            best = None
            for other, e in neighbours[node.id].items():
                if other not in by_origin:
                    continue
                mine, theirs = (e.coverage_a, e.coverage_b) if node.id < other else (e.coverage_b, e.coverage_a)
                # The origin whose text this article reuses most; between origins it
                # reuses about as much of (an excerpt matches its origin and another
                # excerpt of it equally), the older one.
                key = (round(mine, 1), -rank[other], e.score, theirs)
                if best is None or key > best[0]:
                    best = (key, other, e, mine, theirs)
            if best is None:
                cluster = Cluster(node.id)
                cluster.members.append(Member(node.id, "origin", 100.0, 1.0, 1.0, 0.0, False))
                by_origin[node.id] = cluster
                continue
            _, origin_id, e, mine, theirs = best
            origin = nodes[origin_id]
            lag = None
            if node.published is not None and origin.published is not None:
                lag = node.published - origin.published
            by_origin[origin_id].members.append(
                Member(
                    node.id,
                    relation(e.score, theirs, mine),
                    e.score,
                    theirs,
                    mine,
                    lag,
                    bool(node.outlet) and node.outlet == origin.outlet,
                )
            )
        clusters.extend(c for c in by_origin.values() if len(c.members) > 1)
    return clusters
