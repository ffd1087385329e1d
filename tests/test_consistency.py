"""Issue 14 item 6: the CLI as a new user meets it, command by command."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from syndtrack.cli import cli

READ_COMMANDS = [
    ["clusters"],
    ["show", "1"],
    ["search", "japan"],
    ["trace", "some free text to trace"],
    ["outlets", "report"],
    ["report", "--out", "{tmp}/report.html"],
    ["serve", "--port", "0"],
    ["article", "1"],
    ["evidence", "1", "--out", "{tmp}/bundle.warc.gz"],
]


@pytest.mark.parametrize("args", READ_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_read_command_on_a_missing_database_says_so(tmp_path, args):
    path = tmp_path / "typo.db"
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = CliRunner().invoke(cli, ["--db", str(path), *args], input="")
    assert result.exit_code != 0, result.output
    assert f"{path}: no such database" in result.output
    assert "(no rows)" not in result.output
    assert not path.exists()
    assert not list(tmp_path.iterdir())
