"""Print rows as a table, JSON or CSV: the ``--format`` every query command takes."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any, Iterable, Sequence

import click
from tabulate import tabulate
from wcwidth import wcswidth, wcwidth

FORMATS = ("table", "json", "csv")


def format_option(f):
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="table for people; json or csv for other tools (json and csv carry every column).",
    )(f)


_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")


def plural(n: int, one: str, many: str) -> str:
    """``"1 copy"``, ``"3 copies"``."""
    return f"{n} {one if n == 1 else many}"


def shorten(value: Any, width: int) -> Any:
    if isinstance(value, str) and _TIMESTAMP.match(value):
        # Minutes are precise enough on screen; json and csv keep the whole value.
        return value[:16].replace("T", " ")
    if isinstance(value, str):
        value = " ".join(value.split())
        columns = wcswidth(value)
        if columns < 0 or columns > width:
            # Count display columns: a CJK character takes two.
            out, used = [], 0
            for ch in value:
                used += max(wcwidth(ch), 0)
                if used > width - 1:
                    break
                out.append(ch)
            return "".join(out) + "…"
    return value


def render(rows: Sequence[dict] | dict, fmt: str, *, columns: Iterable[str] | None = None, widths: dict | None = None) -> str:
    """``columns`` picks and orders the table's columns; JSON and CSV get every column.

    JSON also takes a dict (one object, e.g. a cluster with its copies).
    """
    if fmt == "json":
        return json.dumps(rows if isinstance(rows, dict) else list(rows), ensure_ascii=False, indent=2)
    if fmt == "csv":
        buf = io.StringIO()
        keys = list(rows[0]) if rows else list(columns or [])
        writer = csv.DictWriter(buf, fieldnames=keys, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v for k, v in row.items()})
        return buf.getvalue().rstrip("\n")
    if not rows:
        return "(no rows)"
    columns = list(columns or rows[0])
    widths = widths or {}
    table = [[shorten(row.get(c), widths.get(c, 60)) for c in columns] for row in rows]
    return tabulate(table, headers=columns, tablefmt="simple", disable_numparse=True)
