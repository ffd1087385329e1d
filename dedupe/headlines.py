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
    found: list[int] = []
    first = (text or "").lstrip().split("\n", 1)[0].strip()
    for candidate in (title or "", first if MIN_CHARS <= len(first) <= MAX_CHARS else ""):
        k = key(candidate)
        if k is not None and k not in found:
            found.append(k)
    return found


def within_window(published_a: float | None, published_b: float | None) -> bool:
    """An unknown time does not keep a page from its story; two known ones must be :data:`WINDOW` apart at most."""
    return published_a is None or published_b is None or abs(published_a - published_b) <= WINDOW
