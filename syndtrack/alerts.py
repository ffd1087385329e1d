"""Alerts: what is new since a moment, delivered once to an Atom feed, a webhook and email.

Four kinds, each switched on in the ``[alerts]`` table of a TOML file
(``--config`` / ``$SYNDTRACK_CONFIG``; keys in docs/operations.md):

- ``watched_copy``: a new copy of a watched source (an outlet slug, host, name or owner);
- ``uncredited_state_media``: a new copy of a state-media piece that does not credit it;
- ``new_host``: an outlet seen republishing for the first time;
- ``story_spread``: a story now carried by at least N outlets (each threshold once).

"New" means stored in the database since ``since`` (``articles.first_seen`` of
the copy or its origin: a copy becomes news when both ends are known), so a
``--full`` re-clustering, which rewrites every cluster, does not make old
copies new again. Every alert has a key (``copy:ID``, ``host:OUTLET``,
``story:ID:N``); ``alerts`` keeps each key once and ``alerts_sent`` each
(key, output) delivered, so nothing is alerted twice and an output that was
down gets what it missed on the next call (within ``retry_days``).
"""

from __future__ import annotations

import json
import re
import smtplib
import ssl
import time
import tomllib
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path
from typing import Callable

from sqlite_utils import Database

from syndtrack.store.dates import parse_timestamp, utcnow

from syndtrack.store.db import write_transaction
from syndtrack.output import clean, plural

KINDS = ("watched_copy", "uncredited_state_media", "new_host", "story_spread")
OUTPUTS = ("atom", "webhook", "email")
# Every credit status that does not name the source (migration m016); copies
# clustered before credit statuses existed fall back to ``credited = 0``.
UNCREDITED_STATUSES = ("none", "stripped", "vague", "credited_other")


class AlertsConfigError(ValueError):
    """The [alerts] table cannot be used; the message says which key and why."""


@dataclass
class AtomConfig:
    path: Path
    title: str = "syndtrack alerts"
    link: str | None = None
    feed_id: str | None = None
    max_entries: int = 200


@dataclass
class WebhookConfig:
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    retries: int = 3
    backoff: float = 2.0
    max_backoff: float = 60.0
    timeout: float = 10.0
    batch_size: int = 100


@dataclass
class EmailConfig:
    to: list[str]
    sender: str
    host: str = "localhost"
    port: int = 25
    starttls: bool = False
    ssl: bool = False
    username: str | None = None
    password_env: str | None = None
    subject_prefix: str = "[syndtrack]"
    timeout: float = 30.0


@dataclass
class AlertsConfig:
    watch: list[str] = field(default_factory=list)
    uncredited_state_media: bool = True
    uncredited_statuses: tuple[str, ...] = UNCREDITED_STATUSES
    new_hosts: bool = True
    story_outlets: list[int] = field(default_factory=lambda: [5])
    lookback: str = "2d"
    retry_days: float = 7.0
    atom: AtomConfig | None = None
    webhook: WebhookConfig | None = None
    email: EmailConfig | None = None

    @property
    def outputs(self) -> list[str]:
        return [name for name in OUTPUTS if getattr(self, name) is not None]


def load_config(path: str | Path) -> AlertsConfig | None:
    """The ``[alerts]`` table of the TOML file at ``path``; None when it has none."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AlertsConfigError(f"{path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise AlertsConfigError(f"{path}: {exc}") from None
    table = data.get("alerts")
    if table is None:
        return None
    return parse_config(table, base=path.parent, where=f"{path}: [alerts]")


def _take(table: dict, where: str, spec: dict[str, type | tuple]) -> dict:
    unknown = sorted(set(table) - set(spec))
    if unknown:
        raise AlertsConfigError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(spec))})")
    out = {}
    for key, kind in spec.items():
        if key in table:
            value = table[key]
            kinds = kind if isinstance(kind, tuple) else (kind,)
            # TOML integers are fine where a float is asked for; booleans are not numbers here.
            if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
                names = " or ".join(k.__name__ for k in kinds)
                raise AlertsConfigError(f"{where}: {key} must be {names}, not {type(value).__name__}")
            out[key] = value
    return out


def parse_config(table: dict, *, base: Path = Path("."), where: str = "[alerts]") -> AlertsConfig:
    sub = {k: table[k] for k in OUTPUTS if k in table}
    top = _take({k: v for k, v in table.items() if k not in OUTPUTS}, where, {
        "watch": list, "uncredited_state_media": bool, "uncredited_statuses": list, "new_hosts": bool,
        "story_outlets": (int, list), "lookback": str, "retry_days": (int, float)})
    config = AlertsConfig()
    if "watch" in top:
        config.watch = [str(w) for w in top["watch"]]
    if "uncredited_state_media" in top:
        config.uncredited_state_media = top["uncredited_state_media"]
    if "uncredited_statuses" in top:
        bad = [s for s in top["uncredited_statuses"] if s not in UNCREDITED_STATUSES]
        if bad:
            raise AlertsConfigError(f"{where}: uncredited_statuses: unknown status {bad[0]!r} "
                                    f"(known: {', '.join(UNCREDITED_STATUSES)})")
        config.uncredited_statuses = tuple(top["uncredited_statuses"])
    if "new_hosts" in top:
        config.new_hosts = top["new_hosts"]
    if "story_outlets" in top:
        value = top["story_outlets"]
        values = [value] if isinstance(value, int) else value
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 2 for v in values):
            raise AlertsConfigError(f"{where}: story_outlets must be whole numbers of at least 2 (or [] for none)")
        config.story_outlets = sorted(set(values))
    if "lookback" in top:
        since_from(top["lookback"])  # fails early on a bad value
        config.lookback = top["lookback"]
    if "retry_days" in top:
        config.retry_days = float(top["retry_days"])
    for name, value in sub.items():
        if not isinstance(value, dict):
            raise AlertsConfigError(f"{where}: {name} must be a table ([alerts.{name}])")
    if "atom" in sub:
        atom = _take(sub["atom"], f"{where}.atom", {"path": str, "title": str, "link": str, "id": str, "max_entries": int})
        if "path" not in atom:
            raise AlertsConfigError(f"{where}.atom: path is required (the feed file to write)")
        config.atom = AtomConfig(path=base / Path(atom["path"]).expanduser(), title=atom.get("title", AtomConfig.title),
                                 link=atom.get("link"), feed_id=atom.get("id"),
                                 max_entries=atom.get("max_entries", AtomConfig.max_entries))
    if "webhook" in sub:
        hook = _take(sub["webhook"], f"{where}.webhook", {
            "url": str, "headers": dict, "retries": int, "backoff": (int, float), "max_backoff": (int, float),
            "timeout": (int, float), "batch_size": int})
        if not re.match(r"https?://", hook.get("url", "")):
            raise AlertsConfigError(f"{where}.webhook: url is required, http:// or https://")
        if hook.get("retries", 0) < 0 or hook.get("retries", 0) > 20:
            raise AlertsConfigError(f"{where}.webhook: retries must be 0-20")
        config.webhook = WebhookConfig(url=hook["url"], headers={str(k): str(v) for k, v in hook.get("headers", {}).items()},
                                       **{k: hook[k] for k in ("retries", "backoff", "max_backoff", "timeout", "batch_size")
                                          if k in hook})
    if "email" in sub:
        mail = _take(sub["email"], f"{where}.email", {
            "to": (str, list), "from": str, "host": str, "port": int, "starttls": bool, "ssl": bool,
            "username": str, "password_env": str, "subject_prefix": str, "timeout": (int, float)})
        to = [mail["to"]] if isinstance(mail.get("to"), str) else mail.get("to") or []
        if not to or "from" not in mail:
            raise AlertsConfigError(f"{where}.email: to and from are required")
        config.email = EmailConfig(to=[str(t) for t in to], sender=mail["from"],
                                   **{k: mail[k] for k in ("host", "port", "starttls", "ssl", "username", "password_env",
                                                           "subject_prefix", "timeout") if k in mail})
    return config


_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|minutes?|h|hours?|d|days?|w|weeks?)\s*$", re.I)


def since_from(value: str, now: datetime | None = None) -> str:
    """``"2024-05-01"``, an ISO 8601 time, or ``"36h"``/``"2d"``/``"1w"``/``"90m"`` ago, as a stored UTC timestamp."""
    now = now or datetime.now(timezone.utc)
    match = _RELATIVE.match(value or "")
    if match:
        amount, unit = float(match.group(1)), match.group(2).lower()
        delta = {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": timedelta(days=amount),
                 "w": timedelta(weeks=amount)}[unit[0]]
        moment = now - delta
    else:
        moment = parse_timestamp(value.strip()) if value else None
        if moment is None:
            raise AlertsConfigError(f"cannot read {value!r} as a time: give an ISO 8601 date or time, "
                                    "or an age such as 36h, 2d, 1w")
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat()


@dataclass
class Alert:
    key: str
    kind: str
    title: str
    summary: str
    url: str | None
    detected: str | None
    payload: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {**self.payload, **{k: v for k, v in asdict(self).items() if k != "payload"}}


# A copy is news once both it and its origin are stored: the later first_seen.
_SEEN = "MAX(COALESCE(o.first_seen, o.fetched, ''), COALESCE(a.first_seen, a.fetched, ''))"

_FRESH_COPIES = f"""
WITH fresh AS (SELECT id FROM articles WHERE first_seen >= :since),
touched AS (SELECT DISTINCT cluster_id FROM cluster_members WHERE article_id IN (SELECT id FROM fresh))
SELECT r.*, {_SEEN} AS detected
FROM republications r
JOIN articles o ON o.id = r.origin_id
JOIN articles a ON a.id = r.copy_id
WHERE r.cluster_id IN (SELECT cluster_id FROM touched)
  AND COALESCE(r.same_outlet, 0) = 0
  AND {_SEEN} >= :since
ORDER BY detected, r.copy_id
"""

# Has this outlet republished anything that was known before ``since``?
_SEEN_BEFORE = f"""
SELECT 1 FROM articles a
JOIN cluster_members cm ON cm.article_id = a.id
JOIN clusters c ON c.id = cm.cluster_id
JOIN articles o ON o.id = c.origin_id
WHERE a.outlet = :outlet AND cm.article_id != c.origin_id AND COALESCE(cm.same_outlet, 0) = 0
  AND {_SEEN} < :since
LIMIT 1
"""

_STORIES = """
WITH fresh AS (SELECT id FROM articles WHERE first_seen >= :since),
touched AS (
  SELECT DISTINCT COALESCE('s' || c.story_id, 'c' || c.id) AS sid FROM cluster_members m
  JOIN clusters c ON c.id = m.cluster_id WHERE m.article_id IN (SELECT id FROM fresh)
)
SELECT COALESCE('s' || c.story_id, 'c' || c.id) AS sid, c.story_id, MIN(c.id) AS cluster_id,
  COUNT(DISTINCT a.outlet) AS outlets, COUNT(*) AS articles, COUNT(DISTINCT c.id) AS versions,
  MAX(COALESCE(a.first_seen, a.fetched)) AS detected, group_concat(DISTINCT a.outlet) AS outlet_list,
  COALESCE(s.origin_id, MIN(c.origin_id)) AS origin_id
FROM clusters c
JOIN cluster_members m ON m.cluster_id = c.id
JOIN articles a ON a.id = m.article_id
LEFT JOIN stories s ON s.id = c.story_id
WHERE COALESCE('s' || c.story_id, 'c' || c.id) IN (SELECT sid FROM touched)
GROUP BY sid
HAVING COUNT(DISTINCT a.outlet) >= :min_outlets
"""


def _matches_watch(row: dict, watch: set[str]) -> bool:
    names = (row.get("origin_outlet"), row.get("origin_outlet_name"), row.get("origin_owner"))
    return any(n and n.lower() in watch for n in names)


def _uncredited(row: dict, statuses: tuple[str, ...]) -> bool:
    if row.get("credit_status"):
        return row["credit_status"] in statuses
    return row.get("credited") == 0


def _share(coverage) -> str:
    # A headline member (dedupe.headlines) carries the story's headline, no measured text.
    return "headline only" if coverage is None else f"{round(100 * coverage)}% of the text"


def _hours(value) -> str:
    return "lag unknown" if value is None else f"{value:g} h after the origin"


def find_alerts(db: Database, config: AlertsConfig, since: str) -> list[Alert]:
    """Every alert for what was stored since ``since`` (an ISO 8601 UTC time), oldest first;
    already-alerted ones included (:func:`check` leaves those out)."""
    alerts: list[Alert] = []
    watch = {w.lower() for w in config.watch}
    rows = [dict(r) for r in db.query(_FRESH_COPIES, {"since": since})]
    for row in rows:
        reasons = []
        if watch and _matches_watch(row, watch):
            reasons.append("watched_copy")
        if config.uncredited_state_media and row.get("state_media") == 1 and _uncredited(row, config.uncredited_statuses):
            reasons.append("uncredited_state_media")
        if not reasons:
            continue
        # One alert per copy, whatever made it one: a watched source's uncredited copy is one event.
        kind = "uncredited_state_media" if "uncredited_state_media" in reasons else "watched_copy"
        status = row.get("credit_status") or ("credited" if row.get("credited") else "none")
        what = "uncredited copy" if kind == "uncredited_state_media" else "copy"
        title = (f"{row['copy_outlet']}: {what} of {row['origin_outlet']}: "
                 f"{clean(row.get('copy_title') or row.get('origin_title') or '')}")
        summary = (f"{row['copy_outlet']} carried {row['origin_outlet']}'s \"{clean(row.get('origin_title') or '')}\" "
                   f"({row['relation']}, {_share(row.get('coverage'))}, credit: {status}, "
                   f"{_hours(row.get('lag_hours'))}). Cluster {row['cluster_id']}.")
        alerts.append(Alert(
            key=f"copy:{row['copy_id']}", kind=kind, title=title, summary=summary, url=row.get("copy_url"),
            detected=row["detected"],
            payload={"reasons": reasons, **{k: row.get(k) for k in (
                "cluster_id", "story_id", "copy_id", "copy_outlet", "copy_outlet_name", "copy_url", "copy_title",
                "copy_published", "origin_id", "origin_outlet", "origin_outlet_name", "origin_owner", "origin_url",
                "origin_title", "origin_published", "state_media", "relation", "coverage", "credited",
                "credit_status", "lag_hours")}},
        ))
    if config.new_hosts:
        alerts.extend(_new_hosts(db, rows, since))
    if config.story_outlets:
        alerts.extend(_stories(db, config.story_outlets, since))
    alerts.sort(key=lambda a: (a.detected or "", a.key))
    return alerts


def _new_hosts(db: Database, rows: list[dict], since: str) -> list[Alert]:
    by_outlet: dict[str, list[dict]] = {}
    for row in rows:
        by_outlet.setdefault(row["copy_outlet"], []).append(row)
    alerts = []
    for outlet, copies in by_outlet.items():
        if outlet is None or list(db.query(_SEEN_BEFORE, {"outlet": outlet, "since": since})):
            continue
        sources = sorted({r["origin_outlet"] for r in copies if r["origin_outlet"]})
        uncredited = sum(1 for r in copies if _uncredited(r, UNCREDITED_STATUSES))
        first = copies[0]
        alerts.append(Alert(
            key=f"host:{outlet}", kind="new_host",
            title=f"new republisher: {outlet} ({plural(len(copies), 'copy', 'copies')} of {', '.join(sources)})",
            summary=(f"{outlet}{' (' + first['copy_outlet_name'] + ')' if first.get('copy_outlet_name') else ''} "
                     f"was seen republishing for the first time: {plural(len(copies), 'copy', 'copies')} of "
                     f"{', '.join(sources)}, {uncredited} without credit. First: {clean(first.get('copy_title') or '')}"),
            url=first.get("copy_url"), detected=first["detected"],
            payload={"outlet": outlet, "outlet_name": first.get("copy_outlet_name"), "copies": len(copies),
                     "uncredited": uncredited, "sources": sources,
                     "state_media_sources": sorted({r["origin_outlet"] for r in copies if r.get("state_media") == 1}),
                     "copy_ids": [r["copy_id"] for r in copies]},
        ))
    return alerts


def _stories(db: Database, thresholds: list[int], since: str) -> list[Alert]:
    alerts = []
    for row in db.query(_STORIES, {"since": since, "min_outlets": min(thresholds)}):
        passed = max(t for t in thresholds if t <= row["outlets"])
        origin = next(db.query("select id, outlet, title, url, published from articles where id = ?", [row["origin_id"]]), {})
        label = f"story {row['story_id']}" if row["story_id"] is not None else f"cluster {row['cluster_id']}"
        alerts.append(Alert(
            key=f"story:{row['sid']}:{passed}", kind="story_spread",
            title=f"{label} passed {passed} outlets: {clean(origin.get('title') or '')}",
            summary=(f"{origin.get('outlet')}'s \"{clean(origin.get('title') or '')}\" is now carried by "
                     f"{row['outlets']} outlets ({plural(row['versions'], 'version', 'versions')}, "
                     f"{plural(row['articles'], 'article', 'articles')}): {row['outlet_list']}."),
            url=origin.get("url"), detected=row["detected"],
            payload={"story_id": row["story_id"], "cluster_id": row["cluster_id"], "outlets": row["outlets"],
                     "threshold": passed, "versions": row["versions"], "articles": row["articles"],
                     "outlet_list": sorted((row["outlet_list"] or "").split(",")),
                     "origin_id": origin.get("id"), "origin_outlet": origin.get("outlet"),
                     "origin_title": origin.get("title"), "origin_url": origin.get("url"),
                     "origin_published": origin.get("published")},
        ))
    return alerts


# ---- delivery ---------------------------------------------------------------------------------


class DeliveryError(Exception):
    pass


@dataclass
class OutputResult:
    output: str
    sent: int = 0
    error: str | None = None
    attempts: int = 0


@dataclass
class CheckResult:
    since: str
    new: list[Alert]
    outputs: list[OutputResult]

    @property
    def failed(self) -> list[OutputResult]:
        return [o for o in self.outputs if o.error]

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for a in self.new:
            counts[a.kind] = counts.get(a.kind, 0) + 1
        parts = [f"alerts: {len(self.new)} new"]
        if counts:
            parts[0] += " (" + ", ".join(f"{n} {k}" for k, n in counts.items()) + ")"
        for o in self.outputs:
            parts.append(f"{o.output} failed: {o.error}" if o.error else f"{o.output} {o.sent} sent")
        return ", ".join(parts)

    def as_dict(self) -> dict:
        return {"since": self.since, "new": len(self.new), "kinds": sorted({a.kind for a in self.new}),
                "outputs": {o.output: {"sent": o.sent, "error": o.error, "attempts": o.attempts} for o in self.outputs}}


def check(db: Database, config: AlertsConfig, *, since: str | None = None, dry_run: bool = False,
          database_name: str = "syndtrack", sleep: Callable[[float], None] = time.sleep) -> CheckResult:
    """Find what is new since ``since`` (default: ``config.lookback`` ago), record it, and
    deliver to every configured output what that output has not had yet.

    A failed output keeps its alerts pending: the next call sends them (for ``retry_days``).
    ``dry_run`` finds and returns the new alerts without recording or sending anything.
    """
    since = since or since_from(config.lookback)
    found = find_alerts(db, config, since)
    known = {r[0] for r in db.execute("select key from alerts")}
    new = [a for a in found if a.key not in known]
    if dry_run:
        return CheckResult(since=since, new=new, outputs=[])
    now = utcnow()
    if new:
        with write_transaction(db):
            db.conn.executemany(
                "insert or ignore into alerts (key, kind, title, summary, url, detected, created, payload) "
                "values (?, ?, ?, ?, ?, ?, ?, ?)",
                [(a.key, a.kind, a.title, a.summary, a.url, a.detected, now, json.dumps(a.payload, ensure_ascii=False))
                 for a in new])
    results = []
    oldest = (datetime.now(timezone.utc) - timedelta(days=config.retry_days)).replace(microsecond=0).isoformat()
    for output in config.outputs:
        pending = _pending(db, output, oldest)
        result = OutputResult(output)
        try:
            if output == "atom":
                # Marked and written in one transaction: a feed that failed to write leaves them pending.
                with write_transaction(db):
                    _mark(db, pending, output, now)
                    write_atom(db, config.atom, database_name)
                result.attempts = 1
            elif pending:
                if output == "webhook":
                    result.attempts = post_webhook(config.webhook, pending, database_name, sleep=sleep)
                else:
                    send_email(config.email, pending, database_name)
                    result.attempts = 1
                # Marked after delivery: a crash between the two sends them again (at least once, never lost).
                with write_transaction(db):
                    _mark(db, pending, output, now)
        except Exception as exc:  # one output down must not keep the others from their alerts
            result.error = str(exc) if isinstance(exc, DeliveryError) else f"{type(exc).__name__}: {exc}"
        else:
            result.sent = len(pending)
        results.append(result)
    return CheckResult(since=since, new=new, outputs=results)


def _mark(db: Database, alerts: list[Alert], output: str, now: str) -> None:
    db.conn.executemany("insert or ignore into alerts_sent (key, output, sent) values (?, ?, ?)",
                        [(a.key, output, now) for a in alerts])


def _row_alert(row) -> Alert:
    key, kind, title, summary, url, detected, payload = row
    return Alert(key=key, kind=kind, title=title, summary=summary, url=url, detected=detected,
                 payload=json.loads(payload or "{}"))


def _pending(db: Database, output: str, oldest: str) -> list[Alert]:
    rows = db.execute(
        "select a.key, a.kind, a.title, a.summary, a.url, a.detected, a.payload from alerts a "
        "where a.created >= ? and not exists (select 1 from alerts_sent s where s.key = a.key and s.output = ?) "
        "order by a.created, a.detected, a.key", [oldest, output]).fetchall()
    return [_row_alert(r) for r in rows]


def write_atom(db: Database, config: AtomConfig, database_name: str) -> None:
    """Write the feed of the latest alerts sent to it, atomically (a reader never sees half a file)."""
    from feedgen.feed import FeedGenerator

    rows = db.execute(
        "select a.key, a.kind, a.title, a.summary, a.url, a.detected, a.payload, s.sent from alerts a "
        "join alerts_sent s on s.key = a.key and s.output = 'atom' order by s.sent desc, a.key desc limit ?",
        [config.max_entries]).fetchall()
    fg = FeedGenerator()
    fg.id(config.feed_id or f"urn:syndtrack:alerts:{database_name}")
    fg.title(config.title)
    fg.author({"name": "syndtrack"})
    fg.link(href=config.link or config.path.resolve().as_uri(), rel="alternate")
    fg.subtitle(f"New republications found in {database_name}")
    fg.updated(rows[0][7] if rows else utcnow())
    fg.generator("syndtrack")
    # feedgen lists entries newest first when each is added at the front.
    for row in reversed(rows):
        alert, sent = _row_alert(row[:7]), row[7]
        entry = fg.add_entry()
        entry.id(f"urn:syndtrack:alert:{database_name}:{alert.key}")
        entry.title(_xml_safe(alert.title))
        entry.summary(_xml_safe(alert.summary))
        entry.category(term=alert.kind)
        if alert.url:
            entry.link(href=alert.url)
        entry.updated(sent)
        entry.published(alert.detected or sent)
        entry.content(json.dumps(alert.as_json(), ensure_ascii=False, default=str), type="text")
    config.path.parent.mkdir(parents=True, exist_ok=True)
    tmp = config.path.with_name(config.path.name + ".tmp")
    fg.atom_file(str(tmp), pretty=True)
    tmp.replace(config.path)


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(text: str | None) -> str:
    return _XML_INVALID.sub("", text or "")


def post_webhook(config: WebhookConfig, alerts: list[Alert], database_name: str, *,
                 sleep: Callable[[float], None] = time.sleep) -> int:
    """POST the alerts as JSON in batches; retry a connection error, 429 or 5xx with
    exponential backoff (``Retry-After`` when the server gives one). Returns the attempts made."""
    attempts = 0
    size = max(1, config.batch_size)
    for start in range(0, len(alerts), size):
        batch = alerts[start:start + size]
        body = json.dumps({"source": "syndtrack", "database": database_name, "generated": utcnow(),
                           "count": len(batch), "alerts": [a.as_json() for a in batch]},
                          ensure_ascii=False, default=str).encode("utf-8")
        for attempt in range(config.retries + 1):
            attempts += 1
            request = urllib.request.Request(config.url, data=body, method="POST", headers={
                "Content-Type": "application/json; charset=utf-8", "User-Agent": "syndtrack-alerts",
                **config.headers})
            retry_after = None
            try:
                with urllib.request.urlopen(request, timeout=config.timeout) as resp:
                    resp.read()
                break
            except urllib.error.HTTPError as exc:
                if exc.code != 429 and exc.code < 500:
                    # A 4xx other than 429 will not heal by itself: say so now, not after the retries.
                    raise DeliveryError(f"HTTP {exc.code} {exc.reason} from {config.url}") from None
                error = f"HTTP {exc.code} {exc.reason}"
                retry_after = _retry_after(exc.headers.get("Retry-After"))
            except (urllib.error.URLError, OSError) as exc:
                error = str(getattr(exc, "reason", None) or exc)
            if attempt == config.retries:
                raise DeliveryError(f"{error} from {config.url} after {plural(attempt + 1, 'attempt', 'attempts')}")
            delay = retry_after if retry_after is not None else config.backoff * (2 ** attempt)
            sleep(min(delay, config.max_backoff))
    return attempts


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def send_email(config: EmailConfig, alerts: list[Alert], database_name: str) -> None:
    """One message listing the alerts, through the configured SMTP server."""
    import os

    counts: dict[str, int] = {}
    for a in alerts:
        counts[a.kind] = counts.get(a.kind, 0) + 1
    msg = EmailMessage()
    msg["Subject"] = (f"{config.subject_prefix} {database_name}: {plural(len(alerts), 'alert', 'alerts')} ("
                      + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items()) + ")").strip()
    msg["From"] = config.sender
    msg["To"] = ", ".join(config.to)
    lines = []
    for a in alerts:
        lines += [f"* {a.title}", f"  {a.summary}"] + ([f"  {a.url}"] if a.url else []) + [""]
    msg.set_content(clean("\n".join(lines)) + "\n-- \nsyndtrack alerts (docs/operations.md)\n")
    context = ssl.create_default_context()
    smtp_class = smtplib.SMTP_SSL if config.ssl else smtplib.SMTP
    kwargs = {"context": context} if config.ssl else {}
    with smtp_class(config.host, config.port, timeout=config.timeout, **kwargs) as smtp:
        if config.starttls and not config.ssl:
            smtp.starttls(context=context)
        if config.username:
            password = os.environ.get(config.password_env or "", "")
            if not password:
                raise DeliveryError(f"email: username set but ${config.password_env or 'password_env'} is empty")
            smtp.login(config.username, password)
        smtp.send_message(msg)


def find_config_path(explicit: str | None) -> str | None:
    import os

    return explicit or os.environ.get("SYNDTRACK_CONFIG") or None


def describe(alert: Alert) -> str:
    return f"[{alert.kind}] {alert.title}\n    {alert.summary}" + (f"\n    {alert.url}" if alert.url else "")


__all__ = ["Alert", "AlertsConfig", "AlertsConfigError", "CheckResult", "check", "find_alerts", "load_config",
           "parse_config", "since_from", "write_atom", "post_webhook", "send_email", "KINDS"]
