"""Alerts: what is new, found once, delivered to a real Atom file, a real HTTP server and a real SMTP server."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from syndtrack.alerts import AlertsConfigError, check, find_alerts, load_config, parse_config, since_from
from syndtrack.cli import cli
from syndtrack.store.db import open_db
from syndtrack.run import EXIT_ALERTS_FAILED, run
from test_query_fixture import ARTICLES, build_fixture_db

OLD = "2024-01-01T00:00:00+00:00"
SINCE = "2025-01-01T00:00:00+00:00"
NEW = "2025-06-01T12:00:00+00:00"
# A lookback from now that reaches NEW but not OLD, as a scheduled run uses it.
LOOKBACK = f"{(datetime.now(timezone.utc) - datetime(2025, 1, 1, tzinfo=timezone.utc)).days}d"


def age(db, keys, when):
    with db.atomic():
        for key in keys:
            db.execute("update articles set first_seen = ? where url = ?", [when, ARTICLES[key]["url"]])



def story_of(db, cluster_id: int) -> int:
    """The story a cluster is a version of: story alerts are keyed by story."""
    return db.execute("select story_id from clusters where id = ?", [cluster_id]).fetchone()[0]

@pytest.fixture
def news(tmp_path):
    """The analyst fixture with every article stored long ago."""
    path = tmp_path / "news.db"
    ids = build_fixture_db(path)
    db = open_db(path)
    age(db, ARTICLES, OLD)
    yield path, db, ids
    db.close()


def keys(alerts):
    return sorted(a.key for a in alerts)


def test_each_kind_is_found_for_what_was_stored_since(news):
    path, db, ids = news
    config = parse_config({"watch": ["China Media Group", "reuters"], "story_outlets": [3, 10]})
    assert find_alerts(db, config, SINCE) == []  # nothing new
    age(db, ARTICLES, NEW)
    alerts = {a.key: a for a in find_alerts(db, config, SINCE)}
    # Copies: the CMG credited copy (watched by owner), both uncredited state-media copies, the Reuters copy
    # (watched by slug); the credited People's Daily copy is neither; Reuters re-running itself is no copy.
    copies = {k: (a.kind, a.payload["reasons"]) for k, a in alerts.items() if k.startswith("copy:")}
    assert copies == {
        f"copy:{ids['dainik']}": ("watched_copy", ["watched_copy"]),
        f"copy:{ids['monitor']}": ("uncredited_state_media", ["watched_copy", "uncredited_state_media"]),
        f"copy:{ids['portal']}": ("uncredited_state_media", ["uncredited_state_media"]),
        f"copy:{ids['whenitson']}": ("watched_copy", ["watched_copy"]),
    }
    assert {k for k in alerts if k.startswith("host:")} == {
        "host:dainiksaveratimes.com", "host:southasia-monitor.example", "host:peoplesdaily",
        "host:news.portal.example", "host:whenitson.com"}
    # Three outlets carry the CMG and the Xinhua pieces (origin included); Reuters' only two.
    stories = {k: a.payload["outlets"] for k, a in alerts.items() if a.kind == "story_spread"}
    assert stories == {f"story:s{story_of(db, ids['cluster:cmg'])}:3": 3, f"story:s{story_of(db, ids['cluster:xinhua'])}:3": 3}
    monitor = alerts[f"copy:{ids['monitor']}"]
    assert monitor.url == ARTICLES["monitor"]["url"] and monitor.payload["origin_outlet"] == "cgtn"
    assert "southasia-monitor.example" in monitor.title and "credit: none" in monitor.summary


def test_a_copy_is_new_when_its_later_end_is_new_and_a_known_host_is_not(news):
    path, db, ids = news
    config = parse_config({"story_outlets": 3})
    age(db, ["monitor"], NEW)
    alerts = find_alerts(db, config, SINCE)
    assert keys(alerts) == sorted([f"copy:{ids['monitor']}", "host:southasia-monitor.example",
                                   f"story:s{story_of(db, ids['cluster:cmg'])}:3"])
    # An outlet that republished before `since` is no new host, even with a new copy.
    age(db, ["monitor"], OLD)
    age(db, ["portal"], NEW)
    assert "host:news.portal.example" in keys(find_alerts(db, config, SINCE))
    assert "host:news.portal.example" not in keys(find_alerts(db, config, "2025-06-01T12:00:01+00:00"))
    # An origin stored after its copy makes the copy news then.
    age(db, ["portal"], OLD)
    age(db, ["xinhua"], NEW)
    assert f"copy:{ids['portal']}" in keys(find_alerts(db, config, SINCE))


def test_credit_status_decides_when_present(news):
    path, db, ids = news
    age(db, ARTICLES, NEW)
    with db.atomic():
        db.execute("update cluster_members set credit_status = 'vague' where article_id = ?", [ids["monitor"]])
        db.execute("update cluster_members set credit_status = 'credited' where article_id = ?", [ids["portal"]])
    found = keys(find_alerts(db, parse_config({"new_hosts": False, "story_outlets": []}), SINCE))
    assert found == [f"copy:{ids['monitor']}"]
    found = keys(find_alerts(db, parse_config({"new_hosts": False, "story_outlets": [],
                                               "uncredited_statuses": ["none", "stripped"]}), SINCE))
    assert found == []


def test_since_reads_dates_times_and_ages():
    from datetime import datetime, timezone

    now = datetime(2025, 6, 2, 12, 0, tzinfo=timezone.utc)
    assert since_from("2d", now) == "2025-05-31T12:00:00+00:00"
    assert since_from("36h", now) == "2025-06-01T00:00:00+00:00"
    assert since_from("1w", now) == "2025-05-26T12:00:00+00:00"
    assert since_from("2025-05-01", now) == "2025-05-01T00:00:00+00:00"
    assert since_from("2025-05-01T10:00:00+02:00", now) == "2025-05-01T08:00:00+00:00"
    with pytest.raises(AlertsConfigError, match="36h, 2d"):
        since_from("yesterday", now)


def test_config_names_the_bad_key(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[alerts]\nwatch = ["cgtn"]\nstory_outlet = 5\n')
    with pytest.raises(AlertsConfigError, match="unknown key 'story_outlet'"):
        load_config(path)
    path.write_text('[alerts.webhook]\nurl = "ftp://x"\n')
    with pytest.raises(AlertsConfigError, match="http:// or https://"):
        load_config(path)
    path.write_text('[alerts]\nstory_outlets = true\n')
    with pytest.raises(AlertsConfigError, match="story_outlets must be"):
        load_config(path)
    path.write_text('[other]\nx = 1\n')
    assert load_config(path) is None
    path.write_text('[alerts.atom]\npath = "feeds/alerts.xml"\n')
    assert load_config(path).atom.path == tmp_path / "feeds" / "alerts.xml"  # relative to the config file


# ---- Atom ---------------------------------------------------------------------------------------


def test_atom_feed_lists_each_alert_once_newest_first(news, tmp_path):
    path, db, ids = news
    feed = tmp_path / "out" / "alerts.xml"
    config = parse_config({"story_outlets": [], "atom": {"path": str(feed), "title": "CMG watch"}})
    age(db, ["monitor"], NEW)
    first = check(db, config, since=SINCE, database_name="news")
    assert [o.sent for o in first.outputs] == [2] and not first.failed
    parsed = feedparser.parse(feed.read_bytes())
    assert parsed.bozo == 0, parsed.bozo_exception
    assert parsed.feed.title == "CMG watch"
    assert {e.id for e in parsed.entries} == {f"urn:syndtrack:alert:news:copy:{ids['monitor']}",
                                              "urn:syndtrack:alert:news:host:southasia-monitor.example"}
    entry = next(e for e in parsed.entries if "copy:" in e.id)
    assert entry.link == ARTICLES["monitor"]["url"] and entry.tags[0].term == "uncredited_state_media"
    assert json.loads(entry.content[0].value)["copy_id"] == ids["monitor"]

    again = check(db, config, since=SINCE, database_name="news")
    assert again.new == [] and [o.sent for o in again.outputs] == [0]
    assert len(feedparser.parse(feed.read_bytes()).entries) == 2

    age(db, ["portal"], "2025-07-01T00:00:00+00:00")
    check(db, config, since=SINCE, database_name="news")
    entries = feedparser.parse(feed.read_bytes()).entries
    assert len(entries) == 4 and len({e.id for e in entries}) == 4
    assert entries[0].updated >= entries[-1].updated


# ---- webhook ------------------------------------------------------------------------------------


class Hook:
    """A real HTTP server on 127.0.0.1 answering POSTs with planned statuses (then 200)."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        self.requests: list[dict] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.requests.append({"body": json.loads(body), "headers": dict(self.headers)})
                status = hook.statuses.pop(0) if hook.statuses else 200
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", "0")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def webhook_config(url, **extra):
    return parse_config({"story_outlets": [], "webhook": {"url": url, "retries": 3, "backoff": 0.01,
                                                          "headers": {"Authorization": "Bearer t0ken"}, **extra}})


def test_webhook_retries_a_failing_server_until_it_answers(news):
    path, db, ids = news
    age(db, ["monitor"], NEW)
    sleeps = []
    with Hook([503, 502]) as hook:
        result = check(db, webhook_config(hook.url), since=SINCE, database_name="news", sleep=sleeps.append)
    assert not result.failed and result.outputs[0].attempts == 3 and result.outputs[0].sent == 2
    assert sleeps == [0.01, 0.02]  # exponential backoff
    assert len(hook.requests) == 3
    bodies = [r["body"] for r in hook.requests]
    assert bodies[0]["alerts"] == bodies[2]["alerts"]
    assert {a["key"] for a in bodies[2]["alerts"]} == {f"copy:{ids['monitor']}", "host:southasia-monitor.example"}
    assert bodies[2]["database"] == "news" and hook.requests[2]["headers"]["Authorization"] == "Bearer t0ken"
    alert = next(a for a in bodies[2]["alerts"] if a["kind"] == "uncredited_state_media")
    assert alert["copy_url"] == ARTICLES["monitor"]["url"] and alert["origin_outlet"] == "cgtn"
    with Hook() as hook:
        assert check(db, webhook_config(hook.url), since=SINCE, sleep=lambda s: None).outputs[0].sent == 0
    assert hook.requests == []  # nothing alerted twice


def test_webhook_down_keeps_alerts_pending_for_the_next_call(news):
    path, db, ids = news
    age(db, ["monitor"], NEW)
    with Hook([500] * 10) as hook:
        result = check(db, webhook_config(hook.url), since=SINCE, sleep=lambda s: None)
    assert result.failed and "HTTP 500" in result.outputs[0].error and "after 4 attempts" in result.outputs[0].error
    assert len(hook.requests) == 4  # bounded: 1 + retries
    assert db.execute("select count(*) from alerts_sent").fetchone()[0] == 0
    # The alerts are no longer new, but the webhook still gets them once it answers.
    with Hook() as hook:
        result = check(db, webhook_config(hook.url), since=SINCE, sleep=lambda s: None)
    assert result.new == [] and result.outputs[0].sent == 2 and len(hook.requests) == 1
    # A client error is not retried: it will not heal by itself.
    age(db, ["portal"], NEW)
    with Hook([404]) as hook:
        result = check(db, webhook_config(hook.url), since=SINCE, sleep=lambda s: None)
    assert "HTTP 404" in result.outputs[0].error and len(hook.requests) == 1


def test_webhook_to_a_closed_port_fails_after_the_retries(news):
    import socket

    path, db, ids = news
    age(db, ["monitor"], NEW)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sleeps = []
    result = check(db, webhook_config(f"http://127.0.0.1:{port}/", retries=2), since=SINCE, sleep=sleeps.append)
    assert "after 3 attempts" in result.outputs[0].error and len(sleeps) == 2


# ---- email --------------------------------------------------------------------------------------


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller

    class Handler:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            return "250 Message accepted for delivery"

    import socket

    # aiosmtpd checks that it is up by connecting to the port it was given: it needs a real one.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, handler.messages
    finally:
        controller.stop()


def test_email_goes_once_through_a_real_smtp_server(news, smtp):
    import email

    port, messages = smtp
    path, db, ids = news
    age(db, ["monitor", "portal"], NEW)
    config = parse_config({"story_outlets": [], "new_hosts": False, "email": {
        "host": "127.0.0.1", "port": port, "from": "syndtrack@example.org", "to": ["desk@example.org", "b@example.org"]}})
    result = check(db, config, since=SINCE, database_name="news")
    assert not result.failed and result.outputs[0].sent == 2
    assert len(messages) == 1
    envelope = messages[0]
    assert envelope.mail_from == "syndtrack@example.org" and envelope.rcpt_tos == ["desk@example.org", "b@example.org"]
    msg = email.message_from_bytes(envelope.content)
    assert msg["Subject"] == "[syndtrack] news: 2 alerts (2 uncredited state media)"
    body = msg.get_payload(decode=True).decode()
    assert ARTICLES["monitor"]["url"] in body and ARTICLES["portal"]["url"] in body
    check(db, config, since=SINCE)
    assert len(messages) == 1


def test_email_server_down_is_reported_and_retried(news, smtp):
    import socket

    port, messages = smtp
    path, db, ids = news
    age(db, ["monitor"], NEW)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    config = {"story_outlets": [], "email": {"host": "127.0.0.1", "port": closed, "from": "a@example.org", "to": "b@example.org",
                                             "timeout": 5}}
    result = check(db, parse_config(config), since=SINCE)
    assert result.failed and "ConnectionRefused" in result.outputs[0].error
    config["email"]["port"] = port
    result = check(db, parse_config(config), since=SINCE)
    assert result.new == [] and result.outputs[0].sent == 2 and len(messages) == 1


# ---- CLI and run --------------------------------------------------------------------------------


def write_config(tmp_path, text):
    path = tmp_path / "syndtrack.toml"
    path.write_text(text)
    return path


def test_alerts_command_prints_new_alerts_once_and_dry_run_records_nothing(news, tmp_path, monkeypatch):
    path, db, ids = news
    age(db, ["monitor"], NEW)
    config = write_config(tmp_path, '[alerts]\nstory_outlets = 3\n[alerts.atom]\npath = "alerts.xml"\n')
    runner = CliRunner()
    out = runner.invoke(cli, ["--db", str(path), "alerts", "--config", str(config), "--since", SINCE, "--dry-run"])
    assert out.exit_code == 0, out.output
    assert "[uncredited_state_media] southasia-monitor.example" in out.output
    assert "dry run: alerts: 3 new" in out.stderr
    assert db.execute("select count(*) from alerts").fetchone()[0] == 0 and not (tmp_path / "alerts.xml").exists()

    monkeypatch.setenv("SYNDTRACK_CONFIG", str(config))
    out = runner.invoke(cli, ["--db", str(path), "alerts", "--since", SINCE, "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["new"] == 3 and data["outputs"]["atom"]["sent"] == 3
    assert len(feedparser.parse((tmp_path / "alerts.xml").read_bytes()).entries) == 3
    out = runner.invoke(cli, ["--db", str(path), "alerts", "--since", SINCE])
    assert out.exit_code == 0 and out.stdout == "" and "alerts: 0 new, atom 0 sent" in out.stderr


def test_alerts_command_needs_a_config_and_says_which_output_failed(news, tmp_path, monkeypatch):
    path, db, ids = news
    monkeypatch.delenv("SYNDTRACK_CONFIG", raising=False)
    out = CliRunner().invoke(cli, ["--db", str(path), "alerts"])
    assert out.exit_code == 1 and "no alerts configuration" in out.output
    config = write_config(tmp_path, '[alerts]\nlookback = "soon"\n')
    out = CliRunner().invoke(cli, ["--db", str(path), "alerts", "--config", str(config)])
    assert out.exit_code == 1 and "cannot read 'soon'" in out.output
    age(db, ["monitor"], NEW)
    with Hook([400]) as hook:
        config = write_config(tmp_path, f'[alerts.webhook]\nurl = "{hook.url}"\n')
        out = CliRunner().invoke(cli, ["--db", str(path), "alerts", "--config", str(config), "--since", SINCE])
    assert out.exit_code == EXIT_ALERTS_FAILED and "webhook failed: HTTP 400" in out.stderr


def test_run_sends_alerts_after_clustering_and_exits_5_when_an_output_fails(news, tmp_path):
    path, db, ids = news
    age(db, ["monitor"], NEW)
    db.close()
    feed = tmp_path / "run.xml"
    with Hook([503, 503]) as hook:  # both attempts of the first run fail
        config = parse_config({"lookback": LOOKBACK, "story_outlets": [],
                               "atom": {"path": str(feed)}, "webhook": {"url": hook.url, "retries": 1, "backoff": 0}})
        result = run(path, crawl=False, cluster_fn=lambda *a, **k: {"clusters": 3}, alerts_config=config)
        assert result.exit_code == EXIT_ALERTS_FAILED and result.status == "alerts_failed"
        assert "alerts: 2 new" in result.summary() and "webhook failed: HTTP 503" in result.summary()
        assert len(feedparser.parse(feed.read_bytes()).entries) == 2
        result = run(path, crawl=False, cluster_fn=lambda *a, **k: {}, alerts_config=config)
        assert result.exit_code == 0, result.summary()
        assert "alerts: 0 new, atom 0 sent, webhook 2 sent" in result.summary()
    log = [json.loads(line) for line in Path(f"{path}.runs.jsonl").read_text().splitlines()]
    assert log[-1]["alerts"]["outputs"]["webhook"]["sent"] == 2


def test_run_command_reads_the_config_option(news, tmp_path):
    import subprocess
    import sys

    path, db, ids = news
    age(db, ["monitor"], NEW)
    db.close()
    config = write_config(tmp_path, f'[alerts]\nlookback = "{LOOKBACK}"\n[alerts.atom]\npath = "feed.xml"\n')
    bad = tmp_path / "bad.toml"
    bad.write_text("[alerts]\nwat = 1\n")
    out = subprocess.run([sys.executable, "-m", "syndtrack", "--db", str(path), "run", "--no-crawl", "--config", str(bad)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and "unknown key 'wat'" in out.stderr
    out = subprocess.run([sys.executable, "-m", "syndtrack", "--db", str(path), "run", "--no-crawl", "-q", "--config",
                          str(config)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "alerts: " in out.stdout and "atom " in out.stdout
    assert feedparser.parse((tmp_path / "feed.xml").read_bytes()).entries


def test_the_shipped_example_config_reads():
    config = load_config(Path(__file__).parent.parent / "contrib" / "syndtrack.toml")
    assert config.outputs == ["atom", "webhook", "email"]
    assert config.story_outlets == [5, 10, 25] and config.webhook.retries == 3 and config.email.to == ["desk@example.org"]
