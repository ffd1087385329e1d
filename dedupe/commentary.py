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
bar the outlet's own boilerplate ("Help us deliver journalism", "Sign up for our
newsletter"). A commentary argues in the first person ("One would think we would
have learned something", "we should do so realistically"). So a page is a
commentary (:func:`is_commentary`) when at least :data:`MIN_SENTENCES` of its
sentences, and :data:`MIN_SHARE` of them, use the first person outside quotation
marks; and a commentary whose own text is mostly its own (under
:data:`QUOTED_BELOW` of it shared with the other page) quotes that page, it does
not carry it (``syndtrack.clustering.stage_assemble.drop_commentary``). Their
match stays in ``matches``: the quotation is real reuse, and ``trace`` finds it.

Measured on the three news days of the provenance data set and the web-copies
sets (``benchmarks/labels``): over the 53 members of a cluster whose own text is
under 0.4 from their origin, Hot Air's commentary on AP's "The world wants to see
us get along" brief (Helsinki 7036, labelled its own story) has 13 first-person
sentences of 39; the next have 4 (Hot Air's own earlier stub of a post: same
outlet, never dropped), 3 (CNN's live page, whose "we" is its reporters', and the
Miami Herald's subscription plea) and 2. The rule reads English only: first-person
words of other languages are not counted, so it never fires on them.

Pure: no database.
"""

from __future__ import annotations

import re

MIN_SENTENCES = 6  # first-person sentences in a commentary, at least
MIN_SHARE = 0.15  # of its sentences of prose
QUOTED_BELOW = 1 / 3  # share of a commentary's own text shared with the page it quotes, under which it quotes

# Case matters: "US" is the country. "I" alone also stands for a Roman one ("World
# War I"), too rare in news narration to matter at six sentences.
_FIRST_PERSON = re.compile(r"\b(?:I|[Ww]e|[Oo]ur|[Oo]urs|us|me|[Mm]y)(?:['’](?:m|re|ll|d|ve))?\b")
# Quotations (typographic or straight double marks, guillemets) are someone else's voice.
_QUOTED = re.compile(r'[“"«„][^“”"«»„]{1,2000}[”"»“]')
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
_WORDS = re.compile(r"\w+")
MIN_WORDS = 6  # words in a sentence of prose: menus, buttons and bylines are shorter
# An outlet speaking of itself in its chrome, not a writer arguing: subscription pleas,
# newsletters, cookie and privacy notices, "follow us", "contact us".
_CHROME = re.compile(
    r"\b(?:subscri\w*|newsletter|sign up|cookies?|privacy|terms of|follow us|contact us|about us|"
    r"our journalism|support us|help us|donat\w*|advertis\w*|our (?:site|website|app)|email us|"
    r"we may earn|affiliate)\b",
    re.I,
)


def first_person_sentences(text: str) -> tuple[int, int]:
    """(sentences of prose in the first person outside quotation marks, sentences of prose)."""
    own = _QUOTED.sub(" ", text)
    voiced = prose = 0
    for sentence in _SENTENCE.findall(own):
        if len(_WORDS.findall(sentence)) < MIN_WORDS or _CHROME.search(sentence):
            continue
        prose += 1
        voiced += bool(_FIRST_PERSON.search(sentence))
    return voiced, prose


def is_commentary(text: str) -> bool:
    voiced, prose = first_person_sentences(text)
    return voiced >= MIN_SENTENCES and voiced >= MIN_SHARE * prose
