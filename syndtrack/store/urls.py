"""Canonical URLs: the key every article is stored under.

Two fetches of the same article must land on the same row, whatever tracking
parameters, fragment or letter case the link carried.
"""

from __future__ import annotations

from urllib.parse import urldefrag, urlsplit

import courlan


class BadURL(ValueError):
    pass


def canonical_url(url: str) -> str:
    """Return the canonical form of an absolute http(s) URL.

    courlan lowercases scheme and host, drops default ports, sorts the query and
    removes tracking parameters (utm_*, fbclid, gclid, ...); we also drop the
    fragment, which never names a different article.

    >>> canonical_url("HTTPS://WWW.Example.com:443/a?utm_source=x&id=3#top")
    'https://www.example.com/a?id=3'
    """
    if not isinstance(url, str) or not url.strip():
        raise BadURL("empty URL")
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise BadURL(f"not an absolute http(s) URL: {url!r}")
    try:
        normalized = courlan.normalize_url(url, strict=False)
    except Exception as exc:  # courlan raises a variety of errors on odd input
        raise BadURL(f"cannot normalise URL {url!r}: {exc}") from exc
    return urldefrag(normalized)[0]


def strip_www(host: str) -> str:
    return host[4:] if host.startswith("www.") else host


def host_of(url: str | None) -> str:
    """The host of a URL or bare host name, lower-case, without ``www.`` ('' if none)."""
    if not url:
        return ""
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname or ""
    except ValueError:
        return ""
    return strip_www(host)


def url_host(url: str) -> str:
    """The host of a URL without a leading ``www.``: the default outlet name."""
    return host_of(url)
