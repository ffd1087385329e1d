"""Origins that survive imprecise dates and insertion order (issue 11, item 5; issue 10, item 9)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from itertools import permutations
from pathlib import Path

from dedupe.assemble import Edge, Node, assemble
from syndtrack.store.articles import store_articles
from syndtrack.clustering import cluster
from syndtrack.store.registry import load_outlets

FIXTURES = Path(__file__).parent / "dedupe_fixtures"
ROWS = [json.loads(line) for line in (FIXTURES / "helsinki_sample.jsonl").read_text(encoding="utf-8").splitlines()]
BODY = "\n\n".join(p.strip() for p in ROWS[5]["text"].split(" ### ") if p.strip())


def ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


def origin_of(*nodes: Node) -> int:
    """The origin assemble picks for articles that all copy each other, in every input order."""
    found = set()
    for order in permutations(nodes):
        by_id = {n.id: n for n in order}
        edges = {(a.id, b.id): Edge(100.0, 1.0, 1.0) for a in order for b in order if a.id < b.id}
        clusters = assemble(by_id, edges)
        assert len(clusters) == 1
        found.add(clusters[0].origin_id)
    assert len(found) == 1, "the origin depends on the input order"
    return found.pop()


def test_a_bare_date_does_not_beat_a_real_time_of_the_same_day():
    date_only = Node(1, "a", ts("2024-05-01T00:00:00"), url="https://a.example/1", precise=False)
    timed = Node(2, "b", ts("2024-05-01T10:00:00"), url="https://b.example/1")
    assert origin_of(date_only, timed) == 2
    # ... unless it is state media, which wins a tie.
    state = Node(1, "a", ts("2024-05-01T00:00:00"), state_media=True, url="https://a.example/1", precise=False)
    assert origin_of(state, timed) == 1
    # A bare date of an earlier day still comes first.
    earlier = Node(1, "a", ts("2024-04-30T00:00:00"), url="https://a.example/1", precise=False)
    assert origin_of(earlier, timed) == 1


def test_a_copy_that_credits_its_source_comes_after_it_within_a_day():
    source = Node(1, "xinhua", ts("2024-05-01T10:00:00"), url="https://z.example/1", group=frozenset({"xinhua"}))
    # Stamped two hours earlier (its zone was lost), but it says "Source: Xinhua".
    copy = Node(2, "c", ts("2024-05-01T08:00:00"), url="https://a.example/1", credits=frozenset({"xinhua"}),
                group=frozenset({"c"}))
    assert origin_of(source, copy) == 1
    # Three days earlier is not a lost zone: time decides.
    early = Node(2, "c", ts("2024-04-28T08:00:00"), url="https://a.example/1", credits=frozenset({"xinhua"}))
    assert origin_of(source, early) == 2


def test_ties_fall_to_state_media_then_credit_then_url():
    t = ts("2024-05-01T10:00:00")
    a = Node(1, "a", t, url="https://b.example/1", group=frozenset({"a"}))
    b = Node(2, "b", t, url="https://a.example/1", group=frozenset({"b"}), credits=frozenset({"a"}))
    assert origin_of(a, b) == 1  # b credits a
    c = Node(3, "c", t, url="https://0.example/1", group=frozenset({"c"}))
    assert origin_of(a, c) == 3  # nothing else: the smaller URL
    d = Node(4, "d", t, state_media=True, url="https://z.example/1", credits=frozenset({"a"}))
    assert origin_of(a, d) == 4  # state media first, whatever it credits


def test_date_only_state_media_origin_in_the_database(fresh_db):
    load_outlets(fresh_db)
    store_articles(fresh_db, [
        {"url": "https://copier.example/a", "text": BODY + "\n\nSource: Xinhua", "published": "2024-05-01T09:00:00+00:00"},
        {"url": "https://english.news.cn/a", "text": BODY, "published": "2024-05-01", "outlet": "xinhua"},
        {"url": "https://other.example/a", "text": BODY, "published": "2024-05-01T08:00:00"},  # naive: no zone
    ])
    cluster(fresh_db)
    origin = fresh_db.execute("select a.url from clusters c join articles a on a.id = c.origin_id").fetchall()
    assert origin == [("https://english.news.cn/a",)]
