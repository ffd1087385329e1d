"""``syndtrack network``: the republisher network for Gephi (GEXF, GraphML) or as JSON."""

from __future__ import annotations

import sys

import click

from syndtrack.cli_common import read_db
from syndtrack.cli_query import _filters, _run, filter_options
from syndtrack.output import plural


@click.command()
@click.option("--format", "fmt", type=click.Choice(["gexf", "graphml", "json"]), default="gexf", show_default=True,
              help="gexf (Gephi, with colours and sizes), graphml (Gephi, yEd, igraph) or json (nodes and edges).")
@click.option("--out", "out", type=click.Path(dir_okay=False, allow_dash=True), default="-", show_default=True,
              help="The file to write; - for stdout.")
@click.option("--min-copies", type=click.IntRange(min=1), default=1, show_default=True,
              help="Leave out the links with fewer copies.")
@filter_options(whose="source outlet")
@click.pass_context
def network(ctx, fmt, out, min_copies, outlet, since, until, state_media):
    """Write the republisher network: who copies whom, ready for Gephi.

    Nodes are outlets (attribute state_media true/false, label, owner,
    country, copies_made, copies_of); each edge runs from a source outlet to
    an outlet that carried its copies, weighted by the copies, with
    stories, uncredited, credited_share (0-1) and median_lag_hours. An
    outlet re-running its own pieces is no edge. The figures are those of
    `syndtrack outlets report`, with the same filters (dates on the copy's
    publication).

    Example:

        syndtrack --db news.db network --out network.gexf --state-media
    """
    from syndtrack.network import build_graph, write_network

    graph = _run(build_graph, read_db(ctx), filters=_filters(outlet, since, until, state_media), min_copies=min_copies)
    if out == "-":
        write_network(graph, sys.stdout.buffer, fmt)
        sys.stdout.buffer.flush()
    else:
        write_network(graph, out, fmt)
    state = sum(1 for _, d in graph.nodes(data=True) if d.get("state_media"))
    copies = sum(d["copies"] for _, _, d in graph.edges(data=True))
    click.echo(f"{'stdout' if out == '-' else out}: {plural(graph.number_of_nodes(), 'outlet', 'outlets')} "
               f"({state} state media), {plural(graph.number_of_edges(), 'link', 'links')}, "
               f"{plural(copies, 'copy', 'copies')}", err=True)
