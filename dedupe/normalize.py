"""Normalise an article's text into the units that matching compares.

What is compared is the body an editor wrote. Autoblog wrappers (``[ad_1]``,
``[ad_2]``, ``Source link``, the title repeated on top), credit lines
("(Courtesy-China Media Group, Beijing)", "Source: Xinhua", "With inputs from
...") and outlet boilerplate (share prompts, newsletter plugs, "Also read",
lines the outlet repeats on many pages) are kept out of the units, but the
credit lines are returned as signals: they are how we tell a credited copy.

A unit is a sentence (or a CJK sentence) with its character offsets into the
original ``articles.text``, so aligned passages point into the stored text.
Nothing here depends on spaces between words: CJK text is split on its own
sentence marks and fingerprinted by characters.
"""

from __future__ import annotations

import html
import re
import unicodedata
import zlib
from array import array
from dataclasses import dataclass, field

from dedupe.roundup import AGENCIES, is_roundup

_NON_WORD = re.compile(r"[\W_]+")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]{2,8});")
_SINGLE = re.compile("[\u2018\u2019\u201a\u201b\u2032`\u00b4]")
_DOUBLE = re.compile("[\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb\u300c-\u300f]")
_DASH = re.compile("[\u2010-\u2015\u2212]")
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")
_COMMON = (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u2014", "-"), ("\u2013", "-"), ("\u00a0", " "))
_RARE = re.compile("[\u2018-\u201f\u2032\u2033`\u00b4\u00ab\u00bb\u300c-\u300f\u2010-\u2015\u2212\u200b-\u200d\u2060\ufeff\u00ad]")
_ASCII_PUNCT = bytes(c for c in range(128) if not chr(c).isalnum())


def normalize_text(text: str) -> str:
    """NFKC, casefolded, one kind of quote/dash/space, HTML entities decoded; obfuscation undone.

    What mirrors do to defeat matching is undone here, so it applies to every
    unit and line key while each unit's span still points into the original
    text: full-width Latin letters and digits (NFKC), zero-width characters and
    soft hyphens, Traditional Chinese (to Simplified, with OpenCC), romanisation
    injected after Chinese characters ("標(biāo)準(zhǔn)"), Cyrillic or Greek
    look-alike letters inside Latin words, and Persian letter forms in Arabic text.
    """
    # Plain regex substitutions and str.split beat str.translate with a dict
    # table several times over here, and this runs on every line of every article.
    if "&" in text and _ENTITY.search(text):
        text = html.unescape(html.unescape(text))
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
        # The common ones by str.replace (a C loop); the regexes only when a rarer one is left.
        for old, new in _COMMON:
            if old in text:
                text = text.replace(old, new)
        if not text.isascii() and _RARE.search(text):
            text = _INVISIBLE.sub("", _DASH.sub("-", _DOUBLE.sub('"', _SINGLE.sub("'", text))))
        if not text.isascii():
            if _CJK_CHAR.search(text):
                if "(" in text:
                    text = _strip_romanisation(text)
                text = _to_simplified(text)
            if _GREEK_CYRILLIC.search(text) and _LATIN.search(text):
                text = _fold_homoglyphs(text)
            if _ARABIC_VARIANT.search(text):
                text = text.translate(_ARABIC_FOLD)
    elif "`" in text:
        text = text.replace("`", "'")
    return " ".join(text.casefold().split())


# -- obfuscation -------------------------------------------------------------------------------

# Romanisation in brackets right after a Chinese character: pinyin with tone
# marks ("(biāo)"), pinyin with tone digits ("(biao1)") or zhuyin ("(ㄅㄧㄠ)").
# Plain Latin in brackets ("新华社(Xinhua)", "(G20)") is a gloss or a name, kept.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_ROMANISATION = re.compile(
    r"(?<=[\u3400-\u4dbf\u4e00-\u9fff])\(\s*(?:"
    rf"[a-zA-Zü{_TONED}]*[{_TONED}][a-zA-Zü{_TONED}]*"  # one toned syllable
    rf"(?:[\s'][a-zA-Zü{_TONED}]+)*"  # a word's further syllables
    r"|(?:[a-zA-Zü]{1,6}[1-5]\s*)+"  # tone digits
    r"|[\u3105-\u312f\u31a0-\u31bf\u02ca\u02c7\u02cb\u02d9\u0307\s]+"  # zhuyin (NFKC makes its neutral-tone dot a combining one)
    r")\s*\)"
)
# In a line with injected romanisation, a lower-case syllable in brackets after a character.
_TONELESS = re.compile(r"(?<=[\u3400-\u4dbf\u4e00-\u9fff])\(\s*[a-zü]{1,6}\s*\)")
# Toneless syllables that are injected on their own, with no toned one in the line: two or
# more. Spam mirrors of Global Times' report on the UK's sanctions (June 2024) write
# "据英(ying)国政府13日发表声明称" throughout (web_copies_heldout5.csv); a gloss is a name
# ("新华社(Xinhua)") or an acronym ("(G20)"), not a lower-case syllable after a character.
TONELESS_MIN = 2


def _strip_romanisation(text: str) -> str:
    """``text`` (NFKC) without romanisation injected after its Chinese characters."""
    text, injected = _ROMANISATION.subn("", text)
    # Neutral-tone syllables ("們(men)", "的(de)") carry no tone mark.
    stripped, toneless = _TONELESS.subn("", text)
    return stripped if injected >= 2 or toneless >= TONELESS_MIN else text


_GREEK_CYRILLIC = re.compile("[\u0370-\u03ff\u0400-\u052f]")
_LATIN = re.compile("[A-Za-z]")
# Cyrillic and Greek letters drawn like Latin ones (Unicode's confusables for the
# letters of news prose). Only applied to words that mix them with Latin letters,
# or to lines whose every such letter is a look-alike: a Russian or Greek text stays as it is.
_HOMOGLYPHS = str.maketrans(
    "аеорсухіјѕԁԛԝһӏвкмнтАВЕКМНОРСТХІЈЅ" "οαρνικτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdqwhlbkmhtABEKMHOPCTXIJS" "oapvikturABEZHIKMNOPTYX",
)
# A word (a run of \w) holding both a Latin letter and a Greek or Cyrillic one. Two look-aheads
# from the word's start read each word once; the alternation of before (\w* around either
# order) backtracked inside every word of Russian or Greek prose: 1.7 ms for 3,000 characters
# of it against 0.16, the same matches (tests/test_obfuscation.py).
_MIXED_WORD = re.compile(r"\b(?=\w*?[A-Za-z])(?=\w*?[\u0370-\u052f])\w+")


_CONFUSABLE = frozenset(chr(c) for c in _HOMOGLYPHS)

# Arabic letters that Persian keyboards and Iranian sites write in their Persian forms, and the
# spelling variants Arabic text search folds: Farsi yeh and alef maksura to yeh, keheh to kaf,
# teh marbuta and Persian heh forms to heh, hamza and madda alefs to alef. An Iranian agency
# carrying RT Arabic's item word for word in Persian letter forms (ی, ک, ه for ة) shared no
# fingerprint with it (web_copies_heldout4.csv). One letter for one, so spans keep their offsets.
_ARABIC_FORMS = "یىکةۀەأإآٱ"
_ARABIC_FOLD = str.maketrans(_ARABIC_FORMS, "ييكهههاااا")
_ARABIC_VARIANT = re.compile(f"[{_ARABIC_FORMS}]")


def _fold_homoglyphs(text: str) -> str:
    others = _GREEK_CYRILLIC.findall(text)
    if sum(1 for c in others if c in _CONFUSABLE) >= 0.9 * len(others):
        # Every Cyrillic or Greek letter of the line looks Latin: a disguise, not
        # Russian or Greek prose (which has letters like д, ж, λ, π in every line).
        return text.translate(_HOMOGLYPHS)
    return _MIXED_WORD.sub(lambda m: m.group(0).translate(_HOMOGLYPHS), text)


# A keyword-spam header: a line of many short search terms, no sentence in it.
_KEYWORD_SEPARATORS = re.compile(r"\s*[,|#/;\u3001\uff0c\uff1b]\s*|\s{2,}")
_SENTENCE_MARK = re.compile(r"[.!?\u3002\uff01\uff1f]")


def _is_keyword_header(norm: str) -> bool:
    """A line above the article made of keywords ("xi jinping, belt and road, bri, china news, ...").

    Mirrors put one on top to be found by search engines; it is text the origin
    never had. At least 6 terms, nearly all of at most 4 words (40 characters),
    and no sentence punctuation: a lede that lists names has verbs between them
    and ends with a full stop.
    """
    if len(norm) < 20 or _SENTENCE_MARK.search(norm.rstrip(".")):
        return False
    terms = [t for t in _KEYWORD_SEPARATORS.split(norm.strip("#|, ")) if t]
    if len(terms) < 6:
        return False
    short = sum(1 for t in terms if len(t.split()) <= 4 and len(t) <= 40)
    return short >= 0.9 * len(terms)


_T2S = None


def _to_simplified(text: str) -> str:
    """Traditional Chinese to Simplified (OpenCC's t2s: characters and phrases)."""
    global _T2S
    if _T2S is None:
        import opencc  # loaded on the first Chinese line only: most runs never need it

        _T2S = opencc.OpenCC("t2s")
    return _T2S.convert(text)


def skeleton(norm: str) -> str:
    """Letters and digits only: what fingerprints and exact unit matches see."""
    if norm.isascii():
        return norm.encode("ascii").translate(None, _ASCII_PUNCT).decode("ascii")
    return _NON_WORD.sub("", norm)


def line_key(norm: str) -> int:
    """Stable 32-bit key of a normalised line, for outlet boilerplate counts
    (the top bit set marks a long line: see :data:`LONG_LINE`)."""
    return _key(skeleton(norm))


def _key(skel: str) -> int:
    crc = zlib.crc32(skel.encode("utf-8"))
    return (crc | LONG_LINE) if len(skel) > MAX_BOILERPLATE_SKELETON else (crc & ~LONG_LINE)


def is_long_key(key: int) -> bool:
    return bool(key & LONG_LINE)


# -- lines we keep out of the comparison --------------------------------------------

_AUTOBLOG = re.compile(r"^\s*(\[ad_\d+\]|source\s*link|source|read more|original (article|story))\s*[:.]?\s*$")
_CREDIT = re.compile(
    r"""^\(?\s*(
        courtesy\b | source[sd]?\s*[:\-] | sources?\s*:? \s*(xinhua|cgtn|cri|cctv|china\ daily|global\ times|people'?s\ daily) |
        with\ (additional\ )?inputs?\ from | inputs?\ from | (photo\ )?credits?\s*: |
        (this\ (article|story|piece)\ )?(was\ )?(first|originally)\ (appeared|published|ran) |
        (this\ (article|story|piece)\ )(appeared|is\ republished|is\ reproduced) |
        republished\ (from|with) | reproduced\ (from|with) | via\s*: | by\ arrangement\ with |
        (-+\s*)?(xinhua|cgtn|cri|cctv|ians|pti|afp|ap|reuters|agencies|anadolu)\s*\)?\s*$ |
        \(?(xinhua|cgtn|cri\ online|cctv|ians|pti|afp|reuters)\)?\s*$ |
        (editor|edited)\s*:\s | (reporting|writing|editing|additional\ reporting)\ by\ |
        (the\ )?associated\ press\ (writer|writers|reporter)s?\ .*contributed |
        copyright\ .*(xinhua|cgtn|china\ media|reuters|associated\ press|afp)
    )""",
    re.X,
)
_BOILERPLATE = re.compile(
    r"""^(
        also\ read | read\ (more|also|next)\b | related\s*(:|articles|stories|news|posts)? \s*$ | related: |
        (click|tap)\ here | share\ (this|on|via|the\ article|article|story)\b | share\s*$ | tweet\s*$ | email\s*$ |
        follow\ us | like\ us\ on | join\ (us|our)\b | subscribe\b | sign\ up\b | newsletter |
        (download|get)\ (our|the)\ app | advertisement\s*$ | sponsored | (all\ rights\ reserved|copyright\ ©|©) |
        view\ comments | comments?\s*\(\d*\)\s*$ | leave\ a\ (comment|reply) | loading\.*\s*$ |
        (previous|next)\ (article|post|story)\b | (updated|posted|published)\s*:?\s*$ |
        we\ use\ cookies | (you\ are|you're)\ signed\ in | enter\ (your\ )?(city|email) |
        (photo|image|file\ photo|video)\s*:\ | (photo|image)\s*\(|(home|menu|search|login|log\ in)\s*$
    )""",
    re.X,
)
# Script and style text that extraction let through (ad widgets, trackers): never an editor's prose.
_CODE = re.compile(r"window\.\w|document\.\w|function\s*\(|\bvar \w+\s*=|\w+\.push\(\{|[{};]\s*[}{]")
# Photo captions: a wire photo's caption travels with the photo into galleries and
# articles about other stories, so sharing one is no sign of a shared story.
_CAPTION = re.compile(
    r"(\((?:(?:ap photo|photo[:/ ]|(?:ap|afp|reuters|xinhua|epa|efe|getty images|cfp|imaginechina)/)[^()]{0,80}"
    r"|[^()]{0,80}?(?:/| via | for )(?:ap|afp|getty images|reuters|epa|xinhua|lehtikuva|pool"
    r"|sputnik|tass|ap images|efe|anadolu)\b[^()]{0,40})\)|\.\.\.\s*more|\u2026\s*more)\s*(?:less|more)?\s*$"
)
# What a caption line can end with (the regex is tried on no other line: a third of all
# lines end in "e" or "s", and the search cost 7 us a line).
_CAPTION_ENDS = ("more", "less")
# A wire dateline opening a sentence ("LAGOS, Oct. 31 (Xinhua) --", "MOSCOW, July 16. /TASS/.",
# "WASHINGTON (AP) —", "(MENAFN)"): the agency's label, not its text. Copies drop it, and a lede
# carried alone then misses the score of a carried lead (dedupe.align.LEAD_SCORE) by the
# dateline's few characters. Left out of the unit (its span starts after it); the place must
# be in capitals and the agency a wire service, so "The minister said (Reuters)" stays.
# The agencies are dedupe.roundup's (its CNN left out: a broadcaster) and more wire services.
_WIRES = "|".join([a for a in AGENCIES.split("|") if a != "CNN"] + (
    "AA|Bloomberg|DPA|EFE|ANSA|Antara|MENA|WAM|SPA|KUNA|Mehr|ISNA|Tasnim|Prensa Latina|CNA|CNS|NAN|APA|"
    "Interfax|BelTA|KCNA|VNA|APS|SANA|QNA|BNA|ONA|MENAFN|Xinhua News Agency").split("|"))
_WIRE_DATELINE = re.compile(
    rf"[A-Z][A-Z.'’-]+(?:[ ,]+[\w.'’-]+){{0,6}}?[ ,.]*[(/](?:{_WIRES})[)/]\.?\s*(?:[-–—]+|:)?\s+"
    rf"|[(/](?:{_WIRES})[)/]\.?\s*(?:[-–—]+\s*)?")
WIRE_DATELINE_MAX = 80  # characters: a longer match is a sentence, not a dateline
# The same label in Persian prose, where every carrier writes its own: the attribution that
# opens nearly every news item ("به گزارش خبرگزاری صدا و سیما،", "به گزارش گلستان رسا از گرگان؛"),
# up to its first comma. A provincial site carrying IRNA's flash under its own "به گزارش" paired
# the flash's 60-character lede at 82 (web_copies_heldout8.csv). (Chinese agency datelines,
# "新华社北京12月31日电", are kept: carriers keep them too, and a lead of 60-70 characters carried
# alone needs their length to pass the carried-lead rule, tests/test_short_reuse.py.)
_SOURCE_LEAD = re.compile(r"به گزارش[^،,؛:\n]{1,60}?[،,؛:]\s*")
_SOURCE_LEAD_FIRST = "ب"  # what a source lead opens with (the regex is tried on no other sentence)

# A sentence ends at . ! ? followed by a space, or at a CJK full stop/mark.
# Zero-width characters and soft hyphens a mirror sprinkles around the stop still end it.
# One branch that opens on the stop itself: sre then skips to the next stop character
# quickly, where the two-branch alternation was tried at every position (0.55 s against
# 0.39 s over the units of 4,000 dense-corpus articles; the same matches).
_SENTENCE_END = re.compile(
    "[.!?\u3002\uff01\uff1f](?:"
    "(?<=[.!?])[.!?\u200b-\u200d\u2060\ufeff\u00ad]*[\"')\\]\u200b-\u200d\u2060\ufeff\u00ad]*\\s+"
    "|(?<=[\u3002\uff01\uff1f])[\u3002\uff01\uff1f]*[\"'\u201d\u300d\u200b-\u200d\u2060\ufeff\u00ad]*\\s*)"
)
# A full stop after a title, an initial or a short form ("Mr. Trump", "Donald J. Trump",
# "the U.S. Department", "Jan. 5", "No. 10") ends no sentence. Splitting there cut
# "As Mr. Trump prepares to meet with Mr. Putin in Finland, ..." into fragments that
# no longer matched a copy that drops the "Mr." (a real NYT excerpt on Hot Air was
# missed). A list, not a trained splitter (punkt needs its model downloaded, pysbd is
# slow): news prose needs only these, and both sides of a pair are split alike.
_SHORT_FORMS = frozenset(
    "mr mrs ms mx dr prof gen sen rep gov lt col sgt capt cmdr adm maj rev hon st mt ft jr sr vs "
    "jan feb aug sept sep oct nov dec approx dept est fig no nos vol p pp".split()
)
_DOTTED = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")  # U.S, U.N, e.g
_WORD_LEAD = "(\"'[\u201c\u2018\u2014-"
_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
# Units shorter than this (in skeleton characters) carry no evidence of copying on their own.
# Only the first MAX_TEXT characters of an article are compared. The longest
# real articles in ../shared/data are far shorter (see docs/dedupe.md "Limits");
# past this a "page" is a dump, a feed or an attack, and comparing all of it
# cost 2 GB for one 50 MB article. A prefix keeps every offset valid.
MAX_TEXT = 200_000
MIN_UNIT = 12
# Lines longer than this (raw characters) are never boilerplate, however often they recur.
MAX_BOILERPLATE_LINE = 250
# Lines up to this many letters/digits become outlet boilerplate by recurring on a few
# of the outlet's articles: menus, share prompts and plugs are short, while a re-run
# story's paragraphs must survive.
MAX_BOILERPLATE_SKELETON = 120
# Longer lines (disclaimers: "This story has not been edited by <outlet> staff and is
# auto-generated from a syndicated feed. The views and opinions ...", rights notices)
# can be boilerplate too, but only at the top or bottom of the body, where an outlet
# puts its chrome, and only when they recur on many more of its articles (the clustering
# sets the count). Their keys carry the top bit. Keying only the edges keeps the
# per-outlet line counts small: a key for every paragraph would multiply them.
MAX_LONG_BOILERPLATE_SKELETON = 600
EDGE_LINES = 3  # lines at each end of the body that can be long boilerplate
LONG_LINE = 1 << 31


def _packed(values=()) -> array:
    return array("q", values)


@dataclass
class Scan:
    """The lines of an article that are compared, plus the signals set aside.

    The line tables are flat ``array('q')``s, not lists of tuples: a clustering run
    holds the scan of every article it processes until it has aligned them, and a list
    of tuples costs ~80 bytes a line against 16 (about 3.5 KB an article, 3.5 GB at 1M).
    """

    lines: array  # kept lines: start, end offsets into the original text, flat
    skeleton: str  # letters/digits of the kept lines: what fingerprints see
    credits: list[str] = field(default_factory=list)  # credit lines as they appear
    wrapper: bool = False  # an autoblog wrapper was found
    roundup: bool = False  # several agency datelines: a collection of stories (dedupe.roundup)
    removed: int = 0  # lines kept out as title/wrapper/credit/boilerplate
    # Kept lines outlet boilerplate can be made of (short ones anywhere, long ones at the
    # edges): (line index, skeleton start, skeleton end, line_key) flat, by line index.
    short: array = field(default_factory=_packed)

    def spans(self) -> list[tuple[int, int]]:
        """The kept lines as (start, end) offsets."""
        it = iter(self.lines)
        return list(zip(it, it))

    def short_lines(self) -> list[tuple[int, int, int, int]]:
        it = iter(self.short)
        return list(zip(it, it, it, it))

    def keys(self) -> array:
        """The distinct line keys of the short (and long edge) lines, sorted."""
        return _packed(sorted(set(self.short[3::4])))

    def without(self, boilerplate: set[int] | frozenset[int]) -> "Scan":
        """This scan with the lines whose key is in ``boilerplate`` dropped."""
        short_lines = self.short_lines()
        drop = [(i, s, e) for i, s, e, k in short_lines if k in boilerplate]
        if not drop:
            return self
        gone = {i for i, _, _ in drop}
        parts, pos = [], 0
        for _, s, e in drop:
            parts.append(self.skeleton[pos:s])
            pos = e
        parts.append(self.skeleton[pos:])
        kept, short, shift, n = _packed(), _packed(), 0, 0
        dropped_at = {i: e - s for i, s, e in drop}
        index = {i: (s, e, k) for i, s, e, k in short_lines}
        for i, (start, end) in enumerate(self.spans()):
            if i in gone:
                shift += dropped_at[i]
                continue
            if i in index:
                s, e, k = index[i]
                short.extend((n, s - shift, e - shift, k))
            kept.extend((start, end))
            n += 1
        return Scan(kept, "".join(parts), self.credits, self.wrapper, self.roundup, self.removed + len(gone), short)


@dataclass
class Cleaned:
    """An article reduced to comparable units (sentences)."""

    units: list[str]  # normalised sentences
    skeletons: list[str]  # letters/digits only, per unit
    spans: list[tuple[int, int]]  # offsets of each unit in the original text
    quoted: list[bool]  # unit is mostly a quotation
    credits: list[str] = field(default_factory=list)
    wrapper: bool = False

    @property
    def length(self) -> int:
        return sum(len(s) for s in self.skeletons)

    def text(self) -> str:
        return "".join(self.skeletons)


def _lines(text: str):
    """Yield (start, end) of each non-blank line of ``text``; ``###`` counts as a break too."""
    for m in _LINE.finditer(text):
        start, end = m.span()
        line = m.group()
        if " ### " in line:  # paragraph separator of the provenance CSV files
            pos = start
            for part in line.split(" ### "):
                if part.strip():
                    yield pos, pos + len(part)
                pos += len(part) + 5
        elif not line.isspace():
            yield start, end


_LINE = re.compile(r"[^\n]+")


def _sentences(raw: str):
    """(start, end) of each sentence of a line; fragments too short to be evidence join the next."""
    start = 0
    for m in _SENTENCE_END.finditer(raw):
        end = m.end()
        # Raw length as a cheap stand-in for the letters/digits count ("Mr.", "U.S."),
        # checked first: most stops that end no unit end a fragment too short to be one.
        if end - start < MIN_UNIT + 4:
            continue
        if raw[m.start()] == "." and _continues(raw, m):
            continue
        # Romanisation injected after Chinese characters is no length of its own.
        if ("(" in raw[start:end] or "\uff08" in raw[start:end]) and len(
                _strip_romanisation(unicodedata.normalize("NFKC", raw[start:end]))) < MIN_UNIT + 4:
            continue
        yield start, end
        start = end
    if start < len(raw):
        yield start, len(raw)


def _continues(raw: str, m: re.Match) -> bool:
    """Whether the full stop matched by ``m`` is inside a sentence: after a title, an
    initial or a short form ("Mr. Trump", "Donald J. Trump", "the U.S. economy", "No. 10")."""
    # Plain string work, not a regex over the text before every full stop: this runs for
    # each sentence of every article built into units (a regex here cost 5 s at 100k).
    s = m.start()
    if raw[s + 1 : s + 2] in (".", "!", "?") or raw[m.end() : m.end() + 1] in ('"', "("):
        return False  # "..." or ".!": a real stop; a quotation or aside starts next
    k = raw.rfind(" ", max(0, s - 12), s)
    if k < 0 and s > 12:
        return False  # a long word
    word = raw[k + 1 : s].lstrip(_WORD_LEAD)
    if not word or len(word) > 6:
        return False
    if word.lower() in _SHORT_FORMS or ("." in word and _DOTTED.fullmatch(word)):
        return True
    if len(word) == 1 and word.isupper() and k > 0:
        # A middle initial follows a capitalised name ("Donald J."); "events A and B." ends a sentence.
        prev = raw[raw.rfind(" ", 0, k) + 1 : k]
        return len(prev) > 1 and prev[0].isupper() and prev[1:].isalpha() and prev[1:].islower()
    return False


def _strip_title(norm: str, title_norm: str) -> bool:
    """A line that repeats the title, possibly with a " - Site Name" suffix."""
    if not title_norm:
        return False
    a, b = skeleton(norm), skeleton(title_norm)
    if not a or not b:
        return False
    return a == b or (a.startswith(b) and len(a) - len(b) < 60) or (b.startswith(a) and len(a) > 20)


def _quoted_share(norm: str, inside: bool = False) -> tuple[float, bool]:
    """The share of ``norm`` inside double quotation marks, and whether one is still open at
    its end. ``inside``: one was open at its start (a quotation of several sentences)."""
    if '"' not in norm:
        return (1.0 if inside else 0.0), inside
    parts = norm.split('"')
    quoted = sum(len(p) for k, p in enumerate(parts) if inside != (k % 2 == 1))
    return quoted / max(1, len(norm)), inside != (len(parts) % 2 == 0)


def _quoted_flags(units: list[str]) -> list[bool]:
    """Which sentences of one paragraph are mostly quotation.

    A quotation of several sentences opens in the first and closes in the last: each
    sentence in between is quotation too, though it holds no quotation mark. Read sentence
    by sentence, RIA's two-sentence quote of Peskov shared word for word with Vedomosti's own
    item counted its second sentence as narration (web_copies_heldout8.csv). A paragraph that
    ends with a quotation still open (a stray inch mark, a quotation running on into the next
    paragraph) is read sentence by sentence, as before.
    """
    flags, inside = [], False
    for unit in units:
        share, inside = _quoted_share(unit, inside)
        flags.append(share >= 0.5)
    if inside:
        return [_quoted_share(unit)[0] >= 0.5 for unit in units]
    return flags


def scan(text: str, *, title: str | None = None, boilerplate: frozenset[int] | set[int] = frozenset()) -> Scan:
    """Pick the lines of ``text`` to compare; ``boilerplate`` holds :func:`line_key` values of the outlet's recurring lines.

    Only the first :data:`MAX_TEXT` characters are read.
    """
    text = text[:MAX_TEXT]
    lines = list(_lines(text))
    out = Scan(_packed(), "", roundup=is_roundup(text))
    kept: list[int] = []  # flat start, end of the kept lines
    short: list[int] = []  # flat (kept line index, skeleton start, end, key)
    # The title repeated on top: autoblogs print it once or twice before the body.
    head = 0
    first: list[str] = []
    if lines:
        first = [normalize_text(text[s:e]) for s, e in lines[:3]]
        if title:
            title_norm = normalize_text(title)
            while head < len(first) and _strip_title(first[head], title_norm):
                head += 1
        elif len(lines) > 2 and len(first[0]) < 200 and _strip_title(first[1], first[0]):
            head = 2
    out.removed = head
    skeletons = []
    long_lines: list[tuple[int, int, int]] = []  # (kept line index, skeleton start, end)
    size = 0
    for index in range(head, len(lines)):
        start, end = lines[index]
        norm = first[index] if index < len(first) else normalize_text(text[start:end])  # the head is done already
        if not norm:
            continue
        if (("{" in norm or ";" in norm) and _CODE.search(norm)) or (
                (norm[-1] == ")" or norm.endswith(_CAPTION_ENDS)) and _CAPTION.search(norm)):
            out.removed += 1
            continue
        if index < head + EDGE_LINES and _is_keyword_header(norm):
            out.removed += 1
            continue
        if end - start <= MAX_BOILERPLATE_LINE:
            if _AUTOBLOG.match(norm):
                out.wrapper = out.wrapper or norm.startswith("[ad_") or norm.startswith("source")
                out.removed += 1
                continue
            if _CREDIT.match(norm):
                out.credits.append(text[start:end].strip())
                out.removed += 1
                continue
            if _BOILERPLATE.match(norm):
                out.removed += 1
                continue
            skel = skeleton(norm)
            if skel and len(skel) <= MAX_BOILERPLATE_SKELETON:
                short.extend((len(kept) // 2, size, size + len(skel), _key(skel)))
        else:
            skel = skeleton(norm)
        if skel:
            if MAX_BOILERPLATE_SKELETON < len(skel) <= MAX_LONG_BOILERPLATE_SKELETON:
                long_lines.append((len(kept) // 2, size, size + len(skel)))
            kept.extend((start, end))
            skeletons.append(skel)
            size += len(skel)
    if long_lines:
        short = _edge_keys(short, skeletons, long_lines)
    out.lines, out.short = _packed(kept), _packed(short)
    out.skeleton = "".join(skeletons)
    return out.without(boilerplate) if boilerplate else out


def _edge_keys(short: list[int], skeletons: list[str], long_lines: list[tuple[int, int, int]]) -> list[int]:
    """``short`` with the long lines among the first and last EDGE_LINES kept lines keyed
    in (see LONG_LINE), still by line index."""
    last = len(skeletons) - EDGE_LINES
    edge = [(i, s, e, _key(skeletons[i])) for i, s, e in long_lines if i < EDGE_LINES or i >= last]
    if not edge:
        return short
    it = iter(short)
    merged = sorted(list(zip(it, it, it, it)) + edge)
    return [v for quad in merged for v in quad]


def _blocks(text: str, lines: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Kept lines, with hard-wrapped ones rejoined: a line that stops mid-sentence and
    goes on after a single newline is one sentence stream with the next.

    Not a line that starts with a capital letter and is longer than the one before by more
    than WRAP_SLACK: hard-wrapped lines are about as long as each other, and that is a
    paragraph under its title or subtitle, which a web page's text puts a single newline
    after, without a full stop. Joined, the title and the lede made one sentence that
    paired with no copy's lede: of the 49 pages of `web_copies_heldout2.csv`, an excerpt
    of RT's title, subtitle and first two paragraphs and a copy carrying them under a blank
    line. (The Clough & Stevenson answers, hard-wrapped at ~72 characters, continue a line
    in lower case, or in a line no longer.)"""
    out: list[list[int]] = []
    before = None
    for start, end in lines:
        if out:
            gap = text[out[-1][1] : start]
            last = text[out[-1][1] - 1]
            if gap.count("\n") == 1 and gap.isspace() and last not in _ENDS and (
                    not text[start:start + 8].lstrip()[:1].isupper() or end - start <= before[1] - before[0] + WRAP_SLACK):
                out[-1][1] = end
                before = (start, end)
                continue
        out.append([start, end])
        before = (start, end)
    return [(s, e) for s, e in out]


WRAP_SLACK = 20  # characters a hard-wrapped line may run longer than the one before it


_ENDS = set(".!?:;\"'\u201d\u2019)]\u3002\uff01\uff1f")


def units(text: str, found: Scan) -> Cleaned:
    """Split the kept lines of ``found`` into sentence units for alignment."""
    out = Cleaned([], [], [], [], found.credits, found.wrapper)
    for start, end in _blocks(text, found.spans()):
        raw = text[start:end]
        first = len(out.units)
        for s, e in _sentences(raw):
            # Two capitals or a bracket first: the regex is not even tried on most sentences.
            if raw[s] in "(/" or raw[s + 1 : s + 2].isupper():
                dateline = _WIRE_DATELINE.match(raw, s, e)
                if dateline is not None and dateline.end() - s <= WIRE_DATELINE_MAX:
                    if not raw[dateline.end() : e].strip():
                        continue  # a sentence that is only the dateline ("MOSCOW, July 16 /TASS/.")
                    s = dateline.end()
            elif raw[s] in _SOURCE_LEAD_FIRST:
                lead = _SOURCE_LEAD.match(raw, s, e)
                if lead is not None and lead.end() - s <= WIRE_DATELINE_MAX and raw[lead.end() : e].strip():
                    s = lead.end()
            piece = raw[s:e]
            unit = normalize_text(piece)
            skel = skeleton(unit)
            if not skel:
                continue
            lead = len(piece) - len(piece.lstrip())
            trail = len(piece) - len(piece.rstrip())
            out.units.append(unit)
            out.skeletons.append(skel)
            out.spans.append((start + s + lead, start + e - trail))
        out.quoted.extend(_quoted_flags(out.units[first:]))
    return out


def clean(text: str, *, title: str | None = None, boilerplate: frozenset[int] | set[int] = frozenset()) -> Cleaned:
    """:func:`scan` then :func:`units`: ``text`` as comparable sentences."""
    return units(text, scan(text, title=title, boilerplate=boilerplate))


def is_cjk(text: str) -> bool:
    """Chinese/Japanese/Korean text: a third of its first 500 characters are CJK."""
    sample = text[:500]
    # ASCII has no CJK character; the check runs on every skeleton fingerprinted.
    return not sample.isascii() and len(_CJK_CHAR.findall(sample)) > len(sample) * 0.3
