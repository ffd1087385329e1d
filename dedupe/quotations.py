"""Quotations: telling a follow-up that recycles background from a version of one story.

A write-through keeps the body of the story it rewrites, and the body holds the
story's news: what the people in it said. A follow-up by the same author a day
later reports new statements and recycles the earlier piece's background
paragraphs ("Earlier this month, Spotify initiated a new policy..."). By share
of text the two look the same: CNET's 31 May "Spotify CEO tries to clear up
handling of R. Kelly..." and its 1 June "Spotify cancels its 'R. Kelly'
hateful-conduct policy" share four background paragraphs, 45% and 38% of each
text, more than two versions of one AP story often do. What differs is the
quotations: each of the CNET pieces quotes five statements of five words or
more, and neither carries any of the other's.

A follow-up also leads with its own news: the recycled background comes after
each piece's headline and lede. A copy or an excerpt carries its origin's
opening, and so does a write-through, which rewrites the lede of the same news:
Reuters' first take of Muhammad Ali's death (autoblog audit: "died on Friday
aged 74", quoting George Foreman's tweet) and its write-through nine hours
later quote no statement in common, but share the lede. Generated copies
carrying a story's first paragraphs inside an autoblog wrapper that injects
other stories' quotations (``benchmarks/corpus.py``) quote none of their
origin's statements either, and carry its opening.

So two texts whose shared text begins after the first :data:`OPENING`
characters of each (of the lines compared: a photo caption that
``dedupe.normalize`` sets aside is no opening), and that each quote at least
:data:`MIN_OWN` statements and share none of them, report different news
(:func:`different_news`), whatever else they share: their match stays in
``matches`` (the text reuse is real) but makes no cluster member and joins no
story.

Measured on the three news days of the provenance data set (``benchmarks/labels``;
the 269 verified matches in which the shared text is 25-90% of each text, and
the 345 in which it is under 90% of both): the CNET pair is the only one whose
texts both quote three statements or more and share none; every pair labelled
one story that both quote shares at least one (the fewest: Reuters' two Yahoo
takes of "Trump, Putin first summit talks", 7 and 8 quotations, one shared; CNN
live-page posts, 6 and 6, one shared). Quotations "shared" is generous on
purpose: a quotation counts as shared when any five-word run of it appears
anywhere in the other text, quoted or not, so a quotation re-punctuated or
carried without its marks still keeps two versions together.

Pure: no database. Scripts without word spaces (Chinese, Japanese) have no
five-word quotations here, so the rule never fires on them.
"""

from __future__ import annotations

import re

MIN_WORDS = 5  # words in a quotation, at least: "screwed up" is a phrase, not a statement
MIN_OWN = 3  # quotations each text must hold before their sharing none means anything
RUN = 5  # words in the runs compared between a quotation and the other text
OPENING = 200  # characters that hold a text's headline and the start of its lede

# Double quotation marks of the Latin-script press, typographic or straight, and
# guillemets. Single quotes are left out: they are apostrophes more often than not.
_QUOTED = re.compile(r'[“"«„]([^“”"«»„]{10,1000})[”"»“]')
_WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'"))


class Quoting:
    """What :func:`different_news` compares of one text, worked out once per text."""

    __slots__ = ("quotes", "_text", "_words", "_runs")

    def __init__(self, text: str):
        self.quotes: list[str] = [q for q in _QUOTED.findall(text) if len(_WORD.findall(q)) >= MIN_WORDS]
        self._text = text
        self._words: str | None = None
        self._runs: list[list[str]] | None = None

    @property
    def words(self) -> str:
        """The text's words, spaced and padded (read only when a pair gets this far)."""
        if self._words is None:
            self._words = " " + " ".join(_words(self._text)) + " "
        return self._words

    @property
    def runs(self) -> list[list[str]]:
        """Each quotation as its five-word runs, joined by spaces and padded: looked up as
        substrings of the other text's words (one C-level search a run; sets of every run
        of both texts cost four times as much on the dense corpus)."""
        if self._runs is None:
            self._runs = []
            for quote in self.quotes:
                words = _words(quote)
                self._runs.append([" " + " ".join(words[i:i + RUN]) + " " for i in range(len(words) - RUN + 1)])
        return self._runs

    def carries_any(self, other: "Quoting") -> bool:
        """Whether this text carries a five-word run of any of ``other``'s quotations."""
        # A quotation carried as it stands is found in the raw text: most pairs that share
        # one end here, and only the others pay for normalising both texts.
        if any(quote in self._text for quote in other.quotes):
            return True
        return any(run in self.words for quote in other.runs for run in quote)


def quotations(text: str) -> list[list[str]]:
    """The quotations of ``text`` of :data:`MIN_WORDS` words or more, as lower-cased words."""
    return [_words(quote) for quote in Quoting(text).quotes]


def opens_with_own_text(passages: list[list[int]], starts: tuple[int, int] = (0, 0)) -> bool:
    """Whether the shared text (``[a_start, a_end, b_start, b_end]`` passages) begins after
    the first :data:`OPENING` characters of each text's compared lines, which begin at
    ``starts`` (what ``dedupe.normalize.scan`` keeps: a photo caption or an autoblog's
    header above the article is not its opening)."""
    return (bool(passages) and min(p[0] for p in passages) - starts[0] >= OPENING
            and min(p[2] for p in passages) - starts[1] >= OPENING)


def quote_apart(a: str | Quoting, b: str | Quoting, min_own: int = MIN_OWN) -> bool:
    """Whether each text quotes at least ``min_own`` statements and carries none of the other's.

    ``a`` and ``b`` are texts or their :class:`Quoting` (a caller comparing one text with
    many works it out once)."""
    a = a if isinstance(a, Quoting) else Quoting(a)
    if len(a.quotes) < min_own:
        return False
    b = b if isinstance(b, Quoting) else Quoting(b)
    if len(b.quotes) < min_own:
        return False
    return not b.carries_any(a) and not a.carries_any(b)


def different_news(a: str | Quoting, b: str | Quoting, passages: list[list[int]],
                   starts: tuple[int, int] = (0, 0)) -> bool:
    """Whether two texts sharing ``passages`` report different news: each opens with its own
    text (:func:`opens_with_own_text`) and they quote apart (:func:`quote_apart`)."""
    return opens_with_own_text(passages, starts) and quote_apart(a, b)
