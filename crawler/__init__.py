"""The syndtrack Scrapy project: outlet registry -> spider -> extraction -> items -> SQLite.

``scrapy crawl outlets`` (from a directory with scrapy.cfg) and
``syndtrack crawl`` run the same spider with the same settings module,
:mod:`crawler.settings`.
"""
