"""Verify a candidate pair: align the two articles sentence by sentence.

A pure function of two :class:`~dedupe.normalize.Cleaned` texts. Sentences
equal after normalisation are paired first (most republication is verbatim,
and a dict lookup is all that costs); the sentences left over are compared in
bulk with ``rapidfuzz.process.cdist`` (``fuzz.ratio``), never whole articles,
because ``partial_ratio`` on whole articles grows badly with their length.

The verdict is deliberately strict, because one false merge costs an analyst
more than a missed copy: enough text must be reused (a share of one side, and
a number of characters), and the reused text must not be only quotations, since
independent articles quoting the same speakers share exactly those sentences.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

from dedupe.normalize import MIN_UNIT, Cleaned, is_cjk
from dedupe.quotations import quote_apart

MIN_RATIO = 80  # fuzz.ratio for two sentences to count as one edited sentence
FUZZY_MIN = 30  # sentences shorter than this (skeleton chars) must match exactly (CJK: scaled, see CJK_SCALE)
MIN_COVERAGE = 0.5  # the reused text is at least this share of one side
MIN_CHARS = 150  # ... and at least this many letters/digits
# Chinese and Japanese text says in one character what takes two to three Latin letters,
# so between two CJK texts the letter counts (MIN_CHARS, MIN_RUN) are halved: 75
# characters of Chinese is still two or three full sentences. Counted as Latin letters,
# the short excerpts Chinese outlets take from Xinhua and People's Daily were missed.
# FUZZY_MIN too: Xinhua's dispatch of a spokesperson's answer ("有记者问:据媒体报道,...")
# and the ministry's own page ("问:据媒体报道,...") edit only the 20-25-character sentences
# that open the question and the answer (web_copies_heldout5.csv).
CJK_SCALE = 0.5
# An excerpt wrapped in a new intro and outro reuses a third of each side: accepted
# when it is one run of consecutive sentences, in order, of some length. Articles
# that share quotations share scattered sentences, not a run.
MIN_BOTH = 0.3
MIN_RUN = 250
MIN_UNQUOTED = 0.3  # ... of which at least this share is not quotation
# ... unless one text is nearly whole inside the other: a copy of an interview or of an
# official statement is quotation from end to end. Articles quoting the same speaker share
# those quotations and each keeps its own narration (RIA's and Vedomosti's items on one
# Peskov interview: 0.38 and 0.34 of each, web_copies_heldout8.csv); an excerpt of an
# interview is all inside its origin (the generated corpus's excerpts of Q&A features: 0.86-0.92).
CARRIED_WHOLE = 0.8
# ... or unless the shared text holds a run of consecutive sentences this long (letters/digits):
# a blog carrying four paragraphs of an interview carries the narration between the quotations
# too, in their order; outlets quoting one speaker each pick their quotations and write their
# own sentences between them (RIA/Vedomosti: the longest run 295; Pledge Times' two renderings
# of one Lavrov interview 188; the generated corpus's excerpts of Q&A features 659-762).
CARRIED_RUN = 2 * MIN_RUN
# Short texts built from sentences cut out of the source and rejoined (answers, briefs)
# reuse a quarter of each side in no single run. Accepted only when both texts are
# short, a quarter of each is aligned nearly verbatim, and that reuse is at least
# MIN_DENSE_CHARS letters/digits that neither side quotes. On Helsinki news, loosening
# this (a quarter of one side, or long texts) joined different stories sharing tweets,
# quotations and wire background paragraphs.
MIN_DENSE_SHARE = 0.25
MIN_DENSE_CHARS = 300
MIN_DENSE_SCORE = 90
MAX_DENSE_TEXT = 3000  # letters/digits of the longer side
# Short reuse (issue 12, item 4): under SHORT_REUSE letters/digits of evidence, one or two
# sentences, the share of one side says little. One 210-230 character wire background
# sentence printed in two different Helsinki stories, or a brief of Xinhua's discipline-case
# template sentences against another official's case, covers half of a short page just
# as a carried lead does (the one-side rule joined all of them). Such a pair is accepted
# only as a *carried lead*: one run of sentences, in order, that is LEAD_SHARE of the
# short side; it starts within LEAD_OFFSET letters, or LEAD_FRACTION, of the longer
# side's evidence (a title, byline, dateline or photo gallery may come first; background
# sentences come later); carried near verbatim (LEAD_SCORE), with the same numbers (a
# template filed on another day changes its dates and figures, and its names, which
# lowers the score: the discipline template aligns at 81-88, carried leads at 96-100).
# LEAD_SHARE is MIN_COVERAGE, not "nearly all": the generated corpus's Chinese excerpts
# wrapped in an intro and outro carry a two-sentence lead as 42% of the page.
# Or as a *carried passage*: PASSAGE_SENTENCES or more sentences in a row, verbatim, that
# are MIN_COVERAGE of the short side (Chinese outlets carry three short sentences from
# the middle of a Xinhua story in their own text); a recycled line or template is one or two.
# CJK-scaled as MIN_CHARS is: unscaled, 250 Chinese or Japanese characters (five to eight
# sentences) counted as short, and excerpts of that size in the 20k corpus were lost.
SHORT_REUSE = MIN_RUN  # letters/digits
PASSAGE_SENTENCES = 3
LEAD_SHARE = MIN_COVERAGE
LEAD_OFFSET = 300
LEAD_FRACTION = 0.2  # ... or within this share of it: a photo gallery's captions can come first
LEAD_SCORE = 95
_DIGITS = re.compile(r"\d+")
_SENTENCE_MARKS = frozenset('.!?"\'\u3002\uff01\uff1f\u201d\u300d')  # what a sentence unit ends with
# Paraphrased copies (issue 12, item 5): a whole article spun with synonyms or lightly
# machine-paraphrased keeps its sentences in order, but many fall under MIN_RATIO
# (fuzz.ratio counts characters: two swapped words in a 20-word sentence cost ~15).
# Sentences left unpaired are paired again by word content (fuzz.token_sort_ratio >=
# PARA_TOKEN, which also forgives words moved within the sentence); then only the
# sentences aligned in order count (the heaviest in-order chain), and the pair is a
# paraphrase when that chain holds PARA_SENTENCES sentences and PARA_COVERAGE of both
# sides' evidence (a whole article), and its character similarity is under
# PARAPHRASE_SCORE (else it is an edited copy, for the rules above). Measured: on the
# Helsinki day's 4,543 different-story pairs of similar length that share a fingerprint,
# the best in-order token chain holds at most 0.51 of the shorter side; a Reuters
# follow-up in the autoblog set (a new lead on its story of 16 days before, whose
# background it rewords) 0.63; spun copies of real articles mostly 0.7-0.98.
PARA_TOKEN = 70
PARA_SENTENCES = 5
PARA_COVERAGE = 0.7  # of each side's evidence
PARA_SEED = 0.2  # tried only when the sentence pass already aligned this share of the shorter side
PARA_LENGTH = 0.5  # ... and the shorter side is at least this share of the longer (a whole article)
# Reworded rewrites (MENAFN's and news aggregators' machine rewrites of RT and Xinhua
# stories): every sentence reworded, in order, the figures and quotes kept. Their sentence
# pairs score 50-70 by token_sort_ratio, so the chain above misses them, and they often
# share no sentence at all (no seed). Tried only on pairs no other rule accepts, with
# looser sentence pairs but guards of their own: REWORD_SENTENCES in the chain and
# REWORD_COVERAGE of each side (and, as for every rule, no sentence pair whose figures
# changed: see _figures_changed). Measured on real pages
# (docs/evaluation.md, "Reworded rewrites"): the labelled web copies' rewrites cover
# 0.63-0.88 of each side; on the three news days and the web copies no pair of different
# labelled stories that other rules reject reaches 0.6 with 4 sentences.
REWORD_TOKEN = 50
REWORD_SENTENCES = 4
REWORD_COVERAGE = 0.6
REWORD_TYPICAL = 60  # the chain's median token_sort_ratio (real rewrites: 66-83; two texts on one
# sentence pattern sharing a third of their words, the speed corpus's origins from one base text: 51.5)
REWORD_OWN_QUOTES = 2  # quotations each text must hold before quoting apart vetoes a rewrite (see _quote_different)
TEMPLATE_CHANGED = 2  # sentence pairs aligned but for their figures that make a template (see _verify)
# Edited copies (a word changed here and there) align at 95.5 or more on real news (the
# Helsinki day's 94 edited members: 95.56, 95.77, 95.82, then 97.2 and up) and at 96.7 or
# more in the generated corpus; spun copies of real articles that change 10-20% of the
# words at 88-95 (median 92), more than 20% at 82-90. assemble.relation calls a copy of
# PARA_COVERAGE or more of its origin under this "paraphrased".
PARAPHRASE_SCORE = 94
MIN_BLOCK_WORDS = 6  # sub-sentence alignment: shared runs of at least this many words count (4 let two
# CNBC market stories that reuse one background paragraph with light edits pass)
_WORD = re.compile(r"[^\W_]+")
# Embedded social posts ("— Donald J. Trump (@realDonaldTrump) July 15, 2018") are
# quoted without quotation marks; different stories embed the same posts.
_EMBED = re.compile(r"\(@\w{1,30}\)|\bt\.co/|pic\.twitter\.com|a post shared by")
# Stock text: syndication disclaimers and rights lines that recur across outlets with
# the outlet's name swapped in ("This story has not been edited by <outlet> staff and is
# auto-generated from a syndicated feed"), and the paywall and account prompts that a
# newspaper CMS prints into every story (TownNews' "An online service is needed to view
# this article in its entirety", "Thank you for reading 7 free articles on our site",
# "Posted: Sunday, June 19, 2016 1:52 am | Updated: ..."). Two different stories of small
# outlets share exactly these lines; an outlet's own boilerplate is learned once it has
# enough articles (syndtrack.clustering), but the first ones come before that. Stock
# sentences count toward coverage but are never evidence that two texts are one story.
# Plain substrings, not one regex: a regex alternation scans every position of every
# sentence (5 us a sentence, seconds at 100k articles); `in` is a C string search.
_STOCK_PHRASES = (
    "syndicated feed", "has not been edited by", "all rights reserved", "may not be published", "may not be republished",
    "views and opinions expressed", "do not reflect the", "do not necessarily reflect the",
    "in its entirety", "free articles", "thank you for reading", "click here", "need an account", "create one now",
    "purchase a subscription", "already a subscriber", "need further information",
    # MENAFN's legal disclaimer under every story it syndicates (RT's, Xinhua's, Azernews's)
    "without warranty of any kind", "accept any responsibility or liability", "kindly contact the provider",
)
_DATELINE_WORDS = ("posted", "updated", "last updated")
_DATELINE = re.compile(r"(posted|updated|last updated)( in [^.]{1,40})?( on)?:? (mon|tue|wed|thu|fri|sat|sun|jan|feb"
                       r"|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|\d)")


def is_stock(unit: str) -> bool:
    """Whether a normalised sentence is stock text (see _STOCK_PHRASES)."""
    return any(p in unit for p in _STOCK_PHRASES) or (unit.startswith(_DATELINE_WORDS) and _DATELINE.match(unit) is not None)


MAX_FUZZY_CELLS = 250_000  # bound on one cdist matrix (long articles are rare)


@dataclass
class Match:
    score: float  # 0-100: how close the aligned sentences are (100 = verbatim)
    coverage_a: float  # share of a's text that b reuses
    coverage_b: float
    passages: list[list[int]]  # [a_start, a_end, b_start, b_end], offsets into each article's text
    chars: int  # letters/digits aligned (a side)


def align(a: Cleaned, b: Cleaned, *, accept_all: bool = False) -> Match | None:
    """Align ``a`` with ``b``; None when they do not share enough text to be a republication."""
    pairs, found = _verify(a, b)
    if found is None or (not found.accepted and not accept_all):
        return None
    return Match(
        score=round(found.score, 2),
        coverage_a=round(min(1.0, found.coverage_a), 4),
        coverage_b=round(min(1.0, found.coverage_b), 4),
        passages=sorted(_passages(a, b, pairs) + [_block_span(a, b, blk) for blk in found.blocks]),
        chars=found.chars,
    )


def judge(a: Cleaned, b: Cleaned) -> Verdict | None:
    """The verdict :func:`align` reaches on ``a`` and ``b``, with the rule that decided it
    (None when no sentence or word run is shared at all)."""
    return _verify(a, b)[1]


def _verify(a: Cleaned, b: Cleaned) -> tuple[dict[int, tuple[int, int]], Verdict | None]:
    """The aligned sentences (a unit -> (b unit, similarity)) and the verdict on them."""
    total_a, total_b = a.length, b.length
    if not total_a or not total_b:
        return {}, None
    pairs: dict[int, tuple[int, int]] = {}  # a unit -> (b unit, similarity)
    used_b: set[int] = set()
    changed = 0  # sentence pairs that align but for their figures
    where: dict[str, list[int]] = {}
    for j, s in enumerate(b.skeletons):
        if len(s) >= MIN_UNIT:
            where.setdefault(s, []).append(j)
    for i, s in enumerate(a.skeletons):
        js = where.get(s) if len(s) >= MIN_UNIT else None
        if js:
            j = js.pop(0)
            pairs[i] = (j, 100)
            used_b.add(j)
    fuzzy_min = FUZZY_MIN * CJK_SCALE if _cjk(a) and _cjk(b) else FUZZY_MIN
    left_a = [i for i, s in enumerate(a.skeletons) if i not in pairs and len(s) >= fuzzy_min]
    left_b = [j for j, s in enumerate(b.skeletons) if j not in used_b and len(s) >= fuzzy_min]
    if left_a and left_b and len(left_a) * len(left_b) <= MAX_FUZZY_CELLS:
        for i, j, sim in _best_pairs(a, b, left_a, left_b, fuzz.ratio, MIN_RATIO):
            # A sentence whose figures changed is not reused text: an agency's template
            # filed on another day keeps every word but the numbers.
            if _figures_changed(a, i, b, j):
                changed += 1
            else:
                pairs[i] = (j, sim)
    la = [len(s) for s in a.skeletons]
    lb = [len(s) for s in b.skeletons]
    found = _judge(a, b, pairs, [], la, lb, total_a, total_b) if pairs else None
    if changed >= TEMPLATE_CHANGED and changed >= len(pairs):
        # As many sentences align only with other figures as align at all: one template,
        # two pieces of news (no rule may join them, the word-level one included).
        return pairs, (replace(found, template=True) if found else None)
    if (found is None or not found.accepted) and max(total_a, total_b) <= MAX_DENSE_TEXT:
        # Sentences merged, split or cut and rejoined with light edits defeat the
        # sentence pairing; in short texts the leftovers are aligned word by word.
        blocks = _word_blocks(a, b, pairs) if _worth_words(a, b, pairs, la, lb, total_a, total_b) else []
        if blocks:
            found = _judge(a, b, pairs, blocks, la, lb, total_a, total_b, rules="words") or found
    rejected = found is None or not found.accepted
    if (rejected or found.score < PARAPHRASE_SCORE) and _similar_length(total_a, total_b):
        token_pairs = None
        if found is not None and _worth_paraphrase(found, la, lb):
            token_pairs = _token_pairs(a, b, pairs, REWORD_TOKEN if rejected else PARA_TOKEN)
            chain = _in_order({**pairs, **{i: (j, sim) for i, (j, sim, tok) in token_pairs.items()
                                           if tok >= PARA_TOKEN}}, la)
            para = _judge(a, b, chain, [], la, lb, total_a, total_b, rules="paraphrase") if chain else None
            if para is not None and para.accepted:
                return chain, para
        # Word-level pairing needs words: a Chinese sentence is one "token" to token_sort_ratio.
        if rejected and min(len(la), len(lb)) >= REWORD_SENTENCES and not (_cjk(a) or _cjk(b)):
            if token_pairs is None:
                token_pairs = _token_pairs(a, b, pairs, REWORD_TOKEN)
            chain = _in_order({**pairs, **{i: (j, sim) for i, (j, sim, _) in token_pairs.items()}}, la)
            # Most pairs of the chain must be recognisably one sentence reworded, not two
            # sentences on one pattern that share a third of their words.
            tokens = sorted(token_pairs[i][2] if i in token_pairs else 100 for i in chain)
            typical = tokens[len(tokens) // 2] if tokens else 0
            para = (_judge(a, b, chain, [], la, lb, total_a, total_b, rules="reworded")
                    if typical >= REWORD_TYPICAL else None)
            if para is not None and para.accepted and not _quote_different(a, b):
                return chain, para
    return pairs, found


def _quote_different(a: Cleaned, b: Cleaned) -> bool:
    """Whether the two quote REWORD_OWN_QUOTES statements each and none of the other's.

    A rewrite rewords the narration and keeps what people said: every rewrite the rule
    accepts in the labelled real sets that quotes two statements on each side shares one
    (web copies, held-out sets 1-6). Two pieces on one affair by one correspondent weeks
    apart, each reporting a new filing, reword each other's background and quote apart
    (Reuters' 27 March and 15 April 2016 items on Apple's New York iPhone case, autoblog
    audit: score 61, 0.67 of one text in a chain of 7 sentences)."""
    return quote_apart(" ".join(a.units), " ".join(b.units), min_own=REWORD_OWN_QUOTES)


def _similar_length(total_a: int, total_b: int) -> bool:
    """Whether the pair could be one whole article reworded (see PARA_LENGTH)."""
    return min(total_a, total_b) >= PARA_LENGTH * max(total_a, total_b)


def _worth_paraphrase(found: Verdict, la, lb) -> bool:
    """Whether the paraphrase chain is worth a second cdist (see PARA_SEED): most candidate
    pairs are different articles on one topic. Not after the word-level pass (its blocks
    are no sentences for the in-order chain)."""
    return (not found.blocks and min(found.coverage_a, found.coverage_b) >= PARA_SEED
            and min(len(la), len(lb)) >= PARA_SENTENCES)


def _token_pairs(a: Cleaned, b: Cleaned, pairs: dict[int, tuple[int, int]], cutoff: int
                 ) -> dict[int, tuple[int, int, int]]:
    """The sentences the character pass left unpaired, paired by word content
    (``fuzz.token_sort_ratio``, which also forgives words moved within the sentence):
    a unit -> (b unit, character similarity, token similarity). A token-paired sentence
    keeps its character similarity (fuzz.ratio): the score says how much was reworded."""
    used_b = {j for j, _ in pairs.values()}
    left_a = [i for i, s in enumerate(a.skeletons) if i not in pairs and len(s) >= FUZZY_MIN]
    left_b = [j for j, s in enumerate(b.skeletons) if j not in used_b and len(s) >= FUZZY_MIN]
    found: dict[int, tuple[int, int, int]] = {}
    if left_a and left_b and len(left_a) * len(left_b) <= MAX_FUZZY_CELLS:
        # Best scores first, one to one: the pairs at PARA_TOKEN and above are the same
        # whatever the cutoff, so one cdist serves both chains.
        for i, j, tok in _best_pairs(a, b, left_a, left_b, fuzz.token_sort_ratio, cutoff):
            if not _figures_changed(a, i, b, j):
                found[i] = (j, int(fuzz.ratio(a.units[i], b.units[j])), tok)
    return found


def _in_order(pairs: dict[int, tuple[int, int]], la: list[int]) -> dict[int, tuple[int, int]]:
    """The heaviest (by a's letters/digits) subset of ``pairs`` increasing on both sides.

    A weighted longest increasing subsequence; quadratic, which is fine for the few
    hundred sentences of an article (rapidfuzz has no such alignment for given pairs)."""
    order = sorted(pairs)
    best: list[int] = []
    back: list[int] = []
    for k, i in enumerate(order):
        j = pairs[i][0]
        prev = max((m for m in range(k) if pairs[order[m]][0] < j), key=lambda m: best[m], default=-1)
        best.append(la[i] + (best[prev] if prev >= 0 else 0))
        back.append(prev)
    if not order:
        return {}
    k = max(range(len(order)), key=lambda m: best[m])
    chain = {}
    while k >= 0:
        chain[order[k]] = pairs[order[k]]
        k = back[k]
    return chain


# A passage is a text at most this long (letters/digits): what an analyst pastes or a
# writer lifts out of an article, not an article of its own.
MAX_PASSAGE = 2000


def align_passage(passage: Cleaned, article: Cleaned) -> Match | None:
    """Find a short ``passage`` inside a longer ``article``; None when it is not there.

    :func:`align` pairs whole sentences, and its short-text rule compares words only
    when both texts are short. A passage lifted out of a long article starts and ends
    in mid-sentence and may have a few words changed, so it pairs with no sentence
    and its words are never compared: a 243-character reworded excerpt of a stored
    article went unfound. Here the passage's letters and digits are aligned as one
    string against the article's (rapidfuzz's partial ratio: the best window of the
    article, in one pass), then measured character by character in that window. The
    verdict keeps align()'s bars: at least MIN_RATIO similar, at least MIN_COVERAGE of
    the passage and MIN_CHARS letters found, and not only quotation or stock text.
    """
    total = passage.length
    if not total or total > MAX_PASSAGE or article.length <= total:
        return None
    scale = CJK_SCALE if _cjk(passage) and _cjk(article) else 1
    stock = _stock(passage)
    evidence = sum(len(sk) for sk, q, st in zip(passage.skeletons, passage.quoted, stock) if not q and not st)
    if evidence < MIN_CHARS * scale or evidence < MIN_UNQUOTED * total:
        return None
    needle, hay = passage.text(), article.text()
    found = fuzz.partial_ratio_alignment(needle, hay, score_cutoff=MIN_RATIO)
    if found is None:
        return None
    window = hay[found.dest_start : found.dest_end]
    matched = sum(b.size for b in Indel.opcodes(needle, window).as_matching_blocks())
    if matched < MIN_CHARS * scale or matched < MIN_COVERAGE * total:
        return None
    a0, a1 = _unit_range(passage, found.src_start, found.src_end)
    b0, b1 = _unit_range(article, found.dest_start, found.dest_end)
    return Match(
        score=round(found.score, 2),
        coverage_a=round(matched / total, 4),
        coverage_b=round(matched / article.length, 4),
        passages=[[passage.spans[a0][0], passage.spans[a1][1], article.spans[b0][0], article.spans[b1][1]]],
        chars=matched,
    )


def _unit_range(c: Cleaned, start: int, end: int) -> tuple[int, int]:
    """The first and last unit of ``c`` holding skeleton offsets ``start`` to ``end``."""
    first = last = None
    pos = 0
    for i, sk in enumerate(c.skeletons):
        if first is None and start < pos + len(sk):
            first = i
        if end > pos:
            last = i
        pos += len(sk)
    return first or 0, last if last is not None else len(c.skeletons) - 1


def _worth_words(a: Cleaned, b: Cleaned, pairs, la, lb, total_a: int, total_b: int) -> bool:
    """Whether the word-level pass could lift the pair to the short-text rule's share
    (most candidate pairs it would be tried on cannot: it is the expensive step)."""
    need_a, need_b = MIN_DENSE_SHARE * total_a, MIN_DENSE_SHARE * total_b
    have_a = sum(la[i] for i in pairs)
    have_b = sum(lb[j] for j, _ in pairs.values())
    return have_a + _reachable(a, b) >= need_a and have_b + _reachable(b, a) >= need_b


@dataclass(frozen=True)
class Verdict:
    """Why an aligned pair is, or is not, a republication: the figures and one predicate per rule.

    ``enough_chars`` and ``mostly_unquoted`` must both hold; then any one of the rules
    (``one_side_covered``, ``run_on_both``, ``dense_short``, ``carried_lead``,
    ``carried_passage``, ``paraphrase``, ``reworded``) makes it a copy.
    """

    score: float  # similarity of the aligned text, 0-100
    coverage_a: float  # share of each side aligned (stock text included)
    coverage_b: float
    chars: int  # letters/digits aligned on a's side
    blocks: tuple  # the word blocks that counted (see _word_blocks)
    evidence_chars: int  # min over the sides of the aligned letters/digits that are not stock text
    evidence_coverage_a: float  # share of each side's non-stock text aligned
    evidence_coverage_b: float
    unquoted_chars: int  # of a's aligned evidence, letters/digits that are not quotation
    longest_run: int  # letters/digits of the longest in-order run of aligned sentences
    enough_chars: bool  # evidence_chars >= MIN_CHARS (CJK-scaled)
    mostly_unquoted: bool  # unquoted_chars >= MIN_UNQUOTED of a's evidence, or CARRIED_WHOLE, or a CARRIED_RUN run
    one_side_covered: bool  # sentence rule: MIN_COVERAGE of one side, on more than SHORT_REUSE letters
    run_on_both: bool  # sentence rule: MIN_BOTH of each side in one run of MIN_RUN letters
    dense_short: bool  # the short-text rule (see MIN_DENSE_SHARE); only tried when the rules above fail
    short_reuse: bool  # evidence_chars < SHORT_REUSE (CJK-scaled): one_side_covered gives way to carried_lead
    carried_lead: bool  # short reuse that is the longer side's lead, carried alone (see SHORT_REUSE)
    carried_passage: bool  # short reuse of PASSAGE_SENTENCES or more verbatim sentences in a row
    paraphrase: bool = False  # whole article, in order, reworded (see PARA_TOKEN)
    reworded: bool = False  # a rewrite every sentence of which is reworded (see REWORD_TOKEN)
    template: bool = False  # as many sentences align only with other figures as align at all: no rule applies

    @property
    def accepted(self) -> bool:
        return self.enough_chars and self.mostly_unquoted and not self.template and (
            self.one_side_covered or self.run_on_both or self.dense_short or self.carried_lead or self.carried_passage
            or self.paraphrase or self.reworded)


def _judge(a: Cleaned, b: Cleaned, pairs, blocks, la, lb, total_a: int, total_b: int, *,
           rules: str = "sentences") -> Verdict | None:
    """The pair's figures and the rules they meet; None when nothing is aligned.

    ``rules``: "sentences", the sentence rules (whole sentences aligned); "words", only
    the short-text rule, with the word blocks counted as verbatim reuse; "paraphrase",
    only the paraphrase rule (``pairs`` being an in-order chain, see PARA_TOKEN);
    "reworded", only the rewrite rule (an in-order chain, see REWORD_TOKEN).
    """
    sentences = rules == "sentences"
    words = sum(blk[-1] for blk in blocks)
    matched_a = sum(la[i] for i in pairs) + words
    matched_b = sum(lb[j] for j, _ in pairs.values()) + words
    if not matched_a:
        return None
    weighted = sum(la[i] * sim for i, (_, sim) in pairs.items()) + 100 * words
    cov_a, cov_b = matched_a / total_a, matched_b / total_b
    score = weighted / matched_a
    # The verdict weighs only the sentences that are evidence: stock text on either side
    # is left out, of what is shared and of each side's total.
    stock_a, stock_b = _stock(a), _stock(b)
    pairs = {i: v for i, v in pairs.items() if not stock_a[i] and not stock_b[v[0]]}
    ev_a = sum(la[i] for i in pairs) + words
    ev_b = sum(lb[j] for j, _ in pairs.values()) + words
    ev_total_a = total_a - sum(n for n, st in zip(la, stock_a) if st)
    ev_total_b = total_b - sum(n for n, st in zip(lb, stock_b) if st)
    ev_cov_a, ev_cov_b = ev_a / max(ev_total_a, 1), ev_b / max(ev_total_b, 1)
    # Quotation as the first text marks it. Counted on both sides, a transcript carrying a
    # senator's words without marks made a report quoting him a copy of it (Newsmax's Warner
    # item and NBC's show transcript, Helsinki); counted on either side, a copy quoting tweets
    # that its origin embeds unmarked was lost (Fox and Newsmax on Trump's NATO tweets).
    unquoted = sum(la[i] for i in pairs if not a.quoted[i]) + words
    scale = CJK_SCALE if _cjk(a) and _cjk(b) else 1
    enough = min(ev_a, ev_b) >= MIN_CHARS * scale
    run = _longest_run(pairs, la)
    unquoted_ok = (unquoted >= MIN_UNQUOTED * ev_a or max(ev_cov_a, ev_cov_b) >= CARRIED_WHOLE
                   or run >= CARRIED_RUN * scale)
    short = min(ev_a, ev_b) < SHORT_REUSE * scale
    one_side = sentences and max(ev_cov_a, ev_cov_b) >= MIN_COVERAGE
    lead = passage = False
    if sentences and one_side and short and enough and unquoted_ok:
        lead, passage = _short_reuse(a, b, pairs, la, lb, stock_a, stock_b, ev_total_a, ev_total_b, scale)
    one_side = one_side and not short
    both = sentences and min(ev_cov_a, ev_cov_b) >= MIN_BOTH and run >= MIN_RUN * scale
    paraphrase = (rules == "paraphrase" and enough and unquoted_ok and len(pairs) >= PARA_SENTENCES
                  and min(ev_cov_a, ev_cov_b) >= PARA_COVERAGE and score < PARAPHRASE_SCORE)
    # A rewrite's evidence is its reworded narration, REWORD_SENTENCES sentence pairs quoted on
    # neither side: outlets rewording one official's post all "reword" the post itself (RIA's,
    # Gazeta's and PenzaNews's items on the Penza governor's Telegram message, 13 Dec 2025: half
    # of RIA's four sentences are his words; web_copies_heldout3.csv).
    unquoted_pairs = sum(1 for i, (j, _) in pairs.items() if not a.quoted[i] and not b.quoted[j])
    reworded = (rules == "reworded" and enough and unquoted_ok and unquoted_pairs >= REWORD_SENTENCES
                and min(ev_cov_a, ev_cov_b) >= REWORD_COVERAGE and score < PARAPHRASE_SCORE)
    # Evaluated only where it could decide (the other rules fail), as before: it is the costly one.
    dense = (rules in ("sentences", "words") and enough and unquoted_ok and not one_side and not both and not lead and not passage
             and _dense(a, b, pairs, words, la, lb, ev_total_a, ev_total_b, min(ev_cov_a, ev_cov_b), score))
    return Verdict(score=score, coverage_a=cov_a, coverage_b=cov_b, chars=matched_a, blocks=tuple(blocks),
                   evidence_chars=min(ev_a, ev_b), evidence_coverage_a=ev_cov_a, evidence_coverage_b=ev_cov_b,
                   unquoted_chars=unquoted, longest_run=run, enough_chars=enough, mostly_unquoted=unquoted_ok,
                   one_side_covered=one_side, run_on_both=both, dense_short=dense, short_reuse=short, carried_lead=lead,
                   carried_passage=passage, paraphrase=paraphrase, reworded=reworded)


def _short_reuse(a: Cleaned, b: Cleaned, pairs, la, lb, stock_a, stock_b, ev_total_a: int, ev_total_b: int,
                 scale: float) -> tuple[bool, bool]:
    """Whether a short reuse is the longer side's lead carried alone, and whether it is
    a carried passage (see SHORT_REUSE). ``pairs`` holds evidence only (no stock text)."""
    run = _run_units(pairs, la)
    if not run:
        return False, False
    short_a = ev_total_a <= ev_total_b
    letters = sum((la[i] if short_a else lb[j]) for i, j, _ in run)
    short_total = ev_total_a if short_a else ev_total_b
    passage = (len(run) >= PASSAGE_SENTENCES and all(sim == 100 for _, _, sim in run)
               and letters >= MIN_COVERAGE * short_total)
    return _carried_lead(a, b, run, letters, short_a, short_total, la, lb, stock_a, stock_b, scale), passage


def _carried_lead(a: Cleaned, b: Cleaned, run, letters: int, short_a: bool, short_total: int, la, lb, stock_a, stock_b,
                  scale: float) -> bool:
    """Whether the in-order ``run`` of a short reuse is the longer side's lead (see SHORT_REUSE)."""
    if letters < LEAD_SHARE * short_total:
        return False
    # Where the run starts in the longer side: only a title, byline or dateline may come first.
    # Counted in the lines that read as sentences (an end mark last): a title, a subtitle, a
    # byline or a line of page chrome has none, however long (RT's pages open with a line of
    # 500 letters of icon names, and its subtitle; an excerpt of its title, subtitle and lede
    # went unfound). A background sentence printed in another story comes after sentences.
    first = run[0][1] if short_a else run[0][0]
    longer = b if short_a else a
    lengths, stock = (lb, stock_b) if short_a else (la, stock_a)
    before = sum(n for n, st, unit in zip(lengths[:first], stock[:first], longer.units[:first])
                 if not st and unit[-1:] in _SENTENCE_MARKS)
    if before > max(LEAD_OFFSET * scale, LEAD_FRACTION * sum(n for n, st in zip(lengths, stock) if not st)):
        return False
    weighted = sum(la[i] * sim for i, _, sim in run) / max(sum(la[i] for i, _, _ in run), 1)
    return weighted >= LEAD_SCORE and all(
        _DIGITS.findall(a.skeletons[i]) == _DIGITS.findall(b.skeletons[j]) for i, j, sim in run if sim < 100)


# A number in a sentence unit (normalised text, spaces kept): digit groups with thousands
# separators ("1,000", "1 000", "1.000") or a decimal part are one number. Read from the unit,
# not the skeleton, where "July 16, 2018" and "16 July 2018" would run into "162018" / "16", "2018".
_FIGURE = re.compile(r"\d{1,3}(?:[ ,.\u00a0\u202f]\d{3}(?!\d))+|\d+(?:[.,]\d+)?")
_NOT_DIGIT = re.compile(r"\D")


def _figures(unit: str) -> Counter:
    return Counter(_NOT_DIGIT.sub("", f) for f in _FIGURE.findall(unit))


def _figures_changed(a: Cleaned, i: int, b: Cleaned, j: int) -> bool:
    """Whether sentence ``i`` of ``a`` and ``j`` of ``b`` give different figures: each has a
    number the other lacks (adding a conversion, "200 km (124 miles)", or a date is an edit;
    "56 drones" -> "105 drones" is another day's news on the same template)."""
    # Most aligned sentences carry the same digits in the same order: no need to read numbers.
    if _DIGITS.findall(a.skeletons[i]) == _DIGITS.findall(b.skeletons[j]):
        return False
    dx, dy = _figures(a.units[i]), _figures(b.units[j])
    return bool(dx - dy) and bool(dy - dx)


def _run_units(pairs: dict[int, tuple[int, int]], la: list[int]) -> list[tuple[int, int, int]]:
    """The longest run of consecutive sentences aligned in order on both sides (by a's
    letters/digits), as (a unit, b unit, similarity)."""
    order = sorted(pairs)
    best = (0, 0, 0)  # letters, first and last index into order
    start = letters = 0
    for k, i in enumerate(order):
        if k and i == order[k - 1] + 1 and pairs[i][0] == pairs[order[k - 1]][0] + 1:
            letters += la[i]
        else:
            start, letters = k, la[i]
        if letters > best[0]:
            best = (letters, start, k)
    return [(i, *pairs[i]) for i in order[best[1] : best[2] + 1]] if order else []


def _stock(c: Cleaned) -> list[bool]:
    """Per unit: is it stock text. Kept on the object: an article is in many pairs."""
    cached = getattr(c, "_align_stock", None)
    if cached is None:
        # Most articles hold none: one search of the whole text settles them.
        joined = "\n" + "\n".join(c.units)
        if any(p in joined for p in _STOCK_PHRASES) or any("\n" + w in joined for w in _DATELINE_WORDS):
            cached = [is_stock(u) for u in c.units]
        else:
            cached = [False] * len(c.units)
        c._align_stock = cached
    return cached


def _cjk(c: Cleaned) -> bool:
    """Whether ``c`` is Chinese/Japanese/Korean text (kept on the object: an article is in many pairs)."""
    cached = getattr(c, "_align_cjk", None)
    if cached is None:
        cached = c._align_cjk = is_cjk("".join(c.skeletons[:40])[:500])
    return cached


def _words(c: Cleaned) -> tuple[list[list[str] | None], dict[int, list[int]], list[int]]:
    """Per unit its words (None for quotations, embedded posts, disclaimers); then, over
    the words of all those units in a row, where each MIN_BLOCK_WORDS-word window (by
    hash) starts, and the letters/digits of each word. Kept on the object: an article
    is in many pairs."""
    cached = getattr(c, "_align_words", None)
    if cached is None:
        stock = _stock(c)
        per_unit = [None if c.quoted[i] or stock[i] or _EMBED.search(u) else _WORD.findall(u)
                    for i, u in enumerate(c.units)]
        flat = [w for ws in per_unit if ws for w in ws]
        grams: dict[int, list[int]] = {}
        for k in range(len(flat) - MIN_BLOCK_WORDS + 1):
            grams.setdefault(hash(tuple(flat[k : k + MIN_BLOCK_WORDS])), []).append(k)
        cached = (per_unit, grams, [len(w) for w in flat])
        c._align_words = cached
    return cached


def _reachable(c: Cleaned, other: Cleaned) -> int:
    """Letters/digits of ``c`` inside word windows that ``other`` has too: a bound on what
    the word-level pass can find (a shared run of MIN_BLOCK_WORDS words is such a window)."""
    _, grams, lens = _words(c)
    shared = grams.keys() & _words(other)[1].keys()
    if not shared:
        return 0
    covered: set[int] = set()
    for g in shared:
        for k in grams[g]:
            covered.update(range(k, k + MIN_BLOCK_WORDS))
    return sum(lens[k] for k in covered)


def _dense(a: Cleaned, b: Cleaned, pairs, words: int, la, lb, total_a: int, total_b: int, cov: float, score: float) -> bool:
    """The short-text rule (see MIN_DENSE_SHARE)."""
    if cov < MIN_DENSE_SHARE or max(total_a, total_b) > MAX_DENSE_TEXT or score < MIN_DENSE_SCORE:
        return False
    if any(_EMBED.search(a.units[i]) for i in pairs):
        return False
    # A sentence printed twice (a photo caption above and below the story) counts
    # once (stock text is already left out by the caller): two different stories share little else.
    once_a = sum(la[i] for i in {a.skeletons[i]: i for i in pairs}.values()) + words
    once_b = sum(lb[j] for j in {b.skeletons[j]: j for j, _ in pairs.values()}.values()) + words
    return (min(once_a / total_a, once_b / total_b) >= MIN_DENSE_SHARE
            and _unquoted_both(a, b, pairs, la) + words >= MIN_DENSE_CHARS)


def _word_blocks(a: Cleaned, b: Cleaned, pairs: dict[int, tuple[int, int]]) -> list[tuple]:
    """Runs of at least MIN_BLOCK_WORDS words shared, in order, by the sentences left unpaired.

    One LCS over the two word sequences (rapidfuzz's ``Indel.opcodes``, bit-parallel:
    well under a millisecond for texts this short). Quotations, embedded posts and
    disclaimers take no part. Each block: (a unit, a start, a unit, a end, b unit,
    b start, b unit, b end, letters/digits), the starts and ends being offsets in the units.
    """
    used_b = {j for j, _ in pairs.values()}

    def words(c: Cleaned, skip) -> tuple[list[str], list[tuple[int, int]]]:
        flat, where = [], []
        for i, ws in enumerate(_words(c)[0]):
            if ws and i not in skip:
                flat.extend(ws)
                where.extend((i, k) for k in range(len(ws)))
        return flat, where

    (wa, pa), (wb, pb) = words(a, pairs), words(b, used_b)
    if len(wa) < MIN_BLOCK_WORDS or len(wb) < MIN_BLOCK_WORDS:
        return []
    out = []
    for blk in Indel.opcodes(wa, wb).as_matching_blocks():
        if blk.size >= MIN_BLOCK_WORDS:
            first_a, last_a = pa[blk.a], pa[blk.a + blk.size - 1]
            first_b, last_b = pb[blk.b], pb[blk.b + blk.size - 1]
            chars = sum(len(w) for w in wa[blk.a : blk.a + blk.size])
            out.append((first_a[0], _at(a, first_a)[0], last_a[0], _at(a, last_a)[1],
                        first_b[0], _at(b, first_b)[0], last_b[0], _at(b, last_b)[1], chars))
    return out


def _at(c: Cleaned, where: tuple[int, int]) -> tuple[int, int]:
    """Start and end, in its unit, of the k-th word of unit i."""
    i, k = where
    for n, m in enumerate(_WORD.finditer(c.units[i])):
        if n == k:
            return m.start(), m.end()
    return 0, len(c.units[i])


def _block_span(a: Cleaned, b: Cleaned, blk: tuple) -> list[int]:
    """A word block as offsets into both texts (whole sentences where normalising moved characters)."""
    ua0, s0, ua1, e1, ub0, t0, ub1, f1, _ = blk
    return [*_offsets(a, ua0, s0, ua1, e1), *_offsets(b, ub0, t0, ub1, f1)]


def _offsets(c: Cleaned, u0: int, start: int, u1: int, end: int) -> tuple[int, int]:
    (a0, a1), (b0, b1) = c.spans[u0], c.spans[u1]
    exact0 = len(c.units[u0]) == a1 - a0
    exact1 = len(c.units[u1]) == b1 - b0
    return (a0 + start if exact0 else a0), (b0 + end if exact1 else b1)


def _best_pairs(a: Cleaned, b: Cleaned, left_a: list[int], left_b: list[int], scorer, cutoff: int):
    """One-to-one sentence pairs, best scores first, from one bulk ``cdist``."""
    sim = process.cdist([a.units[i] for i in left_a], [b.units[j] for j in left_b],
                        scorer=scorer, score_cutoff=cutoff, dtype=np.uint8)
    rows, cols = np.nonzero(sim)
    order = np.argsort(-sim[rows, cols], kind="stable")
    taken_a: set[int] = set()
    taken_b: set[int] = set()
    for k in order:
        i, j = left_a[rows[k]], left_b[cols[k]]
        if i in taken_a or j in taken_b:
            continue
        taken_a.add(i)
        taken_b.add(j)
        yield i, j, int(sim[rows[k], cols[k]])


def _unquoted_both(a: Cleaned, b: Cleaned, pairs: dict[int, tuple[int, int]], la: list[int]) -> int:
    """Letters/digits of a's aligned sentences (each text once) that are a quotation on neither side."""
    kept = {a.skeletons[i]: i for i, (j, _) in pairs.items() if not a.quoted[i] and not b.quoted[j]}
    return sum(la[i] for i in kept.values())


def _longest_run(pairs: dict[int, tuple[int, int]], la: list[int]) -> int:
    """Letters/digits of the longest run of consecutive sentences aligned in order on both sides."""
    return sum(la[i] for i, _, _ in _run_units(pairs, la))


def _passages(a: Cleaned, b: Cleaned, pairs: dict[int, tuple[int, int]]) -> list[list[int]]:
    """Runs of consecutive aligned sentences, as character offsets into both texts."""
    runs: list[list[int]] = []
    prev: tuple[int, int] | None = None
    for i in sorted(pairs):
        j = pairs[i][0]
        (a0, a1), (b0, b1) = a.spans[i], b.spans[j]
        if prev is not None and i == prev[0] + 1 and j == prev[1] + 1:
            runs[-1][1], runs[-1][3] = a1, b1
        else:
            runs.append([a0, a1, b0, b1])
        prev = (i, j)
    return runs
