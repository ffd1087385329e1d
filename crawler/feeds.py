"""Read the link sources of an outlet: RSS/Atom feeds, XML sitemaps, robots.txt, home pages.

Each reader returns :class:`Link` tuples (url, kind, lastmod) and never
fetches anything; the spider turns links into requests. Hostile XML is
refused before any parser sees it: a feed or sitemap that declares entities
(the "billion laughs" and external-entity attacks) has no legitimate use for
them.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from typing import Any, Iterable, NamedTuple
from urllib.parse import urljoin

import feedparser
import lxml.etree
from parsel import Selector
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from syndtrack.store.dates import lastmod, parse_timestamp

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/rdf+xml")
# Look for DTD entity declarations only in the prolog: that is where they must be.
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_DOCTYPE_END = re.compile(rb"<(?!\?|!)", re.IGNORECASE)


class Link(NamedTuple):
    url: str
    kind: str  # article / feed / sitemap / page
    lastmod: str | None = None  # ISO 8601 UTC


class BadSource(ValueError):
    """A feed or sitemap that cannot be read; the message says why."""


def refuse_entities(body: bytes, what: str) -> None:
    """Raise :class:`BadSource` when an XML document declares entities.

    feedparser falls back to a loose parser and lxml is run with
    ``resolve_entities=False``, so neither expands them; refusing them outright
    also counts the hostile document as an error instead of half-reading it.
    """
    first_element = _DOCTYPE_END.search(body, 0, 65536)
    prolog = body[: first_element.start()] if first_element else body[:65536]
    if _ENTITY_DECL.search(prolog):
        raise BadSource(f"{what} declares XML entities (refused: entity expansion attack or not a plain {what})")


def parse_feed(body: bytes, base_url: str) -> list[Link]:
    """Article links of an RSS/Atom document, with their dates."""
    if not body.strip():
        raise BadSource("empty feed")
    refuse_entities(body, "feed")
    parsed = feedparser.parse(body, response_headers={"content-location": base_url})
    if not parsed.entries:
        if parsed.bozo:
            raise BadSource(f"not a readable feed: {parsed.get('bozo_exception')}")
        return []
    links = []
    for entry in parsed.entries:
        href = entry.get("link") or next(
            (l.get("href") for l in entry.get("links", []) if l.get("rel") == "alternate" and l.get("href")), None
        )
        if not href:
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        links.append(Link(urljoin(base_url, href.strip()), "article", _struct_to_iso(stamp)))
    if not links and parsed.bozo:
        raise BadSource(f"not a readable feed: {parsed.get('bozo_exception')}")
    return links


class NewsSitemap(Sitemap):
    """Scrapy's sitemap reader plus the Google News ``<news:publication_date>``.

    Scrapy keeps only the direct children of ``<url>``, and ``<news:news>``
    nests its date one level down.
    """

    __slots__ = ()

    def _process_sitemap_element(self, elem) -> dict[str, Any] | None:
        news_date = None
        for el in elem:
            if self._get_tag_name(el) == "news":
                for child in el.iter():
                    if self._get_tag_name(child) == "publication_date" and child.text:
                        news_date = child.text.strip()
        d = super()._process_sitemap_element(elem)
        if d is not None and news_date:
            d["publication_date"] = news_date
        return d


def parse_sitemap(body: bytes, max_size: int = 0) -> list[Link]:
    """The entries of a sitemap (``article`` links) or sitemap index (``sitemap`` links).

    A gzipped sitemap (``.xml.gz``, however it was served) is decompressed up
    to ``max_size`` bytes (0: no limit) with Scrapy's bounded gunzip.
    """
    if body[:2] == b"\x1f\x8b":
        try:
            body = gunzip(body, max_size=max_size)
        except ValueError as exc:  # too big once decompressed, or not gzip after all
            raise BadSource(f"cannot decompress sitemap: {exc}") from None
    if not body.strip():
        raise BadSource("empty sitemap")
    refuse_entities(body, "sitemap")
    try:
        sitemap = NewsSitemap(body)
        kind = {"urlset": "article", "sitemapindex": "sitemap"}.get(sitemap.type)
        if kind is None:
            raise BadSource(f"not a sitemap (root element <{sitemap.type}>)")
        links = []
        for entry in sitemap:
            loc = (entry.get("loc") or "").strip()
            if loc:
                date = entry.get("publication_date") or entry.get("lastmod")
                links.append(Link(loc, kind, lastmod(date)))
        if not links:
            _check_well_formed(body)
        return links
    except (StopIteration, SyntaxError) as exc:  # lxml's XMLSyntaxError is a SyntaxError
        raise BadSource(f"not a readable sitemap: {exc or 'no XML root'}") from None


def _check_well_formed(body: bytes) -> None:
    # Scrapy's reader recovers from any breakage; an empty result from a
    # broken document is an error to report, not an empty sitemap.
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        lxml.etree.fromstring(body, parser=parser)
    except lxml.etree.XMLSyntaxError as exc:
        raise BadSource(f"not a readable sitemap: {exc}") from None


def sitemaps_from_robots(body: bytes, base_url: str) -> list[Link]:
    return [Link(url, "sitemap") for url in sitemap_urls_from_robots(body, base_url=base_url)]


def feeds_from_html(selector: Selector, base_url: str) -> list[Link]:
    """Feeds a page advertises with ``<link rel="alternate" type="application/rss+xml">``."""
    links = []
    for node in selector.xpath("//link[@href]"):
        rel = (node.attrib.get("rel") or "").lower().split()
        kind = (node.attrib.get("type") or "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in FEED_TYPES:
            links.append(Link(urljoin(base_url, node.attrib["href"].strip()), "feed"))
    return links


def _struct_to_iso(stamp: time.struct_time | None) -> str | None:
    if not stamp:
        return None
    try:
        return datetime(*stamp[:6], tzinfo=timezone.utc).isoformat()
    except (TypeError, ValueError):
        return None


def older_than(lastmod: str | None, max_age_days: float | None, now: datetime) -> bool:
    """Whether a feed/sitemap date says the entry is past the outlet's ``max_age_days``."""
    if not lastmod or max_age_days is None:
        return False
    when = parse_timestamp(lastmod)
    if when is None:
        return False
    return (now - when).total_seconds() > max_age_days * 86400


def unique(links: Iterable[Link]) -> list[Link]:
    seen: set[str] = set()
    out = []
    for link in links:
        if link.url not in seen:
            seen.add(link.url)
            out.append(link)
    return out
