"""Round-ups: pages that collect several stories, each under its own dateline.

AP's News in Brief, an aggregator's topic page, Xinhua's world news summary: each
item opens with its own agency dateline ("MOSCOW (AP) —", "BEIJING, May 3
(Xinhua) --", "新华社北京5月3日电"). Such a page carries a story's lede or whole
item, and the item's own page is a part of it, so text matching makes one the
excerpt of the other. An analyst does not count a round-up as a republication of
each story it lists, nor a story as a copy of the round-up. So a round-up clusters
only with other round-ups (its own copies); its matches with single stories stay in
``matches``, where ``trace`` finds them.

Measured on the Helsinki news day (612 real articles): AP's News in Brief pages
have 7 agency datelines, Google News topic pages 4-5 (one snapshot 2); every other
page 0 or 1 (a story has one dateline, at its start).
"""

from __future__ import annotations

import re

MIN_DATELINES = 3  # agency datelines on a page before it is a round-up

AGENCIES = r"AP|Reuters|AFP|Xinhua|UPI|dpa|Kyodo|Yonhap|Bernama|ANI|PTI|IANS|TASS|RIA Novosti|Sputnik|Anadolu|IRNA|CNN"
# "WASHINGTON (AP) —", "HELSINKI, Finland (Reuters) -", "BEIJING, May 3 (Xinhua) --"
_DATELINE = re.compile(r"\b[A-Z][A-Za-z0-9 .,'-]{1,40}?\s*\((?:" + AGENCIES + r")\)\s*(?:[—–-]{1,2}|:)")
_DATELINE_ZH = re.compile(r"(?:新华社|中新社|中新网)[^\n，。、]{1,15}?电")


def datelines(text: str) -> int:
    """How many different agency datelines the text holds.

    Different ones only: a copy that repeats its origin's dateline in a credit line
    ("新华社北京3月4日电" above and in the body) is still one story."""
    found = _DATELINE.findall(text) + _DATELINE_ZH.findall(text)
    return len({" ".join(d.split()).rstrip("—–-: ") for d in found})


# Each agency's credit in parentheses, or a Chinese agency's name: a page with fewer of
# these than MIN_DATELINES cannot be a round-up, and finding these is cheaper than the
# dateline expressions, which so run on a few pages in a thousand.
_PROBE = re.compile(r"\((?:" + AGENCIES + r")\)|新华社|中新社|中新网")


def is_roundup(text: str) -> bool:
    if len(_PROBE.findall(text)) < MIN_DATELINES:
        return False
    return datelines(text) >= MIN_DATELINES
