"""Stage 5, assemble: clusters and stories of every group of matches the run touched.

In: the seeds (articles whose matches changed), the ``matches`` table (already
holding this run's matches, inside the write transaction) and what
:func:`node_info` reads of each article (outlet, time, registry entry, credit
evidence). Out: the ``clusters``, ``cluster_members`` and ``stories`` rows of
those groups, rewritten (:func:`dedupe.assemble.assemble`,
:mod:`dedupe.stories`), with origin, relation, lag, coverage, score, credit
status and same_outlet per member; returns the number of clusters written.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

from dedupe.assemble import (HEADLINE, TRANSLATED, Cluster, Edge, Member, Node, assemble, components, may_cluster,
                             origin_order)
from dedupe.commentary import QUOTED_BELOW, is_commentary
from dedupe.credit import OutletNames, credit_status, credits_origin, host_of, origin_names
from dedupe.normalize import is_cjk, scan
from dedupe.quotations import Quoting, different_news, quote_apart
from dedupe.stories import group_versions, holds_together, joins_versions, stable_ids
from syndtrack.store.rows import chunks
from syndtrack.store.dates import is_precise, timestamp

_PARENTHESIS = re.compile(r"\(([^()]{2,80})\)")


def _site(url: str | None) -> str | None:
    """A cache key for what the host of ``url`` depends on: an http(s) URL's part
    before its third slash holds its whole network location."""
    return url.split("/", 3)[2] if url and url.startswith(("http://", "https://")) else url


def _edge(score: float, coverage_a: float, coverage_b: float, kind: str | None) -> Edge:
    return Edge(score, coverage_a, coverage_b, kind if kind in (HEADLINE, TRANSLATED) else "text")


def recluster(run, seeds: set[int], now: str) -> int:
    conn = run.conn
    edges: dict[tuple[int, int], Edge] = {}
    # Translated and headline matches: their own stages find them (this run's translated
    # ones get their kind after the assembly).
    special: set[tuple[int, int]] = set(getattr(run.xlang, "found", ()))
    if run.full:
        for a, b, s, ca, cb, kind in conn.execute("select a_id, b_id, score, coverage_a, coverage_b, kind from matches"):
            edges[(a, b)] = _edge(s, ca, cb, kind)
            if kind is not None:
                special.add((a, b))
        nodes_ids = {x for e in edges for x in e}
    else:
        # Everything connected to a seed through matches or through an old cluster.
        nodes_ids: set[int] = set()
        frontier = set(seeds)
        while frontier:
            nodes_ids |= frontier
            found: set[int] = set()
            batch = sorted(frontier)
            for chunk in chunks(batch, 400):
                marks = ",".join("?" * len(chunk))
                for a, b, s, ca, cb, kind in conn.execute(
                    f"select a_id, b_id, score, coverage_a, coverage_b, kind from matches where a_id in ({marks}) "
                    f"union select a_id, b_id, score, coverage_a, coverage_b, kind from matches where b_id in ({marks})",
                    chunk + chunk,
                ):
                    edges[(a, b)] = _edge(s, ca, cb, kind)
                    found.update((a, b))
                    if kind is not None:
                        special.add((a, b))
                # Through the old story (it holds the old cluster): its versions are re-grouped together.
                for (m,) in conn.execute(
                    f"select m.article_id from cluster_members m join clusters c on c.id = m.cluster_id "
                    f"where c.story_id in (select c2.story_id from cluster_members m2 join clusters c2 "
                    f"on c2.id = m2.cluster_id where m2.article_id in ({marks}))",
                    chunk,
                ):
                    found.add(m)
            frontier = found - nodes_ids
        run.old_story_of, run.old_story_created = old_stories(run, sorted(nodes_ids))
        old_clusters = set()
        for chunk in chunks(sorted(nodes_ids), 500):
            marks = ",".join("?" * len(chunk))
            old_clusters.update(r[0] for r in conn.execute(f"select distinct cluster_id from cluster_members where article_id in ({marks})", chunk))
        for chunk in chunks(sorted(old_clusters), 500):
            marks = ",".join("?" * len(chunk))
            conn.execute(f"delete from cluster_members where cluster_id in ({marks})", chunk)
            conn.execute(f"delete from clusters where id in ({marks})", chunk)
        for chunk in chunks(sorted(run.old_story_created), 500):
            conn.execute(f"delete from stories where id in ({','.join('?' * len(chunk))})", chunk)
    if not edges:
        return 0
    for k in getattr(run.xlang, "found", ()):  # this run's translated matches get their kind after the assembly
        if k in edges:
            edges[k] = replace(edges[k], kind=TRANSLATED)
    info = node_info(run, sorted({x for e in edges for x in e}))
    nodes = {aid: _node(aid, r) for aid, r in info.items()}
    edges = {k: e for k, e in edges.items() if k[0] in nodes and k[1] in nodes}
    texts: dict[int, str] = {}  # article texts the two rules below read, each read once
    edges = drop_different_news(run, edges, texts)
    edges = drop_commentary(run, nodes, edges, texts)
    clusters = assemble(nodes, edges)
    edges = drop_stale_matches(run, clusters, nodes, edges, special)
    clusters += lone_versions(run, clusters, nodes, edges)
    clusters.sort(key=lambda c: c.origin_id)
    story_of = write_stories(run, clusters, nodes, edges, now)
    rows = []
    for i, c in enumerate(clusters):
        origin = info[c.origin_id]
        cid = conn.execute(
            "insert into clusters (origin_id, size, created, updated, story_id) values (?, ?, ?, ?, ?)",
            (c.origin_id, len(c.members), now, now, story_of[i]),
        ).lastrowid
        key = (origin["outlet"], origin["registry_slug"], origin["site_name"], _site(origin["url"]))
        if key not in run.names_cache:  # read-only below, so origins of one outlet share them
            run.names_cache[key] = origin_names(
                outlet=origin["outlet"], name=origin["outlet_name"], owner=origin["owner"],
                site_name=origin["site_name"], url=origin["url"], more_hosts=origin["hosts"],
                aliases=origin["aliases"],
            )
        names, hosts = run.names_cache[key]
        # The origin's own credit or dateline ("BEIJING, May 3 (Xinhua) --"): a copy without one stripped it.
        credits_itself = credits_origin(origin["evidence"], [], names, hosts)
        origin_group = group_slugs(run, origin["registry_slug"])
        for m in c.members:
            if m.relation == "origin":
                credited = status = None
            else:
                mi = info[m.article_id]
                others = mi["credits"] - origin_group
                status = credit_status(mi["evidence"], mi["links"], names, hosts, others=others,
                                       origin_credits_itself=credits_itself)
                credited = int(status == "credited")
            # A headline member shares no text: its score and coverage are unknown, not 0
            # (averages of coverage per outlet leave it out).
            text = m.relation != HEADLINE
            rows.append((cid, m.article_id, m.relation, m.score if text else None,
                         round(m.coverage, 4) if text else None, round(m.member_coverage, 4) if text else None,
                         credited, m.lag_seconds, int(m.same_outlet), status))
    conn.executemany(
        "insert into cluster_members (cluster_id, article_id, relation, score, coverage, member_coverage, credited, "
        "lag_seconds, same_outlet, credit_status) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    return len(clusters)

# A text match carrying this much of either text carries its quotations too: no need to read them.
_WHOLE = 0.9


def _read_texts(run, ids, texts: dict[int, str]) -> dict[int, str]:
    """``texts`` with the text of every article of ``ids`` it lacks read in."""
    for chunk in chunks(sorted(set(ids) - texts.keys()), 500):
        marks = ",".join("?" * len(chunk))
        texts.update((aid, text or "") for aid, text in
                     run.conn.execute(f"select id, text from articles where id in ({marks})", chunk))
    return texts


def drop_different_news(run, edges: dict, texts: dict[int, str]) -> dict:
    """``edges`` without the text matches of two pieces that report different news
    (dedupe.quotations.different_news: each opens with its own text and quotes three
    statements or more, none of the other's), such as a follow-up that recycles an earlier
    piece's background. Their matches stay in ``matches``: the reuse is real, but it makes
    no member and no story."""
    partial = [k for k, e in edges.items() if e.kind == "text" and max(e.coverage_a, e.coverage_b) < _WHOLE]
    if not partial:
        return edges
    pages = {x for k in partial for x in k}
    _read_texts(run, pages, texts)
    quoting = {aid: Quoting(texts[aid]) for aid in pages}
    # The quotations first: passages and openings are read only for the few pairs they set apart.
    quoted_apart = [k for k in partial if quote_apart(quoting[k[0]], quoting[k[1]])]
    apart = {k for k in quoted_apart if different_news(quoting[k[0]], quoting[k[1]], _passages(run, k),
                                                       (_compared_from(run, k[0]), _compared_from(run, k[1])))}
    return {k: e for k, e in edges.items() if k not in apart} if apart else edges


def drop_commentary(run, nodes: dict[int, Node], edges: dict, texts: dict[int, str]) -> dict:
    """``edges`` without the text matches in which the later page is another outlet's
    commentary quoting the earlier one (dedupe.commentary): a page written in the first
    person of which under QUOTED_BELOW is shared. Their matches stay in ``matches``."""
    quoting: dict[tuple[int, int], int] = {}  # edge -> the page that may quote the other
    for (a, b), e in edges.items():
        # The cheap tests first: most matches carry most of both texts.
        if e.kind != "text" or min(e.coverage_a, e.coverage_b) >= QUOTED_BELOW:
            continue
        if _publisher(nodes[a]) == _publisher(nodes[b]):
            continue  # an outlet's own versions of its post: a stub and the full commentary are one story
        later, share = (b, e.coverage_b) if origin_order(nodes[a]) < origin_order(nodes[b]) else (a, e.coverage_a)
        if share < QUOTED_BELOW:
            quoting[(a, b)] = later
    if not quoting:
        return edges
    _read_texts(run, quoting.values(), texts)
    apart = set()
    for (a, b), page in quoting.items():
        # Only the page's own text speaks for its writer: a page carrying part of a speech
        # carries the speaker's "we" in the shared text.
        shared = [(p[0], p[1]) if page == a else (p[2], p[3]) for p in _passages(run, (a, b))]
        if is_commentary(texts[page], shared):
            apart.add((a, b))
    return {k: e for k, e in edges.items() if k not in apart} if apart else edges


def _publisher(node: Node) -> str:
    return node.outlet or (host_of(node.url) if node.url else None) or f"#{node.id}"


def _compared_from(run, aid: int) -> int:
    """Where the lines of an article that are compared begin (after a title line, a photo caption...)."""
    text, title = run.conn.execute("select text, title from articles where id = ?", (aid,)).fetchone()
    spans = scan(text or "", title=title).spans()
    return spans[0][0] if spans else 0


def named_outlets(run) -> OutletNames:
    """Every registry outlet's names and hosts, matched in one pass (built on first use)."""
    if run.outlet_names is None:
        run.outlet_names = OutletNames(run.outlets.names(), run.outlets.hosts())
    return run.outlet_names

def group_slugs(run, slug: str | None) -> set[str]:
    """An outlet and its media group's other outlets: crediting a sibling is crediting the group."""
    if not slug:
        return set()
    if slug not in run.groups:
        outlet = run.outlets.get(slug)
        run.groups[slug] = {o["slug"] for o in run.outlets.group(outlet)} | {slug} if outlet else {slug}
    return run.groups[slug]

def old_stories(run, article_ids: list[int] | None) -> tuple[dict[int, int], dict[int, str]]:
    """Before the clusters of ``article_ids`` (all, when None) are rebuilt: each
    clustered article's story, and each of those stories' creation time."""
    sql = "select m.article_id, c.story_id from cluster_members m join clusters c on c.id = m.cluster_id"
    story_of: dict[int, int] = {}
    if article_ids is None:
        story_of.update(run.conn.execute(sql + " where c.story_id is not null"))
    else:
        for chunk in chunks(article_ids, 500):
            marks = ",".join("?" * len(chunk))
            story_of.update(run.conn.execute(sql + f" where m.article_id in ({marks}) and c.story_id is not null", chunk))
    created: dict[int, str] = {}
    for chunk in chunks(sorted(set(story_of.values())), 500):
        marks = ",".join("?" * len(chunk))
        created.update(run.conn.execute(f"select id, created from stories where id in ({marks})", chunk))
    return story_of, created

def write_stories(run, clusters: list, nodes: dict[int, Node], edges: dict, now: str) -> list[int]:
    """Group ``clusters`` (versions) into stories, write them, and return each cluster's story id.

    A story keeps the id its articles had before (dedupe.stories.stable_ids)."""
    cluster_of = {m.article_id: i for i, c in enumerate(clusters) for m in c.members}
    links = [
        (a, b) for (a, b), e in edges.items()
        if cluster_of.get(a) is not None and cluster_of.get(b) is not None and cluster_of[a] != cluster_of[b]
        and joins_versions(e.coverage_a, e.coverage_b, nodes[a].published, nodes[b].published)
    ]
    links = [pair for pair in links if holds_together(_passages(run, pair))]
    groups = group_versions(cluster_of, links)
    articles = [[m.article_id for i in g for m in clusters[i].members] for g in groups]
    kept = stable_ids(articles, run.old_story_of)
    story_of = [0] * len(clusters)
    for g, members, sid in zip(groups, articles, kept):
        first = min((nodes[clusters[i].origin_id] for i in g), key=origin_order)
        created = run.old_story_created.get(sid, now) if sid is not None else now
        sid = run.conn.execute(
            "insert into stories (id, origin_id, versions, size, outlets, created, updated) values (?, ?, ?, ?, ?, ?, ?)",
            (sid, first.id, len(g), len(members), len({nodes[a].outlet for a in members}), created, now),
        ).lastrowid
        for i in g:
            story_of[i] = sid
    return story_of

def lone_versions(run, clusters: list, nodes: dict[int, Node], edges: dict) -> list[Cluster]:
    """Articles in no cluster whose text match with a clustered article makes them a version
    of its story (dedupe.stories.joins_versions, the shared text holding together), as
    clusters of their origin alone, so that the story counts them.

    Assembly joins an article only to an origin it matches; one that matches only a version
    (a member with text of its own: USA Today's later take, carried whole by IndyStar, which
    matches the earlier takes' carriers, not the first take) and has no copies of its own
    was in no cluster, so in no story."""
    clustered = {m.article_id for c in clusters for m in c.members}
    lone: set[int] = set()
    for (a, b), e in edges.items():
        if e.kind != "text" or (a in clustered) == (b in clustered):
            continue
        x, y = (a, b) if b in clustered else (b, a)
        if (x not in lone and may_cluster(nodes[x], nodes[y], e)
                and joins_versions(e.coverage_a, e.coverage_b, nodes[a].published, nodes[b].published)
                and holds_together(_passages(run, (a, b)))):
            lone.add(x)
    return [Cluster(x, [Member(x, "origin", 100.0, 1.0, 1.0, 0.0, False)]) for x in sorted(lone)]


def _passages(run, pair: tuple[int, int]) -> list[list[int]]:
    row = run.conn.execute("select passages from matches where a_id = ? and b_id = ?", pair).fetchone()
    return json.loads(row[0]) if row and row[0] else []


def outlet_of(run, outlet: str | None, url: str | None) -> dict:
    """The registry's word on an article's outlet, with the names and hosts that credit it.

    Cached per outlet and URL host: parsing every article's URL was a third of the write stage.
    """
    key = (outlet, _site(url))
    cache = run.outlet_cache
    if key not in cache:
        o = run.outlets.resolve(outlet) or run.outlets.resolve(url)
        if o is None:
            cache[key] = {"slug": None, "name": None, "owner": None, "state_media": False,
                          "aliases": (), "hosts": [host_of(url)] if url else []}
        else:
            names, hosts = run.outlets.credit_names(o)
            if o["url"]:
                hosts.add(host_of(o["url"]))
            cache[key] = {"slug": o["slug"], "name": o["name"], "owner": o["owner"],
                          "state_media": o["state_media"], "aliases": tuple(sorted(names)),
                          "hosts": sorted(hosts)}
    return cache[key]


def drop_stale_matches(run, clusters: list, nodes: dict[int, Node], edges: dict, keep: set) -> dict:
    """The matches a full run holds: each article's against the origins and versions
    before it (stage_verify aligns no other pair). An incremental run may hold more:
    a match against an article that a new, earlier one has since made a plain copy.
    Those are deleted, so ``matches`` and the story links do not depend on the order
    articles came in. ``keep``: translated matches, which their own stage finds."""
    from syndtrack.clustering.stage_verify import is_version

    def translated(c, m) -> bool:
        return (min(m.article_id, c.origin_id), max(m.article_id, c.origin_id)) in keep

    # A member joined through a translated match is the first text of its language in the
    # cluster: a later article in that language can match nothing before it, so its match
    # with the member is not stale (and the same-language matches stay those of a run with
    # the cross-language stage off: CulturaX's English of one expulsion notice, once
    # translated-matched, lost its template matches with two other notices' English).
    members = {m.article_id for c in clusters for m in c.members
               if m.relation != "origin" and not translated(c, m)
               and not is_version(m.member_coverage, m.score)}
    rank: dict[int, int] = {}
    for group in components(edges):
        # Assembly's visiting order of the group (an edge never leaves its group).
        rank.update((n, r) for r, n in enumerate(assembly_order(nodes, group)))
    stale = [k for k in edges if k not in keep and (k[0] if rank[k[0]] < rank[k[1]] else k[1]) in members]
    for chunk in chunks(stale, 400):
        run.conn.executemany("delete from matches where a_id = ? and b_id = ?", chunk)
    for k in stale:
        del edges[k]
    return edges


def assembly_order(nodes: dict[int, Node], ids) -> list[int]:
    """``ids`` in the order :func:`dedupe.assemble.assemble` visits a group: by URL first
    (the origin order is not transitive in every corner), then the origin order."""
    return [n.id for n in sorted(sorted((nodes[i] for i in ids), key=lambda n: (n.url, n.id)), key=origin_order)]


def nodes_of(run, ids) -> dict[int, Node]:
    """The :class:`~dedupe.assemble.Node` of each of ``ids`` (what the origin order compares)."""
    return {aid: _node(aid, r) for aid, r in node_info(run, sorted(ids)).items()}


def _node(aid: int, r: dict) -> Node:
    return Node(aid, r["outlet"], r["ts"], r["state_media"], r["url"], r["precise"], r["credits"], r["group"], r["roundup"])


def node_info(run, ids: list[int]) -> dict[int, dict]:
    """What assembly needs of each article: outlet, time, registry entry, credit evidence.

    Kept in ``run.node_cache``: the verify stage orders articles by it, the
    assemble stage reuses it. A dirty article's credit lines come from its scan
    (the index rows are written later, in the write stage)."""
    cache = run.node_cache
    out = {aid: cache[aid] for aid in ids if aid in cache}
    todo = [aid for aid in ids if aid not in cache]
    for chunk in chunks(todo, 500):
        marks = ",".join("?" * len(chunk))
        for aid, outlet, url, published, site_name, credit, attribution, source_url, text, credits, roundup in run.conn.execute(
            "select a.id, a.outlet, a.url, a.published, a.site_name, a.credit, a.attribution, a.source_url, "
            "substr(a.text, 1, 300) || ' ' || substr(a.text, -300), d.credits, d.roundup "
            f"from articles a left join dedupe_articles d on d.article_id = a.id where a.id in ({marks})",
            chunk,
        ):
            o = outlet_of(run, outlet, url)
            # From the body's first and last lines only what sits in parentheses, the
            # way datelines credit ("BEIJING, May 5 (Xinhua) --", "(AP)"): an outlet
            # named "Wired" or "Time" must not be credited by the word in a sentence.
            evidence = [credit or "", *_PARENTHESIS.findall(text or "")]
            if text and is_cjk(text):
                evidence.append(text)  # "新华社北京5月5日电": Chinese datelines use no parentheses
            links = [source_url] if source_url else []
            item = run.dirty.get(aid)
            if item is not None:
                evidence.extend(item.scan.credits or ())
                roundup = item.scan.roundup
            elif credits:
                evidence.extend(json.loads(credits))
            if attribution:
                try:
                    cues = json.loads(attribution)
                except ValueError:
                    cues = []
                for cue in cues if isinstance(cues, list) else []:
                    if isinstance(cue, dict):
                        evidence.append(str(cue.get("text") or ""))
                        if cue.get("href"):
                            links.append(str(cue["href"]))
            evidence_text = "\n".join(evidence)
            group = frozenset(group_slugs(run, o["slug"]))
            out[aid] = {
                "outlet": outlet, "url": url, "ts": timestamp(published), "state_media": o["state_media"],
                "precise": is_precise(published), "group": group, "roundup": bool(roundup),
                # Whom it credits, its own group left out: for the origin order (dedupe.assemble).
                "credits": frozenset(named_outlets(run).named(evidence_text, links) - group),
                "site_name": site_name, "outlet_name": o["name"], "owner": o["owner"],
                "registry_slug": o["slug"], "aliases": o["aliases"],
                "evidence": evidence_text, "links": links, "hosts": o["hosts"],
            }
            cache[aid] = out[aid]
    return out
