"""Item pipeline: validate each extracted article and hand it to the recorder for batched storage."""

from __future__ import annotations

from scrapy.exceptions import DropItem

from crawler.recorder import CrawlRecorder
from syndtrack.store.articles import BadArticle, validate_article


class ArticlePipeline:
    """Articles go into SQLite only through syndtrack.store.articles (validate_article, ArticleStore)."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        recorder = CrawlRecorder.of(self.crawler)
        record = item["record"]
        try:
            row = validate_article(record, origin="crawl")
        except BadArticle as exc:
            state = item["state"]
            recorder.error(record.get("url") or state["url"], state["outlet"], f"not stored: {exc}",
                           state.get("status"), kind="invalid_article")
            raise DropItem(str(exc)) from None
        recorder.add_article(row, item["evidence"], item["state"])
        return item
