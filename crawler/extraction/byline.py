"""trafilatura's byline heuristic (``trafilatura.metadata.extract_author``), its XPaths evaluated in Python.

The heuristic prunes a copy of the page (comments, sidebars, dates, figures: its
``AUTHOR_DISCARD_XPATHS``) and takes the first byline its ``AUTHOR_XPATHS`` find. Each of
those is ``//*[...]`` with a dozen attribute tests, and libxml2 evaluates such a predicate
slowly (~0.2 us a test an element: 1.7-2 ms an XPath on a 775-element page; a Python loop
over ``iter()`` with one compiled pattern an attribute takes 0.25 ms). The heuristic was
5.8 ms of a page's 26.5 ms of extraction on the firehose benchmark's pages.

The predicates are written here as Python tests with the same meaning: ``@a='v'`` is
``el.get(a) == 'v'``, ``contains(@a, 'v')`` is ``'v' in (el.get(a) or '')``, and
``re:test(@a, p)`` is ``re.search(p, el.get(a) or '')``, which is what lxml's EXSLT
implementation does (with Python's ``re``, on the attribute's string value, '' when it is
absent); elements come in document order, as XPath returns them. They are used only
while trafilatura's XPaths and the functions around them are the ones they were written
from (:func:`fast`: their text, with the regular expressions taken out and read from the
installed XPaths, and the source of the functions around them); another trafilatura version
gets its own heuristic. ``tests/test_extraction.py`` compares the results on every fixture page.
"""

from __future__ import annotations

import hashlib
import inspect
from copy import deepcopy
from functools import lru_cache

from .discard import ReTest, split_xpath

# trafilatura's AUTHOR_DISCARD_XPATHS and AUTHOR_XPATHS (trafilatura/xpaths.py), whitespace
# collapsed, each re:test's expression replaced by ? (read from the installed XPaths): the
# text the loops below were written from.
_TEMPLATES = (
    ".//*[self::a or self::div or self::section or self::span][ @id='comments' or @class='comments' or "
    "@class='title' or @class='date' or re:test(@id, ?) or re:test(@class, ?) or contains(@data-component, 'Figure')]",
    "//time|//figure",
    "//*[self::a or self::address or self::div or self::link or self::p or self::span or self::strong][ "
    "@rel='author' or @id='author' or @class='author' or @itemprop='author name' or rel='me' or "
    "@data-testid='AuthorCard' or @data-testid='AuthorURL' or re:test(@class, ?)]|//author",
    "//*[self::a or self::div or self::h3 or self::h4 or self::p or self::span][ @class='byline' or "
    "@class='username' or @class='byl' or @class='BBL' or contains(@itemprop, 'author') or "
    "re:test(@id, ?) or re:test(@class, ?)]",
    "//*[ contains(@data-component, 'Byline') or contains(@itemprop, 'author') or re:test(@id, ?) or "
    "re:test(@class, ?)]",
)
# sha1 of the source of the trafilatura functions whose steps extract_author() repeats.
_FUNCTIONS = {
    "metadata.extract_author": "3022923c1514a4fdca9c423de73cd3446c377da6",
    "metadata.extract_metainfo": "b07a9bed71f7a45f542c570f2ba106b0ad38d5a7",
    "htmlprocessing.prune_unwanted_nodes": "8eda45b1b12f6bf2eb25f42e24ecb51de744479d",
}


def _discarded(tree, by_id: ReTest, by_class: ReTest) -> list:
    """AUTHOR_DISCARD_XPATHS[0] (``.//*``: the context element itself is not a candidate)."""
    out = []
    for el in tree.iterdescendants("a", "div", "section", "span"):
        get = el.get
        i, c = get("id"), get("class")
        if (i == "comments" or c in ("comments", "title", "date") or by_id(i) or by_class(c)
                or "Figure" in (get("data-component") or "")):
            out.append(el)
    return out


def _bylines0(tree, by_class: ReTest):
    for el in tree.iter("a", "address", "div", "link", "p", "span", "strong", "author"):
        if el.tag == "author":
            yield el
            continue
        get = el.get
        c = get("class")
        if (get("rel") == "author" or get("id") == "author" or c == "author" or get("itemprop") == "author name"
                or get("data-testid") in ("AuthorCard", "AuthorURL") or by_class(c)):
            yield el


def _bylines1(tree, by_id: ReTest, by_class: ReTest):
    for el in tree.iter("a", "div", "h3", "h4", "p", "span"):
        get = el.get
        c = get("class")
        if (c in ("byline", "username", "byl", "BBL") or "author" in (get("itemprop") or "")
                or by_id(get("id")) or by_class(c)):
            yield el


def _bylines2(tree, by_id: ReTest, by_class: ReTest):
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue  # comments and processing instructions: not elements to XPath's *
        get = el.get
        if ("Byline" in (get("data-component") or "") or "author" in (get("itemprop") or "")
                or by_id(get("id")) or by_class(get("class"))):
            yield el


def _source_sha1(func) -> str | None:
    try:
        return hashlib.sha1(inspect.getsource(func).encode()).hexdigest()
    except (OSError, TypeError):
        return None


@lru_cache(maxsize=1)
def _tests() -> tuple[ReTest, ...] | None:
    """The installed trafilatura's expressions, in the order of :data:`_TEMPLATES`, when its
    heuristic is the one written here; else None."""
    import importlib

    from trafilatura.xpaths import AUTHOR_DISCARD_XPATHS, AUTHOR_XPATHS

    parsed = [split_xpath(x) for x in AUTHOR_DISCARD_XPATHS + AUTHOR_XPATHS]
    if tuple(t for t, _ in parsed) != _TEMPLATES:
        return None
    for name, sha1 in _FUNCTIONS.items():
        module, func = name.split(".")
        if _source_sha1(getattr(importlib.import_module(f"trafilatura.{module}"), func)) != sha1:
            return None
    return tuple(ReTest(e) for _, es in parsed for e in es)


def fast() -> bool:
    """Whether the installed trafilatura's heuristic is the one written here in Python."""
    return _tests() is not None


def extract_author(tree) -> str | None:
    """``trafilatura.metadata.extract_author(tree)``: the same value, faster (module docstring)."""
    from trafilatura import metadata

    tests = _tests()
    if tests is None or next(tree.iter("rel"), None) is not None:
        # (rel='me' tests a child element's text, which pruning can change: trafilatura's own.)
        return metadata.extract_author(tree)
    from trafilatura.xml import delete_element

    discard_id, discard_class, class0, id1, class1, id2, class2 = tests
    # prune_unwanted_nodes(deepcopy(tree), AUTHOR_DISCARD_XPATHS): each XPath's matches are
    # found, then deleted (tails kept), the second on what the first left.
    subtree = deepcopy(tree)
    for el in _discarded(subtree, discard_id, discard_class):
        delete_element(el)
    for el in list(subtree.iter("time", "figure")):
        delete_element(el)
    # extract_metainfo(subtree, AUTHOR_XPATHS, len_limit=120): the first match, XPath by
    # XPath, whose text is 3-119 characters.
    for candidates in (_bylines0(subtree, class0), _bylines1(subtree, id1, class1), _bylines2(subtree, id2, class2)):
        for el in candidates:
            content = " ".join(" ".join(el.itertext()).split()).strip()
            if content and 2 < len(content) < 120:
                return metadata.normalize_authors(None, content)
    return None
