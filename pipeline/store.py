"""The only module that touches SQLite.

Shape: `ensure_db_shape()` creates every table of SPEC §5 and migrates older files
by `PRAGMA user_version`. Writes are idempotent upserts keyed on Blogger ids
(TEXT: they exceed 2**53), grouped so that one feed page is one transaction: a
run killed at any point leaves a consistent database and the next run finishes
the job without duplicates.

`save_*` functions write, `load_*`/`iter_*` functions read; none of them talks
HTTP or parses XML.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from pipeline.parse import BlogInfo, CommentRecord, PageRecord, PostRecord

SCHEMA_VERSION = 1

# One statement per table; columns beyond SPEC §5 are marked "(ours)".
_TABLES = {
    "blogs": """
        CREATE TABLE IF NOT EXISTS blogs (
            id TEXT PRIMARY KEY,
            url TEXT,
            title TEXT,
            subtitle TEXT,
            timezone_offset TEXT,
            updated TEXT,            -- (ours) newest <updated> of the posts feed: the watermark
            feed_mode TEXT,          -- (ours) full / jumpbreak / summary / none, as last seen
            comments_feed INTEGER    -- (ours) 1 blog-wide comments feed works, 0 switched off
        )""",
    "posts": """
        CREATE TABLE IF NOT EXISTS posts (
            id TEXT PRIMARY KEY,
            blog_id TEXT,
            url TEXT,
            title TEXT,
            author TEXT,
            published TEXT,
            updated TEXT,
            year INTEGER,
            labels TEXT,             -- JSON array
            countries TEXT,          -- JSON array of names, primaries first
            primary_countries TEXT,  -- JSON array of names
            themes TEXT,             -- JSON array of theme ids
            content_html TEXT,       -- sanitized
            content_text TEXT,
            body_source TEXT,        -- feed / html / export
            comment_count INTEGER,
            status TEXT,             -- live / deleted / draft
            first_seen TEXT,
            last_seen TEXT,
            origin TEXT,             -- (ours) feed / export: where it was last seen
            feed_comment_total INTEGER,  -- (ours) thr:total from the feed, when known
            content_sha256 TEXT,     -- (ours) of content_html
            body_partial INTEGER,    -- (ours) 1 while the body is a cut/summary feed's
            extracted_version TEXT   -- (ours) extractor versions that produced figures/tags
        )""",
    "post_versions": """
        CREATE TABLE IF NOT EXISTS post_versions (
            post_id TEXT,
            updated TEXT,
            title TEXT,
            content_html TEXT,
            content_sha256 TEXT,
            captured_at TEXT,
            PRIMARY KEY (post_id, content_sha256)
        )""",
    "comments": """
        CREATE TABLE IF NOT EXISTS comments (
            id TEXT PRIMARY KEY,
            post_id TEXT,
            blog_id TEXT,
            url TEXT,
            author TEXT,
            published TEXT,
            updated TEXT,
            content_text TEXT,
            in_reply_to TEXT,
            removed INTEGER,
            content_html TEXT,       -- (ours) sanitized
            first_seen TEXT,
            last_seen TEXT
        )""",
    "pages": """
        CREATE TABLE IF NOT EXISTS pages (
            id TEXT PRIMARY KEY,
            blog_id TEXT,
            url TEXT,
            title TEXT,
            published TEXT,
            updated TEXT,
            content_html TEXT,
            content_text TEXT,
            status TEXT,             -- (ours) live / draft / deleted
            first_seen TEXT,
            last_seen TEXT
        )""",
    "images": """
        CREATE TABLE IF NOT EXISTS images (
            post_id TEXT,
            url TEXT,
            alt TEXT,
            capture_id INTEGER,
            PRIMARY KEY (post_id, url)
        )""",
    "figures": """
        CREATE TABLE IF NOT EXISTS figures (
            id INTEGER PRIMARY KEY,
            post_id TEXT,
            raw TEXT,
            value REAL,
            kind TEXT,
            currency TEXT,
            qualifier TEXT,
            subject TEXT,
            sentence TEXT,
            char_start INTEGER,
            char_end INTEGER,
            extractor_version TEXT
        )""",
    "post_countries": """
        CREATE TABLE IF NOT EXISTS post_countries (
            post_id TEXT,
            code TEXT,
            name TEXT,
            mentions INTEGER,
            is_primary INTEGER,
            PRIMARY KEY (post_id, code)
        )""",
    "post_themes": """
        CREATE TABLE IF NOT EXISTS post_themes (
            post_id TEXT,
            theme TEXT,
            score REAL,
            evidence TEXT,           -- JSON array of matched terms
            PRIMARY KEY (post_id, theme)
        )""",
    "captures": """
        CREATE TABLE IF NOT EXISTS captures (
            id INTEGER PRIMARY KEY,
            url TEXT,
            fetched_at TEXT,
            status INTEGER,
            etag TEXT,
            last_modified TEXT,
            sha256 TEXT,             -- of the WARC response record's payload as received
            warc_file TEXT,
            warc_offset INTEGER,
            run_id INTEGER,
            blog_id TEXT,            -- (ours)
            kind TEXT,  -- (ours) posts/comments/post-comments/pages/html/image/robots/export
            warc_length INTEGER      -- (ours) compressed length of the record(s) at warc_offset
        )""",
    "runs": """
        CREATE TABLE IF NOT EXISTS runs (
            id INTEGER PRIMARY KEY,
            blog_id TEXT,
            started_at TEXT,
            finished_at TEXT,
            status TEXT,             -- ok / partial / failed (null while running)
            full INTEGER,
            total_results INTEGER,
            requests INTEGER,
            posts_new INTEGER,
            posts_updated INTEGER,
            posts_deleted INTEGER,
            error TEXT,
            command TEXT,            -- (ours) run / scrape / import / parse / extract
            complete_listing INTEGER -- (ours) 1 when unique ids seen == totalResults
        )""",
}

_INDEXES = [
    "CREATE INDEX IF NOT EXISTS idx_posts_blog ON posts(blog_id, status)",
    "CREATE INDEX IF NOT EXISTS idx_posts_published ON posts(published)",
    "CREATE INDEX IF NOT EXISTS idx_posts_year ON posts(year)",
    "CREATE INDEX IF NOT EXISTS idx_comments_post ON comments(post_id)",
    "CREATE INDEX IF NOT EXISTS idx_figures_post ON figures(post_id)",
    "CREATE INDEX IF NOT EXISTS idx_post_countries_code ON post_countries(code)",
    "CREATE INDEX IF NOT EXISTS idx_post_themes_theme ON post_themes(theme)",
    "CREATE INDEX IF NOT EXISTS idx_captures_url ON captures(url)",
    "CREATE INDEX IF NOT EXISTS idx_captures_run ON captures(run_id)",
    "CREATE INDEX IF NOT EXISTS idx_runs_blog ON runs(blog_id, id)",
]

FTS_COLUMNS = ["title", "content_text", "labels"]
FTS_TOKENIZE = "porter unicode61 remove_diacritics 2"


def open_db(path: str | Path) -> sqlite_utils.Database:
    """Open (creating the folder and file) in WAL mode with a busy timeout.

    WAL lets Datasette read while cron writes; the timeout makes a reader's
    short lock wait instead of failing the run.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA busy_timeout=30000")
    ensure_db_shape(db)
    return db


def ensure_db_shape(db: sqlite_utils.Database) -> None:
    """Create every table of SPEC §5 and bring older files up to SCHEMA_VERSION."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        from pipeline.errors import ConfigError

        raise ConfigError(
            f"database schema version {version} is newer than this program ({SCHEMA_VERSION}); "
            "upgrade blogger-archive"
        )
    with transaction(db):
        for name, ddl in _TABLES.items():
            db.execute(ddl)
            _add_missing_columns(db, name, ddl)
        for ddl in _INDEXES:
            db.execute(ddl)
    if not db["posts_fts"].exists():
        # sqlite-utils commits on its own here, so this stays outside our transaction
        db["posts"].enable_fts(FTS_COLUMNS, tokenize=FTS_TOKENIZE, create_triggers=True)
    with transaction(db):
        _narrow_fts_update_trigger(db)
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")


def _narrow_fts_update_trigger(db: sqlite_utils.Database) -> None:
    """Re-index a post only when an indexed column really changes.

    sqlite-utils' trigger fires on any UPDATE, so storing figures and tags, or a
    rerun touching `last_seen`, would re-tokenize the whole body each time.
    """
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'posts_au'").fetchone()
    changed = " OR ".join(f"old.[{c}] IS NOT new.[{c}]" for c in FTS_COLUMNS)
    narrow = f"AFTER UPDATE OF [title], [content_text], [labels] ON [posts] WHEN {changed}"
    if sql is None or narrow in sql[0]:
        return
    columns = ", ".join(f"[{c}]" for c in FTS_COLUMNS)
    old = ", ".join(f"old.[{c}]" for c in FTS_COLUMNS)
    new = ", ".join(f"new.[{c}]" for c in FTS_COLUMNS)
    db.execute("DROP TRIGGER [posts_au]")
    db.execute(
        f"CREATE TRIGGER [posts_au] {narrow} BEGIN\n"
        f"  INSERT INTO [posts_fts] ([posts_fts], rowid, {columns}) "
        f"VALUES('delete', old.rowid, {old});\n"
        f"  INSERT INTO [posts_fts] (rowid, {columns}) VALUES (new.rowid, {new});\nEND"
    )


def _add_missing_columns(db: sqlite_utils.Database, table: str, ddl: str) -> None:
    """Migration for files made by an older version: add columns the DDL has."""
    existing = {c.name for c in db[table].columns}
    for line in ddl.splitlines():
        words = line.split("--")[0].strip().rstrip(",").split()
        if len(words) >= 2 and words[1] in {"TEXT", "INTEGER", "REAL"} and words[0] not in existing:
            if words[0] in {"CREATE", "PRIMARY"}:
                continue
            db.execute(f"ALTER TABLE [{table}] ADD COLUMN [{words[0]}] {words[1]}")


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any exception (incl. Ctrl-C)."""
    conn = db.conn
    if conn.in_transaction:  # nested: the outer transaction owns it
        yield
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- blogs


def save_blog(db: sqlite_utils.Database, blog: BlogInfo, *, feed_mode: str | None = None) -> None:
    """Upsert the blog's identity; the watermark only ever moves forward."""
    db.execute(
        """INSERT INTO blogs (id, url, title, subtitle, timezone_offset, updated, feed_mode)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(id) DO UPDATE SET
             url = COALESCE(excluded.url, url),
             title = COALESCE(excluded.title, title),
             subtitle = COALESCE(excluded.subtitle, subtitle),
             timezone_offset = COALESCE(excluded.timezone_offset, timezone_offset),
             feed_mode = COALESCE(excluded.feed_mode, feed_mode)""",
        [blog.id, blog.url, blog.title, blog.subtitle, blog.timezone_offset, None, feed_mode],
    )


def set_blog_watermark(db: sqlite_utils.Database, blog_id: str, updated: str | None) -> None:
    """Record the newest post `updated` seen by a *complete* pass over the feed."""
    if updated:
        db.execute(
            "UPDATE blogs SET updated = ? WHERE id = ? AND (updated IS NULL OR updated < ?)",
            [updated, blog_id, updated],
        )


def set_blog_field(db: sqlite_utils.Database, blog_id: str, field: str, value: Any) -> None:
    if field not in {"feed_mode", "comments_feed"}:
        raise ValueError(field)
    db.execute(f"UPDATE blogs SET {field} = ? WHERE id = ?", [value, blog_id])


def load_blog(db: sqlite_utils.Database, *, blog_id: str | None = None,
              url: str | None = None) -> dict | None:
    if blog_id:
        rows = list(db.query("SELECT * FROM blogs WHERE id = ?", [blog_id]))
    else:
        rows = list(db.query("SELECT * FROM blogs WHERE url = ?", [url]))
    return rows[0] if rows else None


# --------------------------------------------------------------------------- posts

_POST_COLUMNS = [
    "id", "blog_id", "url", "title", "author", "published", "updated", "year", "labels",
    "content_html", "content_text", "body_source", "status", "first_seen", "last_seen",
    "origin", "feed_comment_total", "content_sha256", "body_partial",
]


@dataclass(slots=True)
class SaveCounts:
    """What one `save_posts` call changed: the numbers that go into `runs`."""

    new: int = 0
    updated: int = 0

    def add(self, other: SaveCounts) -> None:
        self.new += other.new
        self.updated += other.updated


def save_posts(db: sqlite_utils.Database, posts: Sequence[PostRecord], *, seen_at: str,
               origin: str) -> SaveCounts:
    """Upsert posts and their versions and images (the caller holds the transaction).

    A post whose content changed keeps the old text in `post_versions` (a row per
    distinct content, the first one included). A post that was deleted and comes
    back is live again. Figures/tags of changed posts are cleared by resetting
    `extracted_version`, so the extract stage redoes exactly those.
    """
    counts = SaveCounts()
    if not posts:
        return counts
    ids = [p.id for p in posts]
    existing = {
        row[0]: (row[1], row[2], row[3])
        for row in db.execute(
            f"SELECT id, content_sha256, status, updated FROM posts WHERE id IN "
            f"({','.join('?' * len(ids))})",
            ids,
        )
    }
    rows, versions, images = [], [], []
    for p in posts:
        digest = sha256_text(p.content_html)
        old = existing.get(p.id)
        if old is None:
            counts.new += 1
        elif old[0] != digest or old[1] != p.status:
            counts.updated += 1
        rows.append([
            p.id, p.blog_id, p.url, p.title, p.author, p.published, p.updated, p.year,
            json.dumps(p.labels, ensure_ascii=False), p.content_html, p.content_text,
            p.body_source, p.status, seen_at, seen_at, origin, p.comment_total, digest,
            int(p.partial),
        ])
        versions.append([p.id, p.updated, p.title, p.content_html, digest, seen_at])
        images.extend([p.id, url, alt] for url, alt in p.images)
    cols = ", ".join(_POST_COLUMNS)
    marks = ", ".join("?" * len(_POST_COLUMNS))
    db.conn.executemany(
        f"""INSERT INTO posts ({cols}) VALUES ({marks})
            ON CONFLICT(id) DO UPDATE SET
              blog_id = excluded.blog_id,
              url = COALESCE(excluded.url, url),
              title = excluded.title,
              author = excluded.author,
              published = excluded.published,
              updated = excluded.updated,
              year = excluded.year,
              labels = excluded.labels,
              content_html = excluded.content_html,
              content_text = excluded.content_text,
              body_source = excluded.body_source,
              status = excluded.status,
              first_seen = MIN(first_seen, excluded.first_seen),
              last_seen = MAX(last_seen, excluded.last_seen),
              origin = CASE WHEN origin = 'feed' AND excluded.origin = 'export'
                            THEN origin ELSE excluded.origin END,
              feed_comment_total = COALESCE(excluded.feed_comment_total, feed_comment_total),
              content_sha256 = excluded.content_sha256,
              body_partial = excluded.body_partial,
              extracted_version = CASE WHEN content_sha256 IS excluded.content_sha256
                                       AND title IS excluded.title AND labels IS excluded.labels
                                       THEN extracted_version END
            WHERE excluded.content_sha256 IS NOT content_sha256
               OR excluded.title IS NOT title OR excluded.labels IS NOT labels
               OR excluded.status IS NOT status OR excluded.updated IS NOT updated
               OR excluded.last_seen > last_seen OR excluded.first_seen < first_seen
               OR excluded.url IS NOT url OR excluded.origin IS NOT origin
               OR excluded.feed_comment_total IS NOT feed_comment_total""",
        rows,
    )
    db.conn.executemany(
        """INSERT INTO post_versions (post_id, updated, title, content_html, content_sha256,
                                      captured_at)
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT(post_id, content_sha256) DO UPDATE SET
             captured_at = MIN(captured_at, excluded.captured_at)""",
        versions,
    )
    if images:
        db.conn.executemany(
            "INSERT OR IGNORE INTO images (post_id, url, alt) VALUES (?, ?, ?)", images
        )
    return counts


def mark_deleted(db: sqlite_utils.Database, blog_id: str, seen_ids: set[str]) -> list[str]:
    """Mark live posts that came from the feed but are absent from a complete listing.

    Only ever called after a complete `--full` listing; drafts and posts known
    only from an export are never touched. Content is kept.
    """
    gone = [
        row[0]
        for row in db.execute(
            "SELECT id FROM posts WHERE blog_id = ? AND status = 'live' AND origin = 'feed'",
            [blog_id],
        )
        if row[0] not in seen_ids
    ]
    db.conn.executemany("UPDATE posts SET status = 'deleted' WHERE id = ?", [[i] for i in gone])
    return gone


def post_states(db: sqlite_utils.Database, ids: Sequence[str]) -> dict[str, dict]:
    """Stored version and body of posts, to skip re-fetching unchanged full bodies."""
    if not ids:
        return {}
    return {
        row["id"]: row
        for row in db.query(
            "SELECT id, updated, body_partial, body_source, content_html, content_text "
            f"FROM posts WHERE id IN ({','.join('?' * len(ids))})",
            list(ids),
        )
    }


def known_comment_ids(db: sqlite_utils.Database, blog_id: str) -> set[str]:
    return {r[0] for r in db.execute("SELECT id FROM comments WHERE blog_id = ?", [blog_id])}


def posts_with_unfetched_comments(db: sqlite_utils.Database, blog_id: str, *,
                                  everything: bool) -> list[str]:
    """Posts whose feed says they have comments we have not (all) stored."""
    sql = """SELECT p.id FROM posts p WHERE p.blog_id = ? AND p.status = 'live'
               AND p.feed_comment_total > 0"""
    if not everything:
        sql += """ AND p.feed_comment_total >
                   (SELECT COUNT(*) FROM comments c WHERE c.post_id = p.id)"""
    return [r[0] for r in db.execute(sql + " ORDER BY p.id", [blog_id])]


def complete_full_runs(db: sqlite_utils.Database) -> dict[int, str]:
    """run id → blog id of runs that listed a blog completely with --full."""
    return {r[0]: r[1] for r in db.execute(
        "SELECT id, blog_id FROM runs WHERE full = 1 AND complete_listing = 1 "
        "AND blog_id IS NOT NULL")}


# ------------------------------------------------------------------ comments, pages


def save_comments(db: sqlite_utils.Database, comments: Sequence[CommentRecord], *,
                  seen_at: str) -> int:
    """Upsert comments; returns how many were new."""
    if not comments:
        return 0
    ids = [c.id for c in comments]
    known = {r[0] for r in db.execute(
        f"SELECT id FROM comments WHERE id IN ({','.join('?' * len(ids))})", ids)}
    db.conn.executemany(
        """INSERT INTO comments (id, post_id, blog_id, url, author, published, updated,
                                 content_text, in_reply_to, removed, content_html,
                                 first_seen, last_seen)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(id) DO UPDATE SET
             post_id = excluded.post_id, url = excluded.url, author = excluded.author,
             published = excluded.published, updated = excluded.updated,
             content_text = CASE WHEN excluded.removed = 1 AND removed = 0
                                 THEN content_text ELSE excluded.content_text END,
             content_html = CASE WHEN excluded.removed = 1 AND removed = 0
                                 THEN content_html ELSE excluded.content_html END,
             in_reply_to = COALESCE(excluded.in_reply_to, in_reply_to),
             removed = excluded.removed,
             first_seen = MIN(first_seen, excluded.first_seen),
             last_seen = MAX(last_seen, excluded.last_seen)""",
        [[c.id, c.post_id, c.blog_id, c.url, c.author, c.published, c.updated, c.content_text,
          c.in_reply_to, int(c.removed), c.content_html, seen_at, seen_at] for c in comments],
    )
    return len(set(ids) - known)


def refresh_comment_counts(db: sqlite_utils.Database, blog_id: str) -> None:
    """`posts.comment_count` = comments stored for the post."""
    db.execute(
        """UPDATE posts SET comment_count = (
               SELECT COUNT(*) FROM comments WHERE comments.post_id = posts.id)
           WHERE blog_id = ? AND comment_count IS NOT (
               SELECT COUNT(*) FROM comments WHERE comments.post_id = posts.id)""",
        [blog_id],
    )


def save_pages(db: sqlite_utils.Database, pages: Sequence[PageRecord], *, seen_at: str) -> None:
    db.conn.executemany(
        """INSERT INTO pages (id, blog_id, url, title, published, updated, content_html,
                              content_text, status, first_seen, last_seen)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT(id) DO UPDATE SET
             url = COALESCE(excluded.url, url), title = excluded.title,
             published = excluded.published, updated = excluded.updated,
             content_html = excluded.content_html, content_text = excluded.content_text,
             status = excluded.status,
             first_seen = MIN(first_seen, excluded.first_seen),
             last_seen = MAX(last_seen, excluded.last_seen)""",
        [[p.id, p.blog_id, p.url, p.title, p.published, p.updated, p.content_html,
          p.content_text, p.status, seen_at, seen_at] for p in pages],
    )


# ------------------------------------------------------------------------ findings


def post_ids_to_extract(db: sqlite_utils.Database, version: str, *, everything: bool,
                        blog_ids: Sequence[str] = ()) -> list[str]:
    """Ids of posts whose figures/tags are missing or made by another extractor version.

    Returned as a list (not a cursor) because the caller rewrites those rows.
    """
    where = ["1"] if everything else ["extracted_version IS NOT ?"]
    params: list[Any] = [] if everything else [version]
    if blog_ids:
        where.append(f"blog_id IN ({','.join('?' * len(blog_ids))})")
        params.extend(blog_ids)
    sql = "SELECT id FROM posts WHERE " + " AND ".join(where) + " ORDER BY id"
    return [row[0] for row in db.execute(sql, params)]


def load_posts_for_extract(db: sqlite_utils.Database, ids: Sequence[str]) -> list[dict]:
    return list(db.query(
        f"SELECT id, title, labels, content_text FROM posts WHERE id IN "
        f"({','.join('?' * len(ids))}) ORDER BY id", list(ids)))


@dataclass(slots=True)
class Findings:
    """Everything the extract stage learned about one post, as rows in column order."""

    post_id: str
    # (raw, value, kind, currency, qualifier, subject, sentence, char_start, char_end)
    figures: list[tuple]
    countries: list[tuple]    # (code, name, mentions, is_primary)
    themes: list[tuple]       # (theme, score, evidence JSON)
    figures_version: str
    version: str              # combined extractor versions, stored on the post

    @classmethod
    def from_objects(cls, post_id: str, figures: Sequence[Any], countries: Sequence[Any],
                     themes: Sequence[Any], *, figures_version: str, version: str) -> Findings:
        """From `Figure`/`CountryTag`/`ThemeTag`-like objects (plain tuples pickle fast)."""
        return cls(
            post_id=post_id,
            figures=[(g.raw, g.value, g.kind, g.currency, g.qualifier, g.subject, g.sentence,
                      g.char_start, g.char_end) for g in figures],
            countries=[(c.code, c.name, c.mentions, int(c.is_primary)) for c in countries],
            themes=[(t.theme, t.score, json.dumps(list(t.evidence), ensure_ascii=False))
                    for t in themes],
            figures_version=figures_version, version=version)


def save_findings(db: sqlite_utils.Database, batch: Sequence[Findings]) -> int:
    """Replace figures and tags of each post atomically (the caller holds the transaction)."""
    conn = db.conn
    ids = [[f.post_id] for f in batch]
    for table in ("figures", "post_countries", "post_themes"):
        conn.executemany(f"DELETE FROM {table} WHERE post_id = ?", ids)
    conn.executemany(
        """INSERT INTO figures (post_id, raw, value, kind, currency, qualifier, subject,
                                sentence, char_start, char_end, extractor_version)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [(f.post_id, *g, f.figures_version) for f in batch for g in f.figures],
    )
    conn.executemany(
        "INSERT INTO post_countries (post_id, code, name, mentions, is_primary) "
        "VALUES (?, ?, ?, ?, ?)",
        [(f.post_id, *c) for f in batch for c in f.countries],
    )
    conn.executemany(
        "INSERT INTO post_themes (post_id, theme, score, evidence) VALUES (?, ?, ?, ?)",
        [(f.post_id, *t) for f in batch for t in f.themes],
    )
    conn.executemany(
        """UPDATE posts SET countries = ?, primary_countries = ?, themes = ?,
                            extracted_version = ? WHERE id = ?""",
        [[json.dumps([c[1] for c in f.countries], ensure_ascii=False),
          json.dumps([c[1] for c in f.countries if c[3]], ensure_ascii=False),
          json.dumps([t[0] for t in f.themes]), f.version, f.post_id] for f in batch],
    )
    return len(batch)


# ------------------------------------------------------------------- captures, runs


@dataclass(slots=True)
class Capture:
    """One HTTP exchange (or imported file) as written to a WARC file."""

    url: str
    fetched_at: str
    status: int
    etag: str | None
    last_modified: str | None
    sha256: str
    warc_file: str
    warc_offset: int
    warc_length: int
    run_id: int | None
    blog_id: str | None
    kind: str


def save_capture(db: sqlite_utils.Database, c: Capture) -> int:
    cur = db.conn.execute(
        """INSERT INTO captures (url, fetched_at, status, etag, last_modified, sha256, warc_file,
                                 warc_offset, warc_length, run_id, blog_id, kind)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [c.url, c.fetched_at, c.status, c.etag, c.last_modified, c.sha256, c.warc_file,
         c.warc_offset, c.warc_length, c.run_id, c.blog_id, c.kind],
    )
    return int(cur.lastrowid)


def rename_warc_file(db: sqlite_utils.Database, old: str, new: str) -> None:
    """The run's WARC lost its `.open` suffix: point its captures at the final name."""
    db.execute("UPDATE captures SET warc_file = ? WHERE warc_file = ?", [new, old])


def latest_capture(db: sqlite_utils.Database, url: str) -> dict | None:
    """The newest successful capture of `url` (its validators and WARC position)."""
    rows = list(db.query(
        "SELECT * FROM captures WHERE url = ? AND status = 200 ORDER BY id DESC LIMIT 1", [url]))
    return rows[0] if rows else None


def iter_captures(db: sqlite_utils.Database, *, kinds: Sequence[str] = (),
                  blog_ids: Sequence[str] = (), run_ids: Sequence[int] = ()) -> Iterator[dict]:
    where, params = ["status = 200"], []
    for column, values in (("kind", kinds), ("blog_id", blog_ids), ("run_id", run_ids)):
        if values:
            where.append(f"{column} IN ({','.join('?' * len(values))})")
            params.extend(values)
    yield from db.query(
        "SELECT * FROM captures WHERE " + " AND ".join(where) + " ORDER BY id", params
    )


def latest_run_ids(db: sqlite_utils.Database, blog_ids: Sequence[str] = ()) -> list[int]:
    """The newest run that captured something, per blog."""
    sql = "SELECT MAX(run_id) FROM captures WHERE run_id IS NOT NULL"
    params: list[Any] = []
    if blog_ids:
        sql += f" AND blog_id IN ({','.join('?' * len(blog_ids))})"
        params.extend(blog_ids)
    return [r[0] for r in db.execute(sql + " GROUP BY blog_id", params)]


def start_run(db: sqlite_utils.Database, *, blog_id: str | None, started_at: str, full: bool,
              command: str) -> int:
    cur = db.conn.execute(
        "INSERT INTO runs (blog_id, started_at, full, command, requests, posts_new, "
        "posts_updated, posts_deleted) VALUES (?, ?, ?, ?, 0, 0, 0, 0)",
        [blog_id, started_at, int(full), command],
    )
    return int(cur.lastrowid)


def finish_run(db: sqlite_utils.Database, run_id: int, **fields: Any) -> None:
    allowed = {"blog_id", "finished_at", "status", "total_results", "requests", "posts_new",
               "posts_updated", "posts_deleted", "error", "complete_listing"}
    bad = set(fields) - allowed
    if bad:
        raise ValueError(f"unknown run fields: {sorted(bad)}")
    sets = ", ".join(f"{k} = ?" for k in fields)
    db.execute(f"UPDATE runs SET {sets} WHERE id = ?", [*fields.values(), run_id])


def close_stale_runs(db: sqlite_utils.Database, finished_at: str) -> None:
    """Runs left open by a killed process are recorded as failed."""
    db.execute(
        "UPDATE runs SET status = 'failed', finished_at = ?, "
        "error = COALESCE(error, 'interrupted (process killed)') WHERE status IS NULL",
        [finished_at],
    )


# --------------------------------------------------------------------------- status


def blog_status(db: sqlite_utils.Database) -> list[dict]:
    """Per blog: post counts by status, comments, figures, last run."""
    out = []
    for blog in db.query("SELECT id, url, title FROM blogs ORDER BY url"):
        bid = blog["id"]
        counts = dict.fromkeys(("live", "deleted", "draft"), 0)
        for status, n in db.execute(
            "SELECT status, COUNT(*) FROM posts WHERE blog_id = ? GROUP BY status", [bid]
        ):
            counts[status] = n
        comments = db.execute("SELECT COUNT(*) FROM comments WHERE blog_id = ?", [bid]).fetchone()
        figures = db.execute(
            "SELECT COUNT(*) FROM figures JOIN posts ON posts.id = figures.post_id "
            "WHERE posts.blog_id = ?", [bid]).fetchone()
        last = list(db.query(
            "SELECT id, command, started_at, finished_at, status, full, requests, posts_new, "
            "posts_updated, posts_deleted, error FROM runs WHERE blog_id = ? "
            "ORDER BY id DESC LIMIT 1", [bid]))
        last_error = db.execute(
            "SELECT error, started_at FROM runs WHERE blog_id = ? AND error IS NOT NULL "
            "ORDER BY id DESC LIMIT 1", [bid]).fetchone()
        out.append({
            "blog_id": bid, "url": blog["url"], "title": blog["title"], "posts": counts,
            "comments": comments[0], "figures": figures[0],
            "last_run": last[0] if last else None,
            "last_error": {"error": last_error[0], "at": last_error[1]} if last_error else None,
        })
    return out



# ---- export reads (owned by export)
# Read-only queries behind `pipeline.export`. Every ORDER BY ends on a unique key so
# that exporting the same database twice yields byte-identical files.

EXPORT_LIVE = ("live",)
EXPORT_ALL_STATUSES = ("live", "deleted", "draft")


def _status_filter(statuses: Sequence[str]) -> str:
    # Pages saved before `pages.status` existed have NULL there: they were live.
    return f"COALESCE(status, 'live') IN ({','.join('?' * len(statuses))})"


def export_counts(db: sqlite_utils.Database, statuses: Sequence[str]) -> tuple[int, int]:
    """(posts, pages) an export with these statuses will write: the progress total."""
    where = _status_filter(statuses)
    posts = db.execute(f"SELECT COUNT(*) FROM posts WHERE {where}", list(statuses)).fetchone()
    pages = db.execute(f"SELECT COUNT(*) FROM pages WHERE {where}", list(statuses)).fetchone()
    return posts[0], pages[0]


def iter_export_posts(db: sqlite_utils.Database, statuses: Sequence[str]) -> Iterator[dict]:
    """Every posts column, oldest first; streamed so 100k posts never sit in memory."""
    yield from db.query(
        f"SELECT * FROM posts WHERE {_status_filter(statuses)} ORDER BY published, id",
        list(statuses),
    )


def iter_export_pages(db: sqlite_utils.Database, statuses: Sequence[str]) -> Iterator[dict]:
    yield from db.query(
        f"SELECT * FROM pages WHERE {_status_filter(statuses)} ORDER BY published, id",
        list(statuses),
    )


def export_post_details(db: sqlite_utils.Database, post_id: str) -> dict[str, list[dict]]:
    """Comments (flat, oldest first), figures (text order) and tag rows of one post."""
    return {
        "comments": list(db.query(
            "SELECT * FROM comments WHERE post_id = ? ORDER BY published, id", [post_id])),
        "figures": list(db.query(
            "SELECT * FROM figures WHERE post_id = ? ORDER BY char_start, id", [post_id])),
        "country_tags": list(db.query(
            "SELECT code, name, mentions, is_primary FROM post_countries WHERE post_id = ? "
            "ORDER BY is_primary DESC, mentions DESC, code", [post_id])),
        "theme_tags": list(db.query(
            "SELECT theme, score, evidence FROM post_themes WHERE post_id = ? "
            "ORDER BY score DESC, theme", [post_id])),
    }


def image_capture_ids(db: sqlite_utils.Database) -> list[tuple[str, int]]:
    """(image url, capture id) of every image whose bytes are in a WARC, oldest capture first."""
    return [tuple(row) for row in db.execute(
        "SELECT url, capture_id FROM images WHERE capture_id IS NOT NULL "
        "ORDER BY capture_id, url")]


# ------------------------------------------------------------------ verify, media


def integrity_problems(db: sqlite_utils.Database) -> list[str]:
    """SQL-side checks of `verify`: SQLite, FTS, completeness, comment counts."""
    problems = []
    result = [r[0] for r in db.execute("PRAGMA integrity_check")]
    if result != ["ok"]:
        problems.append("PRAGMA integrity_check: " + "; ".join(result[:5]))
    try:
        db.execute("INSERT INTO posts_fts(posts_fts, rank) VALUES('integrity-check', 1)")
    except sqlite3.DatabaseError as exc:
        problems.append(f"posts_fts integrity-check failed ({exc})")
    for run in db.query(
        """SELECT r.id, r.blog_id, r.total_results, r.finished_at FROM runs r
           WHERE r.full = 1 AND r.complete_listing = 1 AND r.status = 'ok'
             AND r.id = (SELECT MAX(id) FROM runs r2 WHERE r2.blog_id = r.blog_id
                         AND r2.full = 1 AND r2.complete_listing = 1 AND r2.status = 'ok')"""
    ):
        live = db.execute(
            "SELECT COUNT(*) FROM posts WHERE blog_id = ? AND status = 'live' "
            "AND origin = 'feed' AND first_seen <= ?",
            [run["blog_id"], run["finished_at"]],
        ).fetchone()[0]
        if live != run["total_results"]:
            problems.append(
                f"blog {run['blog_id']}: {live} live posts first seen by run {run['id']}, "
                f"but its complete listing had totalResults {run['total_results']}"
            )
    for post_id, expected, got in db.execute(
        """SELECT p.id, p.feed_comment_total,
                  (SELECT COUNT(*) FROM comments c WHERE c.post_id = p.id) AS n
           FROM posts p WHERE p.feed_comment_total IS NOT NULL AND p.status = 'live'
             AND p.feed_comment_total > (SELECT COUNT(*) FROM comments c WHERE c.post_id = p.id)
           LIMIT 50"""
    ):
        # More stored than thr:total is normal (the count is only refreshed when the
        # post itself is re-listed); fewer means comments are missing.
        problems.append(f"post {post_id}: feed says {expected} comments, archive has {got}")
    return problems


def iter_all_captures(db: sqlite_utils.Database) -> Iterator[dict]:
    yield from db.query("SELECT id, url, sha256, warc_file, warc_offset FROM captures ORDER BY id")


def get_capture(db: sqlite_utils.Database, capture_id: int) -> dict | None:
    rows = list(db.query("SELECT * FROM captures WHERE id = ?", [capture_id]))
    return rows[0] if rows else None


def images_to_capture(db: sqlite_utils.Database, blog_id: str) -> list[str]:
    return [r[0] for r in db.execute(
        """SELECT DISTINCT i.url FROM images i JOIN posts p ON p.id = i.post_id
           WHERE p.blog_id = ? AND i.capture_id IS NULL ORDER BY i.url""",
        [blog_id])]


def set_image_capture(db: sqlite_utils.Database, url: str, capture_id: int) -> None:
    db.execute("UPDATE images SET capture_id = ? WHERE url = ?", [capture_id, url])
