"""``syndtrack network``: GEXF/GraphML/JSON read back with networkx and checked against the database;
``network_svg`` drawn by a real headless chromium."""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET

import networkx as nx
import pytest
from click.testing import CliRunner

from syndtrack.cli import cli
from syndtrack.store.db import open_db
from syndtrack.network import network_svg
from test_query_fixture import build_fixture_db

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def news(tmp_path_factory):
    path = tmp_path_factory.mktemp("network") / "news.db"
    build_fixture_db(path)
    return path


def expected(path, where=""):
    """The network as plain SQL over the views says it is."""
    db = open_db(path)
    edges = {(r["source"], r["outlet"]): r for r in db.query(f"select * from outlet_report {where}")}
    names = {n for pair in edges for n in pair}
    state = {r["name"]: bool(r["state_media"]) for r in db.query("select name, state_media from outlet_lookup")}
    db.close()
    return edges, {n: state.get(n, False) for n in names}


def export(path, tmp_path, fmt, *args):
    out = tmp_path / f"network.{fmt}"
    result = CliRunner().invoke(cli, ["--db", str(path), "network", "--format", fmt, "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return out, result


@pytest.mark.parametrize("fmt,read", [("gexf", nx.read_gexf), ("graphml", nx.read_graphml)])
def test_gephi_formats_read_back_with_the_database_figures(news, tmp_path, fmt, read):
    out, result = export(news, tmp_path, fmt)
    graph = read(out)
    edges, state = expected(news)
    assert graph.is_directed()
    assert set(graph.nodes) == set(state) == {
        "cgtn", "xinhua", "reuters", "dainiksaveratimes.com", "southasia-monitor.example", "peoplesdaily",
        "news.portal.example", "whenitson.com"}
    assert {n: graph.nodes[n]["state_media"] for n in graph.nodes} == state
    assert graph.nodes["cgtn"]["label"] == "CGTN" and graph.nodes["cgtn"]["owner"] == "China Media Group"
    assert set(graph.edges) == set(edges)  # source -> republisher; Reuters re-running itself is no edge
    for (source, outlet), row in edges.items():
        data = graph.edges[source, outlet]
        assert data["weight"] == row["republications"] and data["copies"] == row["republications"]
        assert data["credited_share"] == pytest.approx(1 - row["uncredited_share"])
        assert data["median_lag_hours"] == pytest.approx(row["median_lag_hours"])
    assert graph.nodes["cgtn"]["copies_of"] == 2 and graph.nodes["peoplesdaily"]["copies_made"] == 1
    assert "8 outlets (3 state media), 5 links, 5 copies" in result.stderr
    if fmt == "gexf":
        assert graph.nodes["cgtn"]["viz"]["color"]["r"] == 192  # state media stand out in Gephi


def test_json_on_stdout_and_filters(news, tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(news), "network", "--format", "json", "--state-media"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    edges, state = expected(news, "where state_media = 1")
    assert {(e["source"], e["target"]) for e in data["edges"]} == set(edges)
    assert "reuters" not in {n["id"] for n in data["nodes"]}
    assert {n["id"]: n["state_media"] for n in data["nodes"]} == state
    result = CliRunner().invoke(cli, ["--db", str(news), "network", "--format", "json", "--min-copies", "2"])
    assert json.loads(result.stdout)["edges"] == []


def test_network_svg_is_escaped_well_formed_and_flags_state_media(tmp_path):
    path = tmp_path / "news.db"
    build_fixture_db(path)
    db = open_db(path)
    with db.atomic():
        db.execute("""update outlets set name = 'Dainik <b>"Savera"</b> & Times' where slug = 'dainiksavera'""")
    svg = network_svg(db)
    db.close()
    root = ET.fromstring(svg)  # well-formed XML: every text escaped
    ns = {"s": "http://www.w3.org/2000/svg"}
    nodes = {g.get("data-outlet"): g.get("class") for g in root.iterfind(".//s:g[@data-outlet]", ns)}
    assert nodes["cgtn"] == "node state-media" and nodes["dainiksaveratimes.com"] == "node outlet"
    assert len(nodes) == 8 and len(root.findall(".//s:path[@class='edge']", ns)) == 5
    assert root.find(".//s:b", ns) is None and 'Dainik <b>"Savera"</b> & Times' in "".join(root.itertext())
    assert "<script" not in svg and "http://" not in svg.replace("http://www.w3.org/2000/svg", "")
    edge = root.find(".//s:path[@data-target='southasia-monitor.example']", ns)
    assert "1 copy, 0% credited, median lag 30 h" in edge.find("s:title", ns).text


def test_network_svg_without_republications_says_so(tmp_path):
    db = open_db(tmp_path / "empty.db")
    assert "No republications" in network_svg(db)
    db.close()


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_chromium_draws_the_network(news, tmp_path):
    import matplotlib.image

    db = open_db(news)
    page = tmp_path / "network.html"
    page.write_text(f"<!doctype html><meta charset=utf-8><body style='margin:0;background:#fff'>{network_svg(db)}</body>")
    db.close()
    shot = tmp_path / "network.png"
    out = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}", "--window-size=960,640", "--hide-scrollbars",
         f"--screenshot={shot}", page.as_uri()], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and shot.exists(), out.stderr[-2000:]
    pixels = matplotlib.image.imread(shot)[..., :3]
    red = ((pixels[..., 0] > 0.7) & (pixels[..., 1] < 0.3) & (pixels[..., 2] < 0.25)).sum()
    blue = ((pixels[..., 2] > 0.55) & (pixels[..., 0] < 0.3)).sum()
    assert red > 200 and blue > 200, (red, blue)  # state-media and other outlets both drawn
