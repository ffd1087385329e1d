"""The ``outlets`` spider: crawl every outlet of the registry (or those named).

``scrapy crawl outlets -a outlet=cgtn,xinhua`` or ``syndtrack crawl --outlet cgtn``.

For each outlet it reads the feeds, sitemaps (indexes and Google News
sitemaps included) and start pages the registry lists; an outlet with only a
``url`` has its sitemaps discovered from robots.txt and its feeds from the
home page's ``<link rel="alternate">``, and the home page's links followed.
Article links become requests unless the article is already stored and no
re-check is due; a re-check is a conditional request. Every failure lands in
``crawl_errors`` through the errback; nothing raises out of a callback.
"""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable
from urllib.parse import urljoin

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest

try:
    from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError
except ImportError:  # Scrapy before these had their own names: Twisted's
    from twisted.internet.defer import CancelledError as DownloadCancelledError
    from twisted.internet.error import TimeoutError as DownloadTimeoutError
from scrapy.http import TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.spiders import SitemapSpider
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import ConnectError, DNSLookupError, TCPTimedOutError, TimeoutError
from w3lib.encoding import html_to_unicode

from crawler.feeds import BadSource, Link, feeds_from_html, older_than, parse_feed, parse_sitemap, unique
from crawler.recorder import CrawlRecorder
from syndtrack.store.registry import in_domains, load_registry
from syndtrack.store import __version__
from syndtrack.store.dates import parse_timestamp, utcnow
from syndtrack.store.urls import BadURL, canonical_url

from crawler.extraction import extract

_SCRIPTS = re.compile(rb"(?is)<script\b.*?</script>|<style\b.*?</style>")
CALLBACKS = {"feed": "parse_feed", "sitemap": "parse_sitemap_doc", "page": "parse_page", "article": "parse_article"}
HUB_PRIORITY = 10  # read feeds and sitemaps before the articles they list


class OutletsSpider(SitemapSpider):
    name = "outlets"
    # SitemapSpider's rules are not used: every sitemap entry goes through
    # follow(), which knows the outlet.
    sitemap_rules = ()

    def __init__(self, outlet: str | None = None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outlet_arg = outlet

    @classmethod
    def update_settings(cls, settings) -> None:
        super().update_settings(settings)
        # A User-Agent that names the tool and a contact, unless the user set one.
        if (settings.getpriority("USER_AGENT") or 0) <= settings.getpriority("BOT_NAME"):
            ua = settings.get("SYNDTRACK_USER_AGENT").format(version=__version__, contact=settings.get("SYNDTRACK_CONTACT"))
            settings.set("USER_AGENT", ua, priority="spider")

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        s = crawler.settings
        registry = load_registry(s.get("SYNDTRACK_OUTLETS_FILE"), use_default=s.getbool("SYNDTRACK_USE_DEFAULT_OUTLETS", True))
        slugs = [x.strip() for x in (spider.outlet_arg or "").split(",") if x.strip()] or registry.crawl_slugs()
        unknown = [x for x in slugs if x not in registry]
        if unknown:
            raise ValueError(f"unknown outlet(s): {', '.join(unknown)} (see: syndtrack outlets)")
        spider.registry = registry
        spider.outlets = {slug: registry[slug] for slug in slugs}
        spider.recorder = CrawlRecorder.of(crawler)
        spider.recheck_after = timedelta(hours=s.getfloat("SYNDTRACK_RECHECK_AFTER_HOURS"))
        spider.recheck_within = timedelta(days=s.getfloat("SYNDTRACK_RECHECK_WITHIN_DAYS"))
        spider.charset_max_bad = s.getfloat("SYNDTRACK_CHARSET_MAX_BAD")
        spider.extract_maxsize = s.getint("SYNDTRACK_EXTRACT_MAXSIZE")
        spider.robots_obeyed = s.getbool("ROBOTSTXT_OBEY")
        spider.now = datetime.now(timezone.utc)
        spider.links = LinkExtractor(unique=True)
        # netloc -> outlets waiting for robots.txt to name their sitemaps
        spider.discover: dict[str, list[str]] = {}
        spider.requested: set[str] = set()
        crawler.signals.connect(spider._robots_parsed, signal=signals.robots_parsed)
        return spider

    # -- start -------------------------------------------------------------------

    async def start(self):
        self.recorder.open(self.registry, list(self.outlets))
        for slug, outlet in self.outlets.items():
            for request in self.outlet_requests(slug, outlet):
                yield request

    def outlet_requests(self, slug: str, outlet: dict[str, Any]) -> Iterable[Request]:
        links = [Link(u, "feed") for u in outlet["feeds"]]
        links += [Link(u, "sitemap") for u in outlet["sitemaps"]]
        links += [Link(u, "page") for u in outlet["start_urls"]]
        if not links:
            # Only a home page: discover. robots.txt is read by Scrapy's
            # RobotsTxtMiddleware anyway; its sitemaps reach us through the
            # robots_parsed signal, so the file is fetched once.
            netloc = urlparse_cached(Request(outlet["url"])).netloc
            self.discover.setdefault(netloc, []).append(slug)
            self.crawler.stats.inc_value("syndtrack/discovery/outlets")
            links = [Link(outlet["url"], "page")]
            if not self.robots_obeyed:
                yield Request(urljoin(outlet["url"], "/robots.txt"), self.parse_robots, errback=self.on_error,
                              meta=self._meta(slug, "robots"), priority=HUB_PRIORITY)
        for link in links:
            request = self.request_for(link, slug, discover=not (outlet["feeds"] or outlet["sitemaps"] or outlet["start_urls"]))
            if request is not None:
                yield request

    # -- requests --------------------------------------------------------------------

    def _meta(self, slug: str, kind: str, **extra) -> dict[str, Any]:
        meta = {"outlet": slug, "kind": kind, "handle_httpstatus_list": [304], **extra}
        delay = self.outlets[slug]["download_delay"]
        if delay is not None:
            meta["syndtrack_min_delay"] = delay
        return meta

    def request_for(self, link: Link, slug: str, *, discover: bool = False, source: str | None = None) -> Request | None:
        """The request for one link of an outlet, or None when it is not due."""
        outlet = self.outlets[slug]
        stats = self.crawler.stats
        if link.kind in ("article", "sitemap") and older_than(link.lastmod, outlet["max_age_days"], self.now):
            stats.inc_value(f"syndtrack/skipped/too_old_{link.kind}")
            return None
        try:
            key = canonical_url(link.url)
        except BadURL as exc:
            self.recorder.error(link.url, slug, f"bad link{f' in {source}' if source else ''}: {exc}", kind="bad_link")
            return None
        if key in self.requested:
            stats.inc_value("syndtrack/skipped/seen_this_run")
            return None
        state = self.recorder.state(key)
        headers = {}
        if link.kind == "article" and state is not None and state["kind"] in ("article", "other"):
            if not self.recheck_due(state, link.lastmod):
                stats.inc_value("syndtrack/skipped/known")
                return None
            stats.inc_value("syndtrack/rechecks")
            headers = self.validators(state)
        elif link.kind != "article" and state is not None and state.get("links") is not None:
            # A feed, sitemap or page whose links we kept: ask whether it changed.
            headers = self.validators(state)
        meta = self._meta(slug, link.kind, key=key, lastmod=link.lastmod, discover=discover)
        self.requested.add(key)
        # Our own seen-set replaces Scrapy's dupefilter (dont_filter): the
        # dupefilter would also swallow a redirect back to the same URL, and a
        # redirect loop would vanish instead of being recorded.
        return Request(
            link.url,
            callback=getattr(self, CALLBACKS[link.kind]),
            errback=self.on_error,
            headers=headers,
            meta=meta,
            priority=0 if link.kind == "article" else HUB_PRIORITY,
            dont_filter=True,
        )

    @staticmethod
    def validators(state: dict[str, Any]) -> dict[str, str]:
        headers = {}
        if state.get("etag"):
            headers["If-None-Match"] = state["etag"]
        if state.get("last_modified"):
            headers["If-Modified-Since"] = state["last_modified"]
        return headers

    def recheck_due(self, state: dict[str, Any], lastmod: str | None) -> bool:
        checked = parse_timestamp(state.get("last_checked"))
        if checked is None:
            return True
        if lastmod and (when := parse_timestamp(lastmod)) and when > checked:
            return True  # the feed or sitemap says it changed since
        first_seen = parse_timestamp(state.get("first_seen")) or checked
        if self.now - first_seen > self.recheck_within:
            return False
        return self.now - checked >= self.recheck_after

    def follow(self, links: Iterable[Link], slug: str, source: str) -> Iterable[Request]:
        for link in unique(links):
            request = self.request_for(link, slug, source=source)
            if request is not None:
                yield request

    # -- link sources -----------------------------------------------------------------

    def hub_links(self, response, reader) -> list[Link] | None:
        """Links of a feed/sitemap/page: read from the body, or the stored ones on a 304."""
        meta = response.meta
        slug, kind, key = meta["outlet"], meta["kind"], meta["key"]
        self.crawler.stats.inc_value("syndtrack/responses_ok")
        if response.status == 304:
            self.crawler.stats.inc_value(f"syndtrack/not_modified/{kind}")
            self.recorder.not_modified(key, slug, kind)
            state = self.recorder.state(key) or {}
            return [Link(*item) for item in json.loads(state.get("links") or "[]")]
        try:
            links = reader(response)
        except BadSource as exc:
            self.recorder.error(response.url, slug, str(exc), response.status, kind=f"bad_{kind}")
            return None
        self.recorder.remember(key, slug, kind, status=response.status, etag=_header(response, "ETag"),
                               last_modified=_header(response, "Last-Modified"), links=[list(link) for link in links])
        self.crawler.stats.inc_value(f"syndtrack/links/{kind}", len(links))
        return links

    def parse_feed(self, response):
        links = self.hub_links(response, lambda r: parse_feed(r.body, r.url))
        if links is not None:
            yield from self.follow(links, response.meta["outlet"], "feed " + response.url)

    def parse_sitemap_doc(self, response):
        def read(r):
            # parse_sitemap gunzips .xml.gz itself: Scrapy's _get_sitemap_body
            # returns the raw gzip of one served as application/xml.
            return parse_sitemap(r.body, max_size=self._max_size)

        links = self.hub_links(response, read)
        if links is None:
            return
        slug = response.meta["outlet"]
        pattern = self.outlets[slug]["article_pattern"]
        kept = [link for link in links if link.kind != "article" or _matches(pattern, link.url)]
        self.crawler.stats.inc_value("syndtrack/skipped/pattern", len(links) - len(kept))
        yield from self.follow(kept, slug, "sitemap " + response.url)

    def parse_page(self, response):
        """A start page or home page: its article links (and, when discovering, its feeds)."""
        slug = response.meta["outlet"]
        outlet = self.outlets[slug]

        def read(r):
            if not isinstance(r, TextResponse):
                raise BadSource(f"not an HTML page ({_header(r, 'Content-Type') or 'no content type'})")
            found = []
            if r.meta.get("discover"):
                found += feeds_from_html(r.selector, r.url)
            for link in self.links.extract_links(r):
                if in_domains(link.url, outlet["domains"]) and _matches(outlet["article_pattern"], link.url):
                    found.append(Link(link.url, "article"))
            return found

        links = self.hub_links(response, read)
        if links is None:
            return
        if response.meta.get("discover"):
            self.crawler.stats.inc_value("syndtrack/discovery/feeds", sum(1 for link in links if link.kind == "feed"))
        yield from self.follow(links, slug, "page " + response.url)

    def parse_robots(self, response):
        """robots.txt read by the spider itself: only when ROBOTSTXT_OBEY is off."""
        from crawler.feeds import sitemaps_from_robots

        slug = response.meta["outlet"]
        if response.status == 200:
            yield from self.follow(sitemaps_from_robots(response.body, response.url), slug, "robots.txt")

    def _robots_parsed(self, robotparser, request) -> None:
        netloc = urlparse_cached(request).netloc
        waiting = self.discover.pop(netloc, [])
        if not waiting:
            return
        protego = getattr(robotparser, "rp", None)
        robots_url = f"{urlparse_cached(request).scheme}://{netloc}/robots.txt"
        sitemaps = [urljoin(robots_url, url) for url in getattr(protego, "sitemaps", None) or []]
        self.crawler.stats.inc_value("syndtrack/discovery/sitemaps", len(sitemaps))
        for slug in waiting:
            for url in sitemaps:
                req = self.request_for(Link(url, "sitemap"), slug, source="robots.txt")
                if req is not None:
                    self.crawler.engine.crawl(req)

    # -- articles -----------------------------------------------------------------------

    def parse_article(self, response):
        meta = response.meta
        slug, key = meta["outlet"], meta["key"]
        stats = self.crawler.stats
        stats.inc_value("syndtrack/responses_ok")  # 200 or 304: the site answered
        domains = self.outlets[slug]["domains"]
        if not in_domains(response.url, domains):
            # The link was the outlet's but the page is not: a redirect to another
            # host (a syndication partner, a parked domain, a link shortener's target)
            # would otherwise be stored as this outlet's article. Checked on the final
            # URL, not on the link, so a feed's tracking link that lands on the outlet
            # still counts. Recorded under the URL the outlet linked to.
            first = (meta.get("redirect_urls") or [response.url])[0]
            self.recorder.error(first, slug, f"redirected to {response.url}, off the outlet's domains "
                                f"({', '.join(domains)}): not stored", response.status, kind="off_domain")
            return
        if response.status == 304:
            kind = (self.recorder.state(key) or {}).get("kind") or "article"
            self.recorder.not_modified(key, slug, kind)
            return
        if not response.body.strip():
            self.recorder.error(response.url, slug, "empty body", response.status, kind="empty")
            return
        too_big = self.too_big_to_extract(response.body)
        if too_big:
            self.recorder.error(response.url, slug, too_big, response.status, kind="too_large")
            return
        html = self.decode(response)
        if html is None:
            self.recorder.error(response.url, slug, f"not an HTML page ({_header(response, 'Content-Type')})",
                                response.status, kind="not_html")
            return
        headers = {k.decode("latin-1").lower(): v[0].decode("latin-1") for k, v in response.headers.items() if v}
        started = time.process_time()
        try:
            found = extract(html, response.url, headers=headers)
        except Exception as exc:  # a page that breaks the extractor must not break the run
            self.recorder.error(response.url, slug, f"extraction failed: {type(exc).__name__}: {exc}",
                                response.status, kind="extraction")
            return
        finally:
            # The run's CPU spent in extraction, to tell the crawl's own cost apart from it.
            stats.inc_value("syndtrack/extract_cpu_seconds", time.process_time() - started)
        state = {"url": key, "outlet": slug, "kind": "article" if found else "other", "status": response.status,
                 "etag": _header(response, "ETag"), "last_modified": _header(response, "Last-Modified")}
        if not found:
            stats.inc_value("syndtrack/not_article")
            self.recorder.remember(**state)
            return
        record = {k: v for k, v in found.items() if k not in ("canonical_url",)}
        record.update(url=response.url, outlet=slug, fetched=utcnow())
        if not record.get("published") and meta.get("lastmod"):
            record["published"] = meta["lastmod"]
        yield {
            "record": record,
            "evidence": {
                "url": response.url,
                "html": response.body,
                "status": response.status,
                "etag": state["etag"],
                "last_modified": state["last_modified"],
                "content_type": _header(response, "Content-Type"),
                "fetched": record["fetched"],
            },
            "state": state,
        }

    def too_big_to_extract(self, body: bytes) -> str | None:
        """Why a page is too big to hand to extraction, or None.

        Extraction runs in the crawl's only thread, and its time grows with the
        number of elements: a 2 MB page of bare paragraphs took a minute and
        held up every other download. Real article pages measure at most
        0.8 MB once scripts and styles are left aside (the 439 benchmark pages).
        """
        if len(body) <= self.extract_maxsize:
            return None
        markup = len(_SCRIPTS.sub(b"", body))
        if markup <= self.extract_maxsize:
            return None
        return (f"page markup of {markup} bytes (scripts and styles aside) is over "
                f"SYNDTRACK_EXTRACT_MAXSIZE ({self.extract_maxsize}): not extracted")

    def decode(self, response) -> str | None:
        """The page as text, sniffing the body when the declared charset does not fit it."""
        if isinstance(response, TextResponse):
            text = response.text
        elif response.body.lstrip()[:1] == b"<":
            text = html_to_unicode(None, response.body)[1]
        else:
            return None
        if text.count("\ufffd") > self.charset_max_bad * len(text):
            _, sniffed = html_to_unicode(None, response.body, auto_detect_fun=_detect_encoding)
            if sniffed.count("\ufffd") < text.count("\ufffd"):
                self.crawler.stats.inc_value("syndtrack/charset_fallback")
                text = sniffed
        return text

    # -- failures ----------------------------------------------------------------------

    def on_error(self, failure):
        request = failure.request
        slug = request.meta.get("outlet")
        status = None
        if failure.check(HttpError):
            status = failure.value.response.status
            kind, reason = f"http_{status}", f"HTTP {status}"
        elif failure.check(IgnoreRequest):
            message = str(failure.value)
            if "robots.txt" in message:
                self.crawler.stats.inc_value("syndtrack/robots_forbidden")
                return
            kind = "redirect_loop" if "redirection" in message else "ignored"
            reason = message or "request ignored"
        elif failure.check(DownloadTimeoutError, TimeoutError, TCPTimedOutError):
            kind, reason = "timeout", f"timed out: {failure.value}"
        elif failure.check(DownloadCancelledError):
            kind, reason = "too_large", f"download cancelled: {failure.value}"
        elif failure.check(DNSLookupError, ConnectError):
            kind, reason = "connection", f"{type(failure.value).__name__}: {failure.value}"
        else:
            kind, reason = "other", f"{type(failure.value).__name__}: {failure.value}"
        self.recorder.error(request.url, slug, reason, status, kind=kind)


def _matches(pattern: str | None, url: str) -> bool:
    return pattern is None or re.search(pattern, url) is not None


def _header(response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None




def _detect_encoding(body: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(body[:65536]).best()
    return best.encoding if best else None
