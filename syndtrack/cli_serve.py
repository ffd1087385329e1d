"""``syndtrack serve``: browse the database in Datasette."""

from __future__ import annotations

import click

from syndtrack.cli_common import CLIError, existing_db_path
from syndtrack.serve import DEFAULT_HOST, DEFAULT_PORT, ServeError


@click.command()
@click.option("--host", default=DEFAULT_HOST, show_default=True,
              help="Interface to listen on. 0.0.0.0 exposes the database to your network.")
@click.option("-p", "--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True)
@click.option("--immutable", is_flag=True,
              help="Serve a snapshot that will not change (faster); default reads live with mode=ro.")
@click.pass_context
def serve(ctx, host, port, immutable):
    """Browse and query the database in Datasette, read-only.

    Opens the analysts' views (cluster_summary, republications,
    outlet_report) with column docs and facets (outlet, state_media,
    credited), canned queries for the usual questions, and full-text search.
    Nothing served can change the database: Datasette reads it through a
    read-only connection (or immutable with --immutable).

    Example:

        syndtrack --db news.db serve --port 8001
    """
    from syndtrack.serve import serve as run

    def ready(url):
        click.echo(f"Serving {ctx.obj['db_path']} read-only at {url} (Ctrl-C to stop)", err=True)

    try:
        run(existing_db_path(ctx), host=host, port=port, immutable=immutable, on_ready=ready)
    except ServeError as exc:
        raise CLIError(str(exc)) from None
