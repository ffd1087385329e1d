"""syndtrack: track how state-media articles are republished.

The package is the application layer: the click CLI, the SQLite schema and its
migrations, the article store and reports. Crawling lives in ``crawler/``,
text-reuse detection in ``dedupe/``.
"""

__version__ = "0.1.0"
