"""Who is state media, and does a copy credit its origin?

The outlet registry (``outlets.state_media``, ``outlets.owner``) is the first
authority; this small built-in table covers origins the registry does not
describe (imported articles, hosts seen only in links). A copy is ``credited``
when its credit lines, attribution cues or source link name the origin's
outlet, the outlet's owner or one of their aliases, or point at the origin's site.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Each group: names that all mean the same publisher family, with its hosts.
STATE_MEDIA = {
    "China Media Group": (
        ["china media group", "cmg", "cgtn", "china global television network", "cctv", "china central television",
         "cri", "china radio international", "cri online", "cnr", "china national radio", "cctv+"],
        ["cgtn.com", "cctv.com", "cctv.cn", "cri.cn", "chinaradio.cn", "cnr.cn", "cctvplus.com"],
    ),
    "Xinhua": (
        ["xinhua", "xinhua news agency", "xinhuanet", "xinhua net", "新华社", "新华网"],
        ["xinhuanet.com", "news.cn", "xinhua.org"],
    ),
    "People's Daily": (
        ["people's daily", "people's daily online", "peopledaily", "people.cn", "人民日报", "人民网"],
        ["people.com.cn", "people.cn"],
    ),
    "Global Times": (["global times", "globaltimes", "环球时报", "环球网"], ["globaltimes.cn", "huanqiu.com"]),
    "China Daily": (["china daily", "chinadaily", "中国日报"], ["chinadaily.com.cn", "chinadailyhk.com", "chinadailyasia.com"]),
    "China News Service": (["china news service", "chinanews", "ecns", "中新社", "中新网"], ["chinanews.com.cn", "chinanews.com", "ecns.cn"]),
    "RT": (["rt", "russia today", "ria novosti", "sputnik", "tass"], ["rt.com", "sputniknews.com", "ria.ru", "tass.com", "tass.ru"]),
}
_HOST_GROUP = {host: group for group, (_, hosts) in STATE_MEDIA.items() for host in hosts}
_NAME_GROUP = {name: group for group, (names, _) in STATE_MEDIA.items() for name in names}


def host_of(url: str | None) -> str:
    if not url:
        return ""
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname or ""
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


def _group_of_host(host: str) -> str | None:
    parts = host.split(".")
    for i in range(len(parts) - 1):
        group = _HOST_GROUP.get(".".join(parts[i:]))
        if group:
            return group
    return None


def state_media_group(*, outlet: str | None = None, url: str | None = None, owner: str | None = None) -> str | None:
    """The built-in state-media family an outlet slug, article URL or owner belongs to, if any."""
    for name in (owner, outlet):
        if name and name.casefold() in _NAME_GROUP:
            return _NAME_GROUP[name.casefold()]
    for value in (outlet, url):
        host = host_of(value) if value and ("." in value or "/" in value) else ""
        group = _group_of_host(host) if host else None
        if group:
            return group
    return None


def origin_names(*, outlet: str | None, name: str | None = None, owner: str | None = None,
                 site_name: str | None = None, url: str | None = None,
                 more_hosts: list[str] | tuple[str, ...] = ()) -> tuple[set[str], set[str]]:
    """Names (casefolded) and hosts that, found in a copy, credit this origin."""
    names = {n.casefold().strip() for n in (outlet, name, owner, site_name) if n and len(n.strip()) >= 2}
    hosts = {h for h in (host_of(url), *(host_of(x) for x in more_hosts)) if h}
    if outlet and "." in outlet:
        hosts.add(host_of(outlet))
    group = state_media_group(outlet=outlet, url=url, owner=owner)
    for n in list(names):
        group = group or _NAME_GROUP.get(n)
    if group:
        aliases, group_hosts = STATE_MEDIA[group]
        names.update(aliases)
        names.add(group.casefold())
        hosts.update(group_hosts)
    # A bare host is a name too ("Source: globaltimes.cn").
    names.update(hosts)
    return {n for n in names if n}, hosts


def credits_origin(evidence_text: str, links: list[str], names: set[str], hosts: set[str]) -> bool:
    """True when ``evidence_text`` (credit lines, attribution texts) names the origin or ``links`` point at its hosts."""
    text = evidence_text.casefold()
    for n in names:
        if not n:
            continue
        if n.isascii():
            if re.search(r"(?<![\w])" + re.escape(n) + r"(?![\w])", text):
                return True
        elif n in text:
            return True
    for link in links:
        host = host_of(link)
        if host and any(host == h or host.endswith("." + h) for h in hosts):
            return True
    return False
