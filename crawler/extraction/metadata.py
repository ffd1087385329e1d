"""Read what a page says about itself: JSON-LD, OpenGraph, <meta> tags, <link rel=canonical>.

A small reader over the lxml tree we already parsed, instead of extruct: extruct re-parses
the page and also runs the microdata and RDFa extractors, which roughly doubles the cost of
extraction for fields we do not use; the handful of keys below is all the crawler needs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

ARTICLE_TYPES = {
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "backgroundnewsarticle", "reviewnewsarticle", "askpublicnewsarticle", "blogposting",
    "liveblogposting", "report", "scholarlyarticle", "techarticle", "socialmediaposting",
    "satiricalarticle", "advertisercontentarticle", "medicalscholarlyarticle",
}
LISTING_TYPES = {"collectionpage", "itemlist", "searchresultspage", "profilepage", "website"}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass
class PageMeta:
    """Everything found in the page head; empty fields are None."""

    meta: dict = field(default_factory=dict)  # lower-cased name/property -> first content
    jsonld_article: dict | None = None  # the first JSON-LD object whose @type is an article
    jsonld_types: set = field(default_factory=set)
    canonical: str | None = None
    lang: str | None = None

    def get(self, *keys: str) -> str | None:
        for key in keys:
            value = self.meta.get(key)
            if value:
                return value
        return None


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _types(obj: dict) -> set[str]:
    value = obj.get("@type") or ()
    if isinstance(value, str):
        value = [value]
    return {str(v).rsplit("/", 1)[-1].lower() for v in value if v}


def _load_jsonld(text: str):
    text = _CONTROL.sub(" ", text.strip())
    if text.startswith("<!--"):  # old CMSs wrap the block in an HTML comment
        text = text.strip("<!->\n ")
    try:
        return json.loads(text, strict=False)
    except ValueError:
        # A common breakage: several objects concatenated, or a trailing comma.
        try:
            return json.loads("[" + re.sub(r",\s*([}\]])", r"\1", text).replace("}\n{", "},{") + "]", strict=False)
        except ValueError:
            return None


def read(tree) -> PageMeta:
    meta = PageMeta()
    for node in tree.iter("meta"):
        key = node.get("property") or node.get("name") or node.get("itemprop") or node.get("http-equiv")
        content = node.get("content")
        if key and content and content.strip():
            meta.meta.setdefault(key.strip().lower(), " ".join(content.split()))
    for node in tree.iter("link"):
        rel = (node.get("rel") or "").lower().split()
        if "canonical" in rel and node.get("href") and not meta.canonical:
            meta.canonical = node.get("href").strip()
    for node in tree.iter("time"):  # microdata on <time itemprop=datePublished datetime=...>
        prop = (node.get("itemprop") or "").lower()
        if prop in ("datepublished", "datemodified") and node.get("datetime"):
            meta.meta.setdefault(prop, node.get("datetime").strip())
    root = tree.getroottree().getroot() if hasattr(tree, "getroottree") else tree
    lang = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    meta.lang = lang.strip() if lang and lang.strip() else None
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        data = _load_jsonld(script.text)
        for obj in _walk(data):
            types = _types(obj)
            meta.jsonld_types |= types
            if meta.jsonld_article is None and types & ARTICLE_TYPES:
                meta.jsonld_article = obj
    return meta


def names(value) -> list[str]:
    """Author names from a JSON-LD author value (string, Person, list of either)."""
    out: list[str] = []
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, dict):
            item = item.get("name")
        if isinstance(item, list):
            out.extend(names(item))
        elif isinstance(item, str) and item.strip() and not item.strip().startswith("http"):
            out.append(" ".join(item.split()))
    return out


def text_value(value) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("@id") or value.get("url")
    if isinstance(value, str) and value.strip():
        return " ".join(value.split())
    return None
