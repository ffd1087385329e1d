"""crawler.extraction.extract: one HTML page in, one article dict (or None) out."""

from __future__ import annotations

import logging
import re
from urllib.parse import urljoin

import trafilatura
from w3lib.encoding import html_to_unicode

from syndtrack.store import dates

from . import attribution, body, byline, metadata, pagetype, tuning

logger = logging.getLogger(__name__)

# trafilatura's boilerplate XPaths evaluated in Python and its parser's element lookup in C:
# the same results, faster (tuning.py); a trafilatura whose XPaths differ keeps its own.
tuning.install()

FIELDS = (
    "title", "text", "published", "modified", "author", "language", "canonical_url", "site_name",
    "description", "credit", "attribution", "source_url",
)
# The autoblog wrapper's ad slots ("[ad_1]", "[ad_2]"): stripped from the text, they are
# template, not article (dedupe would normalise them away anyway).
_AD_MARKER = re.compile(r"^\s*\[ad_\d+\]\s*$")
_AD_MARKER_INLINE = re.compile(r"\s*\[ad_\d+\]\s*")


def decode(html: str | bytes, headers: dict | None) -> str:
    """Bytes to text the way browsers do: HTTP charset, then BOM, then <meta charset>, then guess."""
    if isinstance(html, str):
        return html
    content_type = None
    for key, value in (headers or {}).items():
        key = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if key.lower() == "content-type":
            if isinstance(value, (list, tuple)):
                value = value[0] if value else None
            content_type = value.decode("latin-1") if isinstance(value, bytes) else value
    if not (content_type and "charset=" in content_type.lower()):
        # Bytes that decode as UTF-8 are UTF-8, whatever a stale <meta charset> says: multi-byte
        # UTF-8 sequences almost never occur by chance in GBK or Latin-1 text, and pages
        # re-saved as UTF-8 keep their old GB2312 declaration (People's Daily in our fixtures).
        try:
            return html.decode("utf-8").lstrip("\ufeff")
        except UnicodeDecodeError:
            pass
    _, text = html_to_unicode(content_type, html, auto_detect_fun=_guess_encoding)
    return text


_TITLE_OPEN = re.compile(r"(<title\b[^>]*>[^<]*)", re.I)


def _close_title(text_html: str) -> str:
    """Close an unclosed <title> at its first tag: the parser would otherwise read the whole
    page as the title (title content runs to </title>), and the article would be lost."""
    head = text_html[:200_000].lower()
    if "<title" in head and "</title" not in head:
        return _TITLE_OPEN.sub(r"\1</title>", text_html, count=1)
    return text_html


def _guess_encoding(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:65536]).best()
    return best.encoding if best else None


def _lines(text: str | None) -> list[str]:
    out = []
    for line in (text or "").split("\n"):
        if _AD_MARKER.match(line):
            continue
        line = _AD_MARKER_INLINE.sub(" ", line).strip()
        if line:
            out.append(line)
    return out


def extract(html: str | bytes, url: str, *, headers: dict | None = None) -> dict | None:
    """Extract one page. None for pages that are not articles (section fronts, tag pages, empty).

    Keys: title, text (paragraphs separated by a blank line), published, modified (ISO 8601,
    UTC when the page gives a zone), author, language, canonical_url, site_name, description,
    credit, attribution (list of {"kind", "text", "href"}), source_url. Missing values are None.
    """
    text_html = decode(html, headers)
    if not text_html or not text_html.strip():
        return None
    text_html = _close_title(text_html)
    tree = trafilatura.load_html(text_html)
    if tree is None:
        return None
    meta = metadata.read(tree)
    link_texts = _link_texts(tree)

    precise = _trafilatura(tree, url, favor_precision=True)
    lines = _lines(precise.text if precise is not None else "")
    # favor_precision sometimes keeps only a fragment (a teaser box); then the default mode's
    # text, several times longer, is the article.
    n_precise = sum(len(body.tokens(line)) for line in lines)
    if n_precise < 200:
        fuller = _trafilatura(tree, url, favor_precision=False)
        fuller_lines = _lines(fuller.text if fuller is not None else "")
        if n_precise < 0.3 * sum(len(body.tokens(line)) for line in fuller_lines):
            lines = fuller_lines
    confirm = body.readability_text(tree)
    n_lines = sum(len(body.tokens(line)) for line in lines)
    if lines and len(body.tokens(confirm)) >= 2 * n_lines and body.coverage(lines, confirm) >= 0.8:
        # trafilatura stopped partway (articles split by inline promos, as on wired.com):
        # readability has all of what trafilatura kept and at least as much again.
        lines = _lines(confirm)
    elif lines:
        lines = body.prune(lines, confirm)
    else:
        lines = _lines(confirm)
    if not lines:
        lines = _lines(metadata.text_value((meta.jsonld_article or {}).get("articleBody")))

    cues = attribution.find(tree, lines, url, meta.get("source"))
    anchor_texts = {c["text"].lower() for c in cues if c["kind"] in ("source_link", "original_story")}
    lines = body.drop_furniture([line for line in lines if line.lower() not in anchor_texts])
    ld = meta.jsonld_article or {}
    fallback = _Fallback(tree, url)
    title = _title(tree, meta, ld, fallback)
    if lines and title and " ".join(lines[0].split()) == title:
        lines = lines[1:]  # the headline is the title field, not the first paragraph

    ok, reason = pagetype.is_article(meta, url, *_link_share(lines, link_texts))
    if not ok:
        logger.debug("not an article: %s (%s)", url, reason)
        return None

    credit, source_url = attribution.summary(cues)
    published = (
        dates.iso(metadata.text_value(ld.get("datePublished")))
        or dates.iso(meta.get("article:published_time", "datepublished", "og:published_time", "pubdate",
                              "publishdate", "publish-date", "parsely-pub-date", "sailthru.date",
                              "dc.date.issued", "dcterms.created", "date", "dc.date"))
        or dates.iso(fallback.date)
    )
    modified = dates.iso(metadata.text_value(ld.get("dateModified"))) or dates.iso(
        meta.get("article:modified_time", "datemodified", "og:updated_time", "lastmod", "last-modified",
                 "dcterms.modified")
    )
    authors = metadata.names(ld.get("author")) or _split_authors(
        meta.get("article:author", "author", "dc.creator", "parsely-author", "sailthru.author")
        or fallback.author
    )
    return {
        "title": title,
        "text": "\n\n".join(lines),
        "published": published,
        "modified": modified,
        "author": "; ".join(dict.fromkeys(authors)) or None,
        "language": _language(meta, ld, lines),
        "canonical_url": _canonical(meta, ld, url),
        "site_name": meta.get("og:site_name", "application-name")
        or metadata.text_value((ld.get("publisher") or {}) if isinstance(ld.get("publisher"), dict) else None)
        or fallback.sitename,
        "description": meta.get("og:description", "description", "twitter:description")
        or metadata.text_value(ld.get("description")),
        "credit": credit,
        "attribution": cues,
        "source_url": source_url,
    }


def _trafilatura(tree, url: str, *, favor_precision: bool):
    # trafilatura prunes the tree it works on, but copies a tree it is given first
    # (bare_extraction: `if tree is filecontent: tree = copy(tree)`): a copy of our own
    # would be a second one (tests/test_extraction.py checks the tree is left as it was).
    return trafilatura.bare_extraction(
        tree,
        url=url,
        favor_precision=favor_precision,
        include_comments=False,
        include_tables=True,
        with_metadata=False,  # the page's own metadata comes from our reader; see _Fallback
    )


def _link_share(lines: list[str], link_texts: set[str]) -> tuple[int, float]:
    """(tokens in the text, share of them inside links): headlines on a section front are links."""
    n_tokens = sum(len(body.tokens(line)) for line in lines)
    if not n_tokens:
        return 0, 0.0
    joined = "\n".join(lines)
    in_links = sum(joined.count(t) * len(body.tokens(t)) for t in link_texts if t in joined)
    return n_tokens, min(1.0, in_links / n_tokens)


def _link_texts(tree) -> set[str]:
    out = set()
    for a in tree.iter("a"):
        text = " ".join(a.text_content().split())
        if len(text) >= 12:
            out.add(text)
    return out


def _split_authors(value: str | None) -> list[str]:
    if not value or value.strip().isdigit() or value.startswith("http"):
        return []
    return [part.strip() for part in re.split(r";|\s+and\s+|\s*&\s*|,\s+(?=[A-Z])", value) if part.strip()]


def _title(tree, meta, ld, fallback) -> str | None:
    """The headline: the page's <h1> when a metadata title confirms it (so a logo or section
    <h1> is not taken), else JSON-LD headline, og:title, the <title>.

    og:title and <title> are often SEO variants with a site suffix; the <h1> is what readers
    see. On fundus-publisher-pages this rule matches 81% of expected titles, og:title 67%.
    """
    title_tag = tree.find(".//title")
    title_tag = " ".join(title_tag.text_content().split()) if title_tag is not None else None
    declared = [metadata.text_value(ld.get("headline")), meta.get("og:title"), meta.get("twitter:title")]
    declared = [" ".join(t.split()) for t in declared if t and t.strip()]
    guessed = fallback.title if not declared else None  # trafilatura's reading of <title>
    guessed = " ".join(guessed.split()) if guessed else None
    # The <title> (and trafilatura's reading of it) confirms the <h1> only on pages that declare
    # no headline: it holds the <h1> plus a site suffix on most sites, so it would also confirm
    # the <h1> where the declared headline differs (fundus titles: 78% with it, 81% without).
    confirming = declared or [t for t in (guessed, title_tag) if t]
    for h1 in tree.iter("h1"):
        text = " ".join(h1.text_content().split())
        if text and any(text in title for title in confirming):
            return text
    return (declared[0] if declared else None) or guessed or title_tag


class _Fallback:
    """trafilatura's metadata heuristics (bylines, title and date guesses), run only when the
    page's declared metadata lacks a field: they cost about a quarter of trafilatura's time.

    Each field is computed when first asked for, by the steps trafilatura's
    ``extract_metadata`` takes for it (its declared metadata, then that field's heuristic,
    then ``clean_and_trim``), so a value is the one ``extract_metadata`` gives. The rest of
    what ``extract_metadata`` computes (categories, tags, licence, the URL and date when
    only the author is asked for) is never read here and was a quarter of its time. Its
    steps only read the tree (the author and date heuristics prune copies of their own),
    so no copy is made. tests/test_extraction.py compares the fields with extract_metadata's
    on every fixture page.
    """

    def __init__(self, tree, url: str):
        self._tree, self._url = tree, url
        self._declared = None  # trafilatura's Document of the page's declared metadata
        self._values: dict = {}

    def _get(self, name: str):
        if name not in self._values:
            try:
                self._values[name] = self._compute(name)
            except Exception:  # heuristics on odd pages must not lose the article
                logger.debug("trafilatura metadata (%s) failed on %s", name, self._url, exc_info=True)
                self._values[name] = None
        return self._values[name]

    def _compute(self, name: str):
        from trafilatura import metadata as tm
        from trafilatura.settings import Document

        if self._declared is None:
            declared = tm.examine_meta(self._tree)
            if declared.author and " " not in declared.author:
                declared.author = None
            try:
                declared = tm.extract_meta_json(self._tree, declared)
            except Exception as err:  # as extract_metadata: bugs in trafilatura's JSON reader
                tm.LOGGER.warning("error in JSON metadata extraction: %s", err)
            self._declared = declared
        declared = self._declared
        doc = Document()
        if name == "title":
            doc.title = declared.title or tm.extract_title(self._tree)
        elif name == "author":
            doc.author = declared.author or byline.extract_author(self._tree)  # trafilatura's, faster (byline.py)
        else:  # date and sitename need the page's URL
            url = declared.url or tm.extract_url(self._tree, self._url)
            if name == "date":
                # extensive=False: htmldate's scan of the whole text for date-like strings is slow
                # and rarely beats the page's structured dates
                params = tm.set_date_params(False)
                params["url"] = url
                doc.date = tm.find_date(self._tree, **params)
            else:
                sitename = declared.sitename or tm.extract_sitename(self._tree)
                if sitename:
                    sitename = sitename.lstrip("@")
                    if sitename and "." not in sitename and not sitename[0].isupper():
                        sitename = sitename.title()
                elif url and (match := tm.META_URL.match(url)):
                    sitename = match[1]
                doc.sitename = sitename
        doc.clean_and_trim()
        return getattr(doc, name)

    title = property(lambda self: self._get("title"))
    date = property(lambda self: self._get("date"))
    author = property(lambda self: self._get("author"))
    sitename = property(lambda self: self._get("sitename"))


def _language(meta, ld, lines) -> str | None:
    value = (
        metadata.text_value(ld.get("inLanguage"))
        or meta.lang
        or meta.get("og:locale", "content-language", "language", "dc.language")
    )
    if value:
        value = value.replace("_", "-").split(",")[0].strip()
        # "utf-8" in a Content-Language header is a common template mistake, not a language
        if re.fullmatch(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*", value):
            return value.lower().split("-")[0] if len(value.split("-")[0]) in (2, 3) else value
    sample = "".join(lines[:5])
    cjk = sum(1 for ch in sample if "\u4e00" <= ch <= "\u9fff")
    if sample and cjk / len(sample) > 0.3:
        return "zh"
    return None


def _canonical(meta, ld, url: str) -> str | None:
    for value in (meta.canonical, meta.get("og:url"), metadata.text_value(ld.get("mainEntityOfPage"))):
        if value and not value.startswith(("javascript:", "#")):
            absolute = urljoin(url, value)
            if absolute.startswith(("http://", "https://")):
                return absolute
    return None
