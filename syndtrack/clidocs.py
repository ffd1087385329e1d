"""Generate docs/cli.md from the commands' ``--help``, so the docs cannot drift.

``python -m syndtrack.clidocs > docs/cli.md`` rewrites it; tests/test_clidocs.py
fails when the checked-in file differs from what this prints.
"""

from __future__ import annotations

import click
from click.testing import CliRunner

from syndtrack.cli import cli

HEADER = """# syndtrack command reference

Generated from `--help` by `python -m syndtrack.clidocs > docs/cli.md`; a test checks that
this file matches the code.
"""


def iter_commands(group: click.Group = cli, path: tuple[str, ...] = ()):
    yield path, group
    for name in sorted(group.commands):
        cmd = group.commands[name]
        if isinstance(cmd, click.Group):
            yield from iter_commands(cmd, path + (name,))
        else:
            yield path + (name,), cmd


def render() -> str:
    runner = CliRunner()
    parts = [HEADER]
    for path, _ in iter_commands():
        result = runner.invoke(cli, [*path, "--help"], prog_name="syndtrack", terminal_width=100)
        title = " ".join(("syndtrack",) + path)
        parts.append(f"\n## {title}\n\n```\n{result.output.rstrip()}\n```\n")
    return "".join(parts)


if __name__ == "__main__":
    print(render(), end="")
