"""``syndtrack import-warc``: articles from WARC files (CC-NEWS, own crawls).

HTML responses go through the crawler's extraction (:func:`crawler.extraction.extract`,
what the spider's ``parse_article`` calls) and land through :class:`ArticleStore`
with the raw page as evidence, so a page read from an archive is stored exactly
like a crawled one. Articles are keyed by canonical URL: importing a file twice
changes nothing.

With a :class:`CopyFilter` (``--filter copies``) only pages that reuse the text of
source articles (state media by default) are extracted and stored. The test runs
on the raw page before extraction: tags stripped by two regexes, the text
normalised and reduced to its skeleton like an article's (:mod:`dedupe.normalize`),
every K-shingle hashed like a fingerprint (:func:`dedupe.fingerprint.shingles`) and
looked up in the sorted array of the sources' fingerprints. An unrelated page
costs about a millisecond; extraction (tens of milliseconds) runs only for the
few that pass.
"""

from __future__ import annotations

import glob
from html import unescape as html_unescape
import json
import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator
from urllib.parse import urlsplit

import numpy as np
from sqlite_utils import Database

from syndtrack.store.articles import ArticleStore, BadArticle, StoreCounts, normalize_date, validate_article
from syndtrack.store.dates import utcnow
from syndtrack.store.db import write_transaction
from syndtrack.store.registry import Registry, registrable_domain, strip_www
from syndtrack.store.rows import unblob
from syndtrack.warc_reader import Problem, Record, is_gzip, read_warc

BATCH_SIZE = 200
# Distinct source fingerprints a page must contain. One shared fingerprint is a
# shared 32-letter run, which stock phrases reach ("the spokesperson of the foreign
# ministry said"); two almost never happen by chance, and a reused paragraph of
# 300 characters already holds about five (one fingerprint per ~60 characters).
MIN_HITS = 2
# Markup past this is not extracted (the crawler's SYNDTRACK_EXTRACT_MAXSIZE).
EXTRACT_MAXSIZE = 1536 * 1024
_SCRIPTS = re.compile(rb"(?is)<script\b.*?</script>|<style\b.*?</style>")  # as the spider measures markup
# The cheap test reads this much of a page's text; the index holds at most
# dedupe.normalize.MAX_TEXT characters of an article anyway.
MAX_PAGE_TEXT = 400_000

# Hosts remembered per process (each cache, in this process and in every worker): a CC-NEWS
# day has some tens of thousands; past this the rest are looked up each time. ~20 MB a cache.
HOST_CACHE = 200_000

# What a record can become: stored, or skipped for one of these reasons.
SKIP_KINDS = ("revisit", "not_response", "not_ok", "not_html", "truncated", "too_large", "filtered",
              "not_article", "not_reused", "extraction_failed", "bad_article", "broken_gzip", "unreadable")


class WarcInputError(ValueError):
    """A path argument that names no readable file."""


def expand_paths(args: Iterable[str]) -> list[Path]:
    """Files, globs and ``@list.txt`` (one path or glob a line, ``#`` comments) to existing files, in order."""
    out: list[Path] = []
    seen: set[Path] = set()
    for arg in args:
        if arg.startswith("@"):
            listing = Path(arg[1:])
            try:
                lines = listing.read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                raise WarcInputError(f"{listing}: cannot read the list: {exc.strerror or exc}") from None
            base = listing.parent
            items = [ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")]
            items = [i if os.path.isabs(i) else str(base / i) for i in items]
        else:
            items = [arg]
        for item in items:
            matches = sorted(glob.glob(item)) if glob.has_magic(item) else [item]
            if not matches:
                raise WarcInputError(f"{item}: no file matches")
            for m in matches:
                p = Path(m)
                if not p.is_file():
                    raise WarcInputError(f"{p}: no such file")
                if p.resolve() not in seen:
                    seen.add(p.resolve())
                    out.append(p)
    return out


# -- the cheap test ---------------------------------------------------------------------

# On the raw bytes: '<' and '>' are never part of a multi-byte character in UTF-8,
# GBK, Big5 or Shift_JIS, and a regex over bytes runs several times faster than over
# the decoded str (95 KB pages: 0.15 ms to strip, against 1.2 ms for the str version
# with lazy ``.*?`` blocks). The patterns are "unrolled" ([^<]* runs) for the same reason.
_B_INVISIBLE = re.compile(
    rb"<script[^>]*>[^<]*(?:<(?!/script)[^<]*)*</script\s*>|<style[^>]*>[^<]*(?:<(?!/style)[^<]*)*</style\s*>"
    rb"|<!--[^-]*(?:-(?!->)[^-]*)*-->", re.I)
_B_TAG = re.compile(rb"<[^>]*>")
# The text after each tag, up to the next '<': what _B_TAG.sub keeps, found without
# building the page again around ~1,500 replacements (0.07 against 0.15 ms a page).
_B_TEXT = re.compile(rb">([^<]+)")
# Hosts after "://", links or not: a superset of the links' hosts found 6x faster than by
# the href pattern (a literal prefix the regex engine scans for, no IGNORECASE).
_B_HOST = re.compile(rb"""://([^/"'\s>:<\\]+)""")
_B_LINK = re.compile(rb"""href\s*=\s*["']?(https?://([^/"'\s>:]+)[^"'\s>]*)""", re.I)
_INVISIBLE = re.compile(r"<script[^>]*>[^<]*(?:<(?!/script)[^<]*)*</script\s*>|<style[^>]*>[^<]*(?:<(?!/style)[^<]*)*"
                        r"</style\s*>|<!--[^-]*(?:-(?!->)[^-]*)*-->", re.I)
_TAG = re.compile(r"<[^>]*>")
# The links that say where a page's text came from: rel=canonical, and anchors reading like
# the cues extraction reports (crawler.extraction.attribution: "Source link", "Original
# story", "原文链接", a credit line "Courtesy-..."); a "related stories" box is not one.
_CANONICAL = re.compile(r"""<link\b[^>]*?rel\s*=\s*["']?canonical[^>]*>""", re.I)
_CUE = re.compile(r"source|original|courtesy|credit|via\b|first (?:appeared|published)|read (?:more|the)|"
                  r"来源|來源|原文|出处", re.I)


_ANCHOR_TEXT = re.compile(r"(.{0,120}?)</a>", re.I | re.S)
_TAG_NAME = re.compile(rb"<(a|link)\b", re.I)


def _is_credit_link(raw: bytes, m: re.Match) -> bool:
    """Is the href ``m`` (of _B_LINK, in ``raw``) a page's rel=canonical or an anchor reading
    like a credit? Read around the link only: a page's other links cost nothing."""
    start = raw.rfind(b"<", max(0, m.start() - 2000), m.start())
    end = raw.find(b">", m.end())
    if start < 0 or end < 0:
        return False
    tag = raw[start : end + 1]
    name = _TAG_NAME.match(tag)
    if name is None or b"<" in tag[1:]:
        return False
    if name.group(1).lower() == b"link":
        return _CANONICAL.match(tag.decode("latin-1")) is not None
    inner = _ANCHOR_TEXT.match(raw[end + 1 : end + 1 + 600].decode("utf-8", "replace"))
    return inner is not None and _CUE.search(_TAG.sub(" ", inner.group(1))) is not None


def visible_markup(html: bytes) -> bytes:
    """The page's markup without scripts, styles and comments (a quarter of a news page's
    bytes): what both the cheap test's text and its link test read."""
    return _B_INVISIBLE.sub(b" ", html[: MAX_PAGE_TEXT * 4])


def page_text(html: bytes | str, headers: dict | None = None, *, visible: bytes | None = None) -> str:
    """The visible-ish text of a page, cheaply: scripts, styles and comments dropped, tags
    turned into spaces. Only for fingerprint look-ups (entities are decoded by normalisation).
    ``visible``: :func:`visible_markup` of ``html`` when the caller has it already."""
    if isinstance(html, bytes):
        stripped = _strip_bytes(html, visible)
        try:
            return stripped.decode("utf-8")[:MAX_PAGE_TEXT]
        except UnicodeDecodeError:
            from crawler.extraction import decode

            html = decode(html, headers)  # another charset: the crawler's rules, on the whole page
    return _TAG.sub(" ", _INVISIBLE.sub(" ", html[: MAX_PAGE_TEXT * 4]))[:MAX_PAGE_TEXT]


def _strip_bytes(html: bytes, visible: bytes | None = None) -> bytes:
    """The page without scripts, styles, comments and tags: ``_B_TAG.sub(b" ", ...)`` after
    _B_INVISIBLE, but for runs of whitespace (tests/test_warc.py compares them)."""
    text = visible_markup(html) if visible is None else visible
    first = text.find(b"<")
    if first < 0:
        return text
    # A tag runs from a '<' to the next '>', so past the first '<' the text kept is what
    # follows each tag's '>' up to the next '<'; a '<' with no '>' after it starts no tag.
    parts = [text[:first], *_B_TEXT.findall(text, first)]
    kept = b" ".join(parts)
    tail = text.find(b"<", text.rfind(b">") + 1)
    if tail < 0:
        return kept
    # The tail runs on the last segment, or starts a new one right after a tag's '>'.
    after_tag = text[tail - 1 : tail] == b">" and text.rfind(b"<", 0, tail - 1) > text.rfind(b">", 0, tail - 1)
    return kept + (b" " if after_tag else b"") + text[tail:]


# The skeleton (dedupe.normalize: NFKC, casefolded, entities decoded, letters and digits
# only) straight from the bytes for a page in a Latin script: ASCII punctuation and spaces
# deleted and letters lowered by one bytes.translate, then each run of non-ASCII
# characters left (curly quotes, dashes, no-break spaces, ©, é, ß) replaced by what
# normalisation makes of it (cached per run). On ASCII, NFKC and casefold are the
# identity and lower(); on these runs they act character by character (no combining
# marks, no scripts with their own rules: Chinese, Greek, Cyrillic). The same skeleton
# as skeleton(normalize_text(text)), at a fraction of its cost (normalising a page's
# chrome was most of the cheap test). tests/test_warc.py checks the equality.
_B_ASCII_PUNCT = bytes(c for c in range(128) if not chr(c).isalnum())
_B_LOWER = bytes.maketrans(bytes(range(65, 91)), bytes(range(97, 123)))
_B_ENTITY = re.compile(rb"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]{2,8});")
_B_HIGH = re.compile(rb"[\x80-\xff]+")
# Entities of punctuation and spaces (decoded, normalisation keeps no letter or digit of
# them); &amp; only where no second unescaping could start an entity with it (&amp;#8217;).
_B_PUNCT_ENTITY = re.compile(
    rb"&(?:#x27|#x2019|#x201[cdCD]|#0?39|#82(?:1[1-2]|1[6-9]|2[01]|30)|quot|apos|copy|reg|raquo|laquo|nbsp|lt|gt"
    rb"|[lr]squo|[lr]dquo|[mn]dash|hellip);|&amp;(?![#A-Za-z])")
_B_ENTITY_START = re.compile(rb"&[#A-Za-z]")  # what html.unescape could still read, with or without ';'
# Latin-1, Latin Extended A/B, IPA and spacing modifiers, Latin Extended Additional
# (Vietnamese), general punctuation, currency, letter-like symbols, arrows, shapes, dingbats.
_FAST_CHARS = re.compile("[\u0080-\u02ff\u1e00-\u1eff\u2000-\u27bf\u3000\ufeff]+")
_run_skeletons: dict[bytes, bytes | None] = {}
# Punctuation that normalisation keeps as punctuation (quotes, dashes, spaces, ellipsis, bullet):
# its skeleton is empty (tests/test_warc.py checks each against _run_skeleton).
# (The most frequent non-ASCII characters of the benchmark's English pages, © of every footer.)
_DROPPED = "\u2019\u201c\u201d\u2014\u00a9\u00bb\u2018\u2013\u00a0\u2026\u200b\u201e\u00ad\u00a3\u2022\u00ab\u2212\u00ae\u00b7\u00b4"


def _run_skeleton(run: bytes) -> bytes | None:
    """What normalisation and skeleton make of this run of UTF-8 between two ASCII letters
    (None: not on the fast path)."""
    if run in _run_skeletons:
        return _run_skeletons[run]
    import unicodedata

    from dedupe.normalize import normalize_text, skeleton

    out = None
    try:
        text = run.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    # Combining marks compose with some letters and not others: never on the fast path.
    if text and _FAST_CHARS.fullmatch(text) and not any(unicodedata.category(c).startswith("M") for c in text):
        skel = skeleton(normalize_text(f"a{text}b"))
        mid = skel[1:-1]
        # NFKC can turn a character into Greek (the micro sign): homoglyph folding, which
        # depends on the neighbours, would then apply.
        if skel[:1] == "a" and skel[-1:] == "b" and not any(0x370 <= ord(c) < 0x1E00 or ord(c) > 0x1EFF for c in mid):
            out = mid.encode("utf-8")
    if len(_run_skeletons) < 100_000:
        _run_skeletons[run] = out
    return out


def page_skeleton(html: bytes | str, headers: dict | None = None, *, visible: bytes | None = None) -> bytes | str:
    """The skeleton of a page's text for the cheap test: ASCII bytes or str on the fast path,
    else ``skeleton(normalize_text(page_text(html)))``. All give the same shingles."""
    from dedupe.normalize import normalize_text, skeleton

    fast = _fast_skeleton(html, visible) if isinstance(html, bytes) else None
    return fast if fast is not None else skeleton(normalize_text(page_text(html, headers, visible=visible)))


def _fast_skeleton(html: bytes, visible: bytes | None = None) -> bytes | str | None:
    stripped = _strip_bytes(html, visible)[:MAX_PAGE_TEXT]
    if b"&" in stripped and _B_ENTITY.search(stripped):
        # Most pages' entities are punctuation (&#x27; &quot; &copy; ...), which no skeleton
        # keeps: turned into spaces in one C-speed pass. Only a page with another entity, or
        # an '&' that unescaping twice could read as one, is decoded (0.06 -> 0.02 ms a page).
        light = _B_PUNCT_ENTITY.sub(b" ", stripped)
        if _B_ENTITY_START.search(light) is None:
            stripped = light
        else:
            try:  # decoded twice, as normalisation does
                stripped = html_unescape(html_unescape(stripped.decode("utf-8"))).encode("utf-8")
            except UnicodeDecodeError:
                return None
    skel = stripped.translate(_B_LOWER, _B_ASCII_PUNCT)
    if skel.isascii():
        return skel
    # Curly quotes, dashes, no-break spaces and ellipses are most English pages' only non-ASCII
    # characters, and no skeleton keeps them: deleted by str.replace (C loops), most pages are
    # then ASCII and skip the run look-ups below (0.03 against 0.15 ms a page). Only on valid
    # UTF-8 (the decoding checks it): a deletion must not join the halves of a broken sequence.
    try:
        text = skel.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        for mark in _DROPPED:
            if mark in text:
                text = text.replace(mark, "")
        skel = text.encode("utf-8")
        if text.isascii():
            return skel
    runs = {run: _run_skeleton(run) for run in set(_B_HIGH.findall(skel))}
    if None in runs.values():
        return None
    if not any(runs.values()):
        return _B_HIGH.sub(b"", skel)  # punctuation only: still ASCII
    return _B_HIGH.sub(lambda m: runs[m.group()], skel).decode("utf-8")


def loose_url(url: str) -> str:
    """A URL without scheme, ``www.``, fragment and trailing slash: how links to one article are compared."""
    try:
        p = urlsplit(url.strip())
    except ValueError:
        return ""
    host = strip_www((p.hostname or "").lower())
    path = p.path.rstrip("/")
    return f"{host}{path}?{p.query}" if p.query else f"{host}{path}"


def _article_path(url: str) -> bool:
    # A link to a state-media home or section page says nothing; to an article, it
    # has a path of some length (every state-media article URL we hold has >= 15).
    try:
        path = urlsplit(url).path
    except ValueError:
        return False
    return len(path.strip("/")) >= 15


class CopyFilter:
    """Keeps the pages that reuse source text, or link to a source article."""

    def __init__(self, fingerprints: np.ndarray, *, source_urls: Iterable[str] = (),
                 source_hosts: Iterable[str] = (), min_hits: int = MIN_HITS, sources: Iterable[str] = ()):
        self.fingerprints = np.unique(np.asarray(fingerprints, dtype=np.int64))
        self.source_urls = {loose_url(u) for u in source_urls}
        self.source_hosts = {strip_www(h.split(":")[0].lower()) for h in source_hosts}
        self.min_hits = min_hits
        self.sources = sorted(sources)
        self._host_is_source: dict[str, bool] = {}
        self._other_hosts: set[bytes] = set()  # hosts as found in pages' bytes, not a source's
        self._bitmap: np.ndarray | None = None  # built on first use, not sent to workers
        self._mask = np.int64(0)

    @classmethod
    def load(cls, db: Database, registry: Registry, sources: Iterable[str] | None = None,
             *, min_hits: int = MIN_HITS) -> "CopyFilter":
        """The fingerprints of the database's source articles: state media unless ``sources`` names outlets.

        Indexed articles (``syndtrack cluster`` has run) bring their fingerprints from
        ``dedupe_articles``; the others are fingerprinted here, the way clustering would.
        """
        from dedupe.fingerprint import fingerprint_batch
        from dedupe.normalize import scan

        wanted = None
        if sources:
            wanted = set()
            for s in sources:
                outlet = registry.resolve(s)
                wanted.add(outlet["slug"] if outlet else s)
        names = [r[0] for r in db.execute("select distinct outlet from articles where outlet is not null").fetchall()]
        chosen, hosts = [], set()
        for name in names:
            outlet = registry.resolve(name)
            if wanted is None:
                ok = bool(outlet and outlet["state_media"])
            else:
                ok = name in wanted or bool(outlet and outlet["slug"] in wanted)
            if ok:
                chosen.append(name)
                if outlet:
                    hosts.update(outlet["domains"])
        if wanted is None:
            hosts.update(registry.state_media_hosts())
        else:
            for slug in wanted:
                if slug in registry:
                    hosts.update(registry[slug]["domains"])
        parts: list[np.ndarray] = []
        urls: list[str] = []
        for start in range(0, len(chosen), 500):
            chunk = chosen[start : start + 500]
            marks = ",".join("?" * len(chunk))
            # An indexed article's fingerprints, as its postings hold them (whichever of the
            # two postings tables those are in: syndtrack.store.fingerprint_index).
            indexed = db.execute(
                f"select d.fingerprints from dedupe_articles d "
                f"join articles a on a.id = d.article_id and a.content_hash = d.content_hash "
                f"where a.outlet in ({marks})", chunk)
            parts.extend(unblob(r[0], np.int64) for r in indexed if r[0])
            missing = db.execute(
                f"select a.url, a.title, a.text, d.content_hash is not null and d.content_hash = a.content_hash "
                f"from articles a left join dedupe_articles d on d.article_id = a.id where a.outlet in ({marks})", chunk)
            batch: list[str] = []
            for url, title, text, is_indexed in missing:
                urls.append(url)
                if not is_indexed:
                    batch.append(scan(text or "", title=title).skeleton)
                if len(batch) >= 100:
                    parts.extend(fingerprint_batch(batch))
                    batch = []
            if batch:
                parts.extend(fingerprint_batch(batch))
        prints = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
        return cls(prints, source_urls=urls, source_hosts=hosts, min_hits=min_hits, sources=chosen)

    def __len__(self) -> int:
        return len(self.fingerprints)

    def __getstate__(self) -> dict:
        # Sent to workers without the bitmap: each builds its own on first use.
        return {**self.__dict__, "_bitmap": None}

    def hits(self, text: str) -> int:
        """How many distinct source fingerprints ``text`` contains."""
        from dedupe.normalize import normalize_text, skeleton

        return self.skeleton_hits(skeleton(normalize_text(text)))

    def skeleton_hits(self, skel: bytes | str) -> int:
        """How many distinct source fingerprints a skeleton (str, or ASCII bytes) contains."""
        from dedupe.fingerprint import K, _shingle_hashes, shingles

        if not len(self.fingerprints) or len(skel) < K:
            return 0
        if isinstance(skel, bytes):  # ASCII: its bytes are its code points
            values = _shingle_hashes(np.frombuffer(skel, dtype=np.uint8), K).view(np.int64)
        else:
            values = shingles(skel)
        # Winnowing keeps the smallest hash of each window, so the largest fingerprint sits
        # ~10% up the hash range: one comparison drops nine shingles in ten, exactly.
        values = values[values <= self.fingerprints[-1]]
        values = values[self._maybe(values)]
        if not len(values):
            return 0
        at = np.searchsorted(self.fingerprints, values)
        at[at == len(self.fingerprints)] = 0
        found = values[self.fingerprints[at] == values]
        return len(np.unique(found)) if len(found) else 0

    def prepare(self) -> None:
        """Build the look-up bitmap now: before forking workers, so they share it."""
        if self._bitmap is None:
            bits = max(16, int(np.ceil(np.log2(max(1, len(self.fingerprints)) * 16))))
            self._mask = np.int64((1 << bits) - 1)
            self._bitmap = np.zeros(1 << (bits - 6), dtype=np.uint64)
            low = self.fingerprints & self._mask
            np.bitwise_or.at(self._bitmap, low >> 6, np.left_shift(np.uint64(1), (low & 63).astype(np.uint64)))

    def _maybe(self, values: np.ndarray) -> np.ndarray:
        # A bitmap of the fingerprints' low bits (16 bits a fingerprint: 1 in 16 misses
        # passes) answers for a page's ~30,000 shingles with two vectorised gathers, and
        # only the few that pass go to the binary search (5x the cost per value).
        self.prepare()
        low = values & self._mask
        return (self._bitmap[low >> 6] >> (low & 63).astype(np.uint64)) & np.uint64(1) != 0

    def is_source_link(self, url: str | None) -> bool:
        """A link to a source article we hold, or to an article page on a source outlet's host."""
        if not url or not url.startswith("http"):
            return False
        host = url.split("/", 3)[2].split(":")[0].lower() if url.count("/") >= 2 else ""
        if not self._is_source_host(strip_www(host)):
            return False
        return loose_url(url) in self.source_urls or _article_path(url)

    def _is_source_host(self, host: str) -> bool:
        known = self._host_is_source.get(host)
        if known is None:
            labels = host.split(".")
            known = any(".".join(labels[i:]) in self.source_hosts for i in range(len(labels) - 1))
            if len(self._host_is_source) < HOST_CACHE:  # a firehose meets millions of hosts: bounded
                self._host_is_source[host] = known
        return known

    def check_page(self, html: bytes | str, headers: dict | None = None) -> str | None:
        """Why the raw page passes the cheap test ('text' or 'link'), or None to drop it."""
        # Links in scripts and comments are not a page's canonical or credit links: the link
        # test reads the markup the text comes from (a quarter of the bytes, twice as fast).
        visible = visible_markup(html) if isinstance(html, bytes) else None
        if self.skeleton_hits(page_skeleton(html, headers, visible=visible)) >= self.min_hits:
            return "text"
        return self.check_links(html if visible is None else visible)

    def check_links(self, html: bytes | str) -> str | None:
        """'link' when the page's canonical or credit link points at a source article."""
        raw = html if isinstance(html, bytes) else html.encode("utf-8", "replace")
        # Every absolute link's host in one C-speed pass; only a link to a source host is
        # read in its tag (a canonical link, or an anchor reading like a credit).
        # Hosts met before and not a source's are set aside by one C-speed set difference.
        unknown = set(_B_HOST.findall(raw)).difference(self._other_hosts)
        if not any([self._is_source_raw_host(h) for h in unknown]):
            return None
        for m in _B_LINK.finditer(raw):
            if self._is_source_host(strip_www(m.group(2).decode("latin-1").lower())) and \
                    self.is_source_link(m.group(1).decode("utf-8", "replace")) and _is_credit_link(raw, m):
                return "link"
        return None

    def _is_source_raw_host(self, host: bytes) -> bool:
        if self._is_source_host(strip_www(host.decode("latin-1").lower())):
            return True
        if len(self._other_hosts) < HOST_CACHE:  # bounded, as the host cache
            self._other_hosts.add(host)
        return False

    def check_article(self, found: dict, url: str) -> str | None:
        """The same question on the extracted article: its text, its source/credit/canonical links."""
        if self.hits(found.get("text") or "") >= self.min_hits:
            return "text"
        for link in _article_links(found, url):
            if self.is_source_link(link):
                return "link"
        return None


def _article_links(found: dict, url: str) -> list[str]:
    links = [found.get("source_url")]
    for cue in found.get("attribution") or ():
        links.append(cue.get("href"))
    canonical = found.get("canonical_url")
    if canonical and registrable_domain(canonical) != registrable_domain(url):
        links.append(canonical)
    return [u for u in links if u]


# -- the import -------------------------------------------------------------------------


@dataclass
class Skipped:
    path: str
    offset: int
    kind: str
    detail: str
    url: str | None = None

    def __str__(self) -> str:
        where = f" {self.url}" if self.url else ""
        return f"{self.path}: offset {self.offset}: {self.kind}{where}: {self.detail}"


@dataclass
class WarcResult:
    files: int = 0
    records: int = 0
    stored: int = 0  # records that landed as articles (new, updated or unchanged)
    kept: Counter = field(default_factory=Counter)  # why kept pages passed the filter: text / link
    skipped: Counter = field(default_factory=Counter)
    counts: StoreCounts = field(default_factory=StoreCounts)
    seconds: float = 0.0
    position: int = 0  # offset of the last record read in the current file

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        c = self.counts
        skipped = ", ".join(f"{n} {k}" for k, n in sorted(self.skipped.items(), key=lambda kv: -kv[1])) or "none"
        return (f"{self.records} records in {self.files} file(s), {self.rate:.0f} records/s: "
                f"articles {c.new} new, {c.updated} updated, {c.unchanged} unchanged; skipped: {skipped}")


def warc_key(path: Path) -> str:
    # By name and size, not by path: the same CC-NEWS file imported from another
    # directory is the same file, and its host counts must replace, not add.
    return f"{path.name}:{path.stat().st_size}"


def resolve_outlet(registry: Registry, url: str) -> str:
    outlet = registry.resolve(url)
    return outlet["slug"] if outlet else registrable_domain(url)


class PageWriter:
    """Kept pages into the database in batches, through :class:`ArticleStore`: the one writer
    of a single-machine import and of a Dask import alike."""

    def __init__(self, db: Database, result: WarcResult, batch_size: int = BATCH_SIZE):
        self.store = ArticleStore(db)
        self.result = result
        self.batch_size = batch_size
        self.rows: list[dict] = []
        self.evidence: dict[str, dict] = {}

    def add(self, row: dict, page: dict) -> None:
        if row["url"] in self.evidence:
            self.flush()  # the same URL twice in a batch: the later record is compared with the earlier
        self.rows.append(row)
        self.evidence[row["url"]] = page
        self.result.stored += 1
        if len(self.rows) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.result.counts.add(self.store.store_batch(self.rows, evidence=self.evidence))
        self.rows.clear()
        self.evidence.clear()


def default_workers() -> int:
    """Processes that read, filter and extract beside the writing one: one per core, none on one core."""
    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return n if n > 1 else 0


def import_warc(
    db: Database,
    paths: Iterable[Path],
    *,
    registry: Registry | None = None,
    copy_filter: CopyFilter | None = None,
    batch_size: int = BATCH_SIZE,
    workers: int = 0,
    on_skip: Callable[[Skipped], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> WarcResult:
    """Import every record of ``paths``; returns what happened.

    ``workers`` > 0 filters and extracts in that many processes while this one reads and
    writes (the result is the same, record for record). ``on_skip`` hears about each
    skipped record (with its offset); ``on_progress`` is called with (records read,
    bytes read over all files) every 100 records.
    """
    registry = registry or Registry.load()
    result = WarcResult()
    writer = PageWriter(db, result, batch_size)
    started = time.perf_counter()
    done = 0  # bytes of the files finished
    pool = _pool(workers, registry, copy_filter) if workers > 0 else None
    try:
        for path in paths:
            result.files += 1
            hosts: dict[str, list[int]] = {}  # outlet -> [pages seen, pages kept]
            file_skipped: Counter = Counter()

            def tick() -> None:
                if on_progress:
                    on_progress(result.records, done + result.position)

            for row, page in iter_pages(path, registry, copy_filter, result, hosts, file_skipped, on_skip, tick,
                                        pool=pool):
                writer.add(row, page)
            writer.flush()
            _sync_outlets(db, registry, hosts)
            _record_file(db, warc_key(path), path.name, path.stat().st_size, hosts, file_skipped,
                         copy_filter is not None)
            done += path.stat().st_size
            if on_progress:
                on_progress(result.records, done)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    result.seconds = time.perf_counter() - started
    return result


# -- records to pages: in this process, or in a pool beside it -------------------------------

# A WARC.gz file is split into byte ranges of this size that the workers read themselves
# (read_warc(path, start, end)): only outcomes and kept pages come back, a few KB a record
# kept. Reading the file here and sending the workers its records (~100 KB of page each,
# pickled through a pipe) cost ~0.2 ms of CPU a record on both sides: a seventh of the
# whole import at 3 % copies, and this process competed with the workers for the cores.
RANGE_BYTES = 8 << 20  # ~500 CC-NEWS records: progress moves often, little is held at once
RANGES_IN_FLIGHT = 2  # per worker: one being read, one waiting, in file order
# A plain (not gzipped) WARC cannot be entered in the middle: it is read here and its
# records sent to the workers in chunks, a bounded number ahead of this reader.
CHUNK_RECORDS = 64
CHUNKS_IN_FLIGHT = 2

_worker_state: tuple | None = None


def _init_worker(registry: Registry, copy_filter: CopyFilter | None) -> None:
    global _worker_state
    _worker_state = (registry, copy_filter)


def _located(rec: Record | Problem, outcome: tuple) -> tuple[int, str | None, tuple]:
    """(offset, URL, outcome): what :func:`iter_pages` needs of a record once it is judged."""
    return rec.offset, None if isinstance(rec, Problem) else rec.url, outcome


def _classify_range(path: str, start: int, end: int | None) -> list[tuple]:
    registry, copy_filter = _worker_state
    return [_located(rec, classify(rec, registry, copy_filter)) for rec in read_warc(path, start, end)]


def _classify_chunk(records: list) -> list[tuple]:
    registry, copy_filter = _worker_state
    out = []
    for rec in records:
        outcome = classify(rec, registry, copy_filter)
        if outcome[0] == "kept":
            outcome[4]["html"] = None  # the reader has the page already: not sent back
        out.append(outcome)
    return out


def _pool(workers: int, registry: Registry, copy_filter: CopyFilter | None):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork where there is one: the registry, the fingerprints and their bitmap reach the
    # workers without being pickled (shared, copy-on-write), and trafilatura is imported.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    if copy_filter is not None:
        copy_filter.prepare()
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method),
                               initializer=_init_worker, initargs=(registry, copy_filter))
    pool.workers = workers  # how many tasks to keep in flight
    return pool


def _byte_ranges(path: Path, length: int | None = None) -> list[tuple[int, int | None]]:
    """``(start, end)`` of each range of ``length`` bytes (default :data:`RANGE_BYTES`); the last ends with the file (None)."""
    length = length or RANGE_BYTES
    size = path.stat().st_size
    starts = list(range(0, max(size, 1), length))
    return [(s, s + length if s + length < size else None) for s in starts]


def _in_order(tasks: Iterator, pool, limit: int) -> Iterator:
    """The results of ``(submit args, context)`` tasks in submission order, at most ``limit`` out at once."""
    from collections import deque

    pending: deque = deque()
    for args, context in tasks:
        pending.append((context, pool.submit(*args)))
        if len(pending) >= limit:  # bounded: wait for the oldest
            context, future = pending.popleft()
            yield context, future.result()
    while pending:
        context, future = pending.popleft()
        yield context, future.result()


def iter_pages(path: Path, registry: Registry, copy_filter: CopyFilter | None, result: WarcResult,
               hosts: dict[str, list[int]], skipped: Counter,
               on_skip: Callable[[Skipped], None] | None = None,
               tick: Callable[[], None] | None = None, *, pool=None,
               byte_range: tuple[int, int | None] = (0, None)) -> Iterator[tuple[dict, dict]]:
    """(article row, evidence) for each record of ``path`` that is kept, in file order; counts the rest.

    Touches no database: a worker of a cluster runs it as it is (:mod:`syndtrack.warc_dask`).
    ``tick`` is called every 100 records, for progress. With ``pool`` (:func:`_pool`) the
    records are classified there: a WARC.gz file by byte ranges the workers read, a plain
    WARC in chunks this process reads; either way a bounded number of tasks ahead.
    ``byte_range`` (without a pool): only the records of that range of a WARC.gz file
    (:func:`syndtrack.warc_reader.read_warc`), as a Dask task reads them."""
    if pool is not None and byte_range != (0, None):
        raise ValueError("a byte range is read in this process, without a pool")

    def outcomes() -> Iterator[tuple[int, str | None, tuple]]:
        """(offset, URL, outcome) of each record, in file order; a kept page's outcome holds its page."""
        if pool is None:
            for rec in read_warc(path, *byte_range):
                yield _located(rec, classify(rec, registry, copy_filter))
        elif is_gzip(path):
            ranges = (((_classify_range, str(path), start, end), None) for start, end in _byte_ranges(path))
            for _, found in _in_order(ranges, pool, RANGES_IN_FLIGHT * pool.workers):
                yield from found
        else:
            for recs, found in _in_order(_chunks(), pool, CHUNKS_IN_FLIGHT * pool.workers):
                for rec, outcome in zip(recs, found):
                    if outcome[0] == "kept":
                        outcome[4]["html"] = rec.body
                    yield _located(rec, outcome)

    def _chunks() -> Iterator:
        chunk: list = []
        for rec in read_warc(path):
            chunk.append(rec)
            if len(chunk) >= CHUNK_RECORDS:
                yield (_classify_chunk, chunk), chunk
                chunk = []
        if chunk:
            yield (_classify_chunk, chunk), chunk

    for offset, url, outcome in outcomes():
        result.records += 1
        result.position = offset
        if tick and result.records % 100 == 0:
            tick()
        kind, outlet = outcome[0], outcome[1]
        if outlet is not None:
            seen = hosts.setdefault(outlet, [0, 0])
            seen[0] += 1
        if kind == "kept":
            _, _, why, row, page = outcome
            seen[1] += 1
            if copy_filter is not None:
                result.kept[why] += 1
            yield row, page
            continue
        result.skipped[kind] += 1
        skipped[kind] += 1
        if kind not in ("not_response", "filtered") and on_skip:
            # The bulk (warcinfo and request records; a firehose's unrelated pages) is counted, not reported.
            _, _, detail = outcome
            on_skip(Skipped(str(path), offset, kind, detail, url))


def classify(rec: Record | Problem, registry: Registry, copy_filter: CopyFilter | None) -> tuple:
    """What becomes of one record, touching nothing: ``(skip kind, outlet or None, detail)``,
    or ``("kept", outlet, why, article row, evidence)``. The outlet is set for every HTML
    page seen (host counts). Pure, so it can run in another process."""
    first = triage(rec, registry, copy_filter)
    if first[0] != "extract":
        return first
    return extracted(rec, first[1], first[2], copy_filter)


def triage(rec: Record | Problem, registry: Registry, copy_filter: CopyFilter | None) -> tuple:
    """The cheap part of :func:`classify` (the record's kind and the cheap test): its outcome,
    or ``("extract", outlet, headers)`` for a page to extract (:func:`extracted`)."""
    if isinstance(rec, Problem):
        return rec.kind, None, rec.detail
    if rec.type == "revisit":
        return "revisit", None, "a revisit record carries no page"
    if rec.type != "response":
        return "not_response", None, ""  # warcinfo, request, metadata: part of any crawl's WARC, not pages
    if rec.truncated:
        return "truncated", None, rec.truncated
    if rec.status != 200:
        return "not_ok", None, f"HTTP {rec.status}"
    ctype = (rec.content_type or "").lower()
    body = rec.body
    if not ("html" in ctype or (not ctype and body.lstrip()[:1] == b"<")):
        return "not_html", None, rec.content_type or "no content type"
    if not rec.url or not rec.url.startswith(("http://", "https://")):
        return "bad_article", None, f"no http(s) target URI: {rec.url!r}"
    outlet = resolve_outlet(registry, rec.url)
    if len(body) > EXTRACT_MAXSIZE and len(_SCRIPTS.sub(b"", body)) > EXTRACT_MAXSIZE:
        return "too_large", outlet, f"over {EXTRACT_MAXSIZE} bytes of markup, scripts and styles aside"
    headers = {"content-type": rec.content_type} if rec.content_type else {}
    if copy_filter is not None and copy_filter.check_page(body, headers) is None:
        return "filtered", outlet, ""
    return "extract", outlet, headers


def extracted(rec: Record, outlet: str, headers: dict, copy_filter: CopyFilter | None) -> tuple:
    """The outcome of a page that passed :func:`triage`: extracted, and asked again whether it reuses."""
    from crawler.extraction import extract

    body = rec.body
    try:
        found = extract(body, rec.url, headers=headers)
    except Exception as exc:  # a page that breaks the extractor must not break the import
        return "extraction_failed", outlet, f"{type(exc).__name__}: {exc}"
    if not found:
        return "not_article", outlet, "not an article page"
    why = None
    if copy_filter is not None:
        why = copy_filter.check_article(found, rec.url)
        if why is None:
            return "not_reused", outlet, "the reused text is in the page's chrome, not its article"
    record = {k: v for k, v in found.items() if k != "canonical_url"}
    canonical = found.get("canonical_url")
    if canonical and registrable_domain(canonical) != registrable_domain(rec.url):
        # A page whose canonical link names another site says where it came from:
        # kept with the attribution cues, where discovery reads links.
        record["attribution"] = [*(found.get("attribution") or []),
                                 {"kind": "canonical", "text": "", "href": canonical}]
    fetched = _warc_date(rec.date)
    record.update(url=rec.url, outlet=outlet, fetched=fetched)
    try:
        row = validate_article(record, origin="warc")
    except BadArticle as exc:
        return "bad_article", outlet, str(exc)
    page = {"url": rec.url, "html": body, "status": rec.status, "content_type": rec.content_type,
            "etag": rec.http_headers.get("etag"), "last_modified": rec.http_headers.get("last-modified"),
            "fetched": fetched}
    return "kept", outlet, why, row, page


def _warc_date(value: str | None) -> str:
    try:
        return normalize_date(value, "WARC-Date") or utcnow()
    except BadArticle:
        return utcnow()


def _sync_outlets(db: Database, registry: Registry, hosts: dict[str, list[int]]) -> None:
    """Put the registry entries of the outlets this import stored into ``outlets`` (the views
    read state media from there), leaving rows that already say the same untouched."""
    from syndtrack.store.registry import outlet_row

    slugs = [o for o, (_, kept) in hosts.items() if kept and o in registry]
    if not slugs:
        return
    now = utcnow()
    marks = ",".join("?" * len(slugs))
    have = {r["slug"]: r for r in db.query(f"select * from outlets where slug in ({marks})", slugs)}
    rows = []
    for slug in slugs:
        row = outlet_row(registry[slug], now)
        old = have.get(slug)
        if old is None or any(old.get(k) != v for k, v in row.items() if k != "updated"):
            rows.append(row)
    if rows:
        with write_transaction(db):
            db["outlets"].upsert_all(rows, pk="slug")


def _record_file(db: Database, key: str, name: str, size: int, hosts: dict[str, list[int]], skipped: Counter,
                 filtered: bool) -> None:
    with write_transaction(db):
        # Replaced, not added to: a second import of the file leaves the same counts.
        db.execute("delete from warc_hosts where warc = ?", [key])
        db["warc_hosts"].insert_all(
            [{"warc": key, "outlet": o, "seen": s, "kept": k} for o, (s, k) in sorted(hosts.items())])
        db["warc_files"].upsert(
            {"warc": key, "name": name, "size": size, "filter": "copies" if filtered else "all",
             "seen": sum(s for s, _ in hosts.values()), "kept": sum(k for _, k in hosts.values()),
             "skipped": json.dumps(dict(sorted(skipped.items())))},
            pk="warc")
        if not db.execute("select first_imported from warc_files where warc = ?", [key]).fetchone()[0]:
            db.execute("update warc_files set first_imported = ? where warc = ?", [utcnow(), key])
