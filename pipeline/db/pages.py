"""Reads behind the staff pages: the `/search` page, the post page and archived images.

The web layer only decides what to show; every statement it needs is here, so the
schema has one place to change. The functions take the plain `sqlite3.Connection`
Datasette hands to `execute_fn` (read-only, in Datasette's SQL thread).

Country counts and filters use *primary* countries only: a post that mentions Nepal in
passing is not a post about Nepal, and staff compare counts across countries.

Every value reaches SQLite as a parameter; the only SQL assembled here is from fixed
fragments chosen by which filters are present.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

import sqlite_utils

from pipeline.db import queries

# Columns of posts_fts: title, content_text, labels. A title hit outweighs ten body hits.
RANK = "bm25(posts_fts, 10.0, 1.0, 2.0)"
FTS_BODY_COLUMN = 1

# Fixed SQL fragments for each filter, in the order they are applied.
FILTERS = {
    "country": (
        "p.id IN (SELECT post_id FROM post_countries WHERE code = :country AND is_primary = 1)"
    ),
    "theme": "p.id IN (SELECT post_id FROM post_themes WHERE theme = :theme)",
    "year": "p.year = :year",
    "label": "EXISTS (SELECT 1 FROM json_each(p.labels) AS l WHERE l.value = :label)",
    "status": "p.status = :status",
}


def _dicts(cur: sqlite3.Cursor) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur]


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


def json_strings(value: str | None) -> list[str]:
    """A JSON-array column (labels, countries, themes) as a list of strings; [] for NULL
    or for anything that is not an array (a file edited by hand must not break a page)."""
    try:
        items = json.loads(value) if value else []
    except ValueError:
        return []
    return [str(i) for i in items] if isinstance(items, list) else []


# ------------------------------------------------------------------ search


def _from_where(filters: Mapping[str, Any], has_match: bool) -> tuple[str, str]:
    """(rowid expression, FROM … WHERE …) shared by the ranking and the count.

    With words, the full-text index drives the query and the filters become one set
    of post rowids. The unary `+` keeps that `rowid IN (…)` out of FTS5's query
    planning: otherwise FTS5 re-runs the MATCH once per candidate rowid (seconds at
    10,000 posts instead of milliseconds); this way the subquery is computed once and
    bm25() runs only for posts that pass the filters.
    """
    where = [FILTERS[name] for name in FILTERS if name in filters]
    if not has_match:
        return "p.rowid", "FROM posts AS p WHERE " + (" AND ".join(where) or "1")
    clauses = ["posts_fts MATCH :match"]
    if where:
        clauses.append(
            "+posts_fts.rowid IN (SELECT p.rowid FROM posts AS p WHERE " + " AND ".join(where) + ")"
        )
    return "posts_fts.rowid", "FROM posts_fts WHERE " + " AND ".join(clauses)


def rank_posts(
    conn: sqlite3.Connection,
    match: str | None,
    filters: Mapping[str, Any],
    *,
    offset: int,
    limit: int,
) -> tuple[list[int], int]:
    """The rowids of one page of matches, best first (newest first without words), and
    the number of matches.

    Filters cost a subquery over every post they select, so with filters the ordered
    rowids are read once and counted here; without filters the count comes from the
    index alone, cheaper than reading every match.
    """
    params = {**filters, "match": match}
    rowid, from_where = _from_where(filters, bool(match))
    order = f"{RANK}, {rowid}" if match else "p.published DESC, p.rowid"
    ranked = f"SELECT {rowid} {from_where} ORDER BY {order}"
    if filters:
        ordered = [r[0] for r in conn.execute(ranked, params)]
        return ordered[offset : offset + limit], len(ordered)
    page = [
        r[0]
        for r in conn.execute(
            f"{ranked} LIMIT :limit OFFSET :offset", {**params, "limit": limit, "offset": offset}
        )
    ]
    return page, conn.execute(f"SELECT count(*) {from_where}", params).fetchone()[0]


_HIT_COLUMNS = "p.rowid AS rid, p.id, p.title, p.url, p.published, p.status, p.themes, p.labels"


def hit_details(
    conn: sqlite3.Connection,
    rowids: Sequence[int],
    match: str | None,
    *,
    open_mark: str,
    close_mark: str,
    excerpt_chars: int,
) -> list[dict[str, Any]]:
    """Title and text of the page's posts, in `rowids` order, with the words marked.

    With words, `title_marked` and `text_marked` are the title and the whole body with
    every match between `open_mark` and `close_mark` (the caller cuts the excerpt: FTS5's
    snippet() cuts inside hyphenated words); without, the body's first `excerpt_chars`.
    `countries` lists the post's country tags, primary first; themes and labels are lists.
    """
    if not rowids:
        return []
    if match:
        sql = (
            f"SELECT {_HIT_COLUMNS}, highlight(posts_fts, 0, ?, ?) AS title_marked, "
            f"highlight(posts_fts, {FTS_BODY_COLUMN}, ?, ?) AS text_marked "
            "FROM posts_fts CROSS JOIN posts AS p ON p.rowid = posts_fts.rowid "
            f"WHERE posts_fts MATCH ? AND posts_fts.rowid IN ({_marks(rowids)})"
        )
        args = [open_mark, close_mark, open_mark, close_mark, match, *rowids]
    else:
        sql = (
            f"SELECT {_HIT_COLUMNS}, p.title AS title_marked, "
            f"substr(p.content_text, 1, ?) AS text_marked FROM posts AS p "
            f"WHERE p.rowid IN ({_marks(rowids)})"
        )
        args = [excerpt_chars, *rowids]
    by_rowid = {}
    for hit in _dicts(conn.execute(sql, args)):
        hit["themes"] = json_strings(hit["themes"])
        hit["labels"] = json_strings(hit["labels"])
        hit["countries"] = []
        by_rowid[hit.pop("rid")] = hit
    hits = [by_rowid[r] for r in rowids if r in by_rowid]
    by_id = {h["id"]: h for h in hits}
    for tag in _dicts(
        conn.execute(
            "SELECT post_id, code, name, is_primary FROM post_countries "
            f"WHERE post_id IN ({_marks(by_id)}) ORDER BY is_primary DESC, mentions DESC, name",
            list(by_id),
        )
    ):
        by_id[tag.pop("post_id")]["countries"].append(tag)
    return hits


def figures_of_posts(conn: sqlite3.Connection, post_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Every figure of these posts, in text order (the caller picks the ones to show)."""
    if not post_ids:
        return []
    return _dicts(
        conn.execute(
            "SELECT id, post_id, raw, value, kind, currency, qualifier, subject, char_start "
            f"FROM figures WHERE post_id IN ({_marks(post_ids)}) ORDER BY post_id, char_start, id",
            list(post_ids),
        )
    )


def count_matches(conn: sqlite3.Connection, match: str) -> int:
    """How many posts the words match, whatever the filters (from the index alone)."""
    return conn.execute(
        "SELECT count(*) FROM posts_fts WHERE posts_fts MATCH ?", [match]
    ).fetchone()[0]


def filter_options(conn: sqlite3.Connection, match: str | None = None) -> dict[str, list]:
    """Choices for the filter controls, with the number of posts each would find.

    Without words the counts are over the whole archive; with words, over the posts
    the words match (so "Pensions (3)" is what choosing it would show). One statement,
    so the matches are looked up once for all four controls.
    """
    if match:
        scope = (
            "WITH m AS MATERIALIZED (SELECT p.id, p.year, p.labels FROM posts_fts "
            "JOIN posts AS p ON p.rowid = posts_fts.rowid WHERE posts_fts MATCH ?) "
        )
        args: list[Any] = [match]
    else:
        scope, args = "WITH m AS (SELECT id, year, labels FROM posts) ", []
    options: dict[str, list] = {"countries": [], "themes": [], "years": [], "labels": []}
    sql = (
        scope + "SELECT 'countries', c.code, max(c.name), count(*) FROM m JOIN post_countries "
        "AS c ON c.post_id = m.id AND c.is_primary = 1 GROUP BY c.code "
        "UNION ALL SELECT 'themes', t.theme, NULL, count(*) FROM m "
        "JOIN post_themes AS t ON t.post_id = m.id GROUP BY t.theme "
        "UNION ALL SELECT 'years', m.year, NULL, count(*) FROM m WHERE m.year IS NOT NULL "
        "GROUP BY m.year "
        "UNION ALL SELECT 'labels', value, NULL, n FROM (SELECT l.value, count(*) AS n "
        "FROM m, json_each(m.labels) AS l WHERE json_valid(m.labels) GROUP BY l.value "
        "ORDER BY n DESC, l.value LIMIT 1000)"
    )
    for kind, value, name, n in conn.execute(sql, args):
        options[kind].append((value, name, n) if kind == "countries" else (value, n))
    options["countries"].sort(key=lambda c: c[1] or c[0])
    options["themes"].sort()
    options["years"].sort(reverse=True)
    options["labels"].sort(key=lambda label: (-label[1], label[0]))
    return options


def country_code(conn: sqlite3.Connection, value: str) -> tuple[str, str] | None:
    """(code, name) of a country given by its code or its name, in any case; None when
    no post is tagged with it."""
    row = conn.execute(
        "SELECT code, name FROM post_countries WHERE code = upper(?1) OR lower(name) = lower(?1) "
        "LIMIT 1",
        [value.strip()],
    ).fetchone()
    return (row[0], row[1]) if row else None


def search_rows(conn: sqlite3.Connection, rowids: Sequence[int]) -> list[dict[str, Any]]:
    """The columns of the search results' CSV download, in `rowids` order."""
    by_rowid: dict[int, dict[str, Any]] = {}
    for start in range(0, len(rowids), 500):  # keeps each statement under SQLite's variable cap
        chunk = rowids[start : start + 500]
        for row in _dicts(
            conn.execute(
                "SELECT rowid AS rid, id, title, date(published) AS published, year, "
                "primary_countries, countries, themes, labels, status, url, "
                "(SELECT count(*) FROM figures AS f WHERE f.post_id = posts.id) AS figures "
                f"FROM posts WHERE rowid IN ({_marks(chunk)})",
                list(chunk),
            )
        ):
            by_rowid[row.pop("rid")] = row
    return [by_rowid[r] for r in rowids if r in by_rowid]


# -------------------------------------------------------------- post page


def post_related(conn: sqlite3.Connection, post_id: str) -> dict[str, Any]:
    """Everything the post page shows besides the post row: its text and HTML (to place
    the figures and images), figures, country and theme tags, comments, versions (oldest
    first, with their HTML for the diff) and images with their capture ids."""
    details = queries.export_post_details(sqlite_utils.Database(conn), post_id)
    body = conn.execute(
        "SELECT url, content_html, content_text FROM posts WHERE id = ?", [post_id]
    ).fetchone()
    return {
        **details,
        "url": body[0] if body else None,
        "content_html": body[1] if body else "",
        "content_text": body[2] if body else "",
        "versions": _dicts(
            conn.execute(
                "SELECT updated, title, content_html, content_sha256, captured_at "
                "FROM post_versions WHERE post_id = ? ORDER BY captured_at, updated",
                [post_id],
            )
        ),
        "images": _dicts(
            conn.execute(
                "SELECT url, alt, capture_id FROM images WHERE post_id = ? ORDER BY url", [post_id]
            )
        ),
    }


def image_capture(conn: sqlite3.Connection, capture_id: int) -> dict[str, Any] | None:
    """Where the bytes of a captured image are, or None when `capture_id` is not the
    capture of an image some post shows (other captures are not served as media)."""
    rows = _dicts(
        conn.execute(
            "SELECT c.url, c.warc_file, c.warc_offset FROM captures AS c WHERE c.id = ? "
            "AND c.status = 200 AND EXISTS (SELECT 1 FROM images AS i WHERE i.capture_id = c.id)",
            [capture_id],
        )
    )
    return rows[0] if rows else None


def archived_blog_urls(conn: sqlite3.Connection) -> list[str]:
    """Home pages of the blogs in the archive: the data source when no config names them."""
    return [r[0] for r in conn.execute("SELECT url FROM blogs WHERE url IS NOT NULL ORDER BY url")]


# Subjects that make a count a count of people reached: the figures staff quote first.
PEOPLE_SUBJECTS = frozenset(
    """
    people persons person individuals workers women men girls boys children youth
    households families members beneficiaries participants migrants employees farmers vendors
    mothers students citizens residents recipients elderly survivors leaders trainees
    delegates volunteers drivers pensioners retirees widows patients refugees returnees
    fishers fishermen traders labourers laborers domestics caregivers nurses teachers
    """.split()  # noqa: SIM905 (a word list reads better as words)
)


def is_people(subject: str | None) -> bool:
    """True when a figure's subject names people ("women workers", "older persons")."""
    return bool(subject) and any(w in PEOPLE_SUBJECTS for w in subject.lower().split())


def register_functions(conn: sqlite3.Connection) -> None:
    """SQL functions the saved queries use, so they share the pages' definitions."""
    conn.create_function("is_people", 1, is_people, deterministic=True)
