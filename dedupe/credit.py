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
    # The twin of syndtrack.store.urls.host_of: dedupe is pure and below syndtrack, so
    # it cannot import it (the layering test checks that dedupe imports no syndtrack).
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


# -- what a copy says instead: the credit taxonomy ------------------------------------------

CREDIT_STATUSES = ("credited", "credited_other", "vague", "stripped", "none")

# A source that names nobody: "(Agencies)", "Source: Internet", "Web Desk", "来源：网络".
VAGUE = re.compile(
    r"(?<![\w])(agencies|agency reports?|wire (services?|reports?)|news ?desks?|web ?desk|online desk|"
    r"news ?wires?|internet|online sources?|media reports?|social media|staff (reporter|writer)s?|"
    r"various sources|syndicated|bureau report)(?![\w])"
    r"|来源[:：]\s*(网络|互联网|综合)|综合(报道|消息|自)|网络转载|转自网络"
)
# Names of outlets too common as plain words to tell a credit from prose.
_GENERIC_NAMES = frozenset(
    "iran gold star map mir app liter posta lokal hayat sabah petra quds anis exame dr hr mr lr mr. "
    "today news radio times post mail sun star tv one first direct nation voice".split()
)
_SHORT_OK = frozenset(("rt", "aa", "dw", "ap"))


_TOKEN = re.compile(r"[\w'+&-]+(?:\.[\w'+&-]+)*")


class OutletNames:
    """Finds which known outlets a copy's credit evidence names.

    ``names`` maps casefolded outlet names and aliases to a key (the registry
    slug); ``hosts`` maps domains to the same keys. Built once per clustering
    run from the registry, so this module still knows no registry itself.

    Latin-script names are looked up by runs of up to :attr:`longest` words of
    the evidence, other scripts by substring: a regex alternation of the ~1,200
    names tried every name at every position (milliseconds per article); the
    look-ups take microseconds.
    """

    def __init__(self, names: dict[str, str | None], hosts: dict[str, str] | None = None):
        keys = {" ".join(_TOKEN.findall(n)) if n.isascii() else n: k for n, k in names.items()
                if k and n not in _GENERIC_NAMES and (len(n) >= 3 or n in _SHORT_OK)}
        self.words = {n: k for n, k in keys.items() if n.isascii() and n}
        self.other = sorted(((n, k) for n, k in keys.items() if not n.isascii()), key=lambda nk: -len(nk[0]))
        self.longest = min(6, max((n.count(" ") + 1 for n in self.words), default=1))
        # The longest name starting with each word: most words of a credit start none.
        self.first: dict[str, int] = {}
        for n in self.words:
            head, length = n.split(" ")[0], n.count(" ") + 1
            self.first[head] = min(self.longest, max(self.first.get(head, 0), length))
        self.hosts = dict(hosts or {})

    def named(self, evidence_text: str, links: Iterable[str] = ()) -> set[str]:
        """The keys of the outlets the evidence names or its links point at."""
        found: set[str] = set()
        if evidence_text:
            text = evidence_text.casefold()
            tokens = _TOKEN.findall(text)
            words, first = self.words, self.first
            for i, token in enumerate(tokens):
                longest = first.get(token)
                if not longest:
                    continue
                for n in range(1, min(longest, len(tokens) - i) + 1):
                    key = words.get(" ".join(tokens[i : i + n]))
                    if key:
                        found.add(key)
            if not text.isascii():
                found.update(k for n, k in self.other if n in text)
        for link in links:
            host = host_of(link)
            while host:
                if host in self.hosts:
                    found.add(self.hosts[host])
                    break
                host = host.partition(".")[2]
        return found


def credit_status(evidence_text: str, links: list[str], names: set[str], hosts: set[str], *,
                  others: set[str] = frozenset(), origin_credits_itself: bool = False) -> str:
    """What a copy says about where its text came from.

    - ``credited``: it names the origin's outlet, owner or an alias, or links to its site;
    - ``credited_other``: it credits another known outlet instead (``others``: the
      outlets :class:`OutletNames` found in its evidence, less the origin's group
      and the copy's own outlet), e.g. a copy of a CGTN piece crediting "Xinhua";
    - ``vague``: it credits nobody in particular ("Agencies", "Source: Internet");
    - ``stripped``: it credits nothing, and the origin carried its own credit or
      dateline ("BEIJING, May 3 (Xinhua) --", "新华社北京5月3日电") that the copy removed;
    - ``none``: it credits nothing, and there was nothing to keep.
    """
    if credits_origin(evidence_text, links, names, hosts):
        return "credited"
    if others:
        return "credited_other"
    if evidence_text and VAGUE.search(evidence_text.casefold()):
        return "vague"
    return "stripped" if origin_credits_itself else "none"
