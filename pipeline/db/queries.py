"""Every read of the archive that more than one caller needs: the stages, the migration
output and the web layer all ask through these functions, so no query has a second copy.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

import sqlite_utils


def load_blog(
    db: sqlite_utils.Database, *, blog_id: str | None = None, url: str | None = None
) -> dict | None:
    if blog_id:
        rows = list(db.query("SELECT * FROM blogs WHERE id = ?", [blog_id]))
    else:
        rows = list(db.query("SELECT * FROM blogs WHERE url = ?", [url]))
    return rows[0] if rows else None


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


def posts_with_unfetched_comments(
    db: sqlite_utils.Database, blog_id: str, *, everything: bool
) -> list[str]:
    """Posts whose feed says they have comments we have not (all) stored."""
    sql = """SELECT p.id FROM posts p WHERE p.blog_id = ? AND p.status = 'live'
               AND p.feed_comment_total > 0"""
    if not everything:
        sql += """ AND p.feed_comment_total >
                   (SELECT COUNT(*) FROM comments c WHERE c.post_id = p.id)"""
    return [r[0] for r in db.execute(sql + " ORDER BY p.id", [blog_id])]


def complete_full_runs(db: sqlite_utils.Database) -> dict[int, str]:
    """run id → blog id of runs that listed a blog completely with --full."""
    return {
        r[0]: r[1]
        for r in db.execute(
            "SELECT id, blog_id FROM runs WHERE full = 1 AND complete_listing = 1 "
            "AND blog_id IS NOT NULL"
        )
    }


def post_ids_to_extract(
    db: sqlite_utils.Database, version: str, *, everything: bool, blog_ids: Sequence[str] = ()
) -> list[str]:
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
    return list(
        db.query(
            f"SELECT id, title, labels, content_text FROM posts WHERE id IN "
            f"({','.join('?' * len(ids))}) ORDER BY id",
            list(ids),
        )
    )


def latest_capture(db: sqlite_utils.Database, url: str) -> dict | None:
    """The newest successful capture of `url` (its validators and WARC position)."""
    rows = list(
        db.query(
            "SELECT * FROM captures WHERE url = ? AND status = 200 ORDER BY id DESC LIMIT 1", [url]
        )
    )
    return rows[0] if rows else None


def iter_captures(
    db: sqlite_utils.Database,
    *,
    kinds: Sequence[str] = (),
    blog_ids: Sequence[str] = (),
    run_ids: Sequence[int] = (),
) -> Iterator[dict]:
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


def blog_status(db: sqlite_utils.Database) -> list[dict]:
    """Per blog: post counts by status, comments, figures, last run and its unresolved error.

    Addresses whose runs never stored a blog (a first run that failed) are listed too,
    with zero counts, so `status` shows why an archive is still empty.
    """
    blogs = list(db.query("SELECT id, url, title FROM blogs ORDER BY url"))
    known = {b["url"] for b in blogs}
    blogs += [
        {"id": None, "url": row[0], "title": None}
        for row in db.execute(
            "SELECT DISTINCT blog_url FROM runs WHERE blog_id IS NULL AND blog_url IS NOT NULL "
            "ORDER BY blog_url"
        )
        if row[0] not in known
    ]
    return [_blog_status(db, blog["id"], blog["url"], blog["title"]) for blog in blogs]


def _blog_status(db: sqlite_utils.Database, bid: str | None, url: str, title: str | None) -> dict:
    counts = dict.fromkeys(("live", "deleted", "draft"), 0)
    for status, n in db.execute(
        "SELECT status, COUNT(*) FROM posts WHERE blog_id = ? GROUP BY status", [bid]
    ):
        counts[status] = n
    comments = db.execute("SELECT COUNT(*) FROM comments WHERE blog_id = ?", [bid]).fetchone()
    figures = db.execute(
        "SELECT COUNT(*) FROM figures JOIN posts ON posts.id = figures.post_id "
        "WHERE posts.blog_id = ?",
        [bid],
    ).fetchone()
    # the blog's runs, including those that failed before its id was known
    runs = "FROM runs WHERE (blog_id = :bid OR (blog_id IS NULL AND blog_url = :url))"
    params = {"bid": bid, "url": url}
    last = list(
        db.query(
            "SELECT id, command, started_at, finished_at, status, full, requests, posts_new, "
            f"posts_updated, posts_deleted, error {runs} ORDER BY id DESC LIMIT 1",
            params,
        )
    )
    # an error stays "last error" only until a later run of the blog succeeds
    last_error = db.execute(
        f"SELECT error, started_at {runs} AND error IS NOT NULL AND id > "
        f"(SELECT COALESCE(MAX(id), 0) {runs} AND status = 'ok') ORDER BY id DESC LIMIT 1",
        params,
    ).fetchone()
    return {
        "blog_id": bid,
        "url": url,
        "title": title,
        "posts": counts,
        "comments": comments[0],
        "figures": figures[0],
        "last_run": last[0] if last else None,
        "last_error": {"error": last_error[0], "at": last_error[1]} if last_error else None,
    }


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
        "comments": list(
            db.query("SELECT * FROM comments WHERE post_id = ? ORDER BY published, id", [post_id])
        ),
        "figures": list(
            db.query("SELECT * FROM figures WHERE post_id = ? ORDER BY char_start, id", [post_id])
        ),
        "country_tags": list(
            db.query(
                "SELECT code, name, mentions, is_primary FROM post_countries WHERE post_id = ? "
                "ORDER BY is_primary DESC, mentions DESC, code",
                [post_id],
            )
        ),
        "theme_tags": list(
            db.query(
                "SELECT theme, score, evidence FROM post_themes WHERE post_id = ? "
                "ORDER BY score DESC, theme",
                [post_id],
            )
        ),
    }


def image_capture_ids(db: sqlite_utils.Database) -> list[tuple[str, int]]:
    """(image url, capture id) of every image whose bytes are in a WARC, oldest capture first."""
    return [
        tuple(row)
        for row in db.execute(
            "SELECT url, capture_id FROM images WHERE capture_id IS NOT NULL "
            "ORDER BY capture_id, url"
        )
    ]


def integrity_problems(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    """SQL-side checks of `verify` as (kind, detail): sqlite, fts, listing, comments."""
    problems = []
    result = [r[0] for r in db.execute("PRAGMA integrity_check")]
    if result != ["ok"]:
        problems.append(("sqlite", "PRAGMA integrity_check: " + "; ".join(result[:5])))
    try:
        db.execute("INSERT INTO posts_fts(posts_fts, rank) VALUES('integrity-check', 1)")
    except sqlite3.DatabaseError as exc:
        problems.append(("fts", f"posts_fts integrity-check failed ({exc})"))
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
                (
                    "listing",
                    f"blog {run['blog_id']}: {live} live posts first seen by run {run['id']}, "
                    f"but its complete listing had totalResults {run['total_results']}",
                )
            )
    for post_id, expected, got in db.execute(
        """SELECT p.id, p.feed_comment_total,
                  (SELECT COUNT(*) FROM comments c WHERE c.post_id = p.id) AS n
           FROM posts p WHERE p.feed_comment_total IS NOT NULL AND p.status = 'live'
             AND p.feed_comment_total > (SELECT COUNT(*) FROM comments c WHERE c.post_id = p.id)
           ORDER BY p.id"""
    ):
        # More stored than thr:total is normal (the count is only refreshed when the
        # post itself is re-listed); fewer means comments are missing.
        problems.append(
            ("comments", f"post {post_id}: feed says {expected} comments, archive has {got}")
        )
    return problems


def iter_all_captures(db: sqlite_utils.Database) -> Iterator[dict]:
    yield from db.query("SELECT id, url, sha256, warc_file, warc_offset FROM captures ORDER BY id")


def get_capture(db: sqlite_utils.Database, capture_id: int) -> dict | None:
    rows = list(db.query("SELECT * FROM captures WHERE id = ?", [capture_id]))
    return rows[0] if rows else None


def images_to_capture(db: sqlite_utils.Database, blog_id: str) -> list[str]:
    return [
        r[0]
        for r in db.execute(
            """SELECT DISTINCT i.url FROM images i JOIN posts p ON p.id = i.post_id
           WHERE p.blog_id = ? AND i.capture_id IS NULL ORDER BY i.url""",
            [blog_id],
        )
    ]
