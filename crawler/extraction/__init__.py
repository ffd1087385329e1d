"""Article extraction: HTML page -> title, clean text, dates, authors, attribution cues.

``extract(html, url, *, headers=None) -> dict | None`` is the one entry point; see
docs/extraction.md for the fields, the is-article decision and the measured accuracy.
"""

from .core import FIELDS, decode, extract

__all__ = ["FIELDS", "decode", "extract"]
