"""Every date syndtrack reads or writes, in one place.

What is stored is ISO 8601: a zone-aware time becomes UTC, a time without a
zone stays naive (we do not invent a zone the source did not give), a bare day
stays a day. Readers:

- :func:`normalize_date`: strict ISO 8601, for imported records (a bad value is
  an error the user must see);
- :func:`iso`: whatever a page writes (ISO variants, compact zones, RFC 822,
  dates in many languages through dateparser), for extraction;
- :func:`lastmod`: a feed's or sitemap's W3C/RFC 822 date, naive taken as UTC
  (only compared with "now", never stored as an article's date);
- :func:`parse_timestamp`, :func:`timestamp`, :func:`is_precise`: reading stored values.
"""

from __future__ import annotations

import email.utils
import re
from datetime import date, datetime, timedelta, timezone
from typing import Any


class BadDate(ValueError):
    """A value that is not the ISO 8601 date it should be; the message says why."""


def utcnow() -> str:
    """Now, as the ISO 8601 UTC string used in every timestamp column."""
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def normalize_date(value: Any, field_name: str = "published") -> str | None:
    """ISO 8601 in, ISO 8601 out (see the module's rules); raises :class:`BadDate`."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise BadDate(f"{field_name} must be an ISO 8601 string, got {type(value).__name__}")
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        raise BadDate(f"{field_name} is not an ISO 8601 date: {value!r}") from None
    if len(text) == 10 and "T" not in text and " " not in text:
        return parsed.date().isoformat()
    return _format(parsed)


def next_day(day: str) -> str:
    """The ISO date after ``day`` (a bare ISO date): "up to the end of that day" as "before the next"."""
    return (date.fromisoformat(day) + timedelta(days=1)).isoformat()


def parse_timestamp(value: str | None) -> datetime | None:
    """A stored ISO 8601 string as an aware datetime (naive values taken as UTC); None if unreadable."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def timestamp(value: str | None) -> float | None:
    """A stored date as POSIX seconds (naive and bare dates taken as UTC), None if unreadable."""
    parsed = parse_timestamp(value)
    return parsed.timestamp() if parsed else None


def is_precise(value: str | None) -> bool:
    """A stored time with a time of day and a zone: not a bare date, not a naive time."""
    return bool(value) and len(value) >= 20 and "T" in value and (value.endswith("Z") or value[-6] in "+-")


def lastmod(value: str | None) -> str | None:
    """A W3C/ISO 8601 or RFC 822 date of a feed or sitemap as ISO 8601 UTC; None when unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00") if value.endswith("Z") else value)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return _format(parsed)

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
