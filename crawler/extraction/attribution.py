"""Attribution cues: the ways a page says where its text came from.

Kinds (the contract in crawler.extraction.extract):
  credit          a credit line or agency dateline in the text: "(Courtesy-China Media Group,
                  Beijing)", "BEIJING, Nov. 18 (Xinhua) --", "新华社北京4月24日电", "With inputs from PTI"
  source          a "Source: Xinhua" / "来源：新华网" label (in the text, the byline or <meta name=source>)
  first_appeared  "This article first appeared on ..." / "originally published in ..."
  source_link     an anchor reading "Source link" / "Source" (the autoblog wrapper)
  original_story  an anchor reading "Original story" / "Read the original" / "原文链接"
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

MAX_CUE_CHARS = 200

_AGENCIES = (
    r"Xinhua|CGTN|CRI|CCTV|CNR|China Daily|Global Times|People's Daily(?: Online)?|ECNS|CNS|"
    r"China News Service|Reuters|AP|AFP|dpa|DPA|IANS|PTI|ANI|UNI|Bernama|Yonhap|Kyodo|Sputnik|TASS|"
    r"RIA Novosti|EFE|ANSA|Anadolu|WAM|SPA|KUNA|Antara|PNA|APP|Prensa Latina|IRNA"
)
_CREDIT_LINES = [  # a whole short line
    re.compile(r"^\(?\s*courtesy\s*[-–—:,]?\s*\S.*$", re.I),
    re.compile(r"^\(?\s*(?:with )?(?:inputs?|input) from\b.*$", re.I),
    re.compile(r"^\(?\s*(?:by|from) (?:" + _AGENCIES + r")\s*\)?\.?$"),
    re.compile(r"^\(\s*(?:" + _AGENCIES + r")\s*\)$"),
]
_DATELINES = [  # the start of a paragraph of any length
    # "BEIJING, Nov. 18 (Xinhua) -- ..."; the cue is the dateline, not the whole paragraph
    re.compile(r"^[A-Z][\w .,'’-]{1,60}\((?:" + _AGENCIES + r")\)\s*(?:--|—|–|-)", re.U),
    # "新华社北京4月24日电", "中新社北京4月24日电", "人民网北京4月24日电"
    re.compile(r"^(?:新华社|中新社|中新网|人民网|央视网|国际在线|中国日报网?|环球网|环球时报|光明网|中国网)[^。，,]{0,24}?电"),
]
_SOURCE = re.compile(r"^[(（]?\s*(?:sources?|来源|來源|稿源|出处|出處|消息来源)\s*[:：]\s*\S.{0,120}$", re.I)
_FIRST = re.compile(
    r"\b(?:this|the) (?:article|story|piece|post|commentary|op-?ed|column|report|content|interview|essay|"
    r"editorial|blog(?: post)?)\b.{0,40}?\b(?:appeared|published|ran|posted|republished)\b|"
    r"^\(?\s*(?:first|originally) (?:appeared|published|posted|ran)\b|"
    r"首发于|原载于|本文(?:首发|原载|转载自)|转载自",
    re.I,
)
_SOURCE_LINK = re.compile(r"^(?:source link|source|view source|original source|link to source)\s*[:»›>]?$", re.I)
_ORIGINAL = re.compile(
    r"^(?:original (?:story|article|post|report)|read (?:the )?original(?: (?:story|article|post))?"
    r"|原文链接|阅读原文|查看原文|原文)\s*[:»›>]?$",
    re.I,
)
_SOURCE_LABEL_BEFORE = re.compile(r"(?:sources?|来源|來源|稿源|出处)\s*[:：]\s*$", re.I)


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


def line_kind(line: str) -> tuple[str, str] | None:
    """(kind, cue text) when a line of body text is an attribution cue."""
    line = _norm(line)
    if not line:
        return None
    if len(line) <= MAX_CUE_CHARS:
        if _SOURCE.match(line):
            return "source", line
        if _FIRST.search(line):
            return "first_appeared", line
        if any(pattern.match(line) for pattern in _CREDIT_LINES):
            return "credit", line
    for pattern in _DATELINES:
        match = pattern.match(line)
        if match:
            return "credit", match.group(0).rstrip(" -–—")
    return None


def find(tree, lines: list[str], url: str, meta_source: str | None = None) -> list[dict]:
    """All cues on the page, in page order where it matters (text first, then anchors)."""
    cues: list[dict] = []
    seen: set[tuple[str, str]] = set()

    def add(kind, text, href=None):
        key = (kind, _norm(text).lower())
        if key in seen:
            return
        seen.add(key)
        cues.append({"kind": kind, "text": _norm(text), "href": urljoin(url, href) if href else None})

    # Lines of the extracted text: first and last lines hold credits and datelines.
    candidates = lines[:4] + lines[-8:] if len(lines) > 12 else lines
    found = [(line, line_kind(line)) for line in candidates]
    found = [(line, kind_text) for line, kind_text in found if kind_text]
    hrefs = _anchors_by_block_text(tree) if found else {}
    for line, (kind, text) in found:
        add(kind, text, hrefs.get(_norm(line)))

    for a in tree.iter("a"):
        text = _norm(a.text_content())
        href = (a.get("href") or "").strip()
        if not text or not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        if _ORIGINAL.match(text):
            add("original_story", text, href)
        elif _SOURCE_LINK.match(text):
            add("source_link", text, href)
        else:
            before = _text_before(a)
            if not before:
                continue
            label = _SOURCE_LABEL_BEFORE.search(before)
            if label and len(text) <= 60:
                label = label.group(0).strip()
                add("source", f"{label}{'' if label.endswith('：') else ' '}{text}", href)
            elif _FIRST.search(before):  # "This article first appeared on <a>CGTN</a>."
                block = _norm(a.getparent().text_content())
                if len(block) <= MAX_CUE_CHARS:
                    add("first_appeared", block, href)

    if meta_source and not any(c["kind"] == "source" for c in cues):
        text = _norm(meta_source)
        if text and len(text) <= 80:
            add("source", text)
    return cues


def _text_before(a) -> str | None:
    prev = a.getprevious()
    if prev is not None:
        return prev.tail or ""
    parent = a.getparent()
    return (parent.text or "") if parent is not None else None


def _anchors_by_block_text(tree) -> dict[str, str]:
    """Normalised text of small blocks -> first link inside, to give text cues their href."""
    out: dict[str, str] = {}
    for el in tree.iter("p", "div", "span", "em", "strong", "i", "b", "small", "footer", "li"):
        a = el.find(".//a[@href]")
        if a is None:
            continue
        text = _norm(el.text_content())
        if text and len(text) <= MAX_CUE_CHARS * 3:
            out.setdefault(text, a.get("href"))
    return out


def summary(cues: list[dict]) -> tuple[str | None, str | None]:
    """(credit, source_url): the credit line as it appears, and where a source anchor points."""
    credit = next((c["text"] for c in cues if c["kind"] == "credit"), None)
    if credit is None:
        credit = next((c["text"] for c in cues if c["kind"] in ("source", "first_appeared")), None)
    # The page's own "Source link" (where this copy was taken from) before an "Original story"
    # link further up the chain (a Wired copy of a Quanta story, reposted by an autoblog).
    source_url = next((c["href"] for c in cues if c["kind"] == "source_link" and c["href"]), None) or next(
        (c["href"] for c in cues if c["kind"] == "original_story" and c["href"]), None
    )
    return credit, source_url
