"""Four of readability-lxml's steps, with the same results in less time.

readability-lxml confirms trafilatura's lines (:func:`crawler.extraction.body.readability_text`)
and was 3.9 ms of a kept firehose page's 13.4 ms of extraction (2.8 ms with these). Its
steps spent much of that on work whose answer is known more cheaply:

- ``_parse`` finds the elements to drop with ``//*[@hidden]`` and ``//*[@style]`` (libxml2
  tests each element's attributes slowly: 0.23 ms a page, against 0.05 for ``//@hidden``
  and ``//@style``), and drops them from the tree it is given before its cleaner copies it;
  here the copy comes first, so the tree given is left as it is and the caller need not
  copy it (another 0.13 ms);
- ``remove_unlikely_candidates`` builds a "class id" string for every element and searches it
  with two case-insensitive alternations of words; only elements with a class or an id can
  match (found through their attributes), and on ASCII text the lower-cased string searched
  case-sensitively gives the same answer six times faster (``re`` has no fast path for a
  case-insensitive alternation): 0.94 -> 0.52 ms;
- ``transform_misused_divs_into_paragraphs`` makes each new ``<p>`` by parsing ``"<p/>"``
  as a whole document (~30 us); ``makeelement`` makes the same element;
- ``clean``, run on the text of every paragraph and link it scores, looks its three patterns
  up in ``re``'s cache on each call, and on a short text without newlines, tabs or double
  spaces none of them can match: only the strip is left.

The replacements are installed only over the readability-lxml code they were written from
(the sha1 of each function's source, :data:`_SOURCES`); another version keeps its own.
``tests/test_extraction.py`` compares readability's text with and without them on every
page at hand (945 when written) and on a page built on their corners.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import inspect
import re

from lxml import etree

# sha1 of the source of readability-lxml 0.9's functions these replace.
_SOURCES = {
    "remove_unlikely_candidates": "ab4dda11a676a0b7398dc635d1181ba902535e34",
    "transform_misused_divs_into_paragraphs": "5b0e9d322a5e8d94720ba02699bc80783a306a08",
    "clean": "57f5337a8ba16b58ff6ddb8e4cce17aec7aaef50",
    "_parse": "caf048cb75e159ab963cd084eb877acd7d11a207",
}
_ORIGINAL: dict[str, object] = {}

# The class and id attributes below an element, in document order: their elements are the
# only ones remove_unlikely_candidates can match (an attribute test in the XPath's predicate,
# ".//*[@class or @id]", takes twice as long in libxml2).
_CLASS_AND_ID = etree.XPath(".//@class | .//@id")
_HIDDEN = etree.XPath("//@hidden")
_STYLE = etree.XPath("//@style")
_LONG_SPACE = re.compile(r"\s{255,}")
_NEWLINE = re.compile(r"\s*\n\s*")
_TABS = re.compile(r"\t|[ \t]{2,}")


def _source_sha1(obj) -> str:
    return hashlib.sha1(inspect.getsource(obj).encode("utf-8")).hexdigest()


def _search(pattern: re.Pattern, lowered: re.Pattern, text: str):
    """``pattern.search(text)`` for readability's case-insensitive alternations of lower-case
    words: on ASCII text, the lower-cased text searched case-sensitively finds the same
    (6x faster: ``re`` has no fast path for a case-insensitive alternation); other text
    (where re.I also folds the Kelvin sign and the long s) is searched as it was."""
    return lowered.search(text.lower()) if text.isascii() else pattern.search(text)


@functools.lru_cache(maxsize=16)
def _lowered(pattern: re.Pattern) -> re.Pattern:
    """A case-insensitive pattern of lower-case words, compiled case-sensitive (:func:`_search`)."""
    if not (pattern.flags & re.I) or pattern.pattern != pattern.pattern.lower() or not pattern.pattern.isascii():
        raise ValueError(f"not a lower-case ASCII pattern: {pattern.pattern!r}")
    return re.compile(pattern.pattern, pattern.flags & ~re.I)


def clean(text):
    if len(text) < 255 and "\n" not in text and "\t" not in text and "  " not in text:
        # None of the three patterns can match (a link's text, most paragraphs' text): what is
        # left to do is the strip.
        return text.strip()
    text = _LONG_SPACE.sub(" " * 255, text)
    text = _NEWLINE.sub("\n", text)
    text = _TABS.sub(" ", text)
    return text.strip()


def remove_unlikely_candidates(self):
    from readability.readability import REGEXES

    unlikely, maybe = REGEXES["unlikelyCandidatesRe"], REGEXES["okMaybeItsACandidateRe"]
    unlikely_lc, maybe_lc = _lowered(unlikely), _lowered(maybe)
    last = None
    for attribute in _CLASS_AND_ID(self.html):
        elem = attribute.getparent()
        if elem == last or elem == self.html:
            continue  # its id after its class; the root, which findall(".//*") leaves out
        last = elem
        s = "{} {}".format(elem.get("class", ""), elem.get("id", ""))
        if len(s) < 2:
            continue
        if (
            _search(unlikely, unlikely_lc, s)
            and (not _search(maybe, maybe_lc, s))
            and elem.tag not in ["html", "body"]
            and not elem.xpath("ancestor-or-self::pre | ancestor-or-self::code")
            and not elem.xpath("descendant-or-self::main | descendant-or-self::article | descendant-or-self::math")
        ):
            elem.drop_tree()


def transform_misused_divs_into_paragraphs(self):
    from lxml.etree import tostring, tounicode
    from readability.readability import REGEXES

    inline_tags = {"a", "b", "cite", "code", "em", "font", "i", "small", "span", "strong", "sub", "sup", "u"}
    block = REGEXES["divToPElementsRe"]
    for elem in self.tags(self.html, "div"):
        # readability's test as it is: its children's markup, their subtrees included.
        if not block.search(str(b"".join(tostring(s, encoding="utf-8") for s in elem))):
            elem.tag = "p"

    for elem in self.tags(self.html, "div"):
        children = list(elem)
        paragraph = None
        if elem.text and elem.text.strip():
            p = elem.makeelement("p")
            p.text = elem.text
            elem.text = None
            elem.insert(0, p)
            paragraph = p

        for child in children:
            if child.tag == "br":
                paragraph = None
                continue
            if child.tag not in inline_tags or block.search(tounicode(child, method="html")):
                paragraph = None
                continue
            if paragraph is None:
                paragraph = elem.makeelement("p")
                child.addprevious(paragraph)
            paragraph.append(child)

        for pos, child in reversed(list(enumerate(elem))):
            if child.tail and child.tail.strip():
                p = elem.makeelement("p")
                p.text = child.tail
                child.tail = None
                elem.insert(pos + 1, p)
            if child.tag == "br":
                child.drop_tree()


def _parse(self, input):
    """readability's _parse on a tree: the copy its cleaner makes is made first, and the hidden
    elements are dropped from it rather than from the tree given, which is left as it is (the
    caller need not copy it); the elements with a hidden or style attribute are found by their
    attributes ("//*[@hidden]" costs libxml2 six times as much)."""
    from lxml.html import HtmlElement
    from readability import readability as module

    if not isinstance(input, HtmlElement):
        return _ORIGINAL["_parse"](self, input)
    doc = copy.deepcopy(input)
    self.encoding = "utf-8"
    for attribute in _HIDDEN(doc):
        attribute.getparent().drop_tree()
    for attribute in _STYLE(doc):
        elem = attribute.getparent()
        if module.REGEXES["displayNoneRe"].search(elem.get("style")):
            elem.drop_tree()
    module.html_cleaner(doc)  # what html_cleaner.clean_html does to its copy
    base_href = self.url
    if base_href:
        doc.make_links_absolute(base_href, resolve_base_href=True, handle_failures=self.handle_failures)
    else:
        doc.resolve_base_href(handle_failures=self.handle_failures)
    return doc


def installable() -> bool:
    """Is the installed readability-lxml the code these steps were written from?"""
    try:
        from readability import readability as module
    except ImportError:
        return False
    originals = {**_ORIGINAL} or _current(module)
    try:
        if not all(_source_sha1(originals[name]) == sha for name, sha in _SOURCES.items()):
            return False
        # remove_unlikely_candidates reads its patterns from the module: they must still be
        # lower-case ASCII words searched case-insensitively (_search).
        _lowered(module.REGEXES["unlikelyCandidatesRe"]), _lowered(module.REGEXES["okMaybeItsACandidateRe"])
        return True
    except (OSError, TypeError, KeyError, ValueError):
        return False


def install() -> bool:
    if _ORIGINAL or not installable():
        return bool(_ORIGINAL)
    from readability import readability as module

    _ORIGINAL.update(_current(module))
    _put(module, {"remove_unlikely_candidates": remove_unlikely_candidates, "_parse": _parse,
                  "transform_misused_divs_into_paragraphs": transform_misused_divs_into_paragraphs, "clean": clean})
    return True


def installed() -> bool:
    """Are the steps in place (so that readability leaves a tree it is given as it is)?"""
    return bool(_ORIGINAL)


def _current(module) -> dict:
    return {name: getattr(module, name) if name == "clean" else getattr(module.Document, name) for name in _SOURCES}


def _put(module, functions: dict) -> None:
    for name, function in functions.items():
        # clean is a module function: text_length() and score_paragraphs() read it from the module.
        setattr(module if name == "clean" else module.Document, name, function)


def uninstall() -> None:
    if not _ORIGINAL:
        return
    from readability import readability as module

    _put(module, _ORIGINAL)
    _ORIGINAL.clear()
