"""Read queries behind the staff pages that browse the archive: figures and overview.

The web layer (`pipeline.web.figures`, `pipeline.web.overview`) only parses requests
and renders; every statement lives here, takes a plain sqlite3 connection (Datasette
hands one to `execute_fn`) and receives each value as a parameter. The only SQL
assembled at run time is a choice among the fixed fragments of `_POST_FILTERS` and
`_FIGURE_FILTERS`, made by which filters are set.

Only live posts count: a draft was never published and a deleted post was withdrawn,
so neither is something "we reported".
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("count", "percent", "money", "other")
SORTS = ("newest", "oldest", "largest", "smallest")
NEWEST_POSTS = 12
SUBJECT_SUGGESTIONS = 200

_LIVE = "p.status = 'live'"

# Fixed SQL for each filter of a figure's post, in the order they are applied.
# `{plus}` is "+" when posts are read in date order: the unary plus keeps a filter from
# choosing the index that drives the scan, so the scan stays in date order and stops
# after one page instead of sorting every matching figure.
_POST_FILTERS = {
    "country": "{plus}p.id IN (SELECT post_id FROM post_countries WHERE code = :country{primary})",
    "theme": "{plus}p.id IN (SELECT post_id FROM post_themes WHERE theme = :theme)",
    "year_from": "{plus}p.year >= :year_from",
    "year_to": "{plus}p.year <= :year_to",
    "match": "{plus}p.rowid IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH :match)",
}
_FIGURE_FILTERS = {
    "kind": "f.kind = :kind",
    "currency": "f.currency = :currency",
    "subject": "f.subject = :subject COLLATE NOCASE",
}
# A post reports its figures in text order; the id breaks ties between posts of one
# minute so pages never overlap.
_ORDERS = {
    "newest": "p.published DESC, p.id, f.char_start, f.id",
    "oldest": "p.published, p.id, f.char_start, f.id",
    "largest": "f.value DESC, p.published DESC, f.id",
    "smallest": "f.value, p.published DESC, f.id",
}


@dataclass(frozen=True)
class FigureFilter:
    """Which figures to show; None means "any". Hashable, so results can be cached.

    `country` is an ISO code matched against the post's primary countries, or against
    every country it mentions when `mentions` is set. `match` is an FTS5 expression over
    the post (title, text, labels).
    """

    country: str | None = None
    mentions: bool = False
    theme: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    kind: str | None = None
    currency: str | None = None
    subject: str | None = None
    match: str | None = None


def _clauses(
    flt: FigureFilter, *, date_order: bool = False
) -> tuple[list[str], list[str], dict[str, Any]]:
    """(conditions on the post, conditions on the figure, parameters)."""
    params = {k: v for k, v in asdict(flt).items() if v is not None and k != "mentions"}
    primary = "" if flt.mentions else " AND is_primary = 1"
    plus = "+" if date_order else ""
    posts = [_LIVE] + [
        sql.format(primary=primary, plus=plus)
        for name, sql in _POST_FILTERS.items()
        if name in params
    ]
    figures = [sql for name, sql in _FIGURE_FILTERS.items() if name in params]
    return posts, figures, params


def figure_rows(
    conn: sqlite3.Connection, flt: FigureFilter, *, sort: str, limit: int, offset: int
) -> list[dict[str, Any]]:
    """One page of figures with what a row shows about its post.

    The join order is fixed (CROSS JOIN), not left to the planner, which has no
    statistics: by date, posts are read newest first and each one's figures through
    the index on post_id, so a page stops after `limit` rows; by value with no filter
    on the post, figures are read in value order through figures(kind, value), or
    figures(currency, value) for money in one currency.

    `sentence_at` is where the figure's sentence starts in the post's text (None if it
    cannot be found), so the figure can be marked by its own offsets: the same number
    may appear twice in one sentence. The sentence contains the figure, so it starts
    no earlier than `char_end - length(sentence)`: searching a window from there costs
    two sentence lengths, not the whole post.
    """
    by_value = sort in ("largest", "smallest")
    posts, figures, params = _clauses(flt, date_order=not by_value)
    if by_value and len(posts) == 1:
        join = "figures AS f CROSS JOIN posts AS p ON p.id = f.post_id"
        if flt.currency:  # one currency's sums in order: figures(currency, value), not (kind, …)
            figures = ["+" + c if c == _FIGURE_FILTERS["kind"] else c for c in figures]
    else:
        join = "posts AS p CROSS JOIN figures AS f ON f.post_id = p.id"
    sql = f"""
        SELECT f.id, f.post_id, f.raw, f.value, f.kind, f.currency, f.qualifier, f.subject,
               f.sentence, f.char_start, f.char_end, f.context,
               p.title, p.url, p.published, p.primary_countries, p.countries, p.themes,
               CASE WHEN length(f.sentence) > 0 THEN nullif(instr(
                 substr(p.content_text, max(1, f.char_end - length(f.sentence) + 1),
                        2 * length(f.sentence)), f.sentence), 0)
                 + max(0, f.char_end - length(f.sentence)) - 1 END AS sentence_at
        FROM {join}
        WHERE {" AND ".join(posts + figures)}
        ORDER BY {_ORDERS[sort]}
        LIMIT :limit OFFSET :offset"""
    cur = conn.execute(sql, {**params, "limit": limit, "offset": offset})
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur]


def figure_counts(conn: sqlite3.Connection, flt: FigureFilter) -> list[tuple[int | None, str, int]]:
    """(year, kind, figures) for every matching figure: the chart, and summed the total.

    Counted per post by one scalar subquery per kind, each answered from the index on
    figures(post_id, kind, currency, subject) alone: two to three times faster than
    joining and grouping the figure rows, whose (year, kind) grouping needs a sort.
    """
    posts, figures, params = _clauses(flt)
    kinds = [flt.kind] if flt.kind else list(KINDS)
    condition = "".join(f" AND {c}" for c in figures if c != _FIGURE_FILTERS["kind"])
    sums = ", ".join(
        f"sum((SELECT count(*) FROM figures AS f WHERE f.post_id = p.id "
        f"AND f.kind = :kind_{i}{condition}))"
        for i in range(len(kinds))
    )
    rows = conn.execute(
        f"SELECT p.year, {sums} FROM posts AS p WHERE {' AND '.join(posts)} "
        "GROUP BY p.year ORDER BY p.year",
        {**params, **{f"kind_{i}": kind for i, kind in enumerate(kinds)}},
    ).fetchall()
    return [(row[0], kind, n) for row in rows for kind, n in zip(kinds, row[1:], strict=True) if n]


def figure_options(conn: sqlite3.Connection) -> dict[str, list]:
    """Choices for the filter controls: what the archive holds, without counts."""
    return {
        # (code, name): every country a live post is tagged with
        "countries": conn.execute(
            "SELECT c.code, max(c.name) FROM post_countries AS c JOIN posts AS p "
            f"ON p.id = c.post_id WHERE {_LIVE} GROUP BY c.code ORDER BY max(c.name)"
        ).fetchall(),
        "themes": [
            r[0] for r in conn.execute("SELECT DISTINCT theme FROM post_themes ORDER BY theme")
        ],
        "years": [
            r[0]
            for r in conn.execute(
                f"SELECT DISTINCT p.year FROM posts AS p WHERE {_LIVE} AND p.year IS NOT NULL "
                "ORDER BY p.year DESC"
            )
        ],
        "currencies": [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT currency FROM figures WHERE currency IS NOT NULL ORDER BY currency"
            )
        ],
        "subjects": [
            r[0]
            for r in conn.execute(
                "SELECT subject FROM figures WHERE subject IS NOT NULL "
                "GROUP BY subject ORDER BY count(*) DESC, subject LIMIT ?",
                [SUBJECT_SUGGESTIONS],
            )
        ],
    }


def overview(conn: sqlite3.Connection) -> dict[str, Any]:
    """The archive at a glance: totals, posts per theme and year, posts and figures per
    primary country, and the newest posts."""

    def rows(sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        cur = conn.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur]

    return {
        "totals": rows(
            "SELECT count(*) AS posts, min(p.year) AS first_year, max(p.year) AS last_year, "
            "(SELECT count(*) FROM figures AS f JOIN posts AS p ON p.id = f.post_id "
            f"WHERE {_LIVE}) AS figures FROM posts AS p WHERE {_LIVE}"
        )[0],
        "theme_years": rows(
            "SELECT t.theme, p.year, count(*) AS posts FROM post_themes AS t "
            f"JOIN posts AS p ON p.id = t.post_id WHERE {_LIVE} AND p.year IS NOT NULL "
            "GROUP BY t.theme, p.year ORDER BY t.theme, p.year"
        ),
        "countries": rows(
            "SELECT c.code, max(c.name) AS name, count(*) AS posts, "
            "sum((SELECT count(*) FROM figures AS f WHERE f.post_id = c.post_id)) AS figures "
            "FROM post_countries AS c JOIN posts AS p ON p.id = c.post_id "
            f"WHERE c.is_primary = 1 AND {_LIVE} GROUP BY c.code ORDER BY posts DESC, name"
        ),
        "newest": rows(
            "SELECT p.id, p.title, p.published, p.primary_countries, p.themes "
            f"FROM posts AS p WHERE {_LIVE} ORDER BY p.published DESC, p.id LIMIT ?",
            [NEWEST_POSTS],
        ),
    }
