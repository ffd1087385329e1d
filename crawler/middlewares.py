"""Downloader middlewares: retry with backoff, and per-site minimum delays.

Scrapy retries at once; a server that answered 503 or timed out deserves a
pause first, hence :class:`BackoffRetryMiddleware`. AutoThrottle lowers a
slot's delay as fast as the server answers, down to ``DOWNLOAD_DELAY``; it
knows nothing of robots.txt's ``Crawl-delay`` or an outlet's own
``download_delay``, hence :class:`CrawlDelayMiddleware`, which keeps each
download slot at or above its floor.
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor
from twisted.internet.task import deferLater

logger = logging.getLogger(__name__)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, waiting ``SYNDTRACK_RETRY_BACKOFF * 2**(n-1)`` seconds before retry n."""

    @classmethod
    def from_crawler(cls, crawler):
        mw = super().from_crawler(crawler)
        mw.backoff = crawler.settings.getfloat("SYNDTRACK_RETRY_BACKOFF")
        mw.backoff_max = crawler.settings.getfloat("SYNDTRACK_RETRY_BACKOFF_MAX")
        return mw

    async def process_request(self, request):
        attempt = request.meta.get("retry_times", 0)
        if attempt and self.backoff > 0:
            wait = min(self.backoff * 2 ** (attempt - 1), self.backoff_max)
            self.crawler.stats.inc_value("syndtrack/retry/backoff_seconds", wait)
            await maybe_deferred_to_future(deferLater(reactor, wait, lambda: None))
        return None


class CrawlDelayMiddleware:
    """Keeps a download slot's delay at or above robots.txt's Crawl-delay and the outlet's download_delay.

    The outlet's delay comes in ``request.meta["syndtrack_min_delay"]`` (set by
    the spider from the registry); Crawl-delay comes from the robots.txt that
    Scrapy's RobotsTxtMiddleware parsed (the ``robots_parsed`` signal).
    """

    def __init__(self, crawler):
        if not crawler.settings.getbool("SYNDTRACK_CRAWL_DELAY_ENABLED", True):
            raise NotConfigured
        self.crawler = crawler
        self.floors: dict[str, float] = {}
        ua = crawler.settings.get("ROBOTSTXT_USER_AGENT") or "syndtrack"
        self.user_agent = ua
        crawler.signals.connect(self._robots_parsed, signal=signals.robots_parsed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _robots_parsed(self, robotparser, request) -> None:
        try:
            delay = robotparser.crawl_delay(self.user_agent)
        except Exception:  # a parser that cannot tell is a parser without a delay
            delay = None
        if delay:
            key = self.crawler.engine.downloader.get_slot_key(request)
            self._raise_floor(key, float(delay))
            self.crawler.stats.set_value(f"syndtrack/crawl_delay/{key}", float(delay))
            logger.info("robots.txt of %s asks for Crawl-delay %s", key, delay)

    def _raise_floor(self, key: str, delay: float) -> None:
        if delay > self.floors.get(key, 0.0):
            self.floors[key] = delay

    def _clamp(self, request) -> None:
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        wanted = request.meta.get("syndtrack_min_delay")
        if wanted and float(wanted) > self.floors.get(key, 0.0):
            self._raise_floor(key, float(wanted))
            self.crawler.stats.set_value(f"syndtrack/min_delay/{key}", float(wanted))
        floor = self.floors.get(key)
        slot = downloader.slots.get(key)
        if floor and slot is not None:
            if slot.delay < floor:
                slot.delay = floor
            # RANDOMIZE_DOWNLOAD_DELAY draws each wait from 0.5-1.5x the slot's
            # delay, which would break a Crawl-delay half of the time: a floor
            # is a floor.
            if hasattr(slot, "jitter"):  # Scrapy >= 2.19
                slot.jitter = 0
            else:
                slot.randomize_delay = False

    def process_request(self, request):
        self._clamp(request)
        return None

    def process_response(self, request, response):
        # AutoThrottle has just adjusted the slot on response_downloaded.
        self._clamp(request)
        return response
