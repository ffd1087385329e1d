"""trafilatura's boilerplate XPaths evaluated in Python.

trafilatura prunes what it calls boilerplate (navigation, share buttons, ads, hidden blocks,
comment sections, infinite-scroll appendices) with XPaths of the form ``.//*[...]`` holding
dozens of attribute tests; in the ``favor_precision`` mode the crawler asks for, the largest
set runs twice, once on the whole raw page before its readability comparison. libxml2
evaluates such predicates slowly (~0.2 us a test an element); on the firehose benchmark's
kept pages these prunes were ~6.5 of the 26.5 ms of a page's extraction. Here each XPath is a
loop over the elements with the same tests in Python, each ``re:test(@a, p)`` being
``re.search(p, value)`` as lxml's EXSLT implementation does it ('' for a missing attribute),
``@id|@class`` the attribute written first in the tag (XPath's document order), and the
elements in document order: the same nodes, about 3x faster (9.3 -> 3.3 ms a page for the
four sets on 945 pages).

:func:`install` puts them in trafilatura's modules in place of its XPath objects
(trafilatura calls each with the tree and reads the list of elements it returns), set by
set, only where trafilatura's XPaths are the ones these loops were written from: their
text, with the regular expressions taken out, must be the templates in :data:`_SETS`, and
the expressions are read from the installed XPaths themselves. ``tests/test_extraction.py``
compares the node sets and the extraction with and without them on every page at hand.
"""

from __future__ import annotations

import re

_TEST = re.compile(r"re:test\(([^,()]+), '([^']*)'\)")
_TEMPLATES = (
    ".//*[self::div or self::item or self::list or self::p or self::section or self::span][ "
    "@data-lp-replacement-content or contains(translate(@role, 'N', 'n'), 'nav') or "
    "contains(@data-component, 'MostPopularStories') or re:test(@id|@class, ?) or re:test(@id, ?) or "
    "re:test(@class, ?)]",
    ".//*[@class='comments-title' or starts-with(@id|@class, 'reply-') or re:test(@id|@style, ?) or "
    "contains(@style, 'display:none') or contains(@style, 'display: none') or re:test(@id, ?) or "
    "re:test(@class, ?) or @aria-hidden='true']",
)


def first_of(el, names: tuple[str, str]) -> str:
    """XPath's string(@a|@b): the value of whichever of the two attributes comes first in the tag."""
    for key in el.keys():
        if key in names:
            return el.get(key)
    return ""


class ReTest:
    """``re:test(@a, p)`` on an attribute's value, or on '' when the element lacks it."""

    def __init__(self, pattern: str) -> None:
        self.search = re.compile(pattern).search
        self.on_empty = self.search("") is not None

    def __call__(self, value: str | None) -> bool:
        return self.on_empty if not value else self.search(value) is not None


class _Sections:
    """OVERALL_DISCARD_XPATH[0]: navigation, share, ad and chrome sections."""

    def __init__(self, cookie: str, by_id: str, by_class: str) -> None:
        self.cookie, self.by_id, self.by_class = ReTest(cookie), ReTest(by_id), ReTest(by_class)

    def __call__(self, tree) -> list:
        out = []
        for el in tree.iterdescendants("div", "item", "list", "p", "section", "span"):
            get = el.get
            i, c, role = get("id"), get("class"), get("role")
            if (get("data-lp-replacement-content") is not None
                    or (role is not None and "nav" in role.replace("N", "n"))
                    or "MostPopularStories" in (get("data-component") or "")
                    or self.cookie(first_of(el, ("id", "class")) if (i or c) else None)
                    or self.by_id(i) or self.by_class(c)):
                out.append(el)
        return out


class _Hidden:
    """OVERALL_DISCARD_XPATH[1]: hidden blocks, comment titles, replies."""

    def __init__(self, hidden: str, by_id: str, by_class: str) -> None:
        self.hidden, self.by_id, self.by_class = ReTest(hidden), ReTest(by_id), ReTest(by_class)

    def __call__(self, tree) -> list:
        out = []
        for el in tree.iterdescendants():
            if not isinstance(el.tag, str):
                continue  # comments and processing instructions: not elements to XPath's *
            get = el.get
            i, c, style = get("id"), get("class"), get("style")
            if (c == "comments-title"
                    or ((i is not None or c is not None) and first_of(el, ("id", "class")).startswith("reply-"))
                    or self.hidden(first_of(el, ("id", "style")) if (i or style) else None)
                    or (style is not None and ("display:none" in style or "display: none" in style))
                    or self.by_id(i) or self.by_class(c)
                    or get("aria-hidden") == "true"):
                out.append(el)
        return out


class _Tagged:
    """``.//*[self::a or self::b ...][...][...]``: the elements of those tags under the tree, in
    document order, for which every test (one a bracket) holds."""

    def __init__(self, tags: tuple[str, ...], *tests) -> None:
        self.tags, self.tests = tags, tests

    def __call__(self, tree) -> list:
        tests = self.tests
        return [el for el in tree.iterdescendants(*self.tags) if all(test(el) for test in tests)]


def _id_or_class(by_id: str, by_class: str):
    i, c = ReTest(by_id), ReTest(by_class)
    return lambda el: i(el.get("id")) or c(el.get("class"))


def _raw_prune(p0: str, p1: str, p2: str, p3: str) -> _Tagged:
    either, kept = _id_or_class(p0, p1), _id_or_class(p2, p3)
    return _Tagged(("div", "section", "aside"), either, lambda el: el.find(".//h1") is None or kept(el))


def _comments_and_lists(p0: str, p1: str, p2: str, p3: str) -> _Tagged:
    either, kept = _id_or_class(p0, p1), _id_or_class(p2, p3)
    return _Tagged(("div", "list", "section", "details", "ol", "ul"), either,
                   lambda el: el.tag not in ("ol", "ul") or kept(el))


# Each XPath set these loops stand for: (trafilatura's name, the modules that import it, its XPaths'
# text with each re:test expression replaced by ?, a function of those expressions giving the loops).
_SETS = (
    ("OVERALL_DISCARD_XPATH", ("external", "main_extractor"), _TEMPLATES,
     lambda e: [_Sections(*e[0:3]), _Hidden(*e[3:6])]),
    ("RAW_TREE_PRUNE_XPATH", ("core",), (
        ".//*[self::div or self::section or self::aside][ re:test(@id, ?) or re:test(@class, ?)][ not(.//h1) or "
        "re:test(@id, ?) or re:test(@class, ?)]",
        ".//*[self::div or self::section or self::aside][contains(@class, 'elementor-share-buttons')]"),
     lambda e: [_raw_prune(*e), _Tagged(("div", "section", "aside"),
                                        lambda el: "elementor-share-buttons" in (el.get("class") or ""))]),
    ("REMOVE_COMMENTS_AND_LISTS_XPATH", ("core",), (
        ".//*[self::div or self::list or self::section or self::details or self::ol or self::ul][ re:test(@id, ?) or "
        "re:test(@class, ?)][ not(self::ol or self::ul) or re:test(@id, ?) or re:test(@class, ?)]",),
     lambda e: [_comments_and_lists(*e)]),
    ("REMOVE_COMMENTS_XPATH", ("core",), (
        ".//*[self::div or self::list or self::section or self::details][ re:test(@id, ?) or re:test(@class, ?)]",),
     lambda e: [_Tagged(("div", "list", "section", "details"), _id_or_class(*e))]),
)


def split_xpath(xpath) -> tuple[str, list[str]]:
    """(the XPath's text with each re:test's expression replaced by ?, those expressions)."""
    text = " ".join(xpath.path.split())
    return _TEST.sub(lambda m: f"re:test({m.group(1)}, ?)", text), [m.group(2) for m in _TEST.finditer(text)]


def python_xpaths(name: str, xpaths) -> list | None:
    """The Python loops for trafilatura's XPath set ``name``, or None when it is not the one they were written from."""
    for set_name, _, templates, build in _SETS:
        if set_name == name:
            if len(xpaths) != len(templates):
                return None
            parsed = [split_xpath(x) for x in xpaths]
            if tuple(t for t, _ in parsed) != templates:
                return None
            return build([e for _, es in parsed for e in es])
    raise KeyError(name)


def install() -> bool:
    """Put the loops in trafilatura's modules in place of its XPath sets; False when none fits."""
    import importlib

    from trafilatura import xpaths

    done = False
    for name, modules, _, _ in _SETS:
        theirs = getattr(xpaths, name)
        mods = [importlib.import_module(f"trafilatura.{m}") for m in modules]
        if all(getattr(m, name) is not theirs for m in mods):
            done = True  # installed already
            continue
        loops = python_xpaths(name, theirs)
        if loops is None or any(getattr(m, name) is not theirs for m in mods):
            continue
        for m in mods:
            setattr(m, name, loops)
        done = True
    return done


def uninstall() -> None:
    """trafilatura's own XPaths back (tests and benchmarks compare the two)."""
    import importlib

    from trafilatura import xpaths

    for name, modules, _, _ in _SETS:
        for m in modules:
            setattr(importlib.import_module(f"trafilatura.{m}"), name, getattr(xpaths, name))


def installed() -> bool:
    """Whether every set that fits the installed trafilatura is in place."""
    import importlib

    from trafilatura import xpaths

    return all(getattr(importlib.import_module(f"trafilatura.{m}"), name) is not getattr(xpaths, name)
               for name, modules, _, _ in _SETS if python_xpaths(name, getattr(xpaths, name)) is not None
               for m in modules)
