"""Dedupe quality: run syndtrack's clustering and the MinHash baseline end to end
through the database, on labelled corpora, and score both.

Every system sees the same thing the CLI sees: a temporary SQLite database opened
with ``syndtrack.store.db.open_db``, outlets in ``outlets``, articles stored through
``syndtrack.store.articles`` (``validate_article`` + ``ArticleStore.store_batch``).
syndtrack is run with ``syndtrack.clustering.cluster(db)`` and scored from the
``clusters``/``cluster_members`` rows it wrote.

Corpora:
  seed      the Dainik Savera Times copy of a China Media Group commentary, with
            the CMG original rebuilt from its body (earlier, state media);
  clough    Clough & Stevenson short answers: cut/light/heavy/non vs their source;
  corpus    the labelled republication corpus of benchmarks/corpus.py (--size);
  helsinki  612 real articles of one news day; clusters are listed to a file
            for reading (no labels exist).
  autoblog  4,340 real 2016 articles (Reuters, Wired, AP papers...) that an autoblog
            copied, with the source URL and title it recorded for each: clusters
            joining posts recorded as different stories are listed for reading.

Usage::

    python benchmarks/dedupe_quality.py                       # all corpora, 2k
    python benchmarks/dedupe_quality.py --size 2000 --size 20000 --json results.json
    python benchmarks/dedupe_quality.py --only corpus --system syndtrack --size 2000
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))  # benchmarks/ helpers

from corpus import DATA_DIR, autoblog_posts, autoblog_title, generate  # noqa: E402

from syndtrack.store.articles import ArticleStore, BadArticle, validate_article  # noqa: E402
from syndtrack.store.db import open_db  # noqa: E402

SEED = DATA_DIR.parent / "seeds" / "000_d229f4eea3c573a8.txt"


# --------------------------------------------------------------------------- loading


def load(db, articles: list[dict], outlets: list[dict]) -> tuple[dict[str, int], list[str]]:
    """Store outlets and articles the way every other path does; return url -> id.

    A record that fails validation is reported and skipped, like ``syndtrack import``.
    """
    if outlets:
        db["outlets"].upsert_all(outlets, pk="slug", alter=True)
    store = ArticleStore(db)
    errors, batch, want = [], [], {}
    for rec in articles:
        try:
            row = validate_article(rec)
        except BadArticle as exc:
            errors.append(f"{rec.get('url')}: {exc}")
            continue
        want[rec["url"]] = row["url"]
        batch.append(row)
        if len(batch) >= 1000:
            store.store_batch(batch)
            batch = []
    store.store_batch(batch)
    ids = {r["url"]: r["id"] for r in db.query("select id, url from articles")}
    return {orig: ids[canon] for orig, canon in want.items()}, errors


# --------------------------------------------------------------------------- predictions


@dataclass
class Member:
    cluster: int
    relation: str | None
    credited: int | None = None
    same_outlet: int | None = None
    coverage: float | None = None
    score: float | None = None
    credit_status: str | None = None


def _fmt(x) -> str:
    return "  - " if x is None else f"{x:.2f}" if x <= 1 else f"{x:3.0f}"


Prediction = dict[int, Member]  # article id -> its cluster membership


def read_clusters(db) -> tuple[Prediction, dict[int, int]]:
    """The clusters a system wrote: members by article id, origin by cluster id."""
    pred = {
        r["article_id"]: Member(r["cluster_id"], r["relation"], r["credited"], r["same_outlet"], r["coverage"], r["score"],
                                r.get("credit_status"))
        for r in db.query("select * from cluster_members")
    }
    origins = {r["id"]: r["origin_id"] for r in db.query("select id, origin_id from clusters")}
    return pred, origins


def run_syndtrack(db) -> tuple[Prediction, dict[int, int], dict]:
    from syndtrack.clustering import cluster

    result = cluster(db)
    pred, origins = read_clusters(db)
    return pred, origins, {"result": repr(result)}


def run_baseline(db) -> tuple[Prediction, dict[int, int], dict]:
    """DEDUPE's baseline (datasketch MinHash LSH + rapidfuzz + union-find), on the
    same database. It has no relations or credit: those are scored n/a."""
    from baseline_minhash import articles_from_db, baseline_clusters, baseline_origins

    articles = articles_from_db(db)
    stats: dict = {}
    clusters = baseline_clusters(articles, stats=stats)
    origin_of = baseline_origins(articles, clusters)
    pred, origins = {}, {}
    for n, members in enumerate(clusters, 1):
        origins[n] = origin_of[frozenset(members)]
        for a in members:
            pred[a] = Member(n, "origin" if a == origins[n] else None)
    return pred, origins, {"baseline_stats": stats}


SYSTEMS: dict[str, Callable] = {"syndtrack": run_syndtrack, "baseline": run_baseline}


def _publish_order(rec: dict) -> tuple:
    """Oldest first; undated articles come last, as a crawler meets them late."""
    p = rec.get("published")
    if not p:
        return (1, 0.0)
    when = datetime.fromisoformat(p)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return (0, when.timestamp())


def registry_toml(outlets: list[dict]) -> str:
    """The corpus's outlets as a registry TOML, the way a user would write theirs: name,
    home page, domains, owner, state media, and the names an owner goes by (corpus.ALIASES)."""
    import corpus as corpus_mod

    def q(v: str) -> str:
        return json.dumps(v, ensure_ascii=False)

    lines = []
    for o in outlets:
        lines.append(f"[outlets.{registry_slug(o['slug'])}]")
        lines.append(f"name = {q(o['name'])}")
        lines.append(f"url = {q(o['url'])}")
        domains = json.loads(o.get("domains") or "[]")
        if domains:
            lines.append(f"domains = [{', '.join(q(d) for d in domains)}]")
        for key in ("owner", "language", "country"):
            if o.get(key):
                lines.append(f"{key} = {q(o[key])}")
        lines.append(f"state_media = {'true' if o.get('state_media') else 'false'}")
        aliases = corpus_mod.ALIASES.get(o.get("owner") or "", []) if o.get("state_media") else []
        if aliases:
            lines.append(f"aliases = [{', '.join(q(a) for a in aliases)}]")
        lines.append("crawl = false")
        lines.append("")
    return "\n".join(lines)


def registry_slug(slug: str) -> str:
    """A registry slug is lower-case letters, digits, - and _ (the corpus names some outlets by host)."""
    return re.sub(r"[^a-z0-9_-]", "-", slug.lower())


def load_via_import(db, articles: list[dict], outlets: list[dict]) -> tuple[dict[str, int], list[str]]:
    """Store the corpus as a user would: ``syndtrack import FILE --outlets REGISTRY.toml``."""
    from syndtrack.importer import import_jsonl

    with tempfile.TemporaryDirectory() as tmp:
        toml = Path(tmp) / "outlets.toml" if outlets else None
        if toml:
            toml.write_text(registry_toml(outlets), encoding="utf-8")
        records = ({**{k: v for k, v in a.items() if k != "label"}, "outlet": registry_slug(a["outlet"])} for a in articles)
        jsonl = io.BytesIO("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8"))
        errors: list[str] = []
        import_jsonl(db, jsonl, outlets_file=str(toml) if toml else None, on_bad=lambda bad: errors.append(str(bad)))
    ids = {r["url"]: r["id"] for r in db.query("select id, url from articles")}
    from syndtrack.store.urls import canonical_url

    return {a["url"]: ids[canonical_url(a["url"])] for a in articles if canonical_url(a["url"]) in ids}, errors


LOADERS = {"direct": load, "import": load_via_import,
           # No registry file: only the default registry and the URLs tell who is who.
           "import-bare": lambda db, articles, outlets: load_via_import(db, articles, [])}
LOADER = "direct"


def run_system(name: str, articles: list[dict], outlets: list[dict], *, keep: Path | None = None, batches: int = 1):
    """Load and cluster; with ``batches`` > 1 (syndtrack only) the articles arrive in
    publish order in that many batches, and ``cluster(db)`` runs incrementally after each."""
    if name != "syndtrack":
        batches = 1
    ordered = sorted(articles, key=_publish_order) if batches > 1 else articles
    step = -(-len(ordered) // batches)
    with tempfile.TemporaryDirectory() as tmp:
        path = (keep or Path(tmp)) / f"{name}.db"
        if path.exists():
            path.unlink()
        db = open_db(path)
        ids, errors, t_load, t_cluster = {}, [], 0.0, 0.0
        for b in range(batches):
            t0 = time.perf_counter()
            got, errs = LOADERS[LOADER](db, ordered[b * step : (b + 1) * step], outlets)
            ids.update(got)
            errors += errs
            t_load += time.perf_counter() - t0
            t0 = time.perf_counter()
            if b < batches - 1:
                from syndtrack.clustering import cluster

                cluster(db)
            else:
                pred, origins, info = SYSTEMS[name](db)
            t_cluster += time.perf_counter() - t0
        rows = {r["id"]: r for r in db.query("select id, outlet, title, published from articles")}
        # What each pair shares, for reading the clusters (syndtrack stores it; the baseline does not).
        matches = {(r["a_id"], r["b_id"]): json.loads(r["passages"] or "[]")
                   for r in db.query("select a_id, b_id, passages from matches")}
        db.conn.close()
    return {"ids": ids, "pred": pred, "origins": origins, "rows": rows, "matches": matches, "load_s": round(t_load, 2),
            "cluster_s": round(t_cluster, 2), "load_errors": errors, **info}


# --------------------------------------------------------------------------- scoring


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def score(labels: dict[int, dict], pred: Prediction, origins: dict[int, int]) -> dict:
    """Pairwise P/R/F1 over same-cluster pairs, then origin, relation and credit accuracy.

    ``labels`` maps article id -> label (``story``, ``role``, ``credited``,
    ``same_outlet``, ``kind``, ``transforms``). Articles a system left out of
    every cluster count as singletons.
    """
    # Roundups belong to no story: they are scored by what they did to the stories they hold.
    roundups = {a: lab for a, lab in labels.items() if lab.get("story") is None}
    labels = {a: lab for a, lab in labels.items() if lab.get("story") is not None}
    true_of = {a: lab["story"] for a, lab in labels.items()}
    pred_of = {a: (pred[a].cluster if a in pred else ("single", a)) for a in labels}
    cells = Counter((true_of[a], pred_of[a]) for a in labels)
    tp = sum(_pairs(n) for n in cells.values())
    true_pairs = sum(_pairs(n) for n in Counter(true_of.values()).values())
    pred_pairs = sum(_pairs(n) for n in Counter(pred_of.values()).values())
    precision = tp / pred_pairs if pred_pairs else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    stories: dict[str, list[int]] = defaultdict(list)
    for a, s in true_of.items():
        stories[s].append(a)
    origin_ok = origin_n = 0
    origin_wrong = []
    rel_ok = rel_n = cred_ok = cred_n = so_ok = so_n = 0
    rel_confusion: Counter = Counter()
    cred_wrong, missed, rel_wrong = [], [], []
    recall_by_transform: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    cred_by_cue: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    status_confusion: Counter = Counter()
    for s, members in stories.items():
        if len(members) < 2:
            continue
        origin = next(a for a in members if labels[a]["role"] == "origin")
        origin_n += 1
        cl = pred[origin].cluster if origin in pred else None
        if cl is not None and origins.get(cl) == origin:
            origin_ok += 1
        else:
            origin_wrong.append({"story": s, "origin": origin, "predicted_origin": origins.get(cl) if cl else None,
                                 "url": labels[origin].get("url")})
        for a in members:
            if a == origin:
                continue
            lab = labels[a]
            found = cl is not None and a in pred and pred[a].cluster == cl
            for t in [*lab["transforms"], f"lang:{labels[origin].get('language') or '?'}"]:
                recall_by_transform[t][0] += found
                recall_by_transform[t][1] += 1
            if not found:
                missed.append({"id": a, "story": s, "origin": origin, "transforms": lab["transforms"],
                               "clustered_elsewhere": a in pred, "url": lab.get("url")})
                continue
            got = pred[a].relation
            rel_confusion[(lab["role"], got)] += 1
            rel_n += 1
            if got == lab["role"]:
                rel_ok += 1
            else:
                rel_wrong.append({"id": a, "expected": lab["role"], "got": got, "transforms": lab["transforms"],
                                  "url": lab.get("url")})
            if lab.get("same_outlet"):
                so_n += 1
                so_ok += pred[a].same_outlet == 1
                continue
            if lab.get("credited") is None:  # an incidental mention: credit is a matter of opinion
                continue
            cred_n += 1
            cue = cred_by_cue[lab.get("credit_by") or "none"]
            cue[1] += 1
            status_confusion[f"{'credited' if lab['credited'] else 'uncredited'}->{pred[a].credit_status}"] += 1
            if pred[a].credited == lab["credited"]:
                cred_ok += 1
                cue[0] += 1
            else:
                cred_wrong.append({"id": a, "expected": lab["credited"], "got": pred[a].credited,
                                   "cue": lab.get("credit_by"), "transforms": lab["transforms"], "url": lab.get("url")})

    # A system without relations or credit (the baseline) gets n/a, not 0.
    has_relation = any(m.relation not in (None, "origin") for m in pred.values())
    has_credit = any(m.credited is not None for m in pred.values())
    if not has_relation:
        rel_n, rel_confusion, rel_wrong = 0, Counter(), []
    if not has_credit:
        cred_n, so_n, cred_wrong, cred_by_cue = 0, 0, [], {}

    # False merges: predicted clusters that hold more than one true story.
    by_pred: dict = defaultdict(list)
    for a, c in pred_of.items():
        if a in pred:
            by_pred[c].append(a)
    false_merges = []
    merge_kinds: Counter = Counter()
    for c, members in by_pred.items():
        st = {true_of[a] for a in members}
        if len(st) > 1:
            kinds = sorted({labels[a]["kind"] + (f"[{labels[a].get('topic')}]" if labels[a].get("topic") else "")
                            for a in members})
            false_merges.append({"cluster": c, "size": len(members), "stories": sorted(st), "kinds": kinds,
                                 "ids": sorted(members)[:12], "urls": [labels[a].get("url") for a in sorted(members)[:12]]})
            for a in members:
                merge_kinds[labels[a]["kind"]] += 1
    # A roundup may join one of its stories; two stories merged through it show up
    # above as a false merge. Here: where did the roundups go?
    members_of: dict = defaultdict(set)
    for a, m in pred.items():
        if a in labels:
            members_of[m.cluster].add(true_of[a])
    roundup_fate: Counter = Counter()
    for a, lab in roundups.items():
        if a not in pred:
            roundup_fate["unclustered"] += 1
            continue
        held = members_of[pred[a].cluster]
        inside = held & set(lab.get("contains") or [])
        roundup_fate["with 2+ stories" if len(held) > 1 else "with one of its stories" if inside
                     else "with none of its stories"] += 1
    return {
        "articles": len(labels) + len(roundups),
        "roundups": dict(roundup_fate),
        "true_pairs": true_pairs, "pred_pairs": pred_pairs, "tp_pairs": tp,
        "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
        "origin_accuracy": round(origin_ok / origin_n, 4) if origin_n else None, "stories_scored": origin_n,
        "relation_accuracy": round(rel_ok / rel_n, 4) if rel_n else None,
        "credited_accuracy": round(cred_ok / cred_n, 4) if cred_n else None,
        "same_outlet_accuracy": round(so_ok / so_n, 4) if so_n else None,
        "relation_confusion": {f"{e}->{g}": n for (e, g), n in sorted(rel_confusion.items(), key=str)},
        "recall_by_transform": {t: round(f / n, 4) for t, (f, n) in sorted(recall_by_transform.items())},
        "credited_accuracy_by_cue": {c: f"{ok}/{n}" for c, (ok, n) in sorted(cred_by_cue.items())},
        # The label says credited or not; the system says which of the five statuses.
        "credit_status_confusion": dict(sorted(status_confusion.items())),
        "false_merges": false_merges, "false_merge_articles_by_kind": dict(merge_kinds),
        "missed": missed, "origin_wrong": origin_wrong, "relation_wrong": rel_wrong, "credited_wrong": cred_wrong,
    }


# --------------------------------------------------------------------------- corpora


def seed_articles() -> tuple[list[dict], list[dict]]:
    """The seed copy as its page gives it, and the CMG original rebuilt from its body."""
    raw = SEED.read_text(encoding="utf-8")
    lines = [ln.strip() for ln in raw.splitlines()]
    title_line = lines[0]
    body = [ln for ln in lines if ln]
    start = body.index("[ad_1]") + 1
    end = body.index("[ad_2]")
    paragraphs = [p for p in body[start:end] if not re.fullmatch(r"\(Courtesy-.*\)", p)]
    title = title_line.rsplit("–", 1)[0].strip()
    original = {"url": "https://news.cgtn.com/news/2023-01-19/what-is-the-purpose-of-japan-s-series-of-dangerous-actions.html",
                "outlet": "cgtn", "title": title, "text": "\n\n".join(paragraphs),
                "published": "2023-01-19T08:00:00+08:00", "language": "en",
                "label": {"story": "seed", "role": "origin", "credited": 0, "kind": "origin", "transforms": []}}
    copy = {"url": "https://dainiksaveratimes.com/international/what-is-the-purpose-of-japans-series-of-dangerous-actions/",
            "outlet": "dainik-savera-times", "title": title_line, "text": "\n".join(lines[1:]).strip(),
            "published": "2023-01-20T09:15:00+05:30", "language": "en",
            "label": {"story": "seed", "role": "copy", "credited": 1, "kind": "copy",
                      "transforms": ["autoblog", "credit"]}}
    outlets = [
        {"slug": "cgtn", "name": "CGTN", "url": "https://news.cgtn.com", "state_media": 1, "owner": "China Media Group",
         "country": "CN", "language": "en", "domains": json.dumps(["news.cgtn.com", "cgtn.com"])},
        {"slug": "dainik-savera-times", "name": "Dainik Savera Times", "url": "https://dainiksaveratimes.com",
         "state_media": 0, "country": "IN", "language": "en", "domains": json.dumps(["dainiksaveratimes.com"])},
    ]
    return [original, copy], outlets


def clough_articles() -> tuple[list[dict], list[dict]]:
    base = DATA_DIR / "clough-stevenson-short-answers"
    cats = {}
    with open(base / "file_information.csv", newline="") as f:
        for row in csv.DictReader(f):
            cats[row["File"]] = (row["Task"], row["Category"])
    for t in "abcde":
        cats[f"orig_task{t}.txt"] = (t, "orig")
    arts = []
    for name, (task, cat) in sorted(cats.items()):
        raw = (base / name).read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        who = "wikipedia" if cat == "orig" else name.split("_")[0]
        arts.append({"url": f"https://{who}.clough.example.org/{name}", "outlet": who, "title": name, "text": text,
                     "published": "2024-01-01T00:00:00+00:00" if cat == "orig" else "2024-01-02T00:00:00+00:00",
                     "language": "en", "label": {"task": task, "category": cat}})
    outlets = [{"slug": "wikipedia", "name": "Wikipedia", "url": "https://en.wikipedia.org", "state_media": 0}]
    return arts, outlets


def containment(a: str, b: str, k: int = 5) -> float:
    """Share of ``a``'s word k-grams found in ``b``: how much of ``a`` is reused text at all."""
    def grams(t):
        w = re.findall(r"\w+", t.lower())
        return {" ".join(w[i : i + k]) for i in range(len(w) - k + 1)}

    ga = grams(a)
    return len(ga & grams(b)) / len(ga) if ga else 0.0


def score_clough(arts, run) -> dict:
    ids, pred = run["ids"], run["pred"]
    src = {a["label"]["task"]: ids[a["url"]] for a in arts if a["label"]["category"] == "orig"}
    src_text = {a["label"]["task"]: a["text"] for a in arts if a["label"]["category"] == "orig"}
    table: dict[str, Counter] = defaultdict(Counter)
    wrong = []
    for a in arts:
        cat, task = a["label"]["category"], a["label"]["task"]
        if cat == "orig":
            continue
        i, s = ids[a["url"]], src[task]
        with_source = i in pred and s in pred and pred[i].cluster == pred[s].cluster
        table[cat]["matched" if with_source else ("clustered_elsewhere" if i in pred else "unclustered")] += 1
        if with_source:
            table[cat][f"relation:{pred[i].relation}"] += 1
        # Some answers labelled cut/light share almost no text with orig_task*.txt
        # (the participants worked from the whole Wikipedia page): show how much they do.
        reuse = round(containment(a["text"], src_text[task]), 2)
        bucket = "reuse>=0.25" if reuse >= 0.25 else "reuse<0.25"
        table[cat][f"{bucket}:{'matched' if with_source else 'not'}"] += 1
        if (cat in ("cut", "light") and not with_source) or (cat == "non" and with_source):
            wrong.append({"file": a["title"], "category": cat, "id": i, "matched": with_source,
                          "answer_5grams_in_source": reuse})
    # Two tasks in one cluster would be a false merge.
    tasks_by_cluster = defaultdict(set)
    for a in arts:
        i = ids[a["url"]]
        if i in pred:
            tasks_by_cluster[pred[i].cluster].add(a["label"]["task"])
    return {"by_category": {k: dict(v) for k, v in sorted(table.items())}, "failures": wrong,
            "clusters_mixing_tasks": sum(len(t) > 1 for t in tasks_by_cluster.values()),
            "ok": not wrong and not any(len(t) > 1 for t in tasks_by_cluster.values())}


def helsinki_articles() -> tuple[list[dict], list[dict]]:
    return news_day_articles("helsinki")


NEWS_DAYS = ("helsinki", "census", "spotify")  # the provenance data set's three days


def news_day_articles(day: str) -> tuple[list[dict], list[dict]]:
    """One of the provenance data set's news days (``NEWS_DAYS``) as articles, each at
    ``https://<publisher>/<day>/<id>``."""
    rows = []
    with open(DATA_DIR / "provenance-news-day-samples" / f"{day}_articles.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            paras = [" ".join(p.split()) for p in row["text"].split(" ### ") if p.strip()]
            if paras:
                rows.append((row, paras))
    # The scrape kept the page chrome; the title is the first line that is
    # neither chrome (seen on 3+ pages) nor a short label.
    seen = Counter(p for _, paras in rows for p in set(paras))
    arts = []
    for row, paras in rows:
        content = [p for p in paras if seen[p] < 3 and len(p.split()) >= 4]
        host, _, path = row["publisher"].partition("/")
        arts.append({"url": f"https://{host}/{path + '/' if path else ''}{day}/{row['id']}",
                     "outlet": row["publisher"], "title": (content or paras)[0][:200], "text": "\n\n".join(paras),
                     # The scrape time is the only time the data set gives.
                     "published": row["scrape_time"], "language": "en",
                     "label": {"id": row["id"], "lead": next((p for p in content if len(p.split()) >= 15), "")}})
    return arts, []


def list_helsinki(arts, run, out: Path) -> dict:
    pred, origins, rows, ids = run["pred"], run["origins"], run["rows"], run["ids"]
    by_cluster = defaultdict(list)
    for i, m in pred.items():
        by_cluster[m.cluster].append(i)
    lead_of = {ids[a["url"]]: a["label"]["lead"] for a in arts}
    text_of = {ids[a["url"]]: a["text"] for a in arts}

    def shared_with_origin(i, origin):
        """What member ``i`` shares with its origin, as stored in ``matches``: (chars, longest passage)."""
        key, flip = ((i, origin), False) if i < origin else ((origin, i), True)
        spans = run["matches"].get(key) or []
        if not spans:
            return 0, ""
        a0, a1, b0, b1 = max(spans, key=lambda p: p[1] - p[0])
        start, end = (b0, b1) if flip else (a0, a1)
        total = sum((p[3] - p[2]) if flip else (p[1] - p[0]) for p in spans)
        return total, f"{len(spans)} passages, {total} chars; longest: " + " ".join(text_of[i][start:end].split())[:150]

    # A member joined by less than this much shared text is worth a second look:
    # a photo caption, a quotation, a background paragraph.
    weak_below = 600
    weak = []
    with open(out, "w", encoding="utf-8") as f:
        for c, members in sorted(by_cluster.items(), key=lambda kv: -len(kv[1])):
            origin = origins.get(c)
            f.write(f"== cluster {c}: {len(members)} articles, origin {origin}\n")
            for i in sorted(members, key=lambda i: (i != origin, rows[i]["published"] or "")):
                r, m = rows[i], pred[i]
                f.write(f"  [{i}] {m.relation or '-':8} cov={_fmt(m.coverage)} score={_fmt(m.score)} {r['outlet']:24}"
                        f" {r['title'][:100]!r}\n        {lead_of[i][:160]!r}\n")
                if i != origin and run["matches"]:
                    total, shared = shared_with_origin(i, origin)
                    mark = "WEAK " if total < weak_below else ""
                    f.write(f"        {mark}shares: {shared or '(no direct match with the origin)'}\n")
                    if mark:
                        weak.append({"cluster": c, "member": i, "origin": origin, "shared_chars": total,
                                     "member_title": r["title"][:100], "origin_title": rows[origin]["title"][:100]})
    sizes = Counter(len(m) for m in by_cluster.values())
    return {"clusters": len(by_cluster), "clustered_articles": sum(len(m) for m in by_cluster.values()),
            "size_histogram": dict(sorted(sizes.items())), "listing": str(out), "weak_members": weak}


def autoblog_articles() -> tuple[list[dict], list[dict]]:
    """The posts the whenitson.com autoblog copied (2016: Reuters, Wired, AP papers...), each
    as an article of the outlet it came from. The plugin recorded each post's source URL and
    title: posts with different ones are different stories, unless one page was saved twice."""
    arts = []
    for row, paras in autoblog_posts(DATA_DIR):
        if paras:
            arts.append({"url": row["permalink"], "outlet": row["source_domain"].replace("feeds.", "www."),
                         "title": autoblog_title(row), "text": "\n\n".join(paras), "published": row["post_date"],
                         "language": "en", "label": {"source_url": row["source_url"]}})
    return arts, []


def _story_title(title: str) -> str:
    """A recorded title without the outlet's suffix ("... - Reuters", "... | Fox News")."""
    return re.split(r"\s+[-|]\s+(?=[^-|]+$)", title.strip())[0].lower()


def list_autoblog(arts, run, out: Path) -> dict:
    """Every cluster that joins posts recorded as different stories, for reading.

    Two such posts with identical text are the autoblog's own doing (it saved one page
    under several titles: Wired's and Reuters' feeds gave it the wrong body); the others
    are where a false merge would show. Written to ``out``; counts returned.
    """
    from rapidfuzz import fuzz

    pred, origins, rows, ids = run["pred"], run["origins"], run["rows"], run["ids"]
    by_id = {ids[a["url"]]: a for a in arts if a["url"] in ids}
    by_cluster = defaultdict(list)
    for i, m in pred.items():
        by_cluster[m.cluster].append(i)
    counts = Counter()
    with open(out, "w", encoding="utf-8") as f:
        for c, members in sorted(by_cluster.items(), key=lambda kv: -len(kv[1])):
            origin = origins.get(c)
            o = by_id[origin]
            others = [i for i in members if i != origin]
            different = [i for i in others if by_id[i]["label"]["source_url"] != o["label"]["source_url"]
                         and fuzz.token_set_ratio(_story_title(by_id[i]["title"]), _story_title(o["title"])) < 70]
            if not different:
                continue
            same_text = all(" ".join(by_id[i]["text"].split()) == " ".join(o["text"].split()) for i in different)
            same_outlet = all(rows[i]["outlet"] == rows[origin]["outlet"] for i in different)
            kind = "identical text" if same_text else "same outlet" if same_outlet else "cross-outlet"
            counts[kind] += 1
            f.write(f"== cluster {c}: {len(members)} articles, origin {origin} [{kind}]\n")
            for i in [origin] + others:
                m = pred[i]
                f.write(f"  [{i}] {m.relation or '-':8} cov={_fmt(m.coverage)} score={_fmt(m.score)} "
                        f"{rows[i]['outlet']:24} {by_id[i]['title'][:90]!r}\n")
    return {"clusters": len(by_cluster), "clustered_articles": sum(len(m) for m in by_cluster.values()),
            "clusters_joining_recorded_stories": dict(counts), "listing": str(out)}


# --------------------------------------------------------------------------- main


def labels_by_id(arts, ids):
    return {ids[a["url"]]: {**a["label"], "url": a["url"], "language": a.get("language")} for a in arts if a["url"] in ids}


def summarize(sc: dict) -> dict:
    keep = ("articles", "roundups", "precision", "recall", "f1", "origin_accuracy", "relation_accuracy", "credited_accuracy",
            "same_outlet_accuracy", "relation_confusion", "recall_by_transform", "credited_accuracy_by_cue", "credit_status_confusion", "false_merge_articles_by_kind")
    out = {k: sc[k] for k in keep}
    out.update(false_merges=len(sc["false_merges"]), missed=len(sc["missed"]), origin_wrong=len(sc["origin_wrong"]),
               relation_wrong=len(sc["relation_wrong"]), credited_wrong=len(sc["credited_wrong"]))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, action="append", help="corpus size (repeatable; default 2000)")
    ap.add_argument("--seed", type=int, default=0, help="corpus generator seed")
    ap.add_argument("--system", choices=["both", *SYSTEMS], default="both")
    ap.add_argument("--only", action="append", choices=["seed", "clough", "corpus", "helsinki", "autoblog"])
    ap.add_argument("--json", help="write the full results (with failure lists) here")
    ap.add_argument("--listing-dir", default=".", help="where the Helsinki and autoblog cluster listings go")
    ap.add_argument("--keep-db", help="keep the databases in this directory")
    ap.add_argument("--load", choices=list(LOADERS), default="direct",
                    help="direct: outlets written to the outlets table as they are; import: through "
                         "`syndtrack import --outlets REGISTRY.toml`, the corpus's outlets given as a registry file; "
                         "import-bare: `syndtrack import` alone")
    ap.add_argument("--batches", type=int, default=1,
                    help="corpus only: store it in N publish-ordered batches, clustering after each "
                         "(syndtrack's incremental mode; the baseline always runs once)")
    args = ap.parse_args(argv)
    global LOADER
    LOADER = args.load
    systems = list(SYSTEMS) if args.system == "both" else [args.system]
    only = args.only or ["seed", "clough", "corpus", "helsinki", "autoblog"]
    keep = Path(args.keep_db) if args.keep_db else None
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)  # like story_eval.py and web_copies_eval.py's --keep-db
    results: dict = {}

    def go(corpus_name, arts, outlets, batches=1):
        for name in systems:
            label = f"{corpus_name}/{name}"
            if batches > 1 and name == "syndtrack":
                label = f"{corpus_name}-in-{batches}-batches/{name}"
            try:
                run = run_system(name, arts, outlets, keep=keep, batches=batches)
            except Exception as exc:  # one system failing must not hide the other's figures
                print(f"{label}: FAILED: {type(exc).__name__}: {exc}", flush=True)
                results[label] = {"error": f"{type(exc).__name__}: {exc}"}
                continue
            yield name, label, run

    if "seed" in only:
        arts, outlets = seed_articles()
        for name, label, run in go("seed", arts, outlets):
            orig, copy = (run["ids"][a["url"]] for a in arts)
            p = run["pred"]
            together = orig in p and copy in p and p[orig].cluster == p[copy].cluster
            res = {"clustered_together": together, "origin_is_cmg": together and run["origins"].get(p[orig].cluster) == orig,
                   "relation": p[copy].relation if copy in p else None,
                   "credited": p[copy].credited if copy in p else None, "cluster_s": run["cluster_s"]}
            # The baseline has no notion of credit: it passes on clustering and origin alone.
            res["ok"] = bool(together and res["origin_is_cmg"] and res["credited"] in (1, None))
            results[label] = res
            print(label, json.dumps(res), flush=True)

    if "clough" in only:
        arts, outlets = clough_articles()
        for name, label, run in go("clough", arts, outlets):
            res = score_clough(arts, run)
            res["cluster_s"] = run["cluster_s"]
            results[label] = res
            print(label, json.dumps({k: v for k, v in res.items() if k != "failures"}), flush=True)
            for w in res["failures"]:
                print("   failure:", json.dumps(w))

    if "corpus" in only:
        for size in args.size or [2000]:
            t0 = time.perf_counter()
            corpus = generate(size, args.seed)
            gen_s = round(time.perf_counter() - t0, 1)
            for name, label, run in go(f"corpus-{size}", corpus.articles, corpus.outlets, args.batches):
                sc = score(labels_by_id(corpus.articles, run["ids"]), run["pred"], run["origins"])
                sc.update(load_s=run["load_s"], cluster_s=run["cluster_s"], generate_s=gen_s,
                          load_errors=run["load_errors"][:20])
                results[label] = sc
                print(label, json.dumps({**summarize(sc), "load_s": run["load_s"], "cluster_s": run["cluster_s"]}),
                      flush=True)

    # The unlabelled real corpora: clusters listed to a file for reading, counts printed.
    for corpus_name, articles, lister in (("helsinki", helsinki_articles, list_helsinki),
                                          ("autoblog", autoblog_articles, list_autoblog)):
        if corpus_name not in only:
            continue
        arts, outlets = articles()
        for name, label, run in go(corpus_name, arts, outlets):
            res = lister(arts, run, Path(args.listing_dir) / f"{corpus_name}_clusters_{name}.txt")
            res["cluster_s"] = run["cluster_s"]
            results[label] = res
            print(label, json.dumps(res), flush=True)

    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    print()
    print(markdown(results))
    return 0


def markdown(results: dict) -> str:
    """The corpus figures as the Markdown table docs/evaluation.md shows."""
    cols = [("precision", "P"), ("recall", "R"), ("f1", "F1"), ("origin_accuracy", "origin acc."),
            ("relation_accuracy", "relation acc."), ("credited_accuracy", "credited acc."),
            ("false_merges", "false merges"), ("missed", "copies missed"), ("load_s", "load s"),
            ("cluster_s", "cluster s")]
    lines = ["| corpus / system | " + " | ".join(c[1] for c in cols) + " |", "|---" * (len(cols) + 1) + "|"]
    for label, res in results.items():
        if not label.startswith("corpus-") or "error" in res:
            continue
        vals = []
        for key, _ in cols:
            v = res.get(key)
            v = len(v) if isinstance(v, list) else v
            vals.append("n/a" if v is None else f"{v:.4f}" if isinstance(v, float) and key not in ("load_s", "cluster_s") else str(v))
        lines.append(f"| {label} | " + " | ".join(vals) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
