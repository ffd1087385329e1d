"""Commentary: a writer's own piece that quotes a news item, told from a copy of the item.

A blog post or an opinion column often quotes a news item: a few of its paragraphs
as a block quote, between the writer's own paragraphs. Text matching finds the
quoted paragraphs, and the assembly would count the post as an ``excerpt`` of the
item, one more outlet that ran the story. An analyst counts the post as its own
piece: it reports nothing; it argues. The labels say so (a post that is mostly its
own text is its own story; a post that is mostly a block quote of one article, a
line of comment above it, is that article's excerpt).

What tells the two apart in the text is the voice. News is written in the third
person; outside quotation marks its narration has no "I", "we", "our" or "us",
bar the outlet's own chrome ("Help us deliver journalism", "Sign up for our
newsletter") and reported speech ("He told CBS that I go in with low expectations").
A commentary argues in the first person ("One would think we would have learned
something", "we should do so realistically"). So a page quotes another
(:func:`is_commentary`, read by
``syndtrack.clustering.stage_assemble.drop_commentary``) when it is the later of
the two, from another outlet, under :data:`QUOTED_BELOW` of it is shared, and its
own text (outside the shared passages: a page carrying a speech carries the
speaker's "we") has at least :data:`MIN_SENTENCES` sentences, and :data:`MIN_SHARE`
of its sentences of prose, in the first person outside quotation marks and
reported speech. Their match stays in ``matches``: the quotation is real reuse,
and ``trace`` finds it. The labels draw the line at "mostly": a post mostly its own
text is its own story, a post mostly a block quote is an excerpt; so QUOTED_BELOW
is a half.

Measured on the three news days of the provenance data set and the web-copies sets
(``benchmarks/labels``, 6 Dec 2026): over the 83 cluster members whose own text is
under half from their origin, Hot Air's commentary on AP's "The world wants to see
us get along" brief (Helsinki 7036, labelled its own story) has 10 first-person
sentences of 23 in its own text; the next have 5 (Hot Air's full post against its
own stub: same outlet, never dropped), 4 (the New York Times against itself) and 2
(Chron, Newsmax, SFGate, a newsletter). Which page is the later one matters: of the 233
Helsinki matches under half of one side, two more pair a first-person page with another
outlet, and there the first-person page is the earlier one, an op-ed that the other carries
(McFaul's Washington Post op-ed excerpted by Hot Air, Paul Brandus's azcentral column on
Yahoo), one story as labelled. In the held-out set collected for it
(``web_copies_heldout9.csv``), Not the Bee's first-person take on Reuters' "Putin
says Russia is close to cancer vaccines" report (half its stored text its own) was
a member of the Reuters story before the rule and is apart now. The rule reads
English only: first-person words of other languages are not counted, so it never
fires on them.

Pure: no database.
"""

from __future__ import annotations

import re

# One sentence splitter for the package: it knows "Mr. Trump" and "the U.S. economy".
from dedupe.normalize import _sentences

MIN_SENTENCES = 6  # first-person sentences in a commentary, at least
MIN_SHARE = 0.15  # of its sentences of prose
QUOTED_BELOW = 0.5  # share of a commentary shared with the page it quotes, under which it quotes

# Case matters: "US" is the country. "I" alone also stands for a Roman one ("World
# War I"), too rare in news narration to matter at six sentences.
_FIRST_PERSON = re.compile(r"\b(?:I|[Ww]e|[Oo]ur|[Oo]urs|us|me|[Mm]y)(?:['’](?:m|re|ll|d|ve))?\b")
# Double quotation marks, typographic or straight, and guillemets, made one for counting.
_DOUBLE = str.maketrans({c: '"' for c in "“”„«»"})
# A single-quoted phrase ('I think the European Union is a foe', a headline's quotation): the
# quote marks stand outside words, an apostrophe inside one.
_SINGLE = re.compile(r"(?<!\w)['‘][^'‘’\n]{2,300}['’](?!\w)")
_WORDS = re.compile(r"\w+")
MIN_WORDS = 6  # words in a sentence of prose: menus, buttons and bylines are shorter
# Reported speech: a news sentence that quotes someone's "I" or "we" without quotation
# marks still names its speaker ("He told CBS that ...", "Trump tweeted Monday morning").
_SPEECH = re.compile(r"\b(?:said|says|told|tells|tweeted|wrote|writes|added|asked|stated|declared|according to)\b")
# An outlet speaking of itself in its chrome, not a writer arguing: subscription pleas,
# newsletters, cookie and privacy notices, "follow us", "contact us".
_CHROME = re.compile(
    r"\b(?:subscri\w*|newsletter|sign up|cookies?|privacy|terms of|follow us|contact us|about us|"
    r"our journalism|support us|help us|donat\w*|advertis\w*|our (?:site|website|app)|email us|"
    r"we may earn|affiliate)\b",
    re.I,
)


def _narration(paragraph: str) -> list[str]:
    """The sentences of a paragraph outside quotation: a sentence holding a double quotation
    mark, or inside a quotation of several sentences, is left out whole; a single-quoted
    phrase is cut out of its sentence. A paragraph whose marks do not pair (a stray inch
    mark) keeps every sentence without a mark.

    dedupe.normalize reads quotation the same way (``_quoted_flags``), but on casefolded
    units: here case is the evidence ("US" is no "us")."""
    paragraph = _SINGLE.sub(" ", paragraph.translate(_DOUBLE))
    sentences = [paragraph[s:e] for s, e in _sentences(paragraph)]
    balanced = paragraph.count('"') % 2 == 0
    kept, inside = [], False
    for sentence in sentences:
        marks = sentence.count('"')
        if not marks and not (inside and balanced):
            kept.append(sentence)
        inside ^= marks % 2 == 1
    return kept


def own_text(text: str, shared: list[tuple[int, int]] = ()) -> str:
    """``text`` without the ``shared`` spans (start, end offsets), each gap on its own line."""
    parts, pos = [], 0
    for start, end in sorted(shared):
        parts.append(text[pos:max(pos, start)])
        pos = max(pos, end)
    parts.append(text[pos:])
    return "\n".join(parts)


def first_person_sentences(text: str, shared: list[tuple[int, int]] = ()) -> tuple[int, int]:
    """(sentences of prose in the first person outside quotation marks and outside the
    ``shared`` spans, sentences of prose there)."""
    voiced = prose = 0
    for paragraph in own_text(text, shared).split("\n"):
        for sentence in _narration(paragraph):
            if len(_WORDS.findall(sentence)) < MIN_WORDS or _CHROME.search(sentence):
                continue
            prose += 1
            voiced += bool(_FIRST_PERSON.search(sentence)) and not _SPEECH.search(sentence)
    return voiced, prose


def is_commentary(text: str, shared: list[tuple[int, int]] = ()) -> bool:
    """Whether the writer's own text (outside ``shared``) argues in the first person."""
    voiced, prose = first_person_sentences(text, shared)
    return voiced >= MIN_SENTENCES and voiced >= MIN_SHARE * prose
