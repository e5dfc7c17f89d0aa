"""The archive's shape: tables, indexes, full-text search, and migrations of older files.

`ensure_db_shape()` creates every table and migrates older files step by step through
`PRAGMA user_version`; see docs/DATABASE.md for the tables, columns and invariants.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils


def _captures_of_backups(db: sqlite_utils.Database) -> None:
    db.execute("UPDATE captures SET kind = 'backup' WHERE kind = 'export'")
    db.execute("UPDATE posts SET origin = 'backup' WHERE origin = 'export'")


def _runs_know_their_blog(db: sqlite_utils.Database) -> None:
    db.execute(
        "UPDATE runs SET blog_url = (SELECT url FROM blogs WHERE blogs.id = runs.blog_id) "
        "WHERE blog_url IS NULL"
    )


# Numbered migrations of older files: (version reached, what changes, step), applied in order
# in one transaction. New columns need no step: `_add_missing_columns` adds what the DDL has.
MIGRATIONS = (
    (2, "imported Blogger backup files are captures of kind 'backup'", _captures_of_backups),
    (3, "runs name their blog, so a first run that failed is listed", _runs_know_their_blog),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


# One statement per table; columns the tool keeps for itself are marked "(ours)".
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
            comments_feed INTEGER,   -- (ours) 1 blog-wide comments feed works, 0 switched off
            comments_updated TEXT    -- (ours) newest comment of the last complete comments listing
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
            origin TEXT,             -- (ours) feed / backup: where it was last seen
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
            extractor_version TEXT,
            context TEXT             -- (ours) table cell headers: "row header — column header"
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
            kind TEXT,  -- (ours) posts/comments/post-comments/pages/html/image/robots/backup
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
            complete_listing INTEGER, -- (ours) 1 when unique ids seen == totalResults
            blog_url TEXT            -- (ours) the address run, known before the blog's id is
        )""",
}


_INDEXES = [
    "CREATE INDEX IF NOT EXISTS idx_posts_blog ON posts(blog_id, status)",
    "CREATE INDEX IF NOT EXISTS idx_posts_published ON posts(published)",
    "CREATE INDEX IF NOT EXISTS idx_posts_year ON posts(year)",
    "CREATE INDEX IF NOT EXISTS idx_comments_post ON comments(post_id)",
    "CREATE INDEX IF NOT EXISTS idx_figures_post ON figures(post_id)",
    # the figures and overview pages: live posts newest first, their years and ids, without
    # reading post rows (status sits after the bodies, so reading it walks their pages)
    "CREATE INDEX IF NOT EXISTS idx_posts_browse ON posts(status, published, id, year)",
    # the figures page: counts per post and kind from the index alone, and sorts by value
    "CREATE INDEX IF NOT EXISTS idx_figures_browse ON figures(post_id, kind, currency, subject)",
    "CREATE INDEX IF NOT EXISTS idx_figures_value ON figures(kind, value)",
    "CREATE INDEX IF NOT EXISTS idx_figures_currency_value ON figures(currency, value)",
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
    """Create every table and bring older files up to SCHEMA_VERSION."""
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
        for number, _what, step in MIGRATIONS:
            if version < number:
                step(db)
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
