"""Turn the many ways pages write dates into the ISO 8601 strings syndtrack stores.

Same rules as syndtrack.articles.normalize_date: a zone-aware time becomes UTC, a time
without a zone stays naive (we do not invent a zone), a bare day stays a day.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

_DAY_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# "2019-11-18 14:03:00 +0100", "2019-11-18T14:03:00.123-0500": zones without a colon,
# which datetime.fromisoformat rejects before Python 3.11 and some pages still write.
_COMPACT_ZONE = re.compile(r"([+-])(\d{2})(\d{2})$")


def iso(value) -> str | None:
    """Normalise a date string (or datetime) from a page; None when it is not a date."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return _format(value)
    text = str(value).strip()
    if not text or len(text) > 64:
        return None
    if _DAY_ONLY.match(text):
        try:
            return datetime.strptime(text, "%Y-%m-%d").date().isoformat()
        except ValueError:
            return None
    candidate = text.replace("Z", "+00:00") if text.endswith("Z") else text
    candidate = _COMPACT_ZONE.sub(r"\1\2:\3", candidate.replace(" +", "+").replace(" -", "-"))
    try:
        return _format(datetime.fromisoformat(candidate))
    except ValueError:
        pass
    return _parse_loose(text)


def _format(parsed: datetime) -> str:
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc)
    return parsed.replace(microsecond=0).isoformat()


def _parse_loose(text: str) -> str | None:
    # dateparser knows RFC 822 ("Tue, 19 Nov 2019 08:00:00 GMT") and dates in many languages
    # ("2024年04月24日23:52"); it is slow, so only the odd formats get here.
    import dateparser

    try:
        parsed = dateparser.parse(
            text,
            settings={"PREFER_DATES_FROM": "past"},
        )
    except Exception:  # dateparser raises assorted errors on garbage
        return None
    if parsed is None or parsed.year < 1990:
        return None
    has_time = bool(re.search(r"\d{1,2}:\d{2}", text))
    if not has_time and parsed.tzinfo is None:
        return parsed.date().isoformat()
    return _format(parsed)


def day(value: str | None) -> str | None:
    return value[:10] if value else None
