import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from syndtrack.cli import cli


def all_commands(group=cli, prefix=()):
    for name, cmd in group.commands.items():
        yield prefix + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from all_commands(cmd, prefix + (name,))


@pytest.mark.parametrize("path", [p for p, _ in all_commands()] + [()], ids=lambda p: " ".join(p) or "syndtrack")
def test_every_command_has_help_ending_with_an_example(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    tail = result.output.strip().splitlines()
    # click puts the options after the docstring, so look at the docstring's end.
    text = result.output.split("Options:")[0].strip()
    assert "Example" in text.splitlines()[-3] or "Example" in text.splitlines()[-2], text
    assert text.splitlines()[-1].strip().startswith("syndtrack"), text
    assert tail


def test_python_dash_m_works():
    out = subprocess.run([sys.executable, "-m", "syndtrack", "--version"], capture_output=True, text=True, check=True)
    assert "syndtrack" in out.stdout


def test_db_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNDTRACK_DB", str(tmp_path / "env.db"))
    result = CliRunner().invoke(cli, ["migrate"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "env.db").exists()


def test_closed_pipe_is_quiet():
    """`syndtrack outlets | head -1` must not print an error."""
    proc = subprocess.run(
        f"{sys.executable} -m syndtrack outlets | head -1", shell=True, capture_output=True, text=True, check=True
    )
    assert proc.stdout.startswith("slug")
    assert "Error" not in proc.stderr and "Broken pipe" not in proc.stderr


def test_command_modules_do_not_import_the_cli():
    """The group imports its commands; a command module importing it back made the
    CLI's contents depend on import order (issue 14)."""
    code = (
        "import importlib, pkgutil, sys, syndtrack\n"
        "mods = [m.name for m in pkgutil.iter_modules(syndtrack.__path__) if m.name.startswith('cli_')]\n"
        "assert len(mods) >= 8, mods\n"
        "for m in mods: importlib.import_module('syndtrack.' + m)\n"
        "print('syndtrack.cli' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
