"""Scrapy settings of the syndtrack crawler (``scrapy crawl outlets`` and ``syndtrack crawl``).

Politeness first: robots.txt (with its Crawl-delay), AutoThrottle, two
requests at a time per domain, a User-Agent that names the tool and a contact,
conditional re-checks instead of refetches. Every syndtrack setting starts
with ``SYNDTRACK_``; override any of them with ``-s NAME=VALUE`` or the
``settings`` argument of :func:`syndtrack.crawl.crawl`.
"""

import os

BOT_NAME = "syndtrack"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# --- syndtrack ---------------------------------------------------------------
SYNDTRACK_DB = os.environ.get("SYNDTRACK_DB") or "syndtrack.db"
SYNDTRACK_OUTLETS_FILE = os.environ.get("SYNDTRACK_OUTLETS") or None
SYNDTRACK_USE_DEFAULT_OUTLETS = True
# Who to contact about the crawler: put your e-mail or web page here.
SYNDTRACK_CONTACT = os.environ.get("SYNDTRACK_CONTACT") or "https://pypi.org/project/syndtrack/"
# {version} and {contact} are filled in; the result is the User-Agent.
SYNDTRACK_USER_AGENT = "syndtrack/{version} (state-media syndication research; +{contact})"
SYNDTRACK_RUN_ID = None  # set by syndtrack.crawl: the crawl_runs row to fill in
SYNDTRACK_BATCH_SIZE = 50  # articles per transaction
SYNDTRACK_PROGRESS = False  # print a progress line per batch on stderr
# A write that finds the database locked by another writer (`syndtrack cluster`
# storing its results) waits up to SYNDTRACK_DB_BUSY_TIMEOUT seconds (SQLite's
# busy timeout), then is tried again up to SYNDTRACK_DB_WRITE_RETRIES times,
# waiting SYNDTRACK_DB_RETRY_BACKOFF * 2**(n-1) seconds (at most ..._MAX) before
# each: about 4 minutes in all by default. Articles still not stored after that
# are counted as errors (crawl_runs.errors, one crawl_errors row each).
SYNDTRACK_DB_BUSY_TIMEOUT = 30.0
SYNDTRACK_DB_WRITE_RETRIES = 4
SYNDTRACK_DB_RETRY_BACKOFF = 5.0
SYNDTRACK_DB_RETRY_BACKOFF_MAX = 60.0
# A stored article is re-checked (conditionally) at most this often ...
SYNDTRACK_RECHECK_AFTER_HOURS = 24.0
# ... and only while it is younger than this (state media edit and delete
# pieces in the first days); a feed or sitemap date newer than the last check
# makes a re-check due at any age.
SYNDTRACK_RECHECK_WITHIN_DAYS = 7.0
# Links followed from start pages and home pages: 1 = the articles they list.
SYNDTRACK_FOLLOW_DEPTH = 1
# Retries wait base * 2**(attempt-1) seconds, at most max.
SYNDTRACK_RETRY_BACKOFF = 2.0
SYNDTRACK_RETRY_BACKOFF_MAX = 60.0
# Pages whose text decodes with more replacement characters than this share
# are decoded again by sniffing the body instead of trusting the header.
SYNDTRACK_CHARSET_MAX_BAD = 0.001
# Pages with more markup than this (scripts and styles aside) are recorded as
# too large instead of being extracted: extraction time grows with the markup.
SYNDTRACK_EXTRACT_MAXSIZE = 1536 * 1024

# --- politeness ----------------------------------------------------------------
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy's remote-control HTTP server (code execution on a local port): not for
# a scheduled crawler, and not loading it also saves importing aiohttp.
REMOTE_CONTROL_ENABLED = False
EXTENSIONS = {"scrapy.extensions.remote_control.RemoteControl": None}

# --- robustness ---------------------------------------------------------------
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024  # bytes; bigger pages are dropped and recorded
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 10
# Errors reach the spider's errback, which records them in crawl_errors.
HTTPERROR_ALLOW_ALL = False

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.CrawlDelayMiddleware": 580,
}
ITEM_PIPELINES = {
    "crawler.pipelines.ArticlePipeline": 300,
}
# The pipeline is synchronous (it buffers rows for batched SQLite writes), so
# items of one response cannot overlap anyway; Scrapy (2.13+) starts this many
# asyncio tasks for every response's output, 100 by default: about 1 ms of CPU
# a page for nothing.
CONCURRENT_ITEMS = 1
# Scrapy reads a callback's source and parses it (inspect + ast) to warn about
# `return value` in a generator. It caches the answer weakly keyed by the bound
# method, which dies with the request that held it: in the 439-page benchmark it
# re-read and re-parsed outlets.py 63 times. A development aid, not for a crawler.
WARN_ON_GENERATOR_RETURN_VALUE = False

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
