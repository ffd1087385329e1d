"""Crawler commands: ``crawl`` and the ``outlets`` group (``list``, the default, and ``check``).

Thin: each calls :mod:`syndtrack.crawl` or :mod:`syndtrack.store.registry` and prints
what came back. Other areas add subcommands to :data:`outlets` (the analyst's
``outlets report``), so the group keeps that name.
"""

from __future__ import annotations

import json
import sys

import click
from click_default_group import DefaultGroup

from syndtrack.cli_common import CLIError

OUTLETS_FILE_HELP = "A registry TOML laid over the default one (its keys win)."


def _registry(outlets_file, no_default):
    from syndtrack.store.registry import RegistryError, load_registry

    try:
        return load_registry(outlets_file, use_default=not no_default)
    except RegistryError as exc:
        raise CLIError("bad outlet registry: " + "; ".join(exc.errors)) from None


def _setting(values):
    out = {}
    for value in values:
        name, sep, raw = value.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {value!r}", param_hint="-s/--set")
        try:
            out[name] = json.loads(raw)
        except ValueError:
            out[name] = raw
    return out


@click.command()
@click.option("--outlets", "outlets_file", type=click.Path(exists=True, dir_okay=False), help=OUTLETS_FILE_HELP)
@click.option("--no-default-outlets", is_flag=True, help="Use only --outlets FILE, not the default registry.")
@click.option("--outlet", "outlet_slugs", multiple=True, metavar="SLUG", help="Crawl only this outlet (repeatable). Default: all.")
@click.option("-s", "--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="A Scrapy or SYNDTRACK_ setting for this crawl, e.g. -s DOWNLOAD_DELAY=2 (repeatable).")
@click.option("--log-file", type=click.Path(dir_okay=False), help="Write Scrapy's log to this file at INFO level.")
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's INFO log on stderr (default: warnings only).")
@click.pass_context
def crawl(ctx, outlets_file, no_default_outlets, outlet_slugs, settings, log_file, verbose):
    """Crawl the outlet registry into the database.

    Reads each outlet's feeds, sitemaps and start pages (or discovers them
    from robots.txt and the home page), fetches the articles it has not
    stored yet, re-checks recent ones with conditional requests, and stores
    the extracted articles with the page as evidence. Obeys robots.txt.
    Each run is a row in crawl_runs; each failed URL is in crawl_errors.
    Exit status is 1 when the crawl failed.

    Example:

        syndtrack --db news.db crawl --outlet cgtn --outlet dainik-savera-times
    """
    from syndtrack.crawl import CrawlError, crawl as run_crawl

    if no_default_outlets and not outlets_file:
        raise CLIError("--no-default-outlets needs --outlets FILE")
    _registry(outlets_file, no_default_outlets)
    try:
        result = run_crawl(
            ctx.obj["db_path"],
            outlets_file=outlets_file,
            outlet_slugs=list(outlet_slugs) or None,
            use_default_outlets=not no_default_outlets,
            settings=_setting(settings),
            verbose=verbose,
            log_file=log_file,
            progress=True,
        )
    except CrawlError as exc:
        raise CLIError(str(exc)) from None
    from syndtrack.crawl import failed_outlets

    for line in failed_outlets(ctx.obj["db_path"], result.run_id):
        click.echo(line, err=True)
    click.echo(result.summary())
    if not result.ok:
        sys.exit(1)


@click.group(cls=DefaultGroup, default="list", default_if_no_args=True)
def outlets():
    """The outlet registry: list it, check a registry file.

    With no subcommand, lists the outlets `syndtrack crawl` visits and counts
    the others (the state media of the State Media Matrix); see `outlets list --help`.

    Example:

        syndtrack outlets list --state-media --country CN
    """


@outlets.command(name="list")
@click.option("--outlets", "outlets_file", type=click.Path(exists=True, dir_okay=False), help=OUTLETS_FILE_HELP)
@click.option("--no-default-outlets", is_flag=True, help="List only --outlets FILE, not the default registry.")
@click.option("--state-media", is_flag=True, help="Only state-media outlets (all of them, crawled or not).")
@click.option("--country", "countries", multiple=True, metavar="CC",
              help="Only outlets of this country (ISO code, e.g. RU); repeat for more.")
@click.option("--all", "show_all", is_flag=True, help="Every outlet, not only those `syndtrack crawl` visits.")
@click.option("--json", "as_json", is_flag=True, help="Print the outlets as JSON.")
def outlets_list(outlets_file, no_default_outlets, state_media, countries, show_all, as_json):
    """List the outlets of the registry.

    One line per outlet: slug, name, state media (with the State Media
    Monitor typology), owner, country, language, and where its links come
    from (feeds, sitemaps, start pages, discovery from the home page, or
    "not crawled" for outlets known only to recognise them).

    By default only the outlets `syndtrack crawl` visits are listed, followed
    by a count of the others; --all, --state-media or --country list those too
    (`syndtrack outlets list --all --json > outlets.json` saves them all).

    Example:

        syndtrack outlets list --state-media --country RU
    """
    if no_default_outlets and not outlets_file:
        raise CLIError("--no-default-outlets needs --outlets FILE")
    registry = _registry(outlets_file, no_default_outlets)
    wanted = {c.upper() for c in countries}
    everything = show_all or state_media or bool(wanted)
    rows = [o for o in registry.values()
            if (o["state_media"] or not state_media) and (not wanted or (o["country"] or "").upper() in wanted)
            and (everything or o["crawl"])]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = [("slug", "name", "state_media", "owner", "cc", "lang", "links from")]
    for o in rows:
        sources = ", ".join(f"{len(o[k])} {k.replace('_', ' ')}" for k in ("feeds", "sitemaps", "start_urls") if o[k])
        if not o["crawl"] or not o["url"]:
            sources = "not crawled: " + (", ".join(o["domains"]) or "no website")
        # yes/no as in every other command; the State Media Matrix typology (SC, CS, ...) beside it
        state = (f"yes ({o['typology']})" if o["typology"] else "yes") if o["state_media"] else "no"
        table.append((o["slug"], o["name"], state, o["owner"] or "-", o["country"] or "-", o["language"] or "-",
                      sources or "discovery: " + o["url"]))
    widths = [max(len(str(r[i])) for r in table) for i in range(len(table[0]) - 1)]
    for row in table:
        click.echo("  ".join(str(v).ljust(w) for v, w in zip(row, widths)) + "  " + row[-1])
    if not everything:
        rest = len(registry) - len(rows)
        if rest:
            click.echo(f"\n{len(rows)} outlets crawled; {rest} more known to recognise them "
                       f"(state media from the State Media Matrix): --all, --state-media or --country CC lists them.")
    else:
        shown = {o["country"] for o in rows if o["country"]}
        click.echo(f"\n{len(rows)} outlets from {len(shown)} countries.")


@outlets.command(name="check")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
def outlets_check(file):
    """Check a registry FILE (default: the registry shipped with syndtrack).

    Reports every unknown key, missing name or url, bad URL and bad regular
    expression, naming the outlet and the key. Exit status 1 if any.

    Example:

        syndtrack outlets check my-outlets.toml
    """
    from syndtrack.store.registry import RegistryError, default_registry_text, load_registry, parse_toml, validate_registry

    try:
        if file is None:  # every key of the shipped file, which loading trusts for speed
            registry = validate_registry(parse_toml(default_registry_text(), "default registry"))
        else:
            registry = load_registry(file, use_default=False)
    except RegistryError as exc:
        for error in exc.errors:
            click.echo(f"{file or 'default registry'}: {error}", err=True)
        raise CLIError(f"{file or 'default registry'}: {len(exc.errors)} problem(s)") from None
    click.echo(f"{file or 'default registry'}: {len(registry)} outlets OK")


@outlets.command(name="load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False), required=False)
@click.pass_context
def outlets_load(ctx, file):
    """Write the outlet registry into the database, without crawling.

    The outlets of FILE (a registry TOML, laid over the default) replace rows
    of the same slug; the default registry's outlets fill in the rest. Views,
    filters such as --state-media and reports then know every outlet, for
    imported articles as for crawled ones. `syndtrack import --outlets FILE`
    does the same before it imports.

    Example:

        syndtrack --db news.db outlets load my-outlets.toml
    """
    from syndtrack.cli_common import get_db
    from syndtrack.store.registry import RegistryError, load_outlets

    db = get_db(ctx)
    try:
        registry, written = load_outlets(db, file)
    except RegistryError as exc:
        raise CLIError("bad outlet registry: " + "; ".join(exc.errors)) from None
    what = f"{written} outlets from {file}, " if file else ""
    click.echo(f"{ctx.obj['db_path']}: {what}{db['outlets'].count} outlets in the database")
