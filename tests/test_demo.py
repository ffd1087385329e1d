"""`syndtrack demo` end to end: real site server, real spider, real clustering, real report."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from syndtrack.cli import cli
from syndtrack.store.db import open_db
from syndtrack.run import read_log

SEED_ORIGIN = "/news/2024-04-15/japan-dangerous-actions.html"
SEED_COPY = "/what-is-the-purpose-of-japans-series-of-dangerous-actions/"


def member(conn, url_suffix):
    return conn.execute(
        """select cm.cluster_id, cm.relation, cm.credited, cm.coverage, o.url as origin_url, a.outlet
           from articles a join cluster_members cm on cm.article_id = a.id
           join clusters c on c.id = cm.cluster_id join articles o on o.id = c.origin_id
           where a.url like ?""",
        ["%" + url_suffix],
    ).fetchone()


@pytest.mark.slow
def test_demo_end_to_end_in_a_fresh_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SYNDTRACK_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    out = result.output

    # The newcomer's default database is demo.db, never their syndtrack.db.
    assert Path("demo.db").exists() and not Path("syndtrack.db").exists()
    conn = sqlite3.connect("demo.db")
    conn.row_factory = sqlite3.Row
    assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert conn.execute("select count(*) from articles").fetchone()[0] == 15

    # The seed case: Dainik Savera Times' wrapped copy clustered under the CMG original, credited.
    copy = member(conn, SEED_COPY)
    assert copy["outlet"] == "dainik-savera"
    assert copy["origin_url"].endswith(SEED_ORIGIN)
    assert copy["relation"] == "copy" and copy["credited"] == 1 and copy["coverage"] > 0.95
    origin = member(conn, SEED_ORIGIN)
    assert origin["relation"] == "origin" and origin["cluster_id"] == copy["cluster_id"]
    # The uncredited rewrite sits in the same cluster, not credited.
    rewrite = member(conn, "/world/asia/japan-military-path-alarms-region/")
    assert rewrite["cluster_id"] == copy["cluster_id"] and rewrite["credited"] == 0
    # Non-matches: the unrelated site and the autoblog's Reuters posts are in no cluster.
    assert conn.execute(
        """select count(*) from articles where (outlet = 'metro-herald' or url like '%louis-vuitton%')
           and id in (select article_id from cluster_members)"""
    ).fetchone()[0] == 0

    # What the newcomer reads.
    seed_cluster = copy["cluster_id"]
    assert f"Cluster {seed_cluster}: What is the purpose of Japan’s series of dangerous actions?" in out
    assert "Dainik Savera Times, +1.2 days, " in out  # 2024-04-15 00:30 UTC -> 2024-04-16 04:35 UTC
    assert "credited: (Courtesy-China Media Group, Beijing)" in out
    assert "Pacific Monitor" in out and "NOT credited" in out
    assert f"Database: {tmp_path / 'demo.db'}" in out
    assert f"Report:   {tmp_path / 'demo-report.html'}" in out
    assert "syndtrack --db demo.db clusters" in out
    assert f"syndtrack --db demo.db show {seed_cluster}" in out  # the largest cluster: the seed's
    assert "syndtrack --db demo.db serve" in out
    report = Path("demo-report.html").read_text(encoding="utf-8")
    assert "dainik-savera" in report or "Dainik Savera" in report

    # It went through the scheduled-run path: run log and crawl_runs row.
    (finish,) = [e for e in read_log("demo.db") if e["event"] == "finish"]
    assert finish["exit_code"] == 0 and finish["crawl"]["articles_new"] == 15
    assert [tuple(r) for r in conn.execute("select status from crawl_runs")] == [("finished",)]
    conn.close()

    # Run again, as a newcomer would in a terminal, keeping the sites up: the
    # database is rebuilt (new ports, same 15 articles, not 30) and the seed
    # copy can be opened as the spider read it until Ctrl-C.
    proc = subprocess.Popen([sys.executable, "-m", "syndtrack", "demo", "--keep-serving"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stdout:
            if "stay up until Ctrl-C" in line:
                break
        url = line.rsplit(" ", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith(SEED_COPY)
        with urllib.request.urlopen(url, timeout=10) as resp:
            page = resp.read().decode()
        assert "[ad_1]" in page and "(Courtesy-China Media Group, Beijing)" in page
    finally:
        proc.send_signal(signal.SIGINT)
        rest, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, (rest[-1500:], err[-1500:])
    assert "stopped serving" in rest
    db = open_db("demo.db")
    assert db["articles"].count == 15 and db["crawl_runs"].count == 1
    db.close()


def test_demo_refuses_a_database_with_real_data(tmp_path):
    path = tmp_path / "news.db"
    db = open_db(path)
    db["articles"].insert({"url": "https://www.cgtn.com/news/a", "outlet": "cgtn", "text": "real work"})
    db.close()
    before = path.read_bytes()
    result = CliRunner().invoke(cli, ["--db", str(path), "demo"])
    assert result.exit_code == 1
    assert "holds data from outlets that are not the demo's (cgtn)" in result.output
    assert result.output.count("\n") == 1
    assert path.read_bytes() == before


def test_demo_honours_db_option(tmp_path, monkeypatch):
    # --db (or $SYNDTRACK_DB) wins over demo.db; checked before anything is served.
    monkeypatch.setenv("SYNDTRACK_DB", str(tmp_path / "env.db"))
    db = open_db(tmp_path / "env.db")
    db["articles"].insert({"url": "https://x.example/a", "outlet": "x.example", "text": "t"})
    db.close()
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 1 and "env.db holds data" in result.output
    assert not os.path.exists(tmp_path / "demo.db")
