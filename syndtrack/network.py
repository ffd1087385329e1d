"""The republisher network: outlets as nodes, republication as weighted edges.

An edge runs from the source outlet to the outlet that carried its copies (the
way the text travelled), weighted by the copies, with the credited share and
the median lag. It is :func:`syndtrack.queries.outlet_report` as a graph, so
the same filters apply and the figures agree with ``syndtrack outlets report``.
:func:`write_network` writes it for Gephi (GEXF, GraphML) or as JSON;
:func:`network_svg` draws it as an inline SVG for the HTML report.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import IO

import networkx as nx
from sqlite_utils import Database

from syndtrack.queries import Filters, outlet_report

FORMATS = ("gexf", "graphml", "json")

# Colours in the GEXF (Gephi shows them as is) and in the SVG.
STATE_MEDIA_RGB = (192, 57, 43)
OTHER_RGB = (52, 101, 164)


def build_graph(db: Database, *, filters: Filters | None = None, min_copies: int = 1) -> nx.DiGraph:
    """Outlets (state media flagged) and source -> republisher edges weighted by copies.

    Node attributes: ``label``, ``state_media`` (bool; False also when the outlet is not in
    the registry, see ``registered``), ``registered``, ``owner``, ``country``,
    ``copies_made`` (copies it carried), ``copies_of`` (copies of its pieces carried by others).
    Edge attributes: ``weight`` (copies), ``copies``, ``stories``, ``uncredited``,
    ``credited_share`` (0-1), ``median_lag_hours`` (absent when no copy has a known lag),
    ``avg_coverage``, ``first_published``, ``last_published``. An outlet re-running its own
    pieces is not an edge. Attributes with no value are left out: GEXF and GraphML have no null.
    """
    graph = nx.DiGraph(name="syndtrack republisher network")
    rows = [r for r in outlet_report(db, limit=None, filters=filters) if (r["republications"] or 0) >= min_copies]
    names = sorted({r["outlet"] for r in rows} | {r["source"] for r in rows} - {None})
    lookup = _lookup(db, names)
    for name in names:
        info = lookup.get(name, {})
        attrs = {"label": info.get("outlet_name") or name, "state_media": bool(info.get("state_media")),
                 "registered": bool(info), "owner": info.get("owner"), "country": info.get("country"),
                 "copies_made": 0, "copies_of": 0}
        graph.add_node(name, **{k: v for k, v in attrs.items() if v is not None})
    for r in rows:
        if r["outlet"] is None or r["source"] is None:
            continue
        copies = int(r["republications"])
        uncredited = int(r["uncredited"] or 0)
        attrs = {
            "weight": copies, "copies": copies, "stories": r["stories"], "uncredited": uncredited,
            "credited_share": round(1 - uncredited / copies, 3) if copies else None,
            "median_lag_hours": r["median_lag_hours"], "avg_coverage": r["avg_coverage"],
            "first_published": r["first_published"], "last_published": r["last_published"],
        }
        graph.add_edge(r["source"], r["outlet"], **{k: v for k, v in attrs.items() if v is not None})
        graph.nodes[r["outlet"]]["copies_made"] += copies
        graph.nodes[r["source"]]["copies_of"] += copies
    return graph


def _lookup(db: Database, names: list[str]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for start in range(0, len(names), 500):
        chunk = names[start:start + 500]
        sql = ("select name, outlet_name, state_media, owner, country from outlet_lookup "
               f"where name in ({','.join('?' * len(chunk))})")
        out.update({r["name"]: r for r in db.query(sql, chunk)})
    return out


def _for_gephi(graph: nx.DiGraph) -> nx.DiGraph:
    """A copy with Gephi's viz attributes: state media red, sizes by copies."""
    g = graph.copy()
    for name, data in g.nodes(data=True):
        r, gr, b = STATE_MEDIA_RGB if data.get("state_media") else OTHER_RGB
        data["viz"] = {"color": {"r": r, "g": gr, "b": b, "a": 1.0},
                       "size": round(4 + 3 * math.sqrt(data.get("copies_made", 0) + data.get("copies_of", 0)), 2)}
    return g


def to_json(graph: nx.DiGraph) -> dict:
    return {
        "directed": True,
        "nodes": [{"id": n, **d} for n, d in graph.nodes(data=True)],
        "edges": [{"source": u, "target": v, **d} for u, v, d in graph.edges(data=True)],
    }


def write_network(graph: nx.DiGraph, out: str | Path | IO[bytes], fmt: str) -> None:
    """Write ``graph`` as GEXF 1.2 (with colours and sizes for Gephi), GraphML or JSON."""
    if fmt == "gexf":
        nx.write_gexf(_for_gephi(graph), out, version="1.2draft")
    elif fmt == "graphml":
        nx.write_graphml(graph, out)
    elif fmt == "json":
        data = (json.dumps(to_json(graph), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        if isinstance(out, (str, Path)):
            Path(out).write_bytes(data)
        else:
            out.write(data)
    else:
        raise ValueError(f"unknown format {fmt!r}: use {', '.join(FORMATS)}")


def network_svg(db: Database, *, filters: Filters | None = None, top_edges: int = 60, width: int = 960,
                height: int = 640) -> str:
    """The network as an inline SVG fragment (no script, no external reference), for the report.

    The ``top_edges`` heaviest edges and their outlets are drawn, laid out by a seeded spring
    layout (the same picture for the same data). State media are red, other outlets blue; an
    edge's width grows with its copies and its colour goes from grey (all credited) to red
    (none credited); hovering shows the figures. Every text is escaped.
    """
    graph = build_graph(db, filters=filters)
    if not graph.number_of_edges():
        return '<p class="network-empty">No republications between outlets to draw.</p>'
    edges = sorted(graph.edges(data=True), key=lambda e: (-e[2]["copies"], e[0], e[1]))[:top_edges]
    sub = nx.DiGraph()
    sub.add_nodes_from((n, graph.nodes[n]) for u, v, _ in edges for n in (u, v))
    sub.add_edges_from(edges)
    undirected = nx.Graph()
    undirected.add_nodes_from(sorted(sub.nodes))
    for u, v, d in edges:
        w = math.log1p(d["copies"]) + (undirected[u][v]["weight"] if undirected.has_edge(u, v) else 0)
        undirected.add_edge(u, v, weight=w)
    pos = nx.spring_layout(undirected, seed=7, weight="weight", k=1.6 / math.sqrt(max(1, len(undirected))))
    margin, label_room = 40, 150
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    span_x, span_y = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0

    def xy(name):
        x, y = pos[name]
        return (margin + (x - min(xs)) / span_x * (width - 2 * margin - label_room),
                margin + 20 + (y - min(ys)) / span_y * (height - 2 * margin - 40))

    def radius(name):
        d = sub.nodes[name]
        return 5 + 2.2 * math.sqrt(d.get("copies_made", 0) + d.get("copies_of", 0))

    esc = lambda s: html.escape(str(s), quote=True)  # noqa: E731
    max_copies = max(d["copies"] for _, _, d in edges)
    parts = [
        f'<svg class="syndtrack-network" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="network-title" '
        'font-family="sans-serif" font-size="12">',
        f'<title id="network-title">Republisher network: {len(sub)} outlets, {len(edges)} republication links '
        f'(of {graph.number_of_edges()})</title>',
        '<defs><marker id="network-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>',
        '<g class="edges" fill="none">',
    ]
    for u, v, d in edges:
        (x1, y1), (x2, y2) = xy(u), xy(v)
        length = math.hypot(x2 - x1, y2 - y1) or 1.0
        # Stop the line at the target's rim so the arrow head shows; bend it so u->v and v->u do not overlap.
        ex, ey = x2 - (x2 - x1) / length * (radius(v) + 2), y2 - (y2 - y1) / length * (radius(v) + 2)
        mx, my = (x1 + ex) / 2 - (ey - y1) * 0.12, (y1 + ey) / 2 + (ex - x1) * 0.12
        share = d.get("credited_share", 0.0)
        red = int(127 + (STATE_MEDIA_RGB[0] - 127) * (1 - share))
        green = int(140 + (STATE_MEDIA_RGB[1] - 140) * (1 - share))
        blue = int(141 + (STATE_MEDIA_RGB[2] - 141) * (1 - share))
        stroke = 1 + 5 * math.sqrt(d["copies"] / max_copies)
        lag = f", median lag {d['median_lag_hours']:g} h" if "median_lag_hours" in d else ""
        tip = (f"{sub.nodes[u]['label']} \u2192 {sub.nodes[v]['label']}: {d['copies']} "
               f"{'copy' if d['copies'] == 1 else 'copies'}, {round(100 * share)}% credited{lag}")
        parts.append(
            f'<path class="edge" data-source="{esc(u)}" data-target="{esc(v)}" data-copies="{d["copies"]}" '
            f'd="M {x1:.1f} {y1:.1f} Q {mx:.1f} {my:.1f} {ex:.1f} {ey:.1f}" stroke="rgb({red},{green},{blue})" '
            f'stroke-width="{stroke:.1f}" stroke-opacity="0.8" marker-end="url(#network-arrow)">'
            f'<title>{esc(tip)}</title></path>')
    parts.append('</g><g class="nodes">')
    for name in sorted(sub.nodes):
        d = sub.nodes[name]
        x, y = xy(name)
        rgb = STATE_MEDIA_RGB if d.get("state_media") else OTHER_RGB
        kind = "state-media" if d.get("state_media") else "outlet"
        tip = (f"{d['label']} ({name}){' - state media' if d.get('state_media') else ''}: "
               f"carried {d.get('copies_made', 0)}, copied by others {d.get('copies_of', 0)}")
        parts.append(
            f'<g class="node {kind}" data-outlet="{esc(name)}"><circle cx="{x:.1f}" cy="{y:.1f}" r="{radius(name):.1f}" '
            f'fill="rgb{rgb}" stroke="#fff" stroke-width="1.5"><title>{esc(tip)}</title></circle>'
            f'<text x="{x + radius(name) + 3:.1f}" y="{y + 4:.1f}" fill="#222">{esc(_short(d["label"]))}</text></g>')
    parts.append("</g>")
    parts.append(
        f'<g class="legend" transform="translate({margin},{height - 14})" fill="#333">'
        f'<circle cx="0" cy="-4" r="5" fill="rgb{STATE_MEDIA_RGB}"/><text x="9" y="0">state media</text>'
        f'<circle cx="100" cy="-4" r="5" fill="rgb{OTHER_RGB}"/><text x="109" y="0">other outlet</text>'
        '<text x="210" y="0">arrow: source \u2192 republisher; width: copies; red: uncredited, grey: credited</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def _short(label: str, width: int = 28) -> str:
    return label if len(label) <= width else label[: width - 1] + "\u2026"
