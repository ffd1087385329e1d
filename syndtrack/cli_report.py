"""``syndtrack report``: the HTML report with charts, for reading offline and for slides."""

from __future__ import annotations

import click

from syndtrack.cli_common import read_db
from syndtrack.cli_query import _filters, _run, filter_options


@click.command()
@click.option("--out", "out", type=click.Path(dir_okay=False), default="report.html", show_default=True,
              help="The HTML file to write (replaced if it exists).")
@click.option("--png-dir", type=click.Path(file_okay=False), default=None,
              help="Also write each chart as a PNG here, for slides.")
@click.option("--top", type=click.IntRange(min=1), default=15, show_default=True,
              help="Rows in each table and bars in each ranking.")
@filter_options
@click.pass_context
def report(ctx, out, png_dir, top, outlet, since, until, state_media):
    """Write a self-contained HTML report: charts and evidence tables.

    Charts: republications over time by state-media source, top
    republishing outlets, how fast copies appear, credited vs uncredited.
    Tables: the largest clusters, outlets and their sources, the latest
    uncredited copies, state-media stories the source has since deleted
    (their copies still stored), each linking to the article pages. One
    file, no network needed to open it (charts are inline SVG). Dates
    filter on the copy's publication date (for the clusters and deleted
    tables, on the origin's).

    Example:

        syndtrack report --out report.html --png-dir slides/ --since 2024-01-01
    """
    from syndtrack.report import build_report

    result = _run(build_report, read_db(ctx), out, png_dir=png_dir, top=top,
                  filters=_filters(outlet, since, until, state_media))
    click.echo(f"{result.out}: {len(result.charts)} charts, {result.republications} copies "
               f"in {result.clusters} clusters")
    for png in result.pngs:
        click.echo(f"  {png}")
