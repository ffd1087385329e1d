"""Does a copy credit its origin?

A copy is ``credited`` when its credit lines, attribution cues or source link
name the origin's outlet, the outlet's owner or one of their aliases, or point
at the origin's site. Who those are is not known here: the caller hands in the
names and hosts (syndtrack reads them from the outlet registry,
``Registry.credit_names``), so this module stays a pure function of its inputs.
"""

from __future__ import annotations

import re
from typing import Iterable
from urllib.parse import urlsplit


def host_of(url: str | None) -> str:
    if not url:
        return ""
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname or ""
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


def origin_names(*, outlet: str | None, name: str | None = None, owner: str | None = None,
                 site_name: str | None = None, url: str | None = None,
                 more_hosts: Iterable[str] = (), aliases: Iterable[str] = ()) -> tuple[set[str], set[str]]:
    """Names (casefolded) and hosts that, found in a copy, credit this origin.

    ``aliases`` are further names of the origin and its media group ("Xinhua",
    "新华社", "China Media Group"), ``more_hosts`` its group's other sites.
    """
    names = {n.casefold().strip() for n in (outlet, name, owner, site_name, *aliases) if n and len(n.strip()) >= 2}
    hosts = {h for h in (host_of(url), *(host_of(x) for x in more_hosts)) if h}
    if outlet and "." in outlet:
        hosts.add(host_of(outlet))
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
