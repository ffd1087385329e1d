"""``syndtrack demo``: see the whole tool work in one command, offline."""

from __future__ import annotations

import os
import shlex
import textwrap
import time

import click

from syndtrack.cli_common import CLIError, is_terminal
from syndtrack.demo import DEFAULT_DEMO_DB, SEED_COPY_PATH, DemoError, demo
from syndtrack.run import log_path
from syndtrack.run_display import RunDisplay


def _lag(seconds) -> str:
    if seconds is None:
        return "lag unknown"
    seconds = float(seconds)
    sign = "-" if seconds < 0 else "+"
    seconds = abs(seconds)
    if seconds >= 86400:
        return f"{sign}{seconds / 86400:.1f} days"
    if seconds >= 3600:
        return f"{sign}{seconds / 3600:.1f} h"
    return f"{sign}{seconds / 60:.0f} min"


def _when(value) -> str:
    if not value:
        return "(date unknown)"
    return str(value)[:16].replace("T", " ") + (" UTC" if "+00:00" in str(value) else "")


def _outlet_label(slug: str, outlets: dict[str, dict]) -> str:
    o = outlets.get(slug) or {}
    name = o.get("name") or slug
    if o.get("state_media"):
        return f"{name} (state media, {o.get('owner') or 'state-owned'})"
    return name


def render_report(result, db_arg: str) -> str:
    """What the newcomer reads: what happened, what was found, what to run next."""
    lines: list[str] = []
    echo = lines.append
    outlets = result.outlets
    by_cluster: dict[int, list[dict]] = {}
    for r in result.republications:
        by_cluster.setdefault(r["cluster_id"], []).append(r)

    def para(text: str) -> None:
        lines.extend(textwrap.wrap(text, width=96))

    echo("")
    para(
        f"Found {len(result.clusters)} clusters among {result.articles} articles. A cluster is one original "
        "article (the origin: the earliest publication) and the copies other outlets published of it. "
        "A copy is `copy` when it carries the whole text, `excerpt` when it carries part of it, `edited` "
        "when it changes some words, `paraphrased` when it rewords most sentences; `credited` means it names the origin's outlet or links back to it."
    )
    # Largest first, as `syndtrack clusters` lists them.
    for c in result.clusters:
        echo("")
        echo(f"Cluster {c['id']}: {c['origin_title']}")
        echo(f"  origin   {_outlet_label(c['origin_outlet'], outlets)}, published {_when(c['origin_published'])}")
        for r in sorted(by_cluster.get(c["id"], []), key=lambda r: (r["copy_published"] or "", r["copy_id"])):
            credited = "credited" if r["credited"] else "NOT credited"
            credit = f": {r['copy_credit']}" if r["credited"] and r.get("copy_credit") else ""
            coverage = f"{(r['coverage'] or 0) * 100:.0f}% of the origin"
            echo(
                f"  {r['relation'] or 'copy':<8} {_outlet_label(r['copy_outlet'], outlets)}, {_lag(r['lag_seconds'])}, "
                f"{coverage}, {credited}{credit}"
            )
    alone = result.articles - len({r["copy_id"] for r in result.republications} | {c["origin_id"] for c in result.clusters})
    if alone:
        names = ", ".join(_outlet_label(slug, outlets).split(" (")[0] for slug in result.unclustered_outlets)
        echo("")
        para(f"The other {alone} articles (from {names}) were carried by nobody else in the demo, so they are in no cluster.")
    echo("")
    echo("What just happened:")
    for line in [
        f"1. {len(result.sites)} small outlet sites bundled with syndtrack (real texts, made-up sites) were "
        "served on 127.0.0.1; no network was used.",
        "2. `syndtrack run` crawled them with the real Scrapy spider (RSS feeds, sitemaps, robots.txt), "
        "extracted title, date, body and credit lines, and stored every article and its page in SQLite.",
        "3. It clustered the articles with fuzzy matching (rapidfuzz), picked each cluster's origin and "
        "measured how much each copy reused, how fast it followed and whether it gave credit.",
    ]:
        echo(textwrap.fill(line, width=96, subsequent_indent="   "))
    echo("")
    echo(f"Database: {os.path.abspath(result.db_path)}")
    if result.report_path:
        echo(f"Report:   {os.path.abspath(result.report_path)}  (open it in a browser; it works offline)")
    else:
        echo(f"Report:   not written ({result.report_error}); make one with: syndtrack --db {db_arg} report --out report.html")
    echo(f"Run log:  {os.path.abspath(log_path(result.db_path))}")
    echo(f"Took {result.seconds:.1f}s. {result.run.summary()}")
    echo("")
    echo("Next, look at it yourself:")
    prefix = f"syndtrack --db {db_arg}"
    first = result.clusters[0]["id"] if result.clusters else 1
    suggestions = [
        (("clusters",), f"{prefix} clusters", "the clusters, largest first"),
        (("show",), f"{prefix} show {first}", "the largest cluster: origin, copies, what each copied, added, cut"),
        (("outlets", "report"), f"{prefix} outlets report", "who republishes which state media, how fast, how often uncredited"),
        (("serve",), f"{prefix} serve", "browse and query everything in Datasette"),
        (("run",), "syndtrack run --outlets my-outlets.toml", "crawl your own outlets (docs/operations.md)"),
    ]
    width = max(len(cmd) for _, cmd, _ in suggestions)
    for path, cmd, what in suggestions:
        if _registered(path):
            echo(f"  {cmd:<{width}}  {what}")
    return "\n".join(lines)


def _registered(path: tuple[str, ...]) -> bool:
    # The root of whatever CLI runs the demo: this module does not know syndtrack.cli.
    group = click.get_current_context().find_root().command
    for name in path:
        if not isinstance(group, click.Group) or name not in group.commands:
            return False
        group = group.commands[name]
    return True


@click.command(name="demo")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), default=None, help="Where to write the HTML report. Default: <db name>-report.html next to the database.")
@click.option("--keep-serving", is_flag=True, help="Keep the demo sites up after the demo, to look at the pages the spider read, until Ctrl-C.")
@click.pass_context
def demo_command(ctx, report_path, keep_serving):
    """Show syndtrack working end to end on bundled sites, offline, in under a minute.

    Serves a few small outlet sites that ship with syndtrack on 127.0.0.1 (a
    China Media Group outlet, the Dainik Savera Times autoblog that carried
    its commentary with a "Courtesy-China Media Group" credit, a digest that
    excerpts, a site that rewrites without credit, unrelated news), crawls
    them with the real spider, clusters the copies and prints what it found,
    where the database and report are, and what to run next.

    The database defaults to demo.db (not syndtrack.db, so the demo never
    mixes with your own crawls); --db picks another. It is rebuilt on every
    run, and the demo refuses to touch a database holding non-demo data.

    Example:

        syndtrack demo
    """
    explicit = ctx.parent.params.get("db_path") or os.environ.get("SYNDTRACK_DB")
    db_path = ctx.obj["db_path"] if explicit else DEFAULT_DEMO_DB
    db_arg = shlex.quote(db_path)

    def on_sites(sites, outlets):
        click.echo(f"syndtrack demo: crawl and cluster a few outlet sites bundled with syndtrack, offline, into {db_path}")
        click.echo("")
        click.echo(f"Serving {len(sites)} demo outlet sites on 127.0.0.1 (real article texts, made-up sites):")
        for slug, base in sites.items():
            click.echo(f"  {slug:<16} {base}/  {_outlet_label(slug, outlets)}")
        click.echo("Crawling them with the real spider, then clustering ...")

    display = RunDisplay(db_path, progress=is_terminal(), plain=False)

    def while_serving(result):
        display.close()
        click.echo(render_report(result, db_arg))
        if keep_serving:
            seed = result.sites["dainik-savera"] + SEED_COPY_PATH
            try:  # entered before saying so: a Ctrl-C right after the line is still a clean stop
                click.echo("")
                click.echo(f"The demo sites stay up until Ctrl-C. The seed copy as the spider read it: {seed}")
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                click.echo("stopped serving the demo sites")

    try:
        result = demo(db_path, report_path=report_path, on_sites=on_sites, log=display.log,
                      cluster_progress=display.cluster_progress, while_serving=while_serving)
    except DemoError as exc:
        raise CLIError(f"demo failed: {exc}") from None
    finally:
        display.close()
    if not result.seed_found:
        raise CLIError(
            "the demo's known case did not come out: Dainik Savera Times' credited copy of the CMG "
            "commentary should be clustered under the CMG original; this install's crawl or clustering is broken"
        )
