"""The storage core: everything else stands on it, and it stands on nothing of syndtrack's.

- :mod:`~syndtrack.store.db`: opening a database (WAL, busy timeout, migrations,
  views), write transactions that wait for the lock, refusing newer databases;
- :mod:`~syndtrack.store.migrations`: the schema, as frozen registered migrations;
- :mod:`~syndtrack.store.views`: the analyst views, kept current on every open;
- :mod:`~syndtrack.store.articles`: validating and storing articles (both ways in:
  crawl and import);
- :mod:`~syndtrack.store.urls`: canonical URLs and hosts;
- :mod:`~syndtrack.store.dates`: every date the project reads or writes;
- :mod:`~syndtrack.store.registry`: the outlet registry, the one source of outlet identity.

The crawler, the importers, clustering and the queries import from here; nothing
here imports them (``tests/test_layers.py`` checks it).
"""

# The version lives here too, so that the crawler, which may import only the
# storage core, can name it in its User-Agent.
__version__ = "0.1.0"
