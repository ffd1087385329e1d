"""A Datasette hook: cluster ids link to the cluster's copies.

In ``cluster_summary`` (its ``id``) and wherever a ``cluster_id`` column shows
(``republications``, ``cluster_members``, the canned queries), the number
opens the ``cluster_copies`` canned query for that cluster: from a story to
its copies in one click. Part of :mod:`syndtrack.datasette_plugin`;
it only acts on databases whose metadata defines ``cluster_copies``.
"""

from __future__ import annotations

from datasette import hookimpl
from markupsafe import Markup, escape


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    if not (column == "cluster_id" or (table == "cluster_summary" and column == "id")):
        return None
    if "cluster_copies" not in (datasette.metadata("queries", database=database) or {}):
        return None
    href = datasette.urls.database(database) + f"/cluster_copies?cluster_id={value}"
    return Markup(f'<a href="{escape(href)}" title="the origin and every copy">{value}</a>')
