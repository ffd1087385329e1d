"""``syndtrack report``: one self-contained HTML file with charts and evidence links, plus PNGs."""

from pathlib import Path
import re
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from syndtrack.cli import cli
from syndtrack.store.db import open_db
from test_query_fixture import ARTICLES, build_fixture_db, set_gone

CHARTS = ["republications_over_time", "top_republishers", "lag_distribution", "credited_vs_uncredited"]


class Resources(HTMLParser):
    """Everything in a page that a browser would load, and every link."""

    def __init__(self):
        super().__init__()
        self.loads, self.links, self.tags, self.charts = [], [], set(), {}
        self._chart = None

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        attrs = dict(attrs)
        if tag == "a":
            self.links.append(attrs.get("href"))
        for key in ("src", "srcset", "data", "poster", "xlink:href", "background"):
            if attrs.get(key) and not attrs[key].startswith(("#", "data:")):
                self.loads.append((tag, key, attrs[key]))
        if tag == "link" or (tag == "image" and attrs.get("href", "#")[:1] != "#"):
            self.loads.append((tag, "href", attrs.get("href")))
        if tag == "figure":
            self._chart = attrs.get("data-chart")
            self.charts[self._chart] = []

    def handle_endtag(self, tag):
        if tag == "figure":
            self._chart = None

    def handle_data(self, data):
        if self._chart and data.strip():
            self.charts[self._chart].append(data.strip())


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    path = tmp / "f.db"
    ids = build_fixture_db(path)
    result = CliRunner().invoke(cli, ["--db", str(path), "report", "--out", str(tmp / "r.html"), "--png-dir", str(tmp / "png")])
    assert result.exit_code == 0, result.output
    return path, ids, tmp, (tmp / "r.html").read_text("utf-8"), result.output


def test_report_file_and_pngs_are_made(made):
    _, _, tmp, html, output = made
    assert "4 charts" in output
    for name in CHARTS:
        png = tmp / "png" / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
        assert str(png) in output
    assert html.lstrip().startswith("<!DOCTYPE html>")


def test_report_loads_nothing_from_the_network(made):
    path, _, _, html, _ = made
    page = Resources()
    page.feed(html)
    assert page.loads == []
    assert not {"script", "link", "iframe", "img", "object", "embed"} & page.tags
    assert "@import" not in html
    # url(...) only for references inside the page (the charts' clip paths).
    assert all(ref.startswith("#") for ref in re.findall(r"url\(\s*['\"]?([^)'\"]*)", html))
    # The only URLs in the file are links to article pages: the evidence.
    urls = {r[0] for r in open_db(path).execute("select url from articles")}
    found = set(re.findall(r"https?://[^\s\"'<>]+", html)) - {"http://www.w3.org/2000/svg"}  # SVG's namespace
    assert found and found <= urls


def test_report_charts_show_the_data(made):
    _, _, _, html, _ = made
    page = Resources()
    page.feed(html)
    assert set(page.charts) == set(CHARTS) | {"network"}
    assert html.count("<svg") == 5  # the four charts and the republisher network
    # Chart text is real text (svg.fonttype none): the outlets and sources are on the axes.
    top = " ".join(page.charts["top_republishers"])
    assert {"dainiksaveratimes.com", "southasia-monitor.example", "whenitson.com"} <= set(top.split())
    assert "reuters" not in top.split()  # re-running its own story is not republishing
    over_time = " ".join(page.charts["republications_over_time"])
    assert "cgtn" in over_time and "xinhua" in over_time and "reuters" not in over_time.split()
    assert "credited" in page.charts["credited_vs_uncredited"] and "uncredited" in page.charts["credited_vs_uncredited"]
    assert "6-24 h" in page.charts["lag_distribution"]
    # One tick label per category, not one per integer position.
    assert page.charts["credited_vs_uncredited"].count("cgtn") == 1
    assert page.charts["top_republishers"].count("whenitson.com") == 1


def test_report_tables_link_to_evidence(made):
    _, ids, _, html, _ = made
    page = Resources()
    page.feed(html)
    # The uncredited state-media copies, with their origins and cluster ids.
    assert ARTICLES["monitor"]["url"] in page.links and ARTICLES["portal"]["url"] in page.links
    assert ARTICLES["cmg"]["url"] in page.links
    assert ARTICLES["dainik"]["url"] not in page.links  # credited: not in the uncredited table
    assert re.search(rf"<td class=\"n\">{ids['cluster:cmg']}</td>", html)
    assert "Dainik Savera Times" in html and "50%" in html


def test_report_escapes_what_pages_say(tmp_path):
    path = tmp_path / "f.db"
    ids = build_fixture_db(path)
    db = open_db(path)
    db["articles"].update(ids["cmg"], {"title": '<script>alert("x")</script> & more'})
    db.close()
    out = tmp_path / "r.html"
    result = CliRunner().invoke(cli, ["--db", str(path), "report", "--out", str(out), "--state-media"])
    assert result.exit_code == 0, result.output
    html = out.read_text("utf-8")
    # Jinja2's autoescape writes a double quote as &#34; (html.escape wrote &quot;): the same character
    assert "<script>" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; more" in html
    assert "Louis Vuitton" not in html  # --state-media leaves the Reuters story out


def test_report_on_an_empty_database(tmp_path):
    out = tmp_path / "empty.html"
    assert CliRunner().invoke(cli, ["--db", str(tmp_path / "e.db"), "migrate"]).exit_code == 0
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "e.db"), "report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text("utf-8")
    assert html.count("<svg") == 4 and "no republications in this selection" in html
    assert "Nothing in this selection." in html


NOTHING_DELETED = "No republished state-media story has been found deleted at the source in this selection."


def _section(html: str, slug: str) -> str:
    """The HTML from the section's heading to the next heading (or the end)."""
    start = html.index(f'<h2 id="{slug}">')
    end = html.find("<h2", start + 1)
    return html[start:end if end >= 0 else len(html)]


def _report(path, out, *args):
    result = CliRunner().invoke(cli, ["--db", str(path), "report", "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return out.read_text("utf-8")


def test_report_says_in_one_line_when_nothing_was_deleted(made):
    _, _, _, html, _ = made
    section = _section(html, "deleted")
    assert ">Deleted by the source</h2>" in section and NOTHING_DELETED in section
    assert "<table" not in section


def test_report_lists_what_the_source_deleted(tmp_path):
    path = tmp_path / "f.db"
    ids = build_fixture_db(path)
    set_gone(path, "cmg", "2026-11-20T08:15:00+00:00")  # CGTN took its commentary down
    set_gone(path, "monitor", "2026-11-22T10:00:00+00:00")  # a copy is gone too
    set_gone(path, "reuters", "2026-11-21T00:00:00+00:00")  # gone, but Reuters is not state media
    html = _report(path, tmp_path / "r.html")
    section = _section(html, "deleted")
    assert NOTHING_DELETED not in section
    # One line per source.
    assert re.findall(r"<li>(.*?)</li>", section) == [
        "<b>cgtn</b>: 1 republished story deleted, 2 copies on 2 outlets kept here "
        "(1 of them gone at the republisher too)"]
    # The table: source, title linking to the stored URL, gone date, copies, copy outlets, cluster.
    rows = re.findall(r"<tr>(<td.*?)</tr>", section)
    assert len(rows) == 1
    cells = re.findall(r"<td[^>]*>(.*?)</td>", rows[0])
    assert cells[0] == "cgtn"
    assert cells[1] == (f'<a href="{ARTICLES["cmg"]["url"]}" rel="noreferrer noopener">'
                        "What is the purpose of Japan&#39;s series of dangerous actions?</a>")  # Jinja2's escape of '

    assert cells[2:4] == ["2026-11-20 08:15", "2"]
    assert set(cells[4].split(", ")) == {"dainiksaveratimes.com", "southasia-monitor.example"}
    assert cells[5] == str(ids["cluster:cmg"])
    assert "Louis Vuitton" not in section and "reuters" not in section
    # Still self-contained: the only URLs are the evidence.
    page = Resources()
    page.feed(html)
    assert page.loads == []
    urls = {r[0] for r in open_db(path).execute("select url from articles")}
    assert set(re.findall(r"https?://[^\s\"'<>]+", html)) - {"http://www.w3.org/2000/svg"} <= urls

    # The selection applies: a window before the story, or only non-state-media sources, lists nothing.
    assert NOTHING_DELETED in _section(_report(path, tmp_path / "w.html", "--until", "2023-01-01"), "deleted")
    assert NOTHING_DELETED in _section(_report(path, tmp_path / "n.html", "--not-state-media"), "deleted")
    assert "<li><b>cgtn</b>" in _section(_report(path, tmp_path / "o.html", "--outlet", "dainiksaveratimes.com"), "deleted")

    # CGTN's page answers again: the crawler clears the stamp, and the story leaves the section.
    set_gone(path, "cmg", None)
    assert NOTHING_DELETED in _section(_report(path, tmp_path / "r2.html"), "deleted")


def test_report_deleted_one_line_per_source_latest_first(tmp_path):
    path = tmp_path / "f.db"
    build_fixture_db(path)
    set_gone(path, "cmg", "2026-11-20T08:15:00+00:00")
    set_gone(path, "xinhua", "2026-11-23T00:00:00+00:00")
    section = _section(_report(path, tmp_path / "r.html"), "deleted")
    assert re.findall(r"<li><b>(\w+)</b>: (.*?) deleted", section) == [
        ("cgtn", "1 republished story"), ("xinhua", "1 republished story")]
    rows = re.findall(r"<tr>(<td.*?)</tr>", section)
    assert len(rows) == 2 and "<td>xinhua</td>" in rows[0] and "<td>cgtn</td>" in rows[1]  # latest found first
    assert "2026-11-23 00:00" in rows[0]


def test_report_out_into_a_missing_directory_is_an_error(tmp_path):
    path = tmp_path / "f.db"
    build_fixture_db(path)
    for args in (["--out", str(tmp_path / "no" / "such" / "r.html")],
                 ["--out", str(tmp_path / "r.html"), "--png-dir", str(tmp_path / "none" / "png")]):
        result = CliRunner().invoke(cli, ["--db", str(path), "report", *args])
        assert result.exit_code == 1 and "directory does not exist" in result.output, result.output
    assert not (tmp_path / "no").exists() and not (tmp_path / "none").exists() and not (tmp_path / "r.html").exists()


def test_report_is_rendered_from_autoescaped_jinja2_templates():
    from syndtrack.report import _environment

    env = _environment()
    assert env.autoescape("report.html") and env.autoescape("_macros.html")
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    source = Path(__file__).parent.parent / "syndtrack" / "report.py"
    assert "<table>" not in source.read_text(encoding="utf-8")  # no HTML assembled in Python any more


def test_report_leads_with_stories_and_draws_the_network(made):
    _, ids, _, html, _ = made
    assert html.index('id="stories"') < html.index('id="clusters"')
    stories = html[html.index('id="stories"'):html.index('id="clusters"')]
    assert ARTICLES["cmg"]["url"] in stories
    network = html[html.index('id="network"'):]
    network = network[:network.index("</figure>")]
    assert "<svg" in network and "dainiksaveratimes.com" in network
    # The uncredited copies by what they say instead.
    outlets = html[html.index('id="outlets"'):html.index('id="network"')]
    assert "credit stripped" in outlets and "credited another" in outlets
