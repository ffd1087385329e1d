"""``syndtrack outlets discover``: the hosts nobody listed that carry state media.

Two kinds of evidence, both read from the database:

- **text**: clusters (``syndtrack cluster``) holding a state-media article and an
  article of a host the registry does not know. Each such cluster is a story
  the host carried; its member row says whether the copy credited its origin.
- **links**: an unlisted host's articles whose source link, credit link or
  canonical link (``articles.source_url``, ``articles.attribution``) points at
  an article page of a state-media host, even when the text was rewritten and
  matches nothing.

The share of a host's pages that are copies comes from ``warc_hosts`` (pages
``import-warc`` saw, kept or not); without WARC counts, from its stored articles.
"""

from __future__ import annotations

import json
import re
import statistics
from collections import defaultdict
from typing import Any

from sqlite_utils import Database

from syndtrack.store.dates import parse_timestamp
from syndtrack.store.registry import Registry, host_of, registrable_domain

SORTS = ("stories", "share")


def _state_media_outlets(db: Database, registry: Registry) -> dict[str, dict]:
    names = [r[0] for r in db.execute("select distinct outlet from articles where outlet is not null")]
    out = {}
    for name in names:
        outlet = registry.resolve(name)
        if outlet and outlet["state_media"]:
            out[name] = outlet
    return out


def _link_target(url: str | None, registry: Registry) -> dict | None:
    """The state-media outlet an article link points at, or None (home and section pages do not count)."""
    if not url or not url.startswith("http"):
        return None
    outlet = registry.resolve(url)
    if not outlet or not outlet["state_media"]:
        return None
    from syndtrack.warc import _article_path

    return outlet if _article_path(url) else None


def discover(db: Database, registry: Registry | None = None, *, limit: int = 20, min_stories: int = 1,
             sort: str = "stories") -> list[dict[str, Any]]:
    """Unlisted hosts ranked by the state-media stories they carried (text or links)."""
    registry = registry or Registry.load()
    state = _state_media_outlets(db, registry)
    per: dict[str, dict[str, Any]] = defaultdict(lambda: {
        "stories": set(), "linked": set(), "copies": set(), "credited": [], "lags": [], "sources": defaultdict(int)})
    unlisted: dict[str, bool] = {}

    def is_unlisted(outlet: str) -> bool:
        if outlet not in unlisted:
            unlisted[outlet] = registry.resolve(outlet) is None
        return unlisted[outlet]

    if state:
        marks = ",".join("?" * len(state))
        # Clusters with a state-media member: the earliest state-media member is the
        # piece the others drew on, whichever article clustering chose as origin.
        origins = {}
        for r in db.execute(
            f"select m.cluster_id, a.outlet, a.published, a.fetched from cluster_members m "
            f"join articles a on a.id = m.article_id where a.outlet in ({marks}) "
            f"order by m.cluster_id, coalesce(a.published, a.fetched)", list(state)):
            origins.setdefault(r[0], (r[1], r[2] or r[3]))
        for start in range(0, len(origins), 500):
            ids = list(origins)[start : start + 500]
            q = ",".join("?" * len(ids))
            for cid, aid, outlet, published, fetched, credited in db.execute(
                    f"select m.cluster_id, a.id, a.outlet, a.published, a.fetched, m.credited "
                    f"from cluster_members m join articles a on a.id = m.article_id where m.cluster_id in ({q})", ids):
                if outlet in state or not is_unlisted(outlet):
                    continue
                source, source_time = origins[cid]
                host = per[outlet]
                host["stories"].add(cid)
                host["copies"].add(aid)
                host["credited"].append(credited or 0)
                host["sources"][state[source]["slug"]] += 1
                a, b = parse_timestamp(published or fetched), parse_timestamp(source_time)
                if a and b:
                    host["lags"].append((a - b).total_seconds() / 3600)
    for aid, outlet, source_url, attribution in db.execute(
            "select id, outlet, source_url, attribution from articles "
            "where source_url is not null or attribution like '%http%'"):
        if outlet in state or not is_unlisted(outlet):
            continue
        links = [source_url]
        try:
            links += [c.get("href") for c in json.loads(attribution or "[]") if isinstance(c, dict)]
        except ValueError:
            pass
        for link in links:
            target = _link_target(link, registry)
            if target:
                host = per[outlet]
                host["linked"].add(link.split("#")[0])
                host["copies"].add(aid)
                host["sources"][target["slug"]] += 1
                break
    seen = {r[0]: (r[1], r[2]) for r in db.execute("select outlet, sum(seen), sum(kept) from warc_hosts group by outlet")}
    articles = dict(db.execute("select outlet, count(*) from articles group by outlet").fetchall())
    rows = []
    for outlet, h in per.items():
        stories = len(h["stories"]) + len(h["linked"])
        if stories < min_stories:
            continue
        pages = seen.get(outlet, (None, None))[0] or articles.get(outlet) or len(h["copies"])
        rows.append({
            "host": outlet,
            "stories": stories,
            "text_stories": len(h["stories"]),
            "linked": len(h["linked"]),
            "pages_seen": pages,
            "copy_share": round(min(1.0, len(h["copies"]) / pages), 3) if pages else None,
            "credited_share": round(sum(h["credited"]) / len(h["credited"]), 3) if h["credited"] else None,
            "median_lag_hours": round(statistics.median(h["lags"]), 1) if h["lags"] else None,
            "sources": ", ".join(s for s, _ in sorted(h["sources"].items(), key=lambda kv: (-kv[1], kv[0]))),
        })
    key = (lambda r: (-r["stories"], -(r["copy_share"] or 0), r["host"])) if sort == "stories" else \
        (lambda r: (-(r["copy_share"] or 0), -r["stories"], r["host"]))
    rows.sort(key=key)
    return rows[:limit] if limit else rows


def _slug(host: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", host.lower()).strip("-") or "host"


def to_toml(rows: list[dict[str, Any]]) -> str:
    """Registry entries for the discovered hosts, ready for ``--outlets FILE`` / ``outlets load``."""
    parts = ["# Discovered by `syndtrack outlets discover`: check each before crawling it.\n"]
    for r in rows:
        host = r["host"]
        domain = registrable_domain(host) or host_of(host) or host
        parts.append(
            f"\n[outlets.{_slug(domain)}]\n"
            f"# {r['stories']} state-media stories ({r['text_stories']} by text, {r['linked']} by link); "
            f"copies {_pct(r['copy_share'])} of pages seen; credited {_pct(r['credited_share'])}; "
            f"draws on {r['sources']}\n"
            f"name = {json.dumps(domain)}\n"
            f"url = {json.dumps('https://' + domain + '/')}\n"
            f"domains = [{json.dumps(domain)}]\n"
            f"state_media = false\n"
        )
    return "".join(parts)


def _pct(value) -> str:
    return "?" if value is None else f"{value:.0%}"
