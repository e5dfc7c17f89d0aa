"""Every write to the archive: idempotent upserts keyed on Blogger ids.

Writes are grouped by the caller so that one feed page is one transaction: a run killed at any
point leaves a consistent database and the next run finishes the job without duplicates.
Nothing here talks HTTP or parses XML.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from pipeline.db import writes
from pipeline.model import BlogInfo, Capture, CommentRecord, Findings, PageRecord, PostRecord


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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
    _advance(db, blog_id, "updated", updated)


def set_comments_watermark(db: sqlite_utils.Database, blog_id: str, newest: str | None) -> None:
    """Record the newest comment of a *complete* comments listing.

    Incremental listings page back until they pass it, so comments a killed or
    interrupted run never reached are still fetched by the next ordinary run.
    """
    _advance(db, blog_id, "comments_updated", newest)


def _advance(db: sqlite_utils.Database, blog_id: str, column: str, value: str | None) -> None:
    """Move a watermark forward only: an older listing never rewinds it."""
    if value:
        db.execute(
            f"UPDATE blogs SET {column} = ? WHERE id = ? AND ({column} IS NULL OR {column} < ?)",
            [value, blog_id, value],
        )


def set_blog_field(db: sqlite_utils.Database, blog_id: str, field: str, value: Any) -> None:
    if field not in {"feed_mode", "comments_feed"}:
        raise ValueError(field)
    db.execute(f"UPDATE blogs SET {field} = ? WHERE id = ?", [value, blog_id])


_POST_COLUMNS = [
    "id",
    "blog_id",
    "url",
    "title",
    "author",
    "published",
    "updated",
    "year",
    "labels",
    "content_html",
    "content_text",
    "body_source",
    "status",
    "first_seen",
    "last_seen",
    "origin",
    "feed_comment_total",
    "content_sha256",
    "body_partial",
]


@dataclass(slots=True)
class SaveCounts:
    """What one `save_posts` call changed: the numbers that go into `runs`."""

    new: int = 0
    updated: int = 0

    def add(self, other: SaveCounts) -> None:
        self.new += other.new
        self.updated += other.updated


def save_posts(
    db: sqlite_utils.Database, posts: Sequence[PostRecord], *, seen_at: str, origin: str
) -> SaveCounts:
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
        rows.append(
            [
                p.id,
                p.blog_id,
                p.url,
                p.title,
                p.author,
                p.published,
                p.updated,
                p.year,
                json.dumps(p.labels, ensure_ascii=False),
                p.content_html,
                p.content_text,
                p.body_source,
                p.status,
                seen_at,
                seen_at,
                origin,
                p.comment_total,
                digest,
                int(p.partial),
            ]
        )
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
              origin = CASE WHEN origin = 'feed' AND excluded.origin = 'backup'
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


def save_comments(
    db: sqlite_utils.Database, comments: Sequence[CommentRecord], *, seen_at: str
) -> int:
    """Upsert comments; returns how many were new."""
    if not comments:
        return 0
    ids = [c.id for c in comments]
    known = {
        r[0]
        for r in db.execute(
            f"SELECT id FROM comments WHERE id IN ({','.join('?' * len(ids))})", ids
        )
    }
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
        [
            [
                c.id,
                c.post_id,
                c.blog_id,
                c.url,
                c.author,
                c.published,
                c.updated,
                c.content_text,
                c.in_reply_to,
                int(c.removed),
                c.content_html,
                seen_at,
                seen_at,
            ]
            for c in comments
        ],
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
        [
            [
                p.id,
                p.blog_id,
                p.url,
                p.title,
                p.published,
                p.updated,
                p.content_html,
                p.content_text,
                p.status,
                seen_at,
                seen_at,
            ]
            for p in pages
        ],
    )


def save_findings(db: sqlite_utils.Database, batch: Sequence[Findings]) -> int:
    """Replace figures and tags of each post atomically (the caller holds the transaction)."""
    conn = db.conn
    ids = [[f.post_id] for f in batch]
    for table in ("figures", "post_countries", "post_themes"):
        conn.executemany(f"DELETE FROM {table} WHERE post_id = ?", ids)
    conn.executemany(
        """INSERT INTO figures (post_id, raw, value, kind, currency, qualifier, subject,
                                sentence, char_start, char_end, context, extractor_version)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
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
        [
            [
                json.dumps([c[1] for c in f.countries], ensure_ascii=False),
                json.dumps([c[1] for c in f.countries if c[3]], ensure_ascii=False),
                json.dumps([t[0] for t in f.themes]),
                f.version,
                f.post_id,
            ]
            for f in batch
        ],
    )
    return len(batch)


def save_capture(db: sqlite_utils.Database, c: Capture) -> int:
    cur = db.conn.execute(
        """INSERT INTO captures (url, fetched_at, status, etag, last_modified, sha256, warc_file,
                                 warc_offset, warc_length, run_id, blog_id, kind)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            c.url,
            c.fetched_at,
            c.status,
            c.etag,
            c.last_modified,
            c.sha256,
            c.warc_file,
            c.warc_offset,
            c.warc_length,
            c.run_id,
            c.blog_id,
            c.kind,
        ],
    )
    return int(cur.lastrowid)


def rename_warc_file(db: sqlite_utils.Database, old: str, new: str) -> None:
    """The run's WARC lost its `.open` suffix: point its captures at the final name."""
    db.execute("UPDATE captures SET warc_file = ? WHERE warc_file = ?", [new, old])


def start_run(
    db: sqlite_utils.Database,
    *,
    blog_id: str | None,
    started_at: str,
    full: bool,
    command: str,
    blog_url: str | None = None,
) -> int:
    """Open a run row; `blog_url` names the blog even before its id is known."""
    cur = db.conn.execute(
        "INSERT INTO runs (blog_id, blog_url, started_at, full, command, requests, posts_new, "
        "posts_updated, posts_deleted) VALUES (?, ?, ?, ?, ?, 0, 0, 0, 0)",
        [blog_id, blog_url, started_at, int(full), command],
    )
    return int(cur.lastrowid)


def finish_run(db: sqlite_utils.Database, run_id: int, **fields: Any) -> None:
    allowed = {
        "blog_id",
        "finished_at",
        "status",
        "total_results",
        "requests",
        "posts_new",
        "posts_updated",
        "posts_deleted",
        "error",
        "complete_listing",
    }
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


def set_image_capture(db: sqlite_utils.Database, url: str, capture_id: int) -> None:
    db.execute("UPDATE images SET capture_id = ? WHERE url = ?", [capture_id, url])


def save_captures(
    db: sqlite_utils.Database, captures: list[Capture], blog_id: str | None
) -> dict[str, int]:
    """Index captures (inside the caller's transaction); returns url → capture id."""
    ids = {}
    for capture in captures:
        capture.blog_id = capture.blog_id or blog_id
        ids[capture.url] = writes.save_capture(db, capture)
    return ids
