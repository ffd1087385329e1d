"""Main text of a page: trafilatura, cross-checked against readability.

trafilatura (favor_precision) finds the article well but lets through short boilerplate
lines inside it: "SEE MORE: ...", related-link lists, comment-form legal text, bylines of
other stories. readability-lxml scores blocks differently and rarely keeps the same junk.
A short line of trafilatura's output that readability's output does not contain is dropped;
long paragraphs are always kept (readability sometimes misses whole parts of an article, and
a long paragraph is rarely boilerplate). On the article-extraction-benchmark this lifts F1
from 0.959 (trafilatura favor_precision alone) to the figure in docs/extraction.md.
"""

from __future__ import annotations

import copy
import functools
import re

from lxml import etree
from lxml import html as lxml_html

# Lines of at most this many tokens must be confirmed by readability to be kept.
SHORT_LINE_TOKENS = 80
# Share of a line's token trigrams that readability's text must contain to confirm it.
CONFIRM_SHARE = 0.5
# readability's text must be at least this share of trafilatura's to be used at all.
MIN_CONFIRM_SHARE = 0.5
# Pruning that would remove more than this share of the text is not trusted.
MAX_PRUNED_SHARE = 0.5

# CJK characters count as one token each: \w+ would make a whole Chinese sentence one token.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BLOCK_TAGS = {
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr", "td", "th",
    "blockquote", "pre", "section", "article", "header", "footer", "figure", "figcaption", "dd", "dt",
}


def tokens(text: str) -> tuple[str, ...]:
    text = text or ""
    return _line_tokens(text) if len(text) <= 2000 else tuple(_TOKEN.findall(text))


@functools.lru_cache(maxsize=4096)  # lines only: a few MB at most, whatever the pages
def _line_tokens(text: str) -> tuple[str, ...]:
    # Cached: extraction counts the tokens of each line four or five times (precise vs
    # default mode, readability's confirmation, pruning, link share): 5% of a page's time.
    return tuple(_TOKEN.findall(text))


class _Grams:
    """Token n-gram sets of one text, built lazily per n."""

    def __init__(self, text: str):
        self._tokens = tokens(text)
        self._sets: dict[int, set] = {}

    def __bool__(self):
        return bool(self._tokens)

    def get(self, n: int) -> set:
        if n not in self._sets:
            t = self._tokens
            self._sets[n] = {tuple(t[i : i + n]) for i in range(len(t) - n + 1)}
        return self._sets[n]


def _confirmed_share(line_tokens: list[str], other: _Grams) -> float:
    n = min(3, len(line_tokens))
    grams = [tuple(line_tokens[i : i + n]) for i in range(len(line_tokens) - n + 1)]
    known = other.get(n)
    return sum(1 for g in grams if g in known) / len(grams)


def readability_text(page) -> str:
    """Text of readability-lxml's article summary, one block a line.

    ``page`` is an lxml tree, left as it is, or HTML text.
    """
    from readability import Document

    from . import readability_steps

    _light_cleaner()
    if isinstance(page, str):
        page = _CONTROL.sub(" ", page)  # lxml refuses control characters in str input
    elif not readability_steps.installed():
        page = copy.deepcopy(page)  # readability's own _parse drops hidden elements from the tree it is given
    try:
        summary = Document(page).summary(html_partial=True)
        root = lxml_html.fromstring(summary)
    except Exception:  # readability raises on empty and on some malformed documents
        return ""
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.lower() in _BLOCK_TAGS:
            el.tail = "\n" + (el.tail or "")
    text = etree.tostring(root, method="text", encoding="unicode")
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


_CLEANER_SET = False


def _light_cleaner() -> None:
    """readability-lxml's cleaner without its javascript pass.

    That pass rewrites every link of the page (javascript: URLs, on* attributes) and was a
    third of readability's time; readability scores text, class names and link text, never
    an href or an on* attribute, so its output is the same without it: identical text on
    all 442 pages of article-extraction-benchmark, fundus-publisher-pages and our fixtures
    (35 -> 24 ms a page). Scripts, styles and comments are still removed. readability-lxml
    reads the cleaner from its module, where it is replaced once; nothing else here uses it.
    """
    global _CLEANER_SET
    if _CLEANER_SET:
        return
    import readability.readability as module

    cleaner = getattr(module, "html_cleaner", None)
    if cleaner is not None and getattr(cleaner, "javascript", False):
        light = copy.copy(cleaner)
        light.javascript = False
        module.html_cleaner = light
    _CLEANER_SET = True


def coverage(lines: list[str], other_text: str) -> float:
    """Share of the lines' tokens whose trigrams the other text contains."""
    other = _Grams(other_text)
    total = covered = 0.0
    for line in lines:
        t = tokens(line)
        if t:
            total += len(t)
            covered += len(t) * _confirmed_share(t, other)
    return covered / total if total else 0.0


def prune(lines: list[str], confirm_text: str) -> list[str]:
    """Drop short lines that the confirming extractor's text does not contain."""
    other = _Grams(confirm_text)
    if len(other._tokens) < MIN_CONFIRM_SHARE * sum(len(tokens(line)) for line in lines):
        return lines  # readability missed the article; it cannot confirm anything
    kept, n_all, n_kept = [], 0, 0
    for line in lines:
        t = tokens(line)
        n_all += len(t)
        if t and len(t) <= SHORT_LINE_TOKENS and _confirmed_share(t, other) < CONFIRM_SHARE:
            continue
        kept.append(line)
        n_kept += len(t)
    if n_kept < (1 - MAX_PRUNED_SHARE) * n_all:
        return lines  # the two extractors picked different stories (a page with two articles)
    return kept


# Lines that are page furniture wherever they appear: comment prompts, "Related:"/"Read more:"
# teasers, newsletter and social-media calls, promo tags. Matched on short lines only.
_FURNITURE_LINE = re.compile(
    r"^(?:comments?|\d+ comments?|tags?|share(?: this(?: article| story)?)?|related(?: (?:articles|stories|posts|content))?"
    r"|more|also|advertisement|recommended|don'?t miss|you may also like|read more|see more|trending"
    r"|tell us what you think|leave a (?:reply|comment)|want to join the discussion\?|feel free to contribute!"
    r"|like this story\? share it with a friend!?|分享让更多人看到|分享到|返回顶部|打印本页|关闭窗口)\W*$",
    re.I,
)
_FURNITURE_START = re.compile(
    r"^(?:related|read more|see more|read also|also read|also see|more|watch|listen|download|itunes|filed under"
    r"|recommended|trending|sponsored|advertisement)\s*:|^also on [\w.-]+\.\w+\b"
    r"|^(?:follow|like) (?:us|@|\w+ on (?:twitter|facebook|instagram))|^sign up (?:for|to)\b|^subscribe to\b"
    r"|^click here\b|^have a tip\?|^get access to\b|^email \w[\w .'-]* at \S+@\S+",
    re.I,
)
_PROMO_TAG = re.compile(r"\[(?:INSIGHT|VIDEO|NEWS|REACTION|PICTURES|POLL|LIVE|REVEALED|WARNING|ANALYSIS|PICS)\]\s*\|?$")
FURNITURE_MAX_TOKENS = 40


def drop_furniture(lines: list[str]) -> list[str]:
    kept = []
    for line in lines:
        if len(tokens(line)) <= FURNITURE_MAX_TOKENS and (
            _FURNITURE_LINE.match(line) or _FURNITURE_START.match(line) or _PROMO_TAG.search(line)
        ):
            continue
        kept.append(line)
    return kept
