"""Post pages and how Datasette's own pages show the archive's values.

- Post row pages (`/archive/posts/<id>`, template `row-archive-posts.html`) show the
  post with its figures marked where they are in the text, its images from the
  archive's own captures, tags, comments, and each later version as a readable diff.
- Figures are placed in the *rendered HTML*, not in a second copy of the text: each
  text node of the sanitized HTML is located in `content_text` (the text the figure
  offsets index into, made from that same HTML), and a figure lying inside a located
  node is wrapped in `<mark id="figure-<id>">` at its exact offsets. A node that cannot
  be located (a body changed by hand, a Unicode normalisation) is left alone, and its
  figures are listed with their sentence only, so a figure is never marked in the
  wrong place.
- HTML that datasette-render-html shows (configured for posts.content_html only) is
  sanitized again as it is rendered: the stored HTML was cleaned by the pipeline, but
  the file may have been written by an older version or by hand. This hook runs first
  and reads the same render-html configuration, so the set of HTML columns is
  declared in one place (metadata.yml).
- Cells never show raw storage formats: JSON arrays become tags, theme ids their
  labels, figure values readable numbers, and `post_id`s link to the post (the schema
  has no foreign keys for Datasette to follow).
- The posts table view lists posts without their bodies (a page of 50 full posts is
  megabytes); `?_col=`/`?_nocol=` still choose columns explicitly.
- "Log in" is offered only when a staff account exists; anonymous browsers that hit a
  login-protected page are sent to the login form.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import cache
from typing import Any
from urllib.parse import parse_qsl

import lxml.html
from datasette import hookimpl
from datasette.utils import urlsafe_components
from datasette.utils.asgi import Response
from lxml import etree
from markupsafe import Markup, escape

from pipeline.blogger.common import http_url
from pipeline.blogger.content import (
    DEFAULT_IFRAME_HOSTS,
    html_fragment,
    html_to_text,
    image_refs,
    sanitize_html,
)
from pipeline.db import pages
from pipeline.extract.figures import figure_phrase, readable_value
from pipeline.extract.phrases import load_vocabulary
from pipeline.web.names import archive_name

POSTS = "posts"
BODY_COLUMNS = ("content_html", "content_text")
PLUGIN_CONFIG_KEY = "blogger-archive"
POST_LINK_TABLES = frozenset(
    {"figures", "post_countries", "post_themes", "comments", "images", "post_versions"}
)
JSON_LIST_COLUMNS = frozenset({"labels", "countries", "primary_countries", "themes", "evidence"})
MEDIA_PATH = "/-/media/{}"
# JSON-array column → list of strings: the `json_list` template filter, and for other pages.
json_list = pages.json_strings


def plugin_config(datasette: Any) -> dict[str, Any]:
    """Our block of the metadata (set by `make_app`; empty under a plain `datasette`)."""
    return datasette.plugin_config(PLUGIN_CONFIG_KEY) or {}


@cache
def _shipped_theme_labels() -> dict[str, str]:
    return {t["id"]: t.get("label") or t["id"] for t in load_vocabulary("themes")}


def theme_labels(datasette: Any) -> dict[str, str]:
    """Theme id → label, from the configured vocabulary (or the shipped one)."""
    return plugin_config(datasette).get("theme_labels") or _shipped_theme_labels()


def media_url(datasette: Any, capture_id: int | None) -> str | None:
    """Where the archive serves a captured image; None when it cannot (no raw_dir known)."""
    if capture_id is None or not plugin_config(datasette).get("raw_dir"):
        return None
    return datasette.urls.path(MEDIA_PATH.format(capture_id))


# ----------------------------------------------------------------- cells


def readable(value: float | None, kind: str | None, currency: str | None, raw: str | None) -> str:
    """A figure value as staff read it; also the SQL function `readable_value(…)`."""
    if value is None:
        return ""
    return readable_value(float(value), kind or "count", currency, raw or "")


def tags(values: list[str], css: str, labels: dict[str, str] | None = None) -> Markup:
    return Markup(" ").join(
        Markup('<span class="tag {}">{}</span>').format(css, (labels or {}).get(v, v))
        for v in values
    )


def _row_value(row: Any, column: str) -> Any:
    try:
        return row[column]
    except (IndexError, KeyError, TypeError):
        return None


@hookimpl(tryfirst=True)
def render_cell(row, value, column, table, database, datasette):
    if database != archive_name(datasette):
        return None
    html_columns = (
        datasette.plugin_config("datasette-render-html", database=database, table=table) or {}
    ).get("columns", [])
    if column in html_columns:
        hosts = plugin_config(datasette).get("iframe_hosts", DEFAULT_IFRAME_HOSTS)
        return Markup(sanitize_html(value or "", hosts))
    post_id = _row_value(row, "post_id")
    if column == "post_id" and (table is None or table in POST_LINK_TABLES) and value:
        return post_link(datasette, str(value), str(value))
    if column == "title" and table is None and post_id and value:
        return post_link(datasette, str(post_id), str(value))
    if column in JSON_LIST_COLUMNS and isinstance(value, str) and value.startswith("["):
        labels = theme_labels(datasette) if column == "themes" else None
        return tags(pages.json_strings(value), f"tag-{column}", labels)
    if column == "theme" and isinstance(value, str):
        return theme_labels(datasette).get(value, value)
    if column == "value" and table == "figures" and isinstance(value, int | float):
        return readable(
            value, _row_value(row, "kind"), _row_value(row, "currency"), _row_value(row, "raw")
        )
    if isinstance(value, float):  # scores and the like: "1", "0.75", never "1.0"
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return None


def post_link(datasette: Any, post_id: str, text: str) -> Markup:
    href = datasette.urls.row(archive_name(datasette), POSTS, post_id)
    return Markup('<a href="{}">{}</a>').format(href, text)


@hookimpl
def prepare_connection(conn, database, datasette):
    """SQL functions the saved queries use (`readable_value`, `is_people`)."""
    if database == archive_name(datasette):
        pages.register_functions(conn)
        conn.create_function("readable_value", 4, readable, deterministic=True)


# --------------------------------------------------------- posts table view


@hookimpl
def asgi_wrapper(datasette):
    """Add `_nocol` for the body columns to the HTML posts list unless columns were
    chosen; JSON and CSV (`posts.json`, `posts.csv`) keep every column."""

    def wrap(app):
        async def hide_bodies(scope, receive, send):
            if scope["type"] == "http" and scope["path"] == datasette.urls.table(
                archive_name(datasette), POSTS
            ):
                qs = scope.get("query_string", b"").decode("latin-1")
                if not any(k in ("_col", "_nocol") for k, _ in parse_qsl(qs)):
                    extra = "&".join(f"_nocol={c}" for c in BODY_COLUMNS)
                    scope = {**scope, "query_string": f"{qs}&{extra}".lstrip("&").encode()}
            await app(scope, receive, send)

        return hide_bodies

    return wrap


# ------------------------------------------------------------- post pages


@hookimpl
def extra_template_vars(view_name, database, table, request, datasette):
    """Theme labels on every page of the archive (tags, facets); the post's related
    rows on post pages."""
    labels = theme_labels(datasette)
    if view_name != "row" or database != archive_name(datasette) or table != POSTS:
        return {"theme_labels": labels}

    async def post_extras():
        post_id = urlsafe_components(request.url_vars["pks"])[0]
        db = datasette.get_database(archive_name(datasette))
        related = await db.execute_fn(lambda conn: pages.post_related(conn, post_id))
        hosts = plugin_config(datasette).get("iframe_hosts", DEFAULT_IFRAME_HOSTS)
        images = related["images"]
        for image in images:
            image["src"] = media_url(datasette, image["capture_id"]) or image["url"]
        body, placed = post_body(
            related["content_html"],
            related["content_text"],
            related["figures"],
            rewrite=image_rewriter(images, related["url"]),
            archived=frozenset(i["src"] for i in images if i["src"] != i["url"]),
            hosts=hosts,
        )
        figures = [
            {
                **f,
                "phrase": figure_phrase(
                    f["qualifier"],
                    readable(f["value"], f["kind"], f["currency"], f["raw"]),
                    f["subject"],
                ),
                "placed": f["id"] in placed,
                "sentence_html": mark_first(f["sentence"] or "", f["raw"] or ""),
            }
            for f in related["figures"]
        ]
        return {
            "theme_labels": labels,
            "post_body": body,
            "post_figures": figures,
            "post_countries": related["country_tags"],
            "post_themes": [
                {
                    **t,
                    "label": labels.get(t["theme"], t["theme"]),
                    "terms": pages.json_strings(t["evidence"]),
                }
                for t in related["theme_tags"]
            ],
            "post_comments": related["comments"],
            "post_versions": version_changes(related["versions"]),
            "post_images": images,
        }

    return post_extras


def image_rewriter(images: list[dict[str, Any]], post_url: str | None) -> Callable[[str], str]:
    """src/href → the archived copy when the image was captured, else unchanged.

    URLs are resolved exactly as the pipeline resolved them when it listed the images
    (`image_refs`), so the lookup matches the `images` table."""
    served = {i["url"]: i["src"] for i in images if i["src"] != i["url"]}

    def rewrite(src: str) -> str:
        tag = str(Markup('<img src="{}">').format(src))
        refs = image_refs(tag, post_url)
        return served.get(refs[0][0], src) if refs else src

    return rewrite


def post_body(
    html: str | None,
    text: str | None,
    figures: list[dict[str, Any]],
    *,
    rewrite: Callable[[str], str],
    archived: frozenset[str],
    hosts: Any,
) -> tuple[Markup, set[int]]:
    """The sanitized post with archived image sources (`rewrite`; `archived` are the
    archive's own addresses) and its figures marked; also the ids of the figures that
    were placed."""
    clean = sanitize_html(html or "", hosts)
    if not clean.strip():
        return Markup(""), set()
    root = html_fragment(clean)
    for el in root.iter("img", "a"):
        attr = "src" if el.tag == "img" else "href"
        if el.get(attr):
            el.set(attr, rewrite(el.get(attr)))
    for link in root.iter("a"):
        # Blogger wraps each image in a link to its full-size variant, which is not
        # captured: once the image is archived, the link opens the archived copy.
        images = link.findall("img")
        if len(images) == 1 and len(link) == 1 and images[0].get("src") in archived:
            link.set("href", images[0].get("src"))
    placed = mark_figures(root, text or "", figures)
    inner = str(escape(root.text or "")) + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in root
    )
    return Markup(inner), placed


def _text_nodes(el: etree._Element) -> Iterator[tuple[etree._Element, str]]:
    """(element, "text" | "tail") of every text node under `el`, in document order."""
    yield el, "text"
    for child in el:
        if isinstance(child.tag, str):
            yield from _text_nodes(child)
        yield child, "tail"


def _collapsed(raw: str) -> tuple[str, list[int]]:
    """`raw` with runs of spaces as one space (as in content_text), and for each kept
    character its index in `raw`."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(raw):
        if ch.isspace():
            if out and out[-1] == " ":
                continue
            ch = " "
        out.append(ch)
        where.append(i)
    return "".join(out), where


def mark_figures(root: etree._Element, text: str, figures: list[dict[str, Any]]) -> set[int]:
    """Wrap each figure whose text node is found in `text` (see the module docstring)."""
    pending = sorted(
        (f for f in figures if f["char_start"] is not None and f["char_end"] is not None),
        key=lambda f: f["char_start"],
    )
    placed: set[int] = set()
    cursor = 0
    for el, attr in list(_text_nodes(root)):
        raw = getattr(el, attr) or ""
        if not raw.strip() or unicodedata.normalize("NFC", raw) != raw:
            continue
        collapsed, where = _collapsed(raw)
        lead = len(collapsed) - len(collapsed.lstrip())
        needle = collapsed.strip()
        at = text.find(needle, cursor)
        if at < 0:
            continue
        cursor = at + len(needle)
        inside = [f for f in pending if at <= f["char_start"] and f["char_end"] <= cursor]
        spans = []
        for f in inside:
            start = where[lead + f["char_start"] - at]
            end = where[lead + f["char_end"] - at - 1] + 1
            if not spans or start >= spans[-1][1]:
                spans.append((start, end, f))
        if spans:
            _wrap(el, attr, raw, spans)
            placed.update(f["id"] for _, _, f in spans)
        pending = [f for f in pending if f["char_start"] >= cursor]
    return placed


def _wrap(el: etree._Element, attr: str, raw: str, spans: list[tuple[int, int, dict]]) -> None:
    """Split one text node into text and `<mark class="figure">` elements."""
    marks = []
    for i, (start, end, figure) in enumerate(spans):
        mark = etree.Element("mark", {"class": "figure", "id": f"figure-{figure['id']}"})
        mark.text = raw[start:end]
        mark.tail = raw[end : spans[i + 1][0] if i + 1 < len(spans) else len(raw)]
        marks.append(mark)
    setattr(el, attr, raw[: spans[0][0]])
    if attr == "text":
        parent, index = el, 0
    else:
        parent = el.getparent()
        index = parent.index(el) + 1
    for offset, mark in enumerate(marks):
        parent.insert(index + offset, mark)


def mark_first(sentence: str, raw: str) -> Markup:
    """The sentence with the figure's first occurrence marked (both escaped first)."""
    text, needle = str(escape(sentence)), str(escape(raw))
    if needle and needle in text:
        text = text.replace(needle, f"<mark>{needle}</mark>", 1)
    return Markup(text)


def version_changes(versions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each version (newest first) with what changed since the one before it: the title,
    and the paragraphs removed and added (plain text; the template escapes it)."""
    out = []
    before_text: list[str] | None = None
    before_title = None
    for version in versions:
        paragraphs = [p for p in html_to_text(version["content_html"] or "").split("\n") if p]
        changes: list[tuple[str, str]] = []
        if before_text is not None:
            matcher = difflib.SequenceMatcher(a=before_text, b=paragraphs, autojunk=False)
            for op, a1, a2, b1, b2 in matcher.get_opcodes():
                if op != "equal":
                    changes += [("removed", p) for p in before_text[a1:a2]]
                    changes += [("added", p) for p in paragraphs[b1:b2]]
        out.append(
            {
                "updated": version["updated"],
                "captured_at": version["captured_at"],
                "title": version["title"],
                "title_changed": before_text is not None and version["title"] != before_title,
                "first": before_text is None,
                "changes": changes,
            }
        )
        before_text, before_title = paragraphs, version["title"]
    return out[::-1]


def readable_date(value: str | None) -> str:
    """Template filter: "2023-12-02T10:00:00+00:00" → "2 December 2023"."""
    if not value:
        return "undated"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value[:10]
    return f"{moment.day} {moment:%B %Y}"


def facet_label(value: Any, label: Any, themes: bool, labels: dict[str, str]) -> str:
    """Template filter: a facet value in words. A column facet on a JSON-array column
    lists its items ("Cambodia, Nepal"); theme ids become their labels."""
    items = json_list(value) if isinstance(value, str) and value.startswith("[") else None
    if items is None:
        return labels.get(value, label) if themes else label
    return ", ".join(labels.get(i, i) if themes else i for i in items) or "(none)"


@hookimpl
def prepare_jinja2_environment(env, datasette):
    # templates link into the archive by `archive_db()`, which is not always "archive"
    env.globals["archive_db"] = lambda: archive_name(datasette)
    env.filters["facet_label"] = facet_label
    env.filters["json_list"] = json_list
    env.filters["readable_date"] = readable_date
    # Links built from archive data (a post's original, its images) render only for
    # http(s) addresses, whatever an older or hand-edited file holds.
    env.filters["http_url"] = http_url


# ----------------------------------------------------------- chrome, login


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.static_plugins("blogger-archive", "archive.css")]


@hookimpl(hookwrapper=True)
def menu_links(datasette, actor, request):
    """Add the staff pages (search, figures, overview) to the menu, and drop
    datasette-auth-passwords' "Log in" when no staff account is configured (there is
    nothing to log in to).

    A wrapper because one plugin cannot remove another's links any other way."""
    outcome = yield
    links = outcome.get_result()
    if datasette.plugin_config("datasette-auth-passwords") is None:
        login = datasette.urls.path("/-/login")
        links = [
            [link for link in found if link.get("href") != login]
            if isinstance(found, list)
            else found
            for found in links
        ]
    outcome.force_result(
        [
            *links,
            [
                {"href": datasette.urls.path("/search"), "label": "Search the archive"},
                {"href": datasette.urls.path("/figures"), "label": "Find figures"},
                {"href": datasette.urls.path("/overview"), "label": "Overview"},
            ],
        ]
    )


@hookimpl
def forbidden(datasette, request, message):
    """Browsers without a login go to the login form; API clients get the plain 403."""
    if request.actor or "text/html" not in request.headers.get("accept", ""):
        return None
    return Response.redirect(datasette.urls.path("/-/login"))
