"""contrib/: the cron line and the systemd units call `syndtrack run` with options it accepts."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from syndtrack.cli import cli

CONTRIB = Path(__file__).resolve().parent.parent / "contrib"


def syndtrack_args(command: str) -> list[str]:
    words = shlex.split(command)
    start = next(i for i, w in enumerate(words) if w.endswith("bin/syndtrack"))
    args = []
    for w in words[start + 1:]:
        if w in (">>", ">", "&&", "||", "|", "2>&1"):
            break
        args.append(w)
    return args


def assert_run_accepts(args: list[str], tmp_path: Path) -> None:
    assert args[0] == "run", args
    # The example paths do not exist here: swap them for a real file, then let
    # click parse the line exactly as the scheduler would pass it.
    outlets = tmp_path / "outlets.toml"
    outlets.write_text("")
    args = [str(outlets) if a.startswith("/etc/syndtrack/") else a for a in args]
    ctx = cli.make_context("syndtrack", list(args), resilient_parsing=False)
    sub = cli.get_command(ctx, args[0])
    sub.make_context("run", args[1:], parent=ctx)


def test_systemd_service_runs_syndtrack_run_and_tolerates_locked(tmp_path):
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(CONTRIB / "systemd" / "syndtrack.service")
    assert unit["Service"]["Type"] == "oneshot"
    assert unit["Service"]["SuccessExitStatus"] == "75"
    assert_run_accepts(syndtrack_args(unit["Service"]["ExecStart"]), tmp_path)


def test_cron_line_runs_syndtrack_run(tmp_path):
    lines = [l for l in (CONTRIB / "cron" / "syndtrack.cron").read_text().splitlines() if l and not l.startswith("#")]
    job = [l for l in lines if "=" not in l.split()[0]]
    assert len(job) == 1
    fields = job[0].split(None, 6)  # m h dom mon dow user command
    assert len(fields) == 7 and fields[5] == "syndtrack"
    assert_run_accepts(syndtrack_args(fields[6]), tmp_path)


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_units_verify(tmp_path):
    # Point ExecStart at an executable that exists here; the rest is verified as shipped.
    exe = shutil.which("syndtrack") or shutil.which("true")
    for name in ("syndtrack.service", "syndtrack.timer"):
        text = (CONTRIB / "systemd" / name).read_text()
        text = text.replace("/opt/syndtrack/venv/bin/syndtrack", exe)
        (tmp_path / name).write_text(text)
    out = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(tmp_path / "syndtrack.service"), str(tmp_path / "syndtrack.timer")],
        capture_output=True, text=True,
    )
    problems = [l for l in out.stderr.splitlines() if "syndtrack" in l and "User" not in l]
    assert not problems, out.stderr
