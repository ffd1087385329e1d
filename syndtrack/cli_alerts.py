"""``syndtrack alerts``: what is new since a moment, sent to the configured outputs once."""

from __future__ import annotations

import json
from pathlib import Path

import click

from syndtrack.cli_common import CLIError, get_db
from syndtrack.output import echo

# Exit status when an output could not be reached (the alerts stay pending for it).
EXIT_ALERTS_FAILED = 5


def config_option(f):
    return click.option(
        "--config", "config_path", type=click.Path(dir_okay=False), envvar="SYNDTRACK_CONFIG", show_envvar=True,
        help="TOML file with an [alerts] table (watched sources, thresholds, outputs); see docs/operations.md.")(f)


def load_alerts_config(config_path: str | None, *, required: bool):
    from syndtrack.alerts import AlertsConfigError, load_config

    if not config_path:
        if required:
            raise CLIError("no alerts configuration: give --config FILE or set $SYNDTRACK_CONFIG "
                           "(a TOML file with an [alerts] table; see docs/operations.md)")
        return None
    if not Path(config_path).is_file():
        raise CLIError(f"config file not found: {config_path}")
    try:
        config = load_config(config_path)
    except AlertsConfigError as exc:
        raise CLIError(str(exc)) from None
    if config is None and required:
        raise CLIError(f"{config_path}: no [alerts] table")
    return config


@click.command()
@config_option
@click.option("--since", default=None, metavar="WHEN",
              help="Look at what was stored since then: ISO 8601 date or time, or an age (36h, 2d, 1w). "
                   "Default: the config's lookback (2d).")
@click.option("--dry-run", is_flag=True, help="Print the new alerts; record and send nothing.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: one object with the new alerts and each output's result.")
@click.pass_context
def alerts(ctx, config_path, since, dry_run, fmt):
    """Report what is new: copies of watched sources, new republishers, uncredited
    state media, stories passing N outlets.

    Looks at articles stored since --since, prints the alerts it has not
    found before, and delivers them to the outputs configured in the
    [alerts] table: an Atom feed file, a JSON webhook (retried with
    backoff) and email through SMTP. Each alert goes to each output once;
    an output that is down gets what it missed on the next call. `syndtrack
    run --config FILE` does this after every run.

    Exit status: 0 ok; 1 bad configuration; 5 an output failed (its alerts
    stay pending).

    Example:

        syndtrack --db news.db alerts --config syndtrack.toml --since 2d
    """
    from syndtrack.alerts import AlertsConfigError, check, describe, since_from
    from syndtrack.serve import database_name

    config = load_alerts_config(config_path, required=True)
    try:
        since_value = since_from(since) if since else None
    except AlertsConfigError as exc:
        raise CLIError(f"--since: {exc}") from None
    db = get_db(ctx)
    result = check(db, config, since=since_value, dry_run=dry_run, database_name=database_name(ctx.obj["db_path"]))
    if fmt == "json":
        echo(json.dumps({**result.as_dict(), "alerts": [a.as_json() for a in result.new]},
                        ensure_ascii=False, indent=2, default=str), "json")
    else:
        for alert in result.new:
            echo(describe(alert))
        prefix = "dry run: " if dry_run else ""
        click.echo(f"{prefix}{result.summary()} (since {result.since})", err=True)
    if result.failed:
        ctx.exit(EXIT_ALERTS_FAILED)
