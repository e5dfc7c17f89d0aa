"""Post pages and the safety rails around Datasette's own pages.

- Post row pages (`/archive/posts/<id>`, template `row-archive-posts.html`) get the
  post's figures, countries, themes, comments, versions and images in a handful
  of queries.
- HTML that datasette-render-html shows (configured for posts.content_html only)
  is sanitized again as it is rendered: the stored HTML was cleaned by the
  pipeline, but the file may have been written by an older version or by hand,
  and a `<script>` in a staff tool is not a risk worth taking. This hook runs
  first and reads the same render-html configuration, so the set of HTML
  columns is declared in one place (metadata.yml).
- `post_id` cells (in tables and query results) link to the post: the schema has no
  foreign keys for Datasette to follow.
- The posts table view lists posts without their bodies (a page of 50 full
  posts is megabytes); `?_col=`/`?_nocol=` still choose columns explicitly.
- Anonymous browsers that hit a login-protected page are sent to the login form.
"""

import json
from typing import Any
from urllib.parse import parse_qsl

from datasette import hookimpl
from datasette.utils import urlsafe_components
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from pipeline.blogger.content import DEFAULT_IFRAME_HOSTS, sanitize_html

DB_NAME = "archive"
POSTS = "posts"
BODY_COLUMNS = ("content_html", "content_text")
PLUGIN_CONFIG_KEY = "blogger-archive"
POST_LINK_TABLES = frozenset(
    {"figures", "post_countries", "post_themes", "comments", "images", "post_versions"}
)


# ----------------------------------------------------------------- cells


@hookimpl(tryfirst=True)
def render_cell(value, column, table, database, datasette):
    if database != DB_NAME:
        return None
    html_columns = (
        datasette.plugin_config("datasette-render-html", database=database, table=table) or {}
    ).get("columns", [])
    if column in html_columns:
        config = datasette.plugin_config(PLUGIN_CONFIG_KEY) or {}
        hosts = config.get("iframe_hosts", DEFAULT_IFRAME_HOSTS)
        return Markup(sanitize_html(value or "", hosts))
    if column == "post_id" and (table is None or table in POST_LINK_TABLES) and value:
        return post_link(datasette, str(value))
    return None


def post_link(datasette: Any, post_id: str) -> Markup:
    href = datasette.urls.row(DB_NAME, POSTS, post_id)
    return Markup(f'<a href="{escape(href)}">{escape(post_id)}</a>')


# --------------------------------------------------------- posts table view


@hookimpl
def asgi_wrapper(datasette):
    """Add `_nocol` for the body columns to the HTML posts list unless columns were
    chosen; JSON and CSV (`posts.json`, `posts.csv`) keep every column."""

    def wrap(app):
        async def hide_bodies(scope, receive, send):
            if scope["type"] == "http" and scope["path"] == datasette.urls.table(DB_NAME, POSTS):
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
    if view_name != "row" or database != DB_NAME or table != POSTS:
        return None

    async def post_extras():
        post_id = urlsafe_components(request.url_vars["pks"])[0]
        db = datasette.get_database(DB_NAME)
        return await db.execute_fn(lambda conn: post_related(conn, post_id))

    return post_extras


def post_related(conn: Any, post_id: str) -> dict[str, Any]:
    """Everything the post page shows besides the post row itself."""

    def rows(sql: str) -> list[dict[str, Any]]:
        cur = conn.execute(sql, [post_id])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    figures = rows(
        "SELECT id, raw, value, kind, currency, qualifier, subject, sentence "
        "FROM figures WHERE post_id = ? ORDER BY char_start, id"
    )
    for f in figures:
        f["sentence_html"] = _mark_first(f["sentence"] or "", f["raw"] or "")
    return {
        "post_figures": figures,
        "post_countries": rows(
            "SELECT code, name, mentions, is_primary FROM post_countries "
            "WHERE post_id = ? ORDER BY is_primary DESC, mentions DESC, name"
        ),
        "post_themes": rows(
            "SELECT theme, score, evidence FROM post_themes WHERE post_id = ? "
            "ORDER BY score DESC, theme"
        ),
        "post_comments": rows(
            "SELECT id, author, published, content_text, in_reply_to, removed, "
            "url FROM comments WHERE post_id = ? ORDER BY published, id"
        ),
        "post_versions": rows(
            "SELECT updated, title, content_sha256, captured_at "
            "FROM post_versions WHERE post_id = ? ORDER BY captured_at, updated"
        ),
        "post_images": rows(
            "SELECT url, alt, capture_id FROM images WHERE post_id = ? ORDER BY url"
        ),
    }


def _mark_first(sentence: str, raw: str) -> Markup:
    """The sentence with the figure's first occurrence marked (both escaped first)."""
    text, needle = str(escape(sentence)), str(escape(raw))
    if needle and needle in text:
        text = text.replace(needle, f"<mark>{needle}</mark>", 1)
    return Markup(text)


def json_list(value: str | None) -> list[str]:
    """Template filter for the JSON-array columns (labels, countries, themes, evidence):
    a list of strings, empty for NULL or anything that is not a JSON array."""
    try:
        items = json.loads(value) if value else []
    except ValueError:
        return []
    return [str(i) for i in items] if isinstance(items, list) else []


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["json_list"] = json_list


# ----------------------------------------------------------- chrome, login


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.static_plugins("blogger-archive", "archive.css")]


@hookimpl
def menu_links(datasette):
    return [{"href": datasette.urls.path("/search"), "label": "Search the archive"}]


@hookimpl
def forbidden(datasette, request, message):
    """Browsers without a login go to the login form; API clients get the plain 403."""
    if request.actor or "text/html" not in request.headers.get("accept", ""):
        return None
    return Response.redirect(datasette.urls.path("/-/login"))
