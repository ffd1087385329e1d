"""Schema migrations, registered with sqlite-utils' ``Migrations``.

Each function runs once per database, inside a transaction, and is recorded in
``_sqlite_migrations``. Never edit a migration that has shipped: add a new one.
Each carries its own SQL and calls no code that may change later. The analyst
views are not migrations (they are derived, :mod:`syndtrack.store.views` keeps them
current on every open): the five migrations that once created them are empty now.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("syndtrack")


@migrations()
def m001_initial(db: Database) -> None:
    db["outlets"].create(
        {
            "slug": str,
            "name": str,
            "url": str,
            "country": str,
            "language": str,
            "state_media": int,
            "owner": str,
            "domains": str,  # JSON list of host names
            "feeds": str,  # JSON list
            "sitemaps": str,  # JSON list
            "start_urls": str,  # JSON list
            "article_pattern": str,
            "updated": str,
        },
        pk="slug",
    )
    db["articles"].create(
        {
            "id": int,
            "url": str,
            "outlet": str,
            "title": str,
            "text": str,
            "published": str,
            "modified": str,
            "author": str,
            "language": str,
            "site_name": str,
            "description": str,
            "credit": str,  # credit line found on the page, e.g. "(Courtesy-China Media Group, Beijing)"
            "attribution": str,  # JSON list of attribution cues: {"kind", "text", "href"}
            "source_url": str,  # where a "Source link"/"Original story" anchor points
            "fetched": str,
            "first_seen": str,
            "updated": str,
            "content_hash": str,
            "origin": str,  # 'crawl' or 'import'
        },
        pk="id",
        not_null={"url"},
    )
    db.execute("CREATE UNIQUE INDEX idx_articles_url ON articles(url)")
    db["articles"].create_index(["outlet", "published"])
    db["articles"].enable_fts(["title", "text"], create_triggers=True)

    db["article_revisions"].create(
        {
            "id": int,
            "article_id": int,
            "title": str,
            "text": str,
            "published": str,
            "modified": str,
            "content_hash": str,
            "fetched": str,
            "replaced": str,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["article_revisions"].create_index(["article_id"])

    # Evidence: the raw page as it was served, gzip-compressed.
    db["pages"].create(
        {
            "id": int,
            "url": str,
            "article_id": int,
            "run_id": int,
            "fetched": str,
            "status": int,
            "etag": str,
            "last_modified": str,
            "content_type": str,
            "html_gz": bytes,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["pages"].create_index(["url"])
    db["pages"].create_index(["article_id"])

    db["crawl_runs"].create(
        {
            "id": int,
            "started": str,
            "finished": str,
            "outlets": str,  # JSON list of slugs
            "pages_fetched": int,
            "articles_new": int,
            "articles_updated": int,
            "articles_unchanged": int,
            "errors": int,
            "status": str,  # running / finished / failed
            "stats": str,  # JSON: Scrapy stats of the run
        },
        pk="id",
    )
    db["crawl_errors"].create(
        {
            "id": int,
            "run_id": int,
            "url": str,
            "outlet": str,
            "status": int,
            "reason": str,
            "at": str,
        },
        pk="id",
        foreign_keys=[("run_id", "crawl_runs", "id")],
    )
    db["crawl_errors"].create_index(["run_id"])

    db["clusters"].create(
        {
            "id": int,
            "origin_id": int,
            "size": int,
            "created": str,
            "updated": str,
        },
        pk="id",
        foreign_keys=[("origin_id", "articles", "id")],
    )
    db["cluster_members"].create(
        {
            "cluster_id": int,
            "article_id": int,
            "relation": str,  # origin / copy / excerpt / edited
            "score": float,  # 0-100
            "coverage": float,  # 0-1 share of the origin's text reused
            "credited": int,  # 0/1
            "lag_seconds": float,  # published(copy) - published(origin)
            "same_outlet": int,  # 1 when an outlet re-runs its own piece
        },
        pk="article_id",
        foreign_keys=[("cluster_id", "clusters", "id"), ("article_id", "articles", "id")],
    )
    db["cluster_members"].create_index(["cluster_id"])

    # Verified pairs with the aligned passages, as dedupe found them.
    db["matches"].create(
        {
            "a_id": int,
            "b_id": int,
            "score": float,
            "coverage_a": float,
            "coverage_b": float,
            "passages": str,  # JSON list of [a_start, a_end, b_start, b_end]
            "created": str,
        },
        pk=("a_id", "b_id"),
        foreign_keys=[("a_id", "articles", "id"), ("b_id", "articles", "id")],
    )
    db["matches"].create_index(["b_id"])


@migrations()
def m002_analyst_views(db: Database) -> None:
    # Views are no longer made by migrations: syndtrack.store.views.ensure_views keeps them current on every open.
    del db


@migrations()
def m003_crawler_url_state(db: Database) -> None:
    # What the crawler knows about each URL it has fetched, so the next run can
    # skip a stored article or re-check it with a conditional request, and can
    # reuse a feed's or sitemap's links when the server answers 304.
    db["crawl_urls"].create(
        {
            "url": str,  # canonical URL as discovered (before redirects)
            "outlet": str,
            "kind": str,  # article / other (not an article) / feed / sitemap / page / robots
            "status": int,  # last HTTP status
            "etag": str,
            "last_modified": str,
            "links": str,  # JSON, for feeds/sitemaps/pages: [[url, kind, lastmod], ...]
            "first_seen": str,
            "last_checked": str,
            "last_changed": str,
            "run_id": int,
        },
        pk="url",
    )
    db["crawl_urls"].create_index(["outlet", "kind"])


@migrations()
def m004_dedupe_index(db: Database) -> None:
    # dedupe's persisted state, so `syndtrack cluster` only compares what is new.
    # What each article looked like when it was fingerprinted (a changed
    # content_hash makes it dirty), with its fingerprints and short-line keys as
    # little-endian int64/uint32 blobs, so they can be taken back out of the index.
    db["dedupe_articles"].create(
        {
            "article_id": int,
            "content_hash": str,
            "outlet": str,
            "fingerprints": bytes,
            "line_keys": bytes,
            "credits": str,  # JSON list of credit lines found in the text
            "wrapper": int,  # an autoblog wrapper was found
        },
        pk="article_id",
    )
    # The fingerprint index: one row per (fingerprint, article), keyed by the
    # fingerprint so it can be sharded by hash range.
    db.execute(
        "CREATE TABLE dedupe_fingerprints (hash INTEGER NOT NULL, article_id INTEGER NOT NULL, "
        "PRIMARY KEY (hash, article_id)) WITHOUT ROWID"
    )
    # How many articles of an outlet carry each short line: the outlet's boilerplate.
    db.execute(
        "CREATE TABLE dedupe_outlet_lines (outlet TEXT NOT NULL, key INTEGER NOT NULL, n INTEGER NOT NULL, "
        "PRIMARY KEY (outlet, key)) WITHOUT ROWID"
    )
    db["dedupe_meta"].create({"key": str, "value": str}, pk="key")


@migrations()
def m005_analyst_cluster_summary(db: Database) -> None:
    # cluster_summary computes per-cluster figures only for the rows asked for,
    # and clusters(size) is indexed for "largest first".
    # Views are no longer made by migrations: syndtrack.store.views.ensure_views keeps them current on every open.
    del db


@migrations()
def m006_dedupe_dirty_index(db: Database) -> None:
    # `syndtrack cluster` compares every article's content_hash with the one it
    # indexed; a covering index lets SQLite answer that without reading the
    # article texts (content_hash is stored after the text, in its overflow pages).
    db.execute("CREATE INDEX IF NOT EXISTS idx_articles_content_hash ON articles(content_hash)")


@migrations()
def m007_analyst_outlet_lookup(db: Database) -> None:
    # outlet_lookup also matches an imported article's host to its outlet by
    # parent domain (english.news.cn -> news.cn).
    # Views are no longer made by migrations: syndtrack.store.views.ensure_views keeps them current on every open.
    del db


@migrations()
def m008_crawler_article_gone(db: Database) -> None:
    # State media delete pieces, and that is news: when a stored article's URL
    # answers 404/410 on a re-check, the crawler stamps `gone` (the text stays);
    # a later successful fetch clears it.
    db["articles"].add_column("gone", str)


@migrations()
def m009_analyst_gone_columns(db: Database) -> None:
    # The views show deleted articles: republications gets origin_gone and
    # copy_gone, cluster_summary origin_gone and copies_gone (articles.gone, m008).
    # Views are no longer made by migrations: syndtrack.store.views.ensure_views keeps them current on every open.
    del db


@migrations()
def m010_analyst_outlet_gone(db: Database) -> None:
    # outlet_report counts deletions per (republisher, source): origins_gone (stories
    # whose origin the source has deleted since) and copies_gone, appended at the end.
    # Views are no longer made by migrations: syndtrack.store.views.ensure_views keeps them current on every open.
    del db


@migrations()
def m011_dedupe_queue(db: Database) -> None:
    # `syndtrack cluster` found new, changed and deleted articles by joining every
    # article with dedupe_articles: 4 of the 8 seconds of adding 1k articles to 1M.
    # Triggers now queue them as they are written (one row per write, so an article
    # changed again during a cluster run stays queued for the next); the queue starts
    # with what that join finds today.
    db.execute("CREATE TABLE IF NOT EXISTS dedupe_queue (seq INTEGER PRIMARY KEY, article_id INTEGER NOT NULL)")
    db.execute("CREATE TRIGGER IF NOT EXISTS dedupe_queue_insert AFTER INSERT ON articles "
               "BEGIN INSERT INTO dedupe_queue (article_id) VALUES (new.id); END")
    db.execute("CREATE TRIGGER IF NOT EXISTS dedupe_queue_update AFTER UPDATE OF content_hash ON articles "
               "WHEN old.content_hash IS NOT new.content_hash "
               "BEGIN INSERT INTO dedupe_queue (article_id) VALUES (new.id); END")
    db.execute("CREATE TRIGGER IF NOT EXISTS dedupe_queue_delete AFTER DELETE ON articles "
               "BEGIN INSERT INTO dedupe_queue (article_id) VALUES (old.id); END")
    db.execute("INSERT INTO dedupe_queue (article_id) SELECT a.id FROM articles a "
               "LEFT JOIN dedupe_articles d ON d.article_id = a.id "
               "WHERE d.article_id IS NULL OR d.content_hash IS NOT a.content_hash")
    db.execute("INSERT INTO dedupe_queue (article_id) SELECT d.article_id FROM dedupe_articles d "
               "LEFT JOIN articles a ON a.id = d.article_id WHERE a.id IS NULL")


@migrations()
def m012_dedupe_outlet_lines_boilerplate(db: Database) -> None:
    # An incremental `cluster` reads the boilerplate of every outlet it touches: the
    # few lines carried by 4+ of the outlet's articles (clustering.BOILERPLATE_MIN) among
    # the ~26k lines an outlet of a 1M-article database has counted (0.6 s for 800 outlets
    # by the primary key, 0.01 s by this index).
    db.execute("CREATE INDEX IF NOT EXISTS idx_dedupe_outlet_lines_boilerplate ON dedupe_outlet_lines(outlet, key) WHERE n >= 4")


@migrations()
def m013_registry_aliases_typology(db: Database) -> None:
    # The registry's credit aliases and the State Media Matrix typology travel with
    # each outlet into the database, so views and credit checks can read them there.
    columns = db["outlets"].columns_dict
    if "aliases" not in columns:
        db["outlets"].add_column("aliases", str)
    if "typology" not in columns:
        db["outlets"].add_column("typology", str)


@migrations()
def m014_stories(db: Database) -> None:
    # A story groups the versions of one piece (dedupe.stories): each version is a
    # cluster of copies. AUTOINCREMENT so that the id of a story that was split or
    # removed is never given to another one: story ids are what analysts cite.
    db.execute(
        "CREATE TABLE stories (id INTEGER PRIMARY KEY AUTOINCREMENT, "
        "origin_id INTEGER REFERENCES articles(id), versions INTEGER, size INTEGER, outlets INTEGER, "
        "created TEXT, updated TEXT)"
    )
    db.execute("ALTER TABLE clusters ADD COLUMN story_id INTEGER REFERENCES stories(id)")
    db.execute("CREATE INDEX idx_clusters_story_id ON clusters(story_id)")
    # Until the next `cluster` run, every cluster is a story of its own.
    db.execute(
        "INSERT INTO stories (id, origin_id, versions, size, outlets, created, updated) "
        "SELECT c.id, c.origin_id, 1, c.size, "
        "(SELECT count(DISTINCT a.outlet) FROM cluster_members m JOIN articles a ON a.id = m.article_id "
        "WHERE m.cluster_id = c.id), c.created, c.updated FROM clusters c"
    )
    db.execute("UPDATE clusters SET story_id = id")


@migrations()
def m015_crawler_run_process(db: Database) -> None:
    # A crawl whose process died (kill -9, OOM, power cut) left its row 'running'
    # forever. The row now names the process that must close it (pid, host), so
    # the next crawl can mark it failed once that process is gone, and says why a
    # run failed (reason).
    table = db["crawl_runs"]
    for name, kind in (("pid", int), ("host", str), ("reason", str)):
        if name not in table.columns_dict:
            table.add_column(name, kind)


@migrations()
def m016_cluster_members_credit_status(db: Database) -> None:
    # What a copy says about its source, beyond credited yes/no: credited,
    # credited_other (another outlet), vague ("Agencies"), stripped (the origin
    # carried its own credit or dateline and the copy removed it), none.
    # Filled by the next `cluster` (the index version changes with it).
    db.execute("ALTER TABLE cluster_members ADD COLUMN credit_status TEXT")


@migrations()
def m017_alerts_sent(db: Database) -> None:
    # Alerts (syndtrack.alerts): each alert found once by its key (kind and subject,
    # e.g. "uncredited:1234"), and each output it went to, so a scheduled run never
    # alerts the same thing twice and an output that was down gets what it missed.
    db.execute(
        "CREATE TABLE alerts (key TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT, summary TEXT, url TEXT, "
        "detected TEXT, created TEXT NOT NULL, payload TEXT)"
    )
    db.execute("CREATE INDEX idx_alerts_created ON alerts(created)")
    db.execute(
        "CREATE TABLE alerts_sent (key TEXT NOT NULL REFERENCES alerts(key), output TEXT NOT NULL, sent TEXT NOT NULL, "
        "PRIMARY KEY (key, output)) WITHOUT ROWID"
    )
    # Alerts look for what was stored since a moment: without this index that is a
    # scan of every article on each run.
    db.execute("CREATE INDEX IF NOT EXISTS idx_articles_first_seen ON articles(first_seen)")


@migrations()
def m018_warc_hosts(db: Database) -> None:
    # `import-warc` counts, per file and per outlet (a registry slug, or the
    # registrable domain of an unlisted host), the HTML pages it saw and the ones it
    # kept: `outlets discover` needs the share of a host's pages that are copies,
    # and the pages a filtered import dropped leave no other trace. Keyed by file,
    # so importing a file again replaces its counts instead of adding to them.
    db.execute(
        "CREATE TABLE IF NOT EXISTS warc_hosts (warc TEXT NOT NULL, outlet TEXT NOT NULL, "
        "seen INTEGER NOT NULL, kept INTEGER NOT NULL, PRIMARY KEY (warc, outlet)) WITHOUT ROWID"
    )
    db.execute("CREATE INDEX IF NOT EXISTS idx_warc_hosts_outlet ON warc_hosts(outlet)")
    db["warc_files"].create(
        {"warc": str, "name": str, "size": int, "filter": str, "seen": int, "kept": int, "skipped": str,
         "first_imported": str},
        pk="warc", if_not_exists=True,
    )


@migrations()
def m019_dedupe_xlang(db: Database) -> None:
    # Translated copies (dedupe.xlang, syndtrack.xlang_stage): each article's language as
    # matching saw it, and the index of its language-neutral keys (numbers, dates, Latin
    # names, English glosses), a plain table keyed by key hash like dedupe_fingerprints.
    # matches.kind says which pairs are translations ('translated'; NULL: same language).
    # Each article's keys are kept with it too (int64 blob), so its postings are deleted by
    # primary key when it changes: an index by article would double the cost of the write.
    db.execute("CREATE TABLE IF NOT EXISTS dedupe_xlang (article_id INTEGER PRIMARY KEY, lang TEXT NOT NULL, keys BLOB)")
    db.execute("CREATE TABLE IF NOT EXISTS dedupe_xkeys (key INTEGER NOT NULL, article_id INTEGER NOT NULL, "
               "weight REAL NOT NULL, PRIMARY KEY (key, article_id)) WITHOUT ROWID")
    if "kind" not in db["matches"].columns_dict:
        db["matches"].add_column("kind", str)


@migrations()
def m020_story_signals(db: Database) -> None:
    # Headline keys (dedupe.headlines, syndtrack.headline_stage): a page that carries a
    # story's headline and none of its text joins the story as a 'headline' member.
    # Keyed by key hash for the look-up; the article_id index deletes a changed article's keys.
    db.execute("CREATE TABLE IF NOT EXISTS dedupe_headlines (key INTEGER NOT NULL, article_id INTEGER NOT NULL, "
               "PRIMARY KEY (key, article_id)) WITHOUT ROWID")
    db.execute("CREATE INDEX IF NOT EXISTS dedupe_headlines_article ON dedupe_headlines (article_id)")
    # Round-ups (dedupe.roundup: several agency datelines) cluster only with round-ups.
    if "roundup" not in db["dedupe_articles"].columns_dict:
        db["dedupe_articles"].add_column("roundup", int)


@migrations()
def m021_member_coverage(db: Database) -> None:
    # How much of a member's own text comes from its cluster's origin (cluster_members.coverage
    # says how much of the origin it carries). A copy is most of its text; a blog post that
    # quotes four paragraphs of a wire item in its own commentary carries 66% of the item as
    # 14% of its text (Hot Air in the Helsinki news day): the figure an analyst needs to tell
    # the two apart. Filled here from the member's match with its origin, so a stored database
    # has it at once; NULL where that match is not stored (a translation joined through
    # another member, a headline member: no shared text).
    if "member_coverage" in db["cluster_members"].columns_dict:
        return
    db["cluster_members"].add_column("member_coverage", float)
    db.execute("UPDATE cluster_members SET member_coverage = 1.0 WHERE relation = 'origin'")
    db.execute(
        "UPDATE cluster_members SET member_coverage = ("
        "  SELECT CASE WHEN m.a_id = cluster_members.article_id THEN m.coverage_a ELSE m.coverage_b END"
        "  FROM clusters c JOIN matches m"
        "    ON (m.a_id = cluster_members.article_id AND m.b_id = c.origin_id)"
        "    OR (m.b_id = cluster_members.article_id AND m.a_id = c.origin_id)"
        "  WHERE c.id = cluster_members.cluster_id)"
        " WHERE relation NOT IN ('origin', 'headline')"
    )


@migrations()
def m022_dedupe_fingerprints_recent(db: Database) -> None:
    # The postings of incremental runs, merged into dedupe_fingerprints from time to time
    # (syndtrack.clustering.settings.RECENT_POSTINGS_SHARE): random-key inserts into the big
    # table dirtied most of its pages on every run. Read together with it through
    # syndtrack.store.fingerprint_index; an article's postings are in one of the two.
    db.execute(
        "CREATE TABLE IF NOT EXISTS dedupe_fingerprints_recent (hash INTEGER NOT NULL, article_id INTEGER NOT NULL, "
        "PRIMARY KEY (hash, article_id)) WITHOUT ROWID"
    )
