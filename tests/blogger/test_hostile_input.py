"""Hostile feeds, exports and pages: only http(s) addresses are stored, and huge posts keep
their text.

A feed is data from the internet: a post whose address is `javascript:…` would otherwise be
stored and rendered as a link staff click ("original on the blog"). The feeds here are built
as bytes, the way a hostile server would send them.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from pipeline.blogger.atom import parse_feed
from pipeline.blogger.backup import iter_backup, parse_backup
from pipeline.blogger.common import http_url
from pipeline.blogger.content import html_to_text, image_refs
from pipeline.blogger.post_page import apply_post_page, parse_post_html
from pipeline.db.schema import open_db, transaction
from pipeline.db.writes import save_posts
from pipeline.web.app import PASSWORD_HASH_ENV, make_app
from tests.dsfixtures import BLOG_ID, build_archive

HOSTILE = [
    "javascript:alert(document.domain)//",
    "JaVaScRiPt:alert(1)",
    "  javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "//evil.example/post.html",
    "/2024/01/relative.html",
    "http://",
    "http://[::1/unclosed",
]
GOOD = "https://rightspasia.blogspot.com/2024/01/ok.html"
POST_ID = "4242"
ATOM_NS = (
    "xmlns='http://www.w3.org/2005/Atom' "
    "xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/' "
    "xmlns:thr='http://purl.org/syndication/thread/1.0' "
    "xmlns:feedburner='http://rssnamespace.org/feedburner/ext/1.0'"
)


def attr(value: str) -> str:
    """An XML attribute value that keeps tabs and newlines (the parser would fold them)."""
    return escape(value, quote=True).replace("\t", "&#9;").replace("\n", "&#10;")


def feed(
    *entries: str, suffix: str = "", alternate: str = GOOD, next_link: str | None = None
) -> bytes:
    nxt = f"<link rel='next' href='{attr(next_link)}'/>" if next_link else ""
    return (
        f"<?xml version='1.0' encoding='UTF-8'?><feed {ATOM_NS}>"
        f"<id>tag:blogger.com,1999:blog-{BLOG_ID}{suffix}</id>"
        "<updated>2024-01-02T00:00:00.000+07:00</updated><title>Rights</title>"
        f"<link rel='alternate' type='text/html' href='{attr(alternate)}'/>{nxt}"
        f"<openSearch:totalResults>{len(entries)}</openSearch:totalResults>"
        + "".join(entries)
        + "</feed>"
    ).encode()


def entry(item: str, link: str, *, content: str = "<p>Text</p>", extra: str = "") -> str:
    return (
        f"<entry><id>tag:blogger.com,1999:blog-{BLOG_ID}.{item}</id>"
        "<published>2024-01-01T10:00:00.000+07:00</published>"
        "<updated>2024-01-01T10:00:00.000+07:00</updated>"
        f"<title type='text'>Hostile post</title>"
        f"<content type='html'>{escape(content)}</content>"
        f"<link rel='alternate' type='text/html' href='{attr(link)}' title='x'/>{extra}</entry>"
    )


# ------------------------------------------------------------------ the check


@pytest.mark.parametrize("value", [*HOSTILE, "\x01javascript:alert(1)", "https://x.org/\x00"])
def test_http_url_refuses_everything_but_absolute_http(value: str) -> None:
    assert http_url(value) is None


@pytest.mark.parametrize(
    "value", [GOOD, "http://example.org", "HTTPS://Example.org/a?b=c#d", " https://x.org/a b.png "]
)
def test_http_url_keeps_http_addresses(value: str) -> None:
    assert http_url(value) == value.strip()


# ---------------------------------------------------------------------- feeds


@pytest.mark.parametrize("value", HOSTILE)
def test_feed_post_with_hostile_address_is_stored_without_it(value: str) -> None:
    body = "<p>Chart <img src='/chart.png'> <img src='https://img.example/ok.png'></p>"
    page = parse_feed(
        feed(entry(f"post-{POST_ID}", value, content=body), alternate=value, next_link=value)
    )
    (post,) = page.posts
    assert post.url is None
    assert page.blog is not None and page.blog.url is None
    assert page.next_url is None
    # a relative image has no address to be resolved against: dropped, the absolute one kept
    assert post.images == [("https://img.example/ok.png", "")]
    assert any(f"post {POST_ID}" in w for w in page.warnings)
    assert any(f"blog {BLOG_ID}" in w for w in page.warnings)


def test_feed_keeps_http_addresses_and_warns_about_nothing() -> None:
    page = parse_feed(feed(entry(f"post-{POST_ID}", GOOD, content="<img src='/a.png'>")))
    assert page.posts[0].url == GOOD
    assert page.posts[0].images == [("https://rightspasia.blogspot.com/a.png", "")]
    assert page.warnings == []


def test_feedburner_original_link_is_checked_too() -> None:
    orig = "<feedburner:origLink>javascript:alert(1)</feedburner:origLink>"
    page = parse_feed(feed(entry(f"post-{POST_ID}", GOOD, extra=orig)))
    assert page.posts[0].url is None


@pytest.mark.parametrize("value", HOSTILE)
def test_comment_and_page_addresses_are_checked(value: str) -> None:
    reply = (
        "<thr:in-reply-to xmlns:thr='http://purl.org/syndication/thread/1.0' "
        f"ref='tag:blogger.com,1999:blog-{BLOG_ID}.post-{POST_ID}'/>"
    )
    comments = parse_feed(feed(entry("post-77", value, extra=reply), suffix=".comments"))
    assert comments.comments[0].url is None
    assert any("comment 77" in w for w in comments.warnings)
    pages = parse_feed(feed(entry("page-88", value), suffix=".pages"))
    assert pages.pages[0].url is None
    assert any("page 88" in w for w in pages.warnings)


def test_rss_item_link_is_checked() -> None:
    rss = (
        "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel>"
        f"<guid>tag:blogger.com,1999:blog-{BLOG_ID}</guid><title>Rights</title>"
        "<link>javascript:alert(2)</link><item>"
        f"<guid isPermaLink='false'>tag:blogger.com,1999:blog-{BLOG_ID}.post-{POST_ID}</guid>"
        "<title>Hostile</title><link>javascript:alert(1)</link>"
        "<description>&lt;p&gt;Text &lt;img src='/a.png'&gt;&lt;/p&gt;</description>"
        "<pubDate>Mon, 01 Jan 2024 03:00:00 +0000</pubDate></item></channel></rss>"
    ).encode()
    page = parse_feed(rss)
    (post,) = page.posts
    assert post.url is None and post.images == []
    assert any(f"post {POST_ID}" in w for w in page.warnings)


def test_image_refs_keep_only_http_images_even_from_unsanitized_html() -> None:
    html = "".join(
        f'<img src="{escape(src)}">'
        for src in [
            "javascript:alert(1)",
            "vbscript:x",
            "file:///etc/passwd",
            "data:image/png;base64,iVBORw0KGgo=",
            "http://[::1",
            "https://img.example/ok.png",
            "/rel.png",
        ]
    )
    assert image_refs(html, GOOD) == [
        ("https://img.example/ok.png", ""),
        ("https://rightspasia.blogspot.com/rel.png", ""),
    ]


# -------------------------------------------------------------------- exports


def takeout(filename: str) -> bytes:
    return (
        "<?xml version='1.0' encoding='utf-8'?>"
        "<feed xmlns='http://www.w3.org/2005/Atom' "
        "xmlns:blogger='http://schemas.google.com/blogger/2018'>"
        f"<id>tag:blogger.com,1999:blog-{BLOG_ID}</id><title>Rights</title>"
        f"<entry><id>tag:blogger.com,1999:blog-{BLOG_ID}.post-{POST_ID}</id>"
        "<blogger:type>POST</blogger:type><blogger:status>LIVE</blogger:status>"
        "<title>Hostile</title><content type='html'>&lt;img src='/a.png'&gt;</content>"
        "<published>2024-01-01T00:00:00Z</published><updated>2024-01-01T00:00:00Z</updated>"
        f"<blogger:filename>{escape(filename)}</blogger:filename></entry>"
        "</feed>"
    ).encode()


@pytest.mark.parametrize(
    "filename", ["javascript:alert(document.domain)//", "data:text/html,x", "vbscript:x"]
)
def test_takeout_filename_that_is_not_a_path_is_stored_as_null(filename: str) -> None:
    contents = parse_backup(takeout(filename), blog_url="https://rightspasia.blogspot.com/")
    (post,) = contents.posts
    assert post.url is None and post.images == []
    assert any(f"post {POST_ID}" in w for w in contents.warnings)
    last = list(iter_backup(takeout(filename), blog_url="https://rightspasia.blogspot.com/"))
    assert any(f"post {POST_ID}" in w for batch in last for w in batch.warnings)


def test_takeout_filename_path_still_makes_the_address() -> None:
    contents = parse_backup(takeout("/2024/01/ok.html"), blog_url=GOOD.rsplit("2024", 1)[0])
    assert contents.posts[0].url == GOOD
    assert contents.warnings == []


def test_old_format_export_entry_addresses_are_checked() -> None:
    kind = (
        "<category scheme='http://schemas.google.com/g/2005#kind' "
        "term='http://schemas.google.com/blogger/2008/kind#post'/>"
    )
    data = feed(entry(f"post-{POST_ID}", "javascript:alert(1)", extra=kind), suffix=".archive")
    contents = parse_backup(data)
    assert contents.posts[0].url is None
    assert any(f"post {POST_ID}" in w for w in contents.warnings)


# ------------------------------------------------------------- staff pages


def test_hostile_post_is_shown_without_any_javascript_link(tmp_path: Path) -> None:
    """Through the store and Datasette: the post page and its search hit link nowhere bad."""
    db_path = build_archive(tmp_path / "archive.db", extra_posts=0)
    body = "<p>Zanzibarian pensions <img src='javascript:alert(3)'></p>"
    page = parse_feed(
        feed(entry(f"post-{POST_ID}", "javascript:alert(document.domain)//", content=body))
    )
    db = open_db(db_path)
    with transaction(db):
        save_posts(db, page.posts, seen_at="2024-06-01T00:00:00+00:00", origin="feed")
    stored = db.execute("SELECT url FROM posts WHERE id = ?", [POST_ID]).fetchone()
    assert stored == (None,)
    db.conn.close()
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(PASSWORD_HASH_ENV, raising=False)
        ds = make_app(db_path)

    async def fetch(path: str) -> str:
        response = await ds.client.get(path)
        assert response.status_code == 200, path
        return response.text

    for path in (f"/archive/posts/{POST_ID}", "/search?q=Zanzibarian"):
        html = asyncio.run(fetch(path))
        assert "Zanzibarian" in html
        assert "javascript:" not in html.lower()


# ----------------------------------------------------------------- huge posts

HUGE = 12_500_000  # over libxml2's 10 MB limit on one text node


def test_text_of_a_huge_post_survives() -> None:
    text = html_to_text("<p>" + "x" * HUGE + " END</p>")
    assert len(text) == HUGE + 4 and text.endswith(" END")


def test_huge_post_page_body_keeps_its_text() -> None:
    page = (
        "<html><head><meta charset='utf-8'></head><body><div class='post-body' "
        f"id='post-body-{POST_ID}'>{'y' * HUGE} <b>END</b></div></body></html>"
    ).encode()
    parsed = parse_post_html(page)
    post = parse_feed(feed(entry(f"post-{POST_ID}", GOOD))).posts[0]
    apply_post_page(post, parsed)
    assert len(post.content_text) == HUGE + 4 and post.content_text.endswith(" END")


def test_import_logs_the_refused_address_and_stores_null(archive) -> None:
    export = archive.root / "feed.atom"
    export.write_bytes(takeout("javascript:alert(document.domain)//"))
    proc = archive.cli("import", str(export), "--blog-url", "https://rightspasia.blogspot.com/")
    assert proc.returncode == 0, proc.stderr
    assert f"post {POST_ID}: address 'javascript:alert(document.domain)//' is not" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert archive.rows("SELECT url FROM posts WHERE id = ?", (POST_ID,)) == [{"url": None}]


@pytest.fixture
def hostile_blog() -> Iterator[str]:
    """A blog whose only post links to `javascript:`; its comments and pages feeds are empty."""
    feeds = {
        "/feeds/posts/": feed(entry(f"post-{POST_ID}", "javascript:alert(document.domain)//")),
        "/feeds/comments/": feed(suffix=".comments"),
        "/feeds/pages/": feed(suffix=".pages"),
    }

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            body = next((b for p, b in feeds.items() if self.path.startswith(p)), None)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/atom+xml; charset=UTF-8")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_run_logs_the_refused_address_and_stores_null(archive, hostile_blog: str) -> None:
    proc = archive.run(hostile_blog)
    assert f"post {POST_ID}: address 'javascript:alert(document.domain)//' is not" in proc.stderr
    assert archive.rows("SELECT url FROM posts WHERE id = ?", (POST_ID,)) == [{"url": None}]
