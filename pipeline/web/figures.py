"""`/figures`: the staff workbench for the figures the blog reported.

Staff come with a question for a report or a funder — "what did we report for
Cambodia in 2024 about pensions?" — so every filter is one control (country by name
or code, theme by its label, a year or a range, kind, currency, subject, words), each
row reads as a person would quote it ("at least 39 workers", "KHR 1.2 million") next
to its sentence with the number marked, and the CSV/JSON downloads carry exactly the
same query string as the page, so a download holds exactly the rows on screen (or,
with `all=1`, every matching row up to `MAX_DOWNLOAD`).

By default a country selects the posts whose *primary* country it is: a post about
Nepal that compares with Cambodia in passing is not what "we reported for Cambodia".
`mentions=1` adds those posts.

Speed: two queries per page — the page of rows, and the figures per year and kind,
which are both the chart and, summed, the total; those counts and the filter choices
are kept until the database file changes (`pipeline.web.cache`), so paging and
re-sorting cost one query. The SQL, and why it is fast, is in `pipeline.db.browse`.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.utils import sqlite_timelimit
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from pipeline.db.browse import KINDS, FigureFilter, figure_counts, figure_options, figure_rows
from pipeline.extract.figures import figure_phrase, readable_value
from pipeline.web.cache import cached
from pipeline.web.names import archive_name
from pipeline.web.posts import json_list, readable_date, theme_labels
from pipeline.web.search import match_expression

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
MAX_PAGE = 1000
MAX_DOWNLOAD = 20_000
MAX_TEXT = 200
TIME_LIMIT_MS = 2000
KIND_LABELS = {"count": "Counts", "percent": "Percentages", "money": "Money", "other": "Measures"}
KIND_NAMES = {"count": "count", "percent": "percentage", "money": "money", "other": "measure"}
SORT_LABELS = {
    "newest": "newest first",
    "oldest": "oldest first",
    "largest": "largest value first",
    "smallest": "smallest value first",
}
VALUE_SORTS = ("largest", "smallest")
CSV_COLUMNS = (
    "figure_id",
    "post_id",
    "post_title",
    "post_url",
    "archive_url",
    "date",
    "primary_countries",
    "countries",
    "themes",
    "figure",
    "readable_value",
    "value",
    "kind",
    "currency",
    "qualifier",
    "subject",
    "context",
    "sentence",
)

_YEARS = re.compile(r"^\s*(\d{4})\s*(?:[-–—]\s*(\d{4})\s*)?$", re.ASCII)
_NUMBER = re.compile(r"^\d{1,9}$", re.ASCII)
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


# ------------------------------------------------------------- shared helpers


def theme_label(theme: str, labels: dict[str, str]) -> str:
    """The vocabulary's label; a theme the vocabulary no longer has still reads as words."""
    return labels.get(theme) or theme.replace("-", " ").capitalize()


async def allowed(datasette: Any, request: Any) -> None:
    """The same permission the archive's own tables need."""
    await datasette.ensure_permissions(
        request.actor, [("view-database", archive_name(datasette)), "view-instance"]
    )


# -------------------------------------------------------------------- request


@dataclass
class FiguresQuery:
    """What the user asked for, validated; `messages` explains what was ignored.

    `form` holds what the controls show and the links carry (the country's name, the
    words as typed), `filter` what is queried.
    """

    filter: FigureFilter = field(default_factory=FigureFilter)
    form: dict[str, str] = field(default_factory=dict)
    sort: str = "newest"
    page: int = 1
    limit: int = DEFAULT_PAGE_SIZE
    everything: bool = False
    messages: list[str] = field(default_factory=list)

    @property
    def value_sort_allowed(self) -> bool:
        """Values compare only within one kind, and sums of money within one currency."""
        f = self.filter
        return f.kind is not None and (f.kind != "money" or f.currency is not None)

    def args(self, **changes: str | None) -> dict[str, str]:
        """The query string of this query, with `changes` (None drops a parameter)."""
        args = {**self.form, "sort": "" if self.sort == "newest" else self.sort}
        args["limit"] = "" if self.limit == DEFAULT_PAGE_SIZE else str(self.limit)
        args["page"] = "" if self.page == 1 else str(self.page)
        args.update({k: v or "" for k, v in changes.items()})
        return {k: v for k, v in args.items() if v}


def parse_args(args: Any, options: dict[str, list], labels: dict[str, str]) -> FiguresQuery:
    """Read the filters, sort, page and page size from the query string."""
    query = FiguresQuery()
    flt: dict[str, Any] = {}

    def text(name: str) -> str:
        return _CONTROL.sub(" ", args.get(name) or "").strip()[:MAX_TEXT]

    country = text("country")
    if country:
        found = _country(country, options["countries"])
        if found:
            flt["country"], query.form["country"] = found
        else:
            query.messages.append(f"Country “{country}” is not in the archive: choose one listed.")
    if country and args.get("mentions"):
        flt["mentions"] = True
        query.form["mentions"] = "1"

    theme = text("theme")
    if theme:
        by_name = {t.lower(): t for t in options["themes"]}
        by_name.update({theme_label(t, labels).lower(): t for t in options["themes"]})
        if theme.lower() in by_name:
            flt["theme"] = query.form["theme"] = by_name[theme.lower()]
        else:
            query.messages.append(f"Theme “{theme}” is not in the archive: choose one listed.")

    _parse_years(text("year"), text("year_to"), flt, query)

    kind = text("kind").lower()
    if kind in KINDS:
        flt["kind"] = query.form["kind"] = kind
    elif kind:
        query.messages.append(f"Kind “{kind}” ignored: use one of {', '.join(KINDS)}.")
    currency = text("currency")
    if _CURRENCY.match(currency) and flt.get("kind", "money") == "money":
        flt["currency"] = query.form["currency"] = currency.upper()
        flt["kind"] = "money"  # a currency is only ever set on money
    elif currency:
        query.messages.append(f"Currency “{currency}” ignored: a three-letter code, for money.")

    subject = text("subject")
    if subject:
        flt["subject"] = query.form["subject"] = subject
    words = text("q")
    if words:
        query.form["q"] = words
        flt["match"] = match_expression(words, False)
        if not flt["match"]:
            query.messages.append(f"“{words}” has no words to search for.")

    query.filter = FigureFilter(**flt)
    sort = text("sort")
    if sort in VALUE_SORTS and not query.value_sort_allowed:
        query.messages.append(
            "Sorting by value needs one kind of figure (and one currency for money): "
            "showing the newest first."
        )
    elif sort in SORT_LABELS:
        query.sort = sort
    limit = _number(text("limit"))
    query.limit = limit if limit in PAGE_SIZES else query.limit
    page = _number(text("page"))
    query.page = min(page, MAX_PAGE) if page else 1
    query.everything = args.get("all") == "1"
    return query


def _number(text: str) -> int | None:
    """A plain ASCII number ("²" and "١٢" are digits to Python, not to a page number)."""
    return int(text) if _NUMBER.match(text) else None


def _country(text: str, countries: list[tuple[str, str]]) -> tuple[str, str] | None:
    """(ISO code, name) for a code or a name in any case: "KH", "kh", "Cambodia"."""
    wanted = text.casefold()
    for code, name in countries:
        if wanted in (code.casefold(), (name or "").casefold()):
            return code, name or code
    return None


def _parse_years(year: str, year_to: str, flt: dict[str, Any], query: FiguresQuery) -> None:
    """`year=2024`, `year=2020-2024`, or `year=2020&year_to=2024`; either end may be open."""
    first = _YEARS.match(year)
    last = _YEARS.match(year_to)
    if year and not first:
        query.messages.append(f"Year “{year}” ignored: a year (2024) or a range (2020-2024).")
    if year_to and not last:
        query.messages.append(f"Year “{year_to}” ignored: not a year.")
    start = int(first.group(1)) if first else None
    end = int(first.group(2) or first.group(1)) if first else None
    if last:
        end = int(last.group(1))
    if start is not None and end is not None and start > end:
        start, end = end, start
    if start is not None:
        flt["year_from"] = start
        query.form["year"] = str(start)
    if end is not None:
        flt["year_to"] = end
        if end != start:
            query.form["year_to"] = str(end)


# ---------------------------------------------------------------------- rows


def mark_figure(sentence: str, start: int | None, raw: str) -> Markup:
    """The sentence, escaped, with the figure in <mark>.

    `start` is the figure's offset in the sentence; when it does not point at the
    figure (a sentence stored by an older extractor), the first occurrence is marked.
    """
    if start is None or sentence[start : start + len(raw)] != raw:
        start = sentence.find(raw) if raw else -1
    if start < 0:
        return Markup(escape(sentence))
    end = start + len(raw)
    return Markup(
        f"{escape(sentence[:start])}<mark>{escape(sentence[start:end])}</mark>"
        f"{escape(sentence[end:])}"
    )


def plain_number(value: float | None) -> int | float | None:
    """9800000000 rather than 9800000000.0 in downloads; fractions stay as they are."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def present(row: dict[str, Any], datasette: Any, labels: dict[str, str]) -> dict[str, Any]:
    """A figure row as the page and the downloads show it."""
    readable = readable_value(row["value"], row["kind"], row["currency"], row["raw"] or "")
    sentence = row["sentence"] or ""
    at = row["sentence_at"]
    href = (
        datasette.urls.row(archive_name(datasette), "posts", row["post_id"])
        + f"#figure-{row['id']}"
    )
    return {
        **row,
        "readable": readable,
        "phrase": figure_phrase(row["qualifier"], readable, row["subject"]),
        "sentence_html": mark_figure(
            sentence, None if at is None else row["char_start"] - at, row["raw"] or ""
        ),
        "date": readable_date(row["published"]),
        "iso_date": (row["published"] or "")[:10],
        "primary": json_list(row["primary_countries"]),
        "country_names": json_list(row["countries"]),
        "theme_labels": [theme_label(t, labels) for t in json_list(row["themes"])],
        "href": href,
    }


# ----------------------------------------------------------------- downloads


def _download_record(figure: dict[str, Any], archive_url: str) -> dict[str, Any]:
    return {
        "figure_id": figure["id"],
        "post_id": figure["post_id"],
        "post_title": figure["title"],
        "post_url": figure["url"],
        "archive_url": archive_url,
        "date": figure["iso_date"],
        "primary_countries": figure["primary"],
        "countries": figure["country_names"],
        "themes": figure["theme_labels"],
        "figure": figure["phrase"],
        "readable_value": figure["readable"],
        "value": plain_number(figure["value"]),
        "kind": figure["kind"],
        "currency": figure["currency"],
        "qualifier": figure["qualifier"],
        "subject": figure["subject"],
        "context": figure["context"],
        "sentence": figure["sentence"],
    }


def _filename(query: FiguresQuery, extension: str) -> str:
    """figures-KH-pensions-2024.csv: what was asked, readable in a downloads folder."""
    parts = [query.form.get(k) for k in ("country", "theme", "year", "year_to", "kind")]
    slug = "-".join(re.sub(r"[^A-Za-z0-9]+", "_", p).strip("_") for p in parts if p)
    return f"figures{'-' + slug if slug else ''}.{extension}"


def download(
    fmt: str, query: FiguresQuery, figures: list[dict[str, Any]], total: int, absolute: Callable
) -> Response:
    records = [_download_record(f, absolute(f["href"])) for f in figures]
    headers = {"content-disposition": f'attachment; filename="{_filename(query, fmt)}"'}
    if fmt == "json":
        body = {
            "total": total,
            "page": None if query.everything else query.page,
            "limit": None if query.everything else query.limit,
            "filters": query.form,
            "rows": records,
        }
        return Response(
            json.dumps(body, ensure_ascii=False, indent=2),
            headers=headers,
            content_type="application/json; charset=utf-8",
        )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for record in records:
        writer.writerow({k: "; ".join(v) if isinstance(v, list) else v for k, v in record.items()})
    return Response(out.getvalue(), headers=headers, content_type="text/csv; charset=utf-8")


# ---------------------------------------------------------------------- page


def _chart_data(counts: list[tuple[int | None, str, int]]) -> dict[str, list]:
    """Figures per year and kind for charts.js; `kinds` fixes the order of the colours."""
    return {
        "kinds": list(KIND_LABELS.values()),
        "rows": [
            {"year": year, "kind": KIND_LABELS.get(kind, kind), "figures": n}
            for year, kind, n in counts
            if year is not None
        ],
    }


def _removable(query: FiguresQuery, labels: dict[str, str], url: Callable) -> list[dict]:
    """Each active filter with the link that drops it (the empty state's suggestions)."""
    form = query.form
    chips = []

    def chip(text: str, **drop: None) -> None:
        chips.append({"text": text, "url": url(query.args(page=None, **drop))})

    if "country" in form:
        chip(form["country"], country=None, mentions=None)
    if "theme" in form:
        chip(theme_label(form["theme"], labels), theme=None)
    if "year" in form:
        chip("–".join(filter(None, (form["year"], form.get("year_to")))), year=None, year_to=None)
    if "kind" in form:
        chip(KIND_LABELS[form["kind"]].lower(), kind=None, currency=None, sort=None)
    if "currency" in form:
        chip(form["currency"], currency=None)
    if "subject" in form:
        chip(f"subject “{form['subject']}”", subject=None)
    if "q" in form:
        chip(f"words “{form['q']}”", q=None)
    return chips


async def figures_page(datasette: Any, request: Any) -> Response:
    await allowed(datasette, request)
    db = datasette.get_database(archive_name(datasette))
    labels = theme_labels(datasette)
    options = await cached(db, ("figure-options",), figure_options)
    query = parse_args(request.args, options, labels)
    fmt = request.url_vars.get("format")
    flt = query.filter
    if query.everything:
        limit, offset = MAX_DOWNLOAD, 0
    else:
        limit, offset = query.limit, (query.page - 1) * query.limit

    def counts_of(conn: sqlite3.Connection) -> list[tuple[int | None, str, int]]:
        with sqlite_timelimit(conn, TIME_LIMIT_MS):
            return figure_counts(conn, flt)

    def rows_of(conn: sqlite3.Connection) -> list[dict[str, Any]]:
        with sqlite_timelimit(conn, TIME_LIMIT_MS):
            return figure_rows(conn, flt, sort=query.sort, limit=limit, offset=offset)

    try:
        counts = await cached(db, ("figure-counts", flt), counts_of)
        rows = await db.execute_fn(rows_of)
    except sqlite3.OperationalError as e:
        if str(e) != "interrupted":
            raise
        query.messages.append("That took too long to count: add a filter to narrow it down.")
        counts, rows = [], []
    total = sum(n for _, _, n in counts)
    figures = [present(r, datasette, labels) for r in rows]
    if fmt:
        return download(
            fmt, query, figures, total, lambda path: datasette.absolute_url(request, path)
        )

    base = datasette.urls.path("/figures")

    def url(args: dict[str, str], suffix: str = "") -> str:
        return base + suffix + ("?" + urlencode(args) if args else "")

    last_page = max(1, -(-total // query.limit))
    context = {
        "metadata": datasette.metadata(),
        "query": query,
        "options": options,
        "theme_choices": sorted(
            ((t, theme_label(t, labels)) for t in options["themes"]), key=lambda c: c[1]
        ),
        "kind_labels": KIND_LABELS,
        "kind_names": KIND_NAMES,
        "sort_labels": SORT_LABELS,
        "page_sizes": PAGE_SIZES,
        "default_page_size": DEFAULT_PAGE_SIZE,
        "figures": figures,
        "total": total,
        "first_number": offset + 1,
        "last_page": last_page,
        "prev_url": url(query.args(page=str(query.page - 1))) if query.page > 1 else None,
        "next_url": (
            url(query.args(page=str(query.page + 1)))
            if query.page < min(last_page, MAX_PAGE)
            else None
        ),
        "chips": _removable(query, labels, url),
        "mentions_url": (
            url(query.args(mentions="1", page=None))
            if "country" in query.form and not flt.mentions
            else None
        ),
        "csv_url": url(query.args(), ".csv"),
        "json_url": url(query.args(), ".json"),
        "all_csv_url": url(query.args(page=None, all="1"), ".csv"),
        "all_json_url": url(query.args(page=None, all="1"), ".json"),
        "max_download": MAX_DOWNLOAD,
        "chart_data": _chart_data(counts),
        "chart_years": len({year for year, _, _ in counts if year is not None}),
    }
    return Response.html(await datasette.render_template("figures.html", context, request=request))


@hookimpl(specname="register_routes")
def figures_routes() -> list[tuple[str, Callable[[Any, Any], Awaitable[Response]]]]:
    """Named apart from the other pages' route hooks: all are hooks of one plugin."""
    return [(r"^/figures(?:\.(?P<format>csv|json))?$", figures_page)]
