"""trafilatura's boilerplate XPaths (``OVERALL_DISCARD_XPATH``) evaluated in Python.

trafilatura prunes sections it calls boilerplate (navigation, share buttons, ads, hidden
blocks) with two XPaths, ``.//*[...]`` with dozens of attribute tests: once on the cleaned
tree, and, in the ``favor_precision`` mode the crawler asks for, once more on the whole raw
page before its readability comparison. libxml2 evaluates such predicates slowly (~0.2 us
a test an element); on the firehose benchmark's kept pages the raw-page pass alone was 4.4
of the 26.5 ms of a page's extraction. Here each XPath is a loop over the elements with
the same tests in Python, each ``re:test(@a, p)`` being ``re.search(p, value)`` as lxml's
EXSLT implementation does it, ``@id|@class`` the attribute that comes first in the tag
(XPath's document order), and the elements in document order: the same nodes, ~5x faster.

:func:`install` puts them in trafilatura's modules in place of its XPath objects
(trafilatura calls each with the tree and reads the list of elements it returns), only
while trafilatura's XPaths are the ones these loops were written from: the XPaths' text,
with their regular expressions taken out, must be :data:`_TEMPLATES`, and the expressions
are read from the installed XPaths themselves. ``tests/test_extraction.py`` compares
trafilatura's extraction with and without them on every fixture page.
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


def _first(el, names: tuple[str, str]) -> str:
    """XPath's string(@a|@b): the value of whichever of the two attributes comes first in the tag."""
    for key in el.keys():
        if key in names:
            return el.get(key)
    return ""


class _Test:
    """``re:test(@a, p)`` on an attribute's value, or on '' when the element lacks it."""

    def __init__(self, pattern: str) -> None:
        self.search = re.compile(pattern).search
        self.on_empty = self.search("") is not None

    def __call__(self, value: str | None) -> bool:
        return self.on_empty if not value else self.search(value) is not None


class _Sections:
    """OVERALL_DISCARD_XPATH[0]: navigation, share, ad and chrome sections."""

    def __init__(self, cookie: str, by_id: str, by_class: str) -> None:
        self.cookie, self.by_id, self.by_class = _Test(cookie), _Test(by_id), _Test(by_class)

    def __call__(self, tree) -> list:
        out = []
        for el in tree.iterdescendants("div", "item", "list", "p", "section", "span"):
            get = el.get
            i, c, role = get("id"), get("class"), get("role")
            if (get("data-lp-replacement-content") is not None
                    or (role is not None and "nav" in role.replace("N", "n"))
                    or "MostPopularStories" in (get("data-component") or "")
                    or self.cookie(_first(el, ("id", "class")) if (i or c) else None)
                    or self.by_id(i) or self.by_class(c)):
                out.append(el)
        return out


class _Hidden:
    """OVERALL_DISCARD_XPATH[1]: hidden blocks, comment titles, replies."""

    def __init__(self, hidden: str, by_id: str, by_class: str) -> None:
        self.hidden, self.by_id, self.by_class = _Test(hidden), _Test(by_id), _Test(by_class)

    def __call__(self, tree) -> list:
        out = []
        for el in tree.iterdescendants():
            if not isinstance(el.tag, str):
                continue  # comments and processing instructions: not elements to XPath's *
            get = el.get
            i, c, style = get("id"), get("class"), get("style")
            if (c == "comments-title"
                    or ((i is not None or c is not None) and _first(el, ("id", "class")).startswith("reply-"))
                    or self.hidden(_first(el, ("id", "style")) if (i or style) else None)
                    or (style is not None and ("display:none" in style or "display: none" in style))
                    or self.by_id(i) or self.by_class(c)
                    or get("aria-hidden") == "true"):
                out.append(el)
        return out


def _parse(xpath) -> tuple[str, list[str]]:
    """(the XPath's text with each re:test's expression replaced by ?, those expressions)."""
    text = " ".join(xpath.path.split())
    return _TEST.sub(lambda m: f"re:test({m.group(1)}, ?)", text), [m.group(2) for m in _TEST.finditer(text)]


def python_xpaths(xpaths) -> list | None:
    """The Python loops for trafilatura's OVERALL_DISCARD_XPATH, or None when it is not the one they were written from."""
    if len(xpaths) != len(_TEMPLATES):
        return None
    parsed = [_parse(x) for x in xpaths]
    if tuple(t for t, _ in parsed) != _TEMPLATES:
        return None
    return [_Sections(*parsed[0][1]), _Hidden(*parsed[1][1])]


def install() -> bool:
    """Put the loops in trafilatura's modules in place of its OVERALL_DISCARD_XPATH; False when they do not fit."""
    from trafilatura import external, main_extractor, xpaths

    if installed():
        return True
    loops = python_xpaths(xpaths.OVERALL_DISCARD_XPATH)
    if loops is None or external.OVERALL_DISCARD_XPATH is not xpaths.OVERALL_DISCARD_XPATH \
            or main_extractor.OVERALL_DISCARD_XPATH is not xpaths.OVERALL_DISCARD_XPATH:
        return False
    external.OVERALL_DISCARD_XPATH = main_extractor.OVERALL_DISCARD_XPATH = loops
    return True


def uninstall() -> None:
    """trafilatura's own XPaths back (tests and benchmarks compare the two)."""
    from trafilatura import external, main_extractor, xpaths

    external.OVERALL_DISCARD_XPATH = main_extractor.OVERALL_DISCARD_XPATH = xpaths.OVERALL_DISCARD_XPATH


def installed() -> bool:
    from trafilatura import external, main_extractor, xpaths

    return external.OVERALL_DISCARD_XPATH is not xpaths.OVERALL_DISCARD_XPATH \
        and main_extractor.OVERALL_DISCARD_XPATH is external.OVERALL_DISCARD_XPATH
