"""syndtrack: track how state-media articles are republished.

The package is the application layer: the click CLI, clustering, the queries
and reports, over the storage core :mod:`syndtrack.store` (database, schema,
articles, URLs, dates, outlet registry), which the crawler (``crawler/``) uses
too. Text-reuse detection lives in ``dedupe/`` and knows neither.
"""

from syndtrack.store import __version__  # noqa: E402,F401  (one version, kept in the storage core)
