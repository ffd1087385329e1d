"""Is this page an article? Section fronts, tag pages, search results and empty pages are not.

Signals, strongest first: what the page declares (og:type, JSON-LD @type), the URL (tag/,
category/, the site root), how much text the extractor found, and how much of that text is
link text (a section front extracted as text is mostly headlines that are links).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .metadata import ARTICLE_TYPES, LISTING_TYPES

_LISTING_PATH = re.compile(
    r"/(?:tags?|topics?|category|categories|section|sections|authors?|search)(?:/|$)"
    # /page/2 pages through a listing; /page/ followed by more path is an article on some
    # sites (Global Times: /page/202406/1314567.shtml), so only a final /page or /page/N counts.
    r"|/page(?:/\d+)?/?$"
    # the site root and one-level section indexes (/world/index.htm); deeper index.html
    # paths are articles on some sites (CNN)
    r"|^/(?:(?:[\w-]+/)?index(?:_\d+)?\.(?:s?html?|php|aspx?))?$",
    re.I,
)
MIN_TOKENS_DECLARED = 25  # an article-typed page can be a short brief
MIN_TOKENS_UNDECLARED = 80
MAX_LINK_SHARE = 0.5


def is_article(meta, url: str, n_tokens: int, link_share: float) -> tuple[bool, str]:
    """(decision, reason): the reason is logged by the spider when a page is skipped."""
    og_type = (meta.get("og:type") or "").lower()
    declared_article = og_type == "article" or bool(meta.jsonld_types & ARTICLE_TYPES)
    declared_listing = og_type in ("website", "profile") or bool(
        meta.jsonld_types & LISTING_TYPES and not meta.jsonld_types & ARTICLE_TYPES
    )
    path = urlsplit(url).path
    listing_url = bool(_LISTING_PATH.search(path))

    if n_tokens < MIN_TOKENS_DECLARED:
        return False, f"too little text ({n_tokens} tokens)"
    if link_share > MAX_LINK_SHARE:
        return False, f"mostly link text ({link_share:.0%})"
    if declared_article and not listing_url:
        return True, "declared article"
    if listing_url:
        # A tag page can carry og:type=article copied from a site-wide template; only a long
        # text with few links overrides the URL.
        ok = declared_article and n_tokens >= 3 * MIN_TOKENS_UNDECLARED and link_share < 0.2
        return ok, "listing URL" + (" but long article text" if ok else "")
    if declared_listing:
        ok = n_tokens >= 2 * MIN_TOKENS_UNDECLARED and link_share < 0.3
        return ok, "declared website" + (" but long article text" if ok else "")
    ok = n_tokens >= MIN_TOKENS_UNDECLARED and link_share < 0.35
    return ok, "undeclared, by text" if ok else f"undeclared and short ({n_tokens} tokens)"
