"""A local HTTP server that answers like Blogger for one synthetic blog.

The real blog cannot be reached from tests or the bench, so this server reproduces the
Blogger behaviours the archiver depends on (see shared/samples/PROVENANCE.md): Atom and
RSS feeds with openSearch paging and a ``rel=next`` link to another host name, the
comment feeds with their odd ids, feed modes, themed post pages, images in size
variants, robots.txt, Last-Modified without ETag, gzip, and injectable faults.

Entries are rendered once per post revision and cached, so a page of 150 entries is a
join of cached strings: the bench pulls 10,000 posts through it at several hundred
posts a second.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from random import Random
from typing import NamedTuple
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from .feeds import (
    API,
    ATOM_TYPE,
    COMMENTS_NS,
    POSTS_NS,
    RSS_TYPE,
    STYLESHEET,
    BadQuery,
    Renderer,
    matches_filters,
    next_href,
    page_slice,
    parse_feed_query,
)
from .model import (
    Blog,
    Page,
    Post,
    Settings,
    epoch,
    http_date,
    image_key,
    tag_id,
)
from .pages import (
    HTML_TYPE,
    error_page,
    home_page,
    not_found_page,
    png_bytes,
    post_page,
    static_page,
    variant_size,
)

CACHE_CONTROL = "public, must-revalidate, proxy-revalidate, max-age=1"


ROBOTS = {
    "allow": "User-agent: *\nAllow: /\n",
    "disallow_all": "User-agent: *\nDisallow: /\n",
    "disallow_feeds": "User-agent: *\nDisallow: /feeds\nAllow: /\n",
}


class RequestRecord(NamedTuple):
    """One logged request: what a test asserts on (counts, headers sent, statuses)."""

    method: str
    path: str  # path + query as requested
    headers: dict[str, str]
    status: int
    time: float


class Response(NamedTuple):
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = {}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, keep-alive clients
    # stall 40 ms per response waiting for a delayed ACK.
    disable_nagle_algorithm = True
    server: _Server

    def version_string(self) -> str:
        return "blogger-renderd"

    def log_message(self, format: str, *args: object) -> None:
        """Silence the per-request stderr line; requests are logged in ``mock.requests``."""

    def do_GET(self) -> None:
        self.server.mock.handle(self, head=False)

    def do_HEAD(self) -> None:
        self.server.mock.handle(self, head=True)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    mock: MockBlogger


class MockBlogger:
    """Serve ``blog`` like Blogger on a local port.

    Use as a context manager (or ``start()``/``stop()``).  Keyword arguments override
    fields of ``blog.settings``; ``mock.settings`` is that same object and can be changed
    while the server runs.  Starting the server points the blog's permalinks at
    ``mock.url`` and its images at ``mock.media_url`` (the ``next_host`` name).
    """

    def __init__(
        self, blog: Blog, *, host: str = "127.0.0.1", port: int = 0, **settings: object
    ) -> None:
        known = {f.name for f in fields(Settings)}
        unknown = set(settings) - known
        if unknown:
            raise TypeError(f"unknown settings: {sorted(unknown)}")
        for name, value in settings.items():
            setattr(blog.settings, name, value)
        self.blog = blog
        self.settings = blog.settings
        self.host = host
        self._server = _Server((host, port), _Handler)
        self._server.mock = self
        self.port = self._server.server_address[1]
        self.url = f"http://{host}:{self.port}/"
        self.media_url = f"http://{self.settings.next_host or host}:{self.port}/"
        self.requests: list[RequestRecord] = []
        self._log_lock = threading.Lock()
        self._fault_lock = threading.Lock()
        self._fault_rng = Random(self.settings.fault_seed)
        self._thread: threading.Thread | None = None
        self.renderer = Renderer(blog)
        blog.rebase(self.url, self.media_url)

    # lifecycle ---------------------------------------------------------------------------

    def start(self) -> MockBlogger:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            args=(0.05,),
            name=f"mockblogger:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> MockBlogger:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # helpers for tests -------------------------------------------------------------------

    def url_for(self, item: Post | Page) -> str:
        return self.blog.url_of(item)

    def feed_url(self, path: str = "feeds/posts/default", **params: object) -> str:
        query = f"?{urlencode(params)}" if params else ""
        return f"{self.url}{path}{query}"

    def reset_log(self) -> None:
        with self._log_lock:
            self.requests.clear()

    def requests_to(self, prefix: str) -> list[RequestRecord]:
        """Logged requests whose path starts with ``prefix`` (e.g. "/feeds/")."""
        with self._log_lock:
            return [r for r in self.requests if r.path.startswith(prefix)]

    # request handling --------------------------------------------------------------------

    def handle(self, handler: _Handler, *, head: bool) -> None:
        target = handler.path
        split = urlsplit(target)
        path, query = split.path, split.query
        headers = dict(handler.headers.items())
        faulted = self._fault_applies(path)
        response = self._early_fault(faulted)
        if response is None:
            try:
                response = self.route(path, query, headers)
            except BadQuery as exc:
                response = Response(400, "text/plain; charset=UTF-8", str(exc).encode())
        status = self._send(handler, response, headers, head=head, faulted=faulted)
        with self._log_lock:
            self.requests.append(
                RequestRecord(handler.command, target, headers, status, time.time())
            )

    def _fault_applies(self, path: str) -> bool:
        scope = self.settings.fault_paths
        if scope == "all":
            return True
        if scope == "feeds":
            return path.startswith("/feeds/")
        return re.search(scope, path) is not None

    def _take(self, counter: str) -> bool:
        """Consume one unit of a fault counter in the settings."""
        with self._fault_lock:
            remaining = getattr(self.settings, counter)
            if remaining > 0:
                setattr(self.settings, counter, remaining - 1)
                return True
            return False

    def _roll(self, rate: float) -> bool:
        with self._fault_lock:
            return rate > 0 and self._fault_rng.random() < rate

    def _early_fault(self, faulted: bool) -> Response | None:
        if not faulted:
            return None
        if self.settings.delay:
            time.sleep(self.settings.delay)
        if self._take("fail_429"):
            return Response(
                429,
                HTML_TYPE,
                error_page(429, "Too Many Requests").encode(),
                {"Retry-After": str(self.settings.retry_after)},
            )
        if self._take("fail_500") or self._roll(self.settings.error_rate):
            return Response(500, HTML_TYPE, error_page(500, "Internal Server Error").encode())
        return None

    def _send(
        self,
        handler: _Handler,
        response: Response,
        request_headers: dict[str, str],
        *,
        head: bool,
        faulted: bool,
    ) -> int:
        status, content_type, body, extra = response
        if (
            status == 200
            and self.settings.honor_if_modified_since
            and "Last-Modified" in extra
            and self._not_modified(request_headers, extra)
        ):
            status, body = 304, b""
        cut = (
            status == 200
            and faulted
            and (self._take("truncate") or self._roll(self.settings.truncate_rate))
        )
        if cut:
            body = body[: len(body) // 2]
        encoded = body
        accept = request_headers.get("Accept-Encoding", "")
        gzipped = self.settings.gzip and "gzip" in accept and len(body) > 0
        if gzipped:
            encoded = gzip.compress(body, compresslevel=3, mtime=0)
        disconnect = status == 200 and faulted and self._take("disconnect")
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        for name, value in extra.items():
            handler.send_header(name, value)
        if gzipped:
            handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Vary", "Accept-Encoding")
        handler.send_header("X-Content-Type-Options", "nosniff")
        handler.send_header("Content-Length", str(len(encoded)))
        if disconnect:
            handler.send_header("Connection", "close")
        handler.end_headers()
        if head:
            return status
        if disconnect:
            handler.wfile.write(encoded[: len(encoded) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            return status
        handler.wfile.write(encoded)
        return status

    @staticmethod
    def _not_modified(request_headers: dict[str, str], extra: dict[str, str]) -> bool:
        since = request_headers.get("If-Modified-Since")
        if not since:
            return False
        try:
            return parsedate_to_datetime(since) >= parsedate_to_datetime(extra["Last-Modified"])
        except (TypeError, ValueError):
            return False

    # routing -----------------------------------------------------------------------------

    def route(self, path: str, query: str, headers: dict[str, str]) -> Response:
        """Dispatch one GET; unknown paths get Blogger's themed 404 page."""
        blog = self.blog
        host = headers.get("Host", f"{self.host}:{self.port}")
        if path == "/robots.txt":
            return Response(200, "text/plain; charset=UTF-8", self._robots().encode())
        if path.startswith("/feeds/"):
            return self._feed(path, query, host)
        if path.startswith("/img/"):
            return self._image(path)
        params = dict(parse_qsl(query))
        if path == "/":
            return self._html(home_page(blog, self.renderer.live_posts("published")[:10]))
        match = re.fullmatch(r"/(\d{4})/(\d{2})/[^/]+\.html", path)
        if match:
            post = self._live_post(path=path)
            if post is not None:
                theme = "mobile" if params.get("m") == "1" else self.settings.theme
                return self._html(post_page(blog, post, theme))
        if path.startswith("/p/"):
            page = next((p for p in blog.pages if p.path == path and p.status == "live"), None)
            if page is not None:
                return self._html(static_page(blog, page, self.settings.theme))
        return self._html(not_found_page(blog, path), 404)

    def _html(self, text: str, status: int = 200) -> Response:
        return Response(status, HTML_TYPE, text.encode(), {"Cache-Control": "private, max-age=0"})

    def _live_post(self, *, path: str | None = None, post_id: str | None = None) -> Post | None:
        """A live post by permalink path or id (lookups rebuilt when the blog changes)."""
        by_key = self.renderer.index(
            "live-by-key",
            lambda: {key: p for p in self.blog.posts if p.live for key in (p.path, p.post_id)},
        )
        return by_key.get(path or post_id)  # type: ignore[attr-defined]

    def _robots(self) -> str:
        mode = self.settings.robots
        if mode == "default":
            return (
                f"User-agent: Mediapartners-Google\nDisallow: \n\nUser-agent: *\n"
                f"Disallow: /search\nAllow: /\n\nSitemap: {self.blog.url}sitemap.xml\n"
            )
        return ROBOTS.get(mode, mode)

    def _image(self, path: str) -> Response:
        key = image_key(path)
        if key is None or key[0] not in self.renderer.images():
            return Response(404, HTML_TYPE, error_page(404, "Not Found").encode())
        digest = hashlib.sha256(key[0].encode()).digest()
        width, height = variant_size(key[1])
        return Response(
            200,
            "image/png",
            png_bytes(width, height, (digest[0], digest[1], digest[2])),
            {
                "Cache-Control": "public, max-age=86400",
                "Last-Modified": http_date(self.blog.created),
            },
        )

    # feeds -------------------------------------------------------------------------------

    def _feed(self, path: str, query: str, host: str) -> Response:
        blog = self.blog
        parts = path.strip("/").split("/")[1:]  # drop "feeds"
        if parts and parts[0] == blog.blog_id and len(parts) > 1:
            parts = parts[1:]  # /feeds/BLOGID/... is the same feed as /feeds/...
        label = None
        if "-" in parts:
            dash = parts.index("-")
            parts, label = parts[:dash], "/".join(parts[dash + 1 :])
        if parts in (["posts", "default"], ["posts", "summary"]):
            return self._posts_feed(parts[1], query, host, label)
        if len(parts) == 3 and parts[:2] == ["posts", "default"]:
            return self._single_entry(parts[2])
        if parts == ["comments", "default"]:
            if not self.settings.comments_feed:
                return Response(404, "text/plain; charset=UTF-8", b"Comments feed disabled")
            return self._comments_feed(None, query, host)
        if len(parts) == 3 and parts[1:] == ["comments", "default"]:
            if not self.settings.per_post_comments_feed:
                return Response(404, "text/plain; charset=UTF-8", b"Comments feed disabled")
            post = self._live_post(post_id=parts[0])
            if post is not None:
                return self._comments_feed(post, query, host)
        if parts == ["pages", "default"]:
            return self._pages_feed()
        return Response(404, "text/plain; charset=UTF-8", b"Not Found")

    def _next_base(self, host: str) -> str:
        name = self.settings.next_host
        return f"http://{name}:{self.port}/" if name else f"http://{host}/"

    def _atom(self, head: str, entries: Iterable[str], last_modified: datetime) -> Response:
        body = "".join([head, *entries, "</feed>"]).encode()
        return Response(200, ATOM_TYPE, body, self._cache_headers(last_modified))

    def _cache_headers(self, last_modified: datetime) -> dict[str, str]:
        return {
            "Last-Modified": http_date(last_modified),
            "Cache-Control": CACHE_CONTROL,
            "Expires": http_date(datetime.now(UTC) + timedelta(seconds=1)),
        }

    def _posts_feed(self, flavour: str, query: str, host: str, label: str | None) -> Response:
        blog, renderer = self.blog, self.renderer
        mode = self.settings.feed_mode
        if mode == "none":
            return Response(404, "text/plain; charset=UTF-8", b"Feed disabled")
        if flavour == "summary":
            mode = "summary"
        q = parse_feed_query(query, self.settings)
        posts = renderer.live_posts(q.orderby)
        if q.filters or label:
            posts = [
                p
                for p in posts
                if matches_filters(p, q.filters) and (label is None or label in p.labels)
            ]
        chunk = page_slice(posts, q)
        if dict(q.extra).get("alt") == "rss":
            head = renderer.rss_head(total=len(posts), start=q.start, size=q.size)
            body = "".join(
                [head, *(renderer.rss_item(p, mode) for p in chunk), "</channel></rss>"]
            ).encode()
            return Response(200, RSS_TYPE, body, self._cache_headers(blog.updated))
        feed_path = f"feeds/{blog.blog_id}/posts/{flavour}" + (
            f"/-/{quote(label)}" if label else ""
        )
        head = renderer.feed_head(
            feed_id=tag_id(blog.blog_id),
            updated=blog.updated,
            title=blog.title,
            feed_href=f"{blog.url}feeds/posts/{flavour}",
            self_href=f"{API}/{blog.blog_id}/posts/{flavour}",
            alternate=blog.url,
            total=len(posts),
            start=q.start,
            size=q.size,
            next_href=next_href(self._next_base(host), feed_path, q, len(posts)),
            namespaces=POSTS_NS,
            with_labels=True,
        )
        return self._atom(head, (renderer.post_entry(p, mode) for p in chunk), blog.updated)

    def _single_entry(self, post_id: str) -> Response:
        """/feeds/posts/default/POSTID: one entry as its own Atom document."""
        post = self._live_post(post_id=post_id)
        if post is None:
            return Response(404, "text/plain; charset=UTF-8", b"Not Found")
        entry = self.renderer.post_entry(post, "full").replace("<entry>", f"<entry {POSTS_NS}>", 1)
        return Response(
            200, ATOM_TYPE, (STYLESHEET + entry).encode(), self._cache_headers(post.updated)
        )

    def _comments_feed(self, post: Post | None, query: str, host: str) -> Response:
        blog, renderer = self.blog, self.renderer
        q = parse_feed_query(query, self.settings)
        if post is None:
            pairs = renderer.live_comments()
        else:
            pairs = [
                (post, c) for c in sorted(post.comments, key=lambda c: c.published, reverse=True)
            ]
        if q.filters:
            pairs = [(p, c) for p, c in pairs if matches_filters(c, q.filters)]
        chunk = page_slice(pairs, q)
        # An empty per-post feed answers with the blog-wide feed's id, title and date.
        dated = renderer.live_comments() if post is not None and not pairs else pairs
        updated = dated[0][1].published if dated else epoch(blog.tz)  # newest first
        if post is None or not pairs:
            feed_id, title, alternate = tag_id(blog.blog_id, ".comments"), blog.title, blog.url
        else:
            feed_id = tag_id(blog.blog_id, f".post{post.post_id}..comments")
            title = f"Comments on {blog.title}: {post.title}"
            alternate = blog.url_of(post)
        api_path = (
            f"feeds/{blog.blog_id}/comments/default"
            if post is None
            else f"feeds/{blog.blog_id}/{post.post_id}/comments/default"
        )
        head = renderer.feed_head(
            feed_id=feed_id,
            updated=updated,
            title=title,
            feed_href=f"{blog.url}feeds/comments/default",
            self_href=f"https://www.blogger.com/{api_path}",
            alternate=alternate,
            total=len(pairs),
            start=q.start,
            size=q.size,
            next_href=next_href(self._next_base(host), api_path, q, len(pairs)),
            namespaces=COMMENTS_NS,
            with_labels=False,
        )
        return self._atom(head, (renderer.comment_entry(p, c) for p, c in chunk), updated)

    def _pages_feed(self) -> Response:
        blog, renderer = self.blog, self.renderer
        live = [p for p in blog.pages if p.status == "live"]
        updated = max((p.updated for p in live), default=epoch(blog.tz))
        head = renderer.feed_head(
            feed_id=tag_id(blog.blog_id),
            updated=updated,
            title=blog.title,
            feed_href=f"{blog.url}feeds/pages/default",
            self_href=f"{API}/{blog.blog_id}/pages/default",
            alternate=blog.url,
            total=len(live),
            start=1,
            size=self.settings.max_results_default,
            next_href=None,
            namespaces=POSTS_NS,
            with_labels=False,
        )
        return self._atom(head, (renderer.page_entry(p) for p in live), updated)
