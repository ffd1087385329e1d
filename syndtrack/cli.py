"""The ``syndtrack`` command line: a thin click layer over the Python API.

Each command opens the database with :func:`syndtrack.store.db.open_db`, calls one
function of the API and prints what it returned. Errors are one line on
stderr (a traceback only with ``--debug``).
"""

from __future__ import annotations

import os
import sys

import click

from syndtrack import __version__
from syndtrack import (cli_alerts, cli_cluster, cli_crawl, cli_demo, cli_evidence, cli_network, cli_query, cli_report,
                       cli_run, cli_serve, cli_store, cli_warc)
from syndtrack.cli_common import CLIError
from syndtrack.store.db import default_db_path


class SyndtrackGroup(click.Group):
    """Turns unexpected exceptions into one clear line unless ``--debug``."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt, SystemExit):
            raise
        except BrokenPipeError:
            # `syndtrack outlets | head`: the reader left; stop quietly, as
            # Unix tools do, and keep Python from complaining at exit.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(141)
        except Exception as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            raise CLIError(f"{type(exc).__name__}: {exc} (run with --debug for the traceback)") from exc


@click.group(cls=SyndtrackGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="syndtrack")
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="SQLite database file. Default: $SYNDTRACK_DB or ./syndtrack.db",
)
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, db_path: str | None, debug: bool) -> None:
    """Track how state-media articles are republished.

    Crawl state-media outlets and the sites that republish them, cluster the
    copies with fuzzy matching, and query who carried what, when, how much of
    it, and whether they credited it. Everything lands in one SQLite file.

    Example:

        syndtrack --db news.db import articles.jsonl
    """
    ctx.ensure_object(dict)
    ctx.obj["db_path"] = db_path or default_db_path()
    ctx.obj["debug"] = debug


# Each area's commands are defined in its own module, which does not import this
# one; they are all wired here, in one place.
for command in (
    cli_store.migrate, cli_store.import_, cli_warc.import_warc,
    cli_crawl.crawl, cli_crawl.outlets, cli_cluster.cluster_cmd, cli_run.run_command,
    cli_query.stories, cli_query.story, cli_query.clusters, cli_query.show, cli_query.search, cli_query.trace,
    cli_evidence.article, cli_evidence.evidence,
    cli_report.report, cli_serve.serve, cli_demo.demo_command, cli_alerts.alerts, cli_network.network,
):
    cli.add_command(command)
cli_crawl.outlets.add_command(cli_query.outlets_report, name="report")
cli_crawl.outlets.add_command(cli_warc.outlets_discover, name="discover")
