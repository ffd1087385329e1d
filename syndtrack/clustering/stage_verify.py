"""Stage 4, verify: align each article against the story's representatives before it, not every candidate.

In: the candidate pairs ``(a, b, shared)``, ``run.dirty`` (the dirty articles'
scans; the others are re-scanned from ``articles`` without their outlet's
boilerplate) and, in an incremental run, the stored clusters (which stored
articles are origins). Out: ``{(a, b): Match}`` for the pairs aligned that match
(:func:`dedupe.align.align`), and ``run.verify_stats`` (pairs aligned).

Cluster assembly (:func:`dedupe.assemble.assemble`) visits a group's articles in
origin order; an article joins the *origin* before it whose text it reuses most,
or becomes an origin itself. It never looks at a match between two articles that
are not origins. So only those pairs are aligned: the candidate groups are
visited in the same order, and each article is aligned against the candidates
before it that represent a version of the story: the origins so far, and the
members with enough text of their own to start another version (an agency story
rewritten through the day: the rewrite matches the first version's origin, the
next rewrite only the first rewrite; dedupe.stories joins the versions on those
matches). A version is skipped when the article shares no more fingerprints with
it than with its origin (the rest is the origin's text). A story carried by n
outlets costs about n alignments (one per copy against its origin, plus one per
other version it shares text with), where aligning every candidate pair cost
n²/2 (300 copies: 44,850). Each member still gets its match against its own
origin, with passages, so relation, coverage and lag are what they were.

An incremental run visits the dirty articles with their stored candidates: a
stored article keeps the role the stored clusters give it (origin, or not),
unless it now matches a dirty origin before it. So it aligns the same pairs a
full run would; what a full run would not hold (a match against an article that
stopped representing a version) is dropped when the clusters are re-assembled
(:func:`syndtrack.clustering.stage_assemble.recluster`). The exception, not
handled: a stored member whose origin is now a copy of a new article, and which
does not match that new article, becomes an origin without the articles after it
being aligned against it.
"""

from __future__ import annotations

import time

from dedupe.align import PARAPHRASE_SCORE, align
from dedupe.assemble import may_cluster  # assembly's own rule, so both agree on who is a member
from dedupe.assemble import Edge, assemble, components, origin_order
from dedupe.normalize import scan, units
from dedupe.stories import VERSION_SHARE
from syndtrack.store.rows import chunks
from syndtrack.clustering.settings import VERIFY_WINDOW
from syndtrack.clustering.stage_assemble import assembly_order, nodes_of
from syndtrack.clustering.stage_boilerplate import outlet_boilerplate
from syndtrack.clustering.stage_index import read_articles
from syndtrack.clustering.workers import Workers

UNITS_BLOCK = 500  # articles of one group whose sentence units are built at once (an origin's are kept)


def cleaned(run, ids) -> dict:
    """Sentence units of ``ids``: dirty ones from their scan, others re-scanned from ``articles``."""
    out = {}
    for aid, outlet, title, text in read_articles(run, sorted(ids), "id, outlet, title, text"):
        item = run.dirty.get(aid)
        if item is not None:
            found = item.scan
        else:
            found = scan(text or "", title=title, boilerplate=outlet_boilerplate(run, outlet or ""))
        out[aid] = units(text or "", found)
    return out


def _verify_groups(run, task) -> tuple[dict, int]:
    """A worker task: a few candidate groups, each ``(order, neighbours, stored, nodes)``.

    ``order`` is the group's articles in origin order; ``neighbours`` each one's
    candidates with the number of fingerprints they share; ``stored`` (incremental
    runs) the stored articles' role: ``(origin id or None, share of the member's own
    text its origin covers)``; ``nodes`` their :class:`~dedupe.assemble.Node`.
    Returns the matches and the number of pairs aligned."""
    found: dict = {}
    aligned = 0
    for order, neighbours, stored, nodes in task:
        tried: set[tuple[int, int]] = set()
        group = _first_pass(run, order, neighbours, stored, nodes, tried)
        _settle(run, order, neighbours, stored, nodes, group, tried)
        found.update(group)
        aligned += len(tried)
    return found, aligned


def _align(mine, theirs, n: int, o: int):
    return align(mine, theirs) if n < o else align(theirs, mine)


def _first_pass(run, order, neighbours, stored, nodes, tried: set) -> dict:
    """The group in order: each article against the representatives before it."""
    found = {}
    rank = {n: r for r, n in enumerate(order)}
    role: dict[int, str | None] = {}  # "origin", "version" (a member with text of its own) or None
    origin_of: dict[int, int] = {}  # a version's origin
    kept: dict = {}  # sentence units of the origins and versions so far: later articles may need them
    for start in range(0, len(order), UNITS_BLOCK):
        block = order[start : start + UNITS_BLOCK]
        # A stored plain member needs its units only when something new precedes it.
        fresh = cleaned(run, [a for a in block if a not in kept and (a not in stored or stored[a][0] is None
                                                                    or is_version(stored[a][1], stored[a][2]))])
        for n in block:
            mine_state = stored.get(n)
            cands = neighbours[n]
            targets = []
            for o, shared in cands.items():
                r = role.get(o)
                if r is None or (mine_state is not None and o in stored):
                    continue  # not a representative; or both stored: aligned by an earlier run
                # A version is worth aligning only for the text of its own: sharing no more
                # with it than with its origin, n shares only the origin's text with it.
                if r == "version" and shared <= cands.get(origin_of[o], 0):
                    continue
                targets.append(o)
            mine = kept[n] if n in kept else fresh.get(n)
            if mine is None and targets:
                mine = cleaned(run, [n]).get(n)
            best = None
            if mine_state is not None and mine_state[0] is not None:
                best = ((round(mine_state[1], 1), 1), mine_state[0], mine_state[1], mine_state[2])  # its stored origin
            for o in targets:
                theirs = kept.get(o)
                if mine is None or theirs is None:
                    continue
                tried.add((min(n, o), max(n, o)))
                m = _align(mine, theirs, n, o)
                if m is None:
                    continue
                found[(min(n, o), max(n, o))] = m
                # A match assembly leaves out (a round-up and a single story) makes no member.
                if role[o] == "origin" and may_cluster(nodes[n], nodes[o], m):
                    own = m.coverage_a if n < o else m.coverage_b
                    # dedupe.assemble's choice of origin: the one whose text n reuses most, then the older.
                    key = ((round(own, 1), -rank[o]), o, own, m.score)
                    if best is None or key[0] > best[0]:
                        best = key
            if best is None:
                role[n] = "origin" if mine_state is None or mine_state[0] is None else None
            else:
                role[n] = "version" if is_version(best[2], best[3]) else None
                origin_of[n] = best[1]
            if role[n] is not None and mine is not None:
                kept[n] = mine
        fresh.clear()
    return found


MAX_SETTLE = 8  # rounds of _settle; one is the rule (nothing missing), a second is rare


def _settle(run, order, neighbours, stored, nodes, found: dict, tried: set) -> None:
    """Align the pairs assembly needs that the first pass did not.

    The first pass follows the origin order of the whole candidate group; assembly
    sorts each group of *matches* on its own, and the origin order is not transitive
    in every corner (time, credit and state media can disagree), so in a large
    candidate group (10,000 articles linked by weak candidates in the 20k corpus)
    the two orders can differ. So: assemble what was found, and align every
    candidate pair whose earlier article (in that assembly's order, or by the
    pairwise order across its groups) represents a version and was not aligned;
    until nothing is missing."""
    for _ in range(MAX_SETTLE):
        text = {k: Edge(m.score, m.coverage_a, m.coverage_b) for k, m in found.items()
                if may_cluster(nodes[k[0]], nodes[k[1]], m)}
        member_of = {m.article_id: (c.origin_id, m.member_coverage, m.score)
                     for c in assemble(nodes, text) for m in c.members if m.relation != "origin"}
        place: dict[int, tuple[int, int]] = {}  # (group of matches, rank in it)
        for g, comp in enumerate(components(text)):
            place.update((x, (g, r)) for r, x in enumerate(assembly_order(nodes, comp)))

        def representative(x: int) -> int | None:
            """The origin of the version ``x`` represents (x itself for an origin), None if none."""
            origin, own, score = member_of.get(x, (None, None, None))
            if x in stored and origin is None:
                origin, own, score = stored[x]
            if origin is None:
                return x
            return origin if is_version(own, score) else None

        def before(e: int, l: int) -> bool:
            pe, pl = place.get(e), place.get(l)
            if pe is not None and pl is not None and pe[0] == pl[0]:
                return pe[1] < pl[1]
            return origin_order(nodes[e]) < origin_order(nodes[l])

        missing = []
        for a in order:
            for b, shared in neighbours[a].items():
                if b < a or (a, b) in tried or (a in stored and b in stored):
                    continue
                for e, l in ((a, b), (b, a)):
                    origin = representative(e)
                    if origin is None or not before(e, l):
                        continue
                    if origin != e and shared <= neighbours[l].get(origin, 0):
                        continue  # a version: only for the text of its own (as in the first pass)
                    missing.append((a, b))
                    break
        if not missing:
            return
        units_of = cleaned(run, {x for pair in missing for x in pair})
        for a, b in missing:
            tried.add((a, b))
            if a in units_of and b in units_of:
                m = align(units_of[a], units_of[b])
                if m is not None:
                    found[(a, b)] = m


def is_version(own_share: float | None, score: float | None = None) -> bool:
    """A member whose origin covers at most this much of it carries enough text of its
    own to start another version of the story (dedupe.stories.VERSION_SHARE).

    A reworded member (score under PARAPHRASE_SCORE: a rewrite, a paraphrase) is covered
    in other words: only ``score``% of what is aligned is the origin's wording. The rest is
    its own text, and the next outlet may copy the rewrite rather than the original
    (MENAFN rewording Anadolu's rewrite of a Xinhua dispatch; two rewrites of one dispatch
    by one aggregator), so its share is weighed by the score."""
    if own_share is None:
        return False
    if score is not None and score < PARAPHRASE_SCORE:
        own_share *= score / 100
    return own_share <= 1 - VERSION_SHARE


def _stored_roles(run, ids: list[int]) -> dict[int, tuple[int | None, float | None, float | None]]:
    """Of stored (not dirty) articles: ``(None, None, None)`` for an origin (of a cluster, or
    of none), else ``(origin id, share of the member's text its origin covers, the match's
    score)``; a headline member (no text match with its origin) counts as covered whole. A
    translated member counts as an origin: it is the first text of its language in its
    cluster, as it was when a full run verified that language (stage_assemble.drop_stale_matches
    keeps its matches)."""
    out: dict[int, tuple[int | None, float | None, float | None]] = {aid: (None, None, None) for aid in ids}
    for chunk in chunks(ids, 500):
        marks = ",".join("?" * len(chunk))
        for aid, origin, own, score in run.q(
            "select m.article_id, c.origin_id, case when m.article_id < c.origin_id then x.coverage_a else x.coverage_b end, "
            "x.score from cluster_members m join clusters c on c.id = m.cluster_id left join matches x "
            "on x.a_id = min(m.article_id, c.origin_id) and x.b_id = max(m.article_id, c.origin_id) and x.kind is null "
            f"where m.relation not in ('origin', 'translated') and m.article_id in ({marks})", chunk):
            out[aid] = (origin, own if own is not None else 1.0, score)
    return out


def verify(run, pairs: list[tuple[int, int, int]]) -> dict[tuple[int, int], object]:
    total = len(pairs)
    neighbours: dict[int, dict[int, int]] = {}
    for a, b, shared in pairs:
        neighbours.setdefault(a, {})[b] = shared
        neighbours.setdefault(b, {})[a] = shared
    t0 = time.perf_counter()
    nodes = nodes_of(run, neighbours)
    run.timings["verify_nodes"] = round(time.perf_counter() - t0, 3)  # what the origin order compares
    stored = [aid for aid in neighbours if aid not in run.dirty]
    roles = _stored_roles(run, stored) if stored else {}
    tasks, task, size = [], [], 0
    for group in components([(a, b) for a, b, _ in pairs]):
        group = [aid for aid in group if aid in nodes]  # an article deleted meanwhile is left out
        order = assembly_order(nodes, group)
        task.append((order, {n: neighbours[n] for n in order},
                     {n: roles[n] for n in order if n in roles}, {n: nodes[n] for n in order}))
        size += len(order)
        if size >= VERIFY_WINDOW:
            tasks.append(task)
            task, size = [], 0
    if task:
        tasks.append(task)
    matches: dict = {}
    aligned = 0
    with Workers(run, total) as pool:
        done = 0
        for t, (found, n) in zip(tasks, pool.imap(_verify_groups, tasks)):
            matches.update(found)
            aligned += n
            done += sum(len(group[0]) for group in t)
            run.report(done, len(nodes), "verify")
    run.verify_stats = {"candidates": total, "aligned": aligned}
    return matches
