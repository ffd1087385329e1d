"""Headline keys: a page that carries a story's headline but none of its text.

Some publishers' pages hold an agency story's headline, byline and photo captions
while the body is missing from what was captured (a gallery page, a body loaded by
script, a paywall): the Boston Herald's AP pages on the Helsinki news day are the
headline and the AP photo captions only. Text matching cannot place such a page,
but an analyst counting the outlets that ran the story counts it. So a page that
shares **no verified text** with anything is joined to a story whose member carries
the **same headline**, word for word, within :data:`WINDOW` of it. The cluster
records it with relation ``headline`` (no coverage, no passages).

Why this is safe enough (checked on the Helsinki news day, 612 real articles
labelled at story level: ``benchmarks/story_eval.py``):

- only pages without any text match use it: a page with its own text that shares
  a headline with another story (an outlet's own piece under a wire headline) is
  decided by its text, never by its headline;
- the headline must have :data:`MIN_WORDS` words or more: short generic headlines
  ("Trump meets Putin") recur across different pieces;
- the article with text must be about its headline (:func:`heads_its_text`): half the
  headline's longer words recur in its body, so a "related" line above another story
  does not count as that story's headline;
- the headline is compared after normalising case, quotes, dashes and punctuation
  only, not fuzzily: AP's write-throughs change the headline with every version,
  and "Trump, Putin sit down a bit late" and "Trump, Putin sit down for closely
  watched summit" are different versions (both in the story all the same when
  their text joins them).

Pure: ``syndtrack.headline_stage`` keeps the keys in the database.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

MIN_WORDS = 6  # words in a headline before it identifies a story
WINDOW = 48 * 3600.0  # seconds between the page and the story's member, at most (dedupe.stories.VERSION_WINDOW)
MAX_CHARS = 200  # a first line longer than this is a paragraph, not a headline
MIN_CHARS = 25
HEADED_SHARE = 0.6  # share of a headline's longer words its article's body repeats, at least
# Words of four letters or more that say nothing about what a headline is about.
_FILLER = frozenset("with from that this have will what when where after over into about says said amid more than "
                    "their they been were your just also only some should would could".split())

_DROP = re.compile(r"[^\w\s]|_", re.UNICODE)  # punctuation, quotes, dashes ("_" stands for a dash on some sites)
_SPACE = re.compile(r"\s+")


def normalise(headline: str) -> str:
    """Lower case, punctuation and quotes dropped, spaces collapsed."""
    text = unicodedata.normalize("NFKC", headline).casefold()
    return _SPACE.sub(" ", _DROP.sub(" ", text)).strip()


def key(headline: str) -> int | None:
    """A signed 64-bit key of the normalised headline, or None when it is too short to identify a story."""
    norm = normalise(headline)
    if len(norm) < MIN_CHARS or len(norm.split()) < MIN_WORDS:
        return None
    digest = hashlib.blake2b(norm.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def keys(title: str | None, text: str | None) -> list[int]:
    """The headline keys of an article: its title, and its body's first line when that reads as a headline.

    Both, because extraction often stores a byline or a date as the title and the
    headline as the body's first line (or the other way round).
    """
    return list(headlines(title, text))


def headlines(title: str | None, text: str | None) -> dict[int, str]:
    """:func:`keys` with the headline each stands for."""
    found: dict[int, str] = {}
    first = (text or "").lstrip().split("\n", 1)[0].strip()
    for candidate in (title or "", first if MIN_CHARS <= len(first) <= MAX_CHARS else ""):
        k = key(candidate)
        if k is not None and k not in found:
            found[k] = candidate
    return found


def heads_its_text(headline: str, text: str) -> bool:
    """Whether the article's body tells what ``headline`` says: most of its longer words recur below it.

    A page can open with another story's headline (a "related" or "trending" line above
    the body: a Click2Houston story page on Helsinki's bunkers opened with the McCain
    headline of a sister site's video); an article's own headline names what its body
    is about (on the Helsinki day, every headline shared by a story's text pages).
    """
    # Compared on their first five letters: "official" / "officials", "Americans" / "American".
    words = {w[:5] for w in normalise(headline).split() if len(w) >= 4 and w not in _FILLER}
    if not words:
        return False
    norm = normalise(text)
    head = normalise(headline)
    body = norm.replace(head, " ", 1) if head else norm
    present = {w[:5] for w in body.split()}
    return sum(w in present for w in words) >= HEADED_SHARE * len(words)


def within_window(published_a: float | None, published_b: float | None) -> bool:
    """An unknown time does not keep a page from its story; two known ones must be :data:`WINDOW` apart at most."""
    return published_a is None or published_b is None or abs(published_a - published_b) <= WINDOW
