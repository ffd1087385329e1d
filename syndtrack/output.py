"""Print rows as a table, JSON or CSV: the ``--format`` every query command takes.

Every query command prints through :func:`echo`, which keeps crawled text from
driving the terminal (see there).
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any, Iterable, Sequence

import sys

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
        help="table for people (shares in %, flags yes/no); json or csv for other tools "
             "(every column, stored values: shares 0-1, flags 0/1).",
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
    table = [[shorten(for_people(c, row.get(c)), widths.get(c, 60)) for c in columns] for row in rows]
    return tabulate(table, headers=columns, tablefmt="simple", disable_numparse=True)


# Crawled titles and texts are whatever a site sent; printed raw, ``\x1b]0;...\x07``
# retitles the window and ``\x1b[2J`` clears the screen (and worse: some terminals
# answer queries into their input). click.unstyle() only knows colour codes, so
# ECMA-48 is spelled out: a string command (OSC, DCS, SOS, PM, APC: 7-bit ESC x or
# 8-bit C1) up to BEL or ST, or to the end of the line when unterminated (a terminal
# would swallow the rest); a CSI with its parameters; any other ESC and its final byte.
_STRING_CMD = r"(?:\x1b[\]P X^_]|[\x9d\x90\x98\x9e\x9f])[^\x07\x9c\n]*?(?:\x07|\x1b\\|\x9c|(?=\n)|$)"
_ESCAPES = re.compile(_STRING_CMD + r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?|\x1b[ -/]*[0-~]?")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0 but \t and \n, DEL, C1
_OSC = re.compile(r"(?:\x1b\]|\x9d)[^\x07\x9c\n]*?(?:\x07|\x1b\\|\x9c|(?=\n)|$)")


def clean(text: str, *, terminal: bool = True) -> str:
    """``text`` without escape sequences and control characters (but \\n and \\t);
    with ``terminal=False`` only without OSC, the window-title sequence."""
    if terminal:
        return _CONTROLS.sub("", _ESCAPES.sub("", text))
    return _OSC.sub("", text)


def echo(text: str, fmt: str = "table") -> None:
    """Print query output. Tables and text are for people: always cleaned. JSON and
    CSV are for tools: cleaned on a terminal; piped they carry the stored text
    (JSON escapes C0 itself; click.echo drops colour codes from a pipe) less the
    OSC sequences, which click keeps and which retitle a window from a file
    later cat'ed or a pipe into less -R."""
    terminal = fmt == "table" or sys.stdout.isatty()
    click.echo(clean(text, terminal=terminal))


# Tables are for people: a share reads as a percentage and a flag as yes/no, the
# same in every command. JSON and CSV keep the stored values (0-1, 0/1) for tools.
SHARE_COLUMNS = frozenset({"coverage", "reverse_coverage", "avg_coverage"})
FLAG_COLUMNS = frozenset({"state_media", "copy_state_media", "credited", "same_outlet"})


def for_people(column: str, value: Any) -> Any:
    """A table cell: shares as percentages, flags as yes/no, anything else as is."""
    if column in FLAG_COLUMNS and "state_media" in column and value is None:
        return "no"  # not in the registry: not known as state media, as --state-media filters it
    if value is None or isinstance(value, str):
        return value
    if column in SHARE_COLUMNS or column.endswith("_share"):
        return pct(value)
    if column in FLAG_COLUMNS:
        return yes_no(value)
    return value


def pct(value) -> str:
    """A 0-1 share as a percentage: 0.5 -> "50%"; None -> "?"."""
    return "?" if value is None else f"{100 * value:.0f}%"


def yes_no(value) -> str:
    """A 0/1 flag as people read it; unknown stays unknown."""
    if value is None:
        return "?"
    return "yes" if value else "no"
