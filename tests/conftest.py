"""Shared fixtures: databases and a local server for the fixture sites.

``sites`` starts ``python -m syndtrack.siteserver tests/sites`` in a subprocess
(Scrapy's mockserver pattern): every folder under ``tests/sites/`` is a site on
its own 127.0.0.1 port. Nothing in the tests touches the network.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from syndtrack.store.db import open_db

TESTS = Path(__file__).parent
SITES = TESTS / "sites"


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "test.db"


@pytest.fixture
def fresh_db(db_path):
    db = open_db(db_path)
    yield db
    db.close()


class Sites:
    """Base URLs of the running fixture sites, and their request logs."""

    def __init__(self, bases: dict[str, str]):
        self.bases = bases

    def url(self, site: str, path: str = "/") -> str:
        return self.bases[site] + "/" + path.lstrip("/")

    def log(self, site: str) -> list[dict]:
        with urllib.request.urlopen(self.url(site, "/_log"), timeout=10) as resp:
            return [json.loads(line) for line in resp.read().decode().splitlines() if line]

    def waiting(self, site: str) -> list[str]:
        """Paths of the site's ``/_slow`` requests still waiting to be answered."""
        with urllib.request.urlopen(self.url(site, "/_waiting"), timeout=10) as resp:
            return resp.read().decode().splitlines()


def start_site_server(root: Path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "syndtrack.siteserver", str(root)],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        raise RuntimeError("site server did not start")
    return proc, Sites(json.loads(line))


@pytest.fixture
def sites():
    """A fresh server per test, so each test's request log starts empty."""
    proc, served = start_site_server(SITES)
    try:
        yield served
    finally:
        proc.terminate()
        proc.wait(timeout=10)
