"""What the crawler changes in trafilatura's process-wide state to make extraction faster, and how to undo it.

Three changes, none of which changes a result (``tests/test_extraction.py`` compares
extractions with and without them):

- its costliest XPath sets are evaluated by Python loops with the same tests
  (:mod:`crawler.extraction.discard`);
- its HTML parser gets lxml's C-level element class lookup (``HtmlElement`` for every
  element, ``HtmlComment``, ``HtmlProcessingInstruction``, ``HtmlEntity``) in place of
  ``lxml.html``'s Python one, which lxml calls for every element object it creates: with the
  loops above, ~6,000 a page and a tenth of a kept firehose page's extraction (15.4 -> 13.7 ms,
  the same output on the 483 pages measured). The Python lookup's only difference is the form
  classes (``FormElement``, ``InputElement``, ...), whose form methods trafilatura, readability,
  htmldate, jusText and this package never call;
- four of readability-lxml's steps, which confirm trafilatura's lines, are replaced by
  faster ones (:mod:`crawler.extraction.readability_steps`: 3.9 -> 2.8 ms of a kept firehose
  page's extraction).

:func:`uninstall` puts trafilatura and readability-lxml back as they ship (the benchmarks time them so).
"""

from __future__ import annotations

from lxml import etree
from lxml import html as lxml_html

from . import discard, readability_steps

_LOOKUP = etree.ElementDefaultClassLookup(
    element=lxml_html.HtmlElement, comment=lxml_html.HtmlComment, pi=lxml_html.HtmlProcessingInstruction,
    entity=lxml_html.HtmlEntity)


def install() -> None:
    from trafilatura import utils

    discard.install()
    readability_steps.install()
    if isinstance(utils.HTML_PARSER, lxml_html.HTMLParser):
        utils.HTML_PARSER.set_element_class_lookup(_LOOKUP)


def uninstall() -> None:
    from trafilatura import utils

    discard.uninstall()
    readability_steps.uninstall()
    if isinstance(utils.HTML_PARSER, lxml_html.HTMLParser):
        utils.HTML_PARSER.set_element_class_lookup(lxml_html.HtmlElementClassLookup())
