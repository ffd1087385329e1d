"""The headline stage of ``syndtrack cluster``: pages that carry a story's headline but none of its text.

Input: the run's dirty articles and the text matches it verified. Output: extra
matches with ``kind = 'headline'`` (score and coverage 0, no passages) between a
page that has no text match at all and an article with the same headline
(:mod:`dedupe.headlines`) published within 48 hours of it;
:func:`dedupe.assemble.assemble` puts such a page in the cluster of that article as
a ``headline`` member, and never lets it be an origin.

Each article's headline keys are kept in ``dedupe_headlines`` (key, article_id), so
an incremental run finds the stored pages a new article shares a headline with,
and the stored articles a new page does.
"""

from __future__ import annotations

from dedupe import headlines
from dedupe.align import Match
from syndtrack.store.dates import timestamp
from syndtrack.store.rows import chunks

KIND = "headline"
HEAD = 400  # characters of the text read for its first line


class HeadlineStage:
    def __init__(self, run):
        self.run = run
        self.conn = run.conn
        self.keys: dict[int, list[int]] = {}
        self.found: dict[tuple[int, int], Match] = {}
        self.published: dict[int, float | None] | None = None  # the keyed articles' published times (prepare)

    def prepare(self) -> None:
        """The dirty articles' headline keys, which need no match: read by the scan's workers
        (``Dirty.headline_keys``), or here for an article they did not scan (a carrier
        re-scanned when its outlet's boilerplate changed); then the keyed articles' times."""
        self.published = {}
        unread = []
        for aid, item in self.run.dirty.items():
            if item.headline_keys is None:
                unread.append(aid)
            elif item.headline_keys:
                self.keys[aid] = item.headline_keys
        for chunk in chunks(sorted(unread)):
            marks = ",".join("?" * len(chunk))
            for aid, title, head in self.conn.execute(
                    f"select id, title, substr(text, 1, {HEAD}) from articles where id in ({marks})", chunk):
                ks = headlines.keys(title, head)
                if ks:
                    self.keys[aid] = ks
        for chunk in chunks(sorted(self.keys)):
            marks = ",".join("?" * len(chunk))
            for aid, pub in self.conn.execute(f"select id, published from articles where id in ({marks})", chunk):
                self.published[aid] = timestamp(pub)
        # An article deleted since it was scanned has no row left: it keys nothing.
        self.keys = {aid: ks for aid, ks in self.keys.items() if aid in self.published}

    def find(self, matches: dict) -> dict[tuple[int, int], Match]:
        if self.published is None:
            self.prepare()
        published = dict(self.published)
        if not self.keys:
            return {}
        stale = set(self.run.dirty) | set(self.run.removed)
        by_key: dict[int, set[int]] = {}
        for aid, ks in self.keys.items():
            for k in ks:
                by_key.setdefault(k, set()).add(aid)
        if not self.run.full:
            wanted = sorted(by_key)
            for chunk in chunks(wanted):
                marks = ",".join("?" * len(chunk))
                for k, aid in self.conn.execute(
                        f"select key, article_id from dedupe_headlines where key in ({marks})", chunk):
                    if aid not in stale:
                        by_key[k].add(aid)
        shared = {k: ids for k, ids in by_key.items() if len(ids) > 1}
        if not shared:
            return {}
        involved = sorted({a for ids in shared.values() for a in ids})
        outlet = self._outlets(involved)
        # A line that two pages of one outlet open with is that outlet's chrome ("Enter City
        # and State or Zip Code", "Tap here to turn on desktop notifications..."), not a
        # headline: those pages are left out of the key (an outlet's two versions of a story
        # under one headline have their text to join them).
        for k, ids in list(shared.items()):
            per_outlet: dict = {}
            for a in ids:
                per_outlet.setdefault(outlet.get(a), []).append(a)
            kept = {a for group in per_outlet.values() if len(group) == 1 for a in group}
            if len(kept) > 1:
                shared[k] = kept
            else:
                del shared[k]
        with_text = {x for pair in matches for x in pair}
        missing = [a for a in involved if a not in published]
        for chunk in chunks(missing):
            marks = ",".join("?" * len(chunk))
            published.update((a, timestamp(p)) for a, p in self.conn.execute(
                f"select id, published from articles where id in ({marks})", chunk))
        if not self.run.full:
            with_text |= self._stored_text_matches([a for a in involved if a not in stale], stale)
        for k, ids in shared.items():
            pages = [a for a in ids if a not in with_text]
            if not pages:
                continue
            others = [a for a in ids if a in with_text and self._headed(a, k)]
            for page in pages:
                for other in others:
                    if headlines.within_window(published.get(page), published.get(other)):
                        pair = (min(page, other), max(page, other))
                        self.found[pair] = Match(0.0, 0.0, 0.0, [], 0)
        return self.found

    def _headed(self, aid: int, k: int) -> bool:
        """Whether the article with text carries headline ``k`` as its own (dedupe.headlines.heads_its_text)."""
        title, text = self.conn.execute(
            "select title, substr(text, 1, 5000) from articles where id = ?", [aid]).fetchone()
        headline = headlines.headlines(title, text).get(k)
        return headline is not None and headlines.heads_its_text(headline, text or "")

    def _outlets(self, ids: list[int]) -> dict[int, str | None]:
        found: dict[int, str | None] = {}
        for chunk in chunks(ids):
            marks = ",".join("?" * len(chunk))
            # Without an outlet, the host stands for it: pages of one site share its chrome.
            found.update(self.conn.execute(
                f"select id, coalesce(outlet, url) from articles where id in ({marks})", chunk))
        return found

    def _stored_text_matches(self, ids: list[int], stale: set[int]) -> set[int]:
        """The stored articles among ``ids`` with a text match that this run keeps (its partner not re-verified)."""
        found: set[int] = set()
        for chunk in chunks(ids):
            marks = ",".join("?" * len(chunk))
            for a, b in self.conn.execute(
                    f"select a_id, b_id from matches where (a_id in ({marks}) or b_id in ({marks})) "
                    f"and (kind is null or kind != '{KIND}')", chunk + chunk):
                if a not in stale and b not in stale:
                    found.update((a, b))
        return found & set(ids)

    def write_keys(self) -> None:
        """The headline keys, inside the run's transaction (they need no match: written while a
        forked cross-language stage may still be verifying)."""
        conn = self.conn
        if self.run.full:
            conn.execute("delete from dedupe_headlines")
        else:
            for chunk in chunks(sorted(set(self.run.dirty) | set(self.run.removed))):
                conn.execute(f"delete from dedupe_headlines where article_id in ({','.join('?' * len(chunk))})", chunk)
        conn.executemany("insert or ignore into dedupe_headlines (key, article_id) values (?, ?)",
                         sorted((k, a) for a, ks in self.keys.items() for k in ks))

    def write_kinds(self) -> None:
        """The headline matches marked as such, after the matches are stored and before the clusters are assembled."""
        self.conn.executemany(f"update matches set kind = '{KIND}' where a_id = ? and b_id = ?", list(self.found))
