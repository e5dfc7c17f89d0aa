"""The run stage: scrape → parse → store for one blog, one transaction per feed page."""

from __future__ import annotations

import re
import signal
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import sqlite_utils
from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from pipeline.blogger.atom import parse_feed
from pipeline.blogger.common import normalize_blog_url
from pipeline.blogger.content import image_refs
from pipeline.blogger.post_page import apply_post_page, parse_post_html
from pipeline.config import Config
from pipeline.db import queries, schema, writes
from pipeline.db.writes import save_captures
from pipeline.errors import (
    ArchiveError,
    FeedError,
    FeedsOffError,
    FetchError,
    IncompleteListing,
    Interrupted,
    RobotsDisallowed,
)
from pipeline.http.fetcher import Fetcher, Response, utc_now
from pipeline.http.warc import WarcLog, read_capture
from pipeline.model import FeedPage, PostRecord, Progress, no_progress
from pipeline.stages.media import capture_images


class StopFlag:
    """Set by the first Ctrl-C: the run stops after the page it is storing.

    A second Ctrl-C interrupts at once (the open transaction rolls back).
    """

    def __init__(self) -> None:
        self.stopped = False
        self._previous: Any = None

    def __enter__(self) -> StopFlag:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)

    def _handle(self, signum: int, frame: Any) -> None:
        if self.stopped:
            raise KeyboardInterrupt
        self.stopped = True

    def check(self) -> None:
        if self.stopped:
            raise Interrupted("interrupted by Ctrl-C: stopped after a complete page")


def feed_url(blog_url: str, path: str, page_size: int, **params: str) -> str:
    query = urlencode({"max-results": page_size, **params})
    return f"{blog_url}{path}?{query}"


def with_start_index(url: str, start_index: int) -> str:
    """The same feed URL asking for entries from `start_index` on."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "start-index"]
    query.append(("start-index", str(start_index)))
    return urlunsplit((*parts[:3], urlencode(query), ""))


@dataclass
class RunResult:
    """What one blog's run did, for the runs table and the summary line."""

    blog_url: str
    blog_id: str | None = None
    run_id: int | None = None
    status: str = "ok"
    error: str | None = None
    total_results: int | None = None
    complete: bool = False
    counts: writes.SaveCounts = field(default_factory=writes.SaveCounts)
    deleted: int = 0
    comments_new: int = 0
    pages: int = 0
    requests: int = 0
    requests_by_kind: dict[str, int] = field(default_factory=dict)
    extracted: int = 0


class BlogRun:
    """Scrape one blog into the archive: posts, bodies of cut posts, comments, pages."""

    def __init__(
        self,
        cfg: Config,
        db: sqlite_utils.Database,
        blog_url: str,
        *,
        full: bool,
        stop: StopFlag,
        progress: Progress = no_progress,
        media: bool = False,
        command: str = "run",
    ) -> None:
        self.cfg = cfg
        self.db = db
        self.blog_url = normalize_blog_url(blog_url)
        self.full = full
        self.stop = stop
        self.progress = progress
        self.media = media
        self.command = command
        self.iframe_hosts = frozenset(cfg.iframe_allowlist)
        self.page_size = cfg.http.page_size
        self.result = RunResult(self.blog_url)
        self.fetcher: Fetcher | None = None

    # -- lifecycle

    def execute(self) -> RunResult:
        started = utc_now()
        run_id = writes.start_run(
            self.db,
            blog_id=self._known_blog_id(),
            started_at=started,
            full=self.full,
            command=self.command,
        )
        self.result.run_id = run_id
        stamp = started.replace(":", "").replace("-", "")[:15]
        host = urlsplit(self.blog_url).netloc.replace(":", "_")
        warc = WarcLog(Path(self.cfg.raw_dir), f"{host}-{stamp}-r{run_id}")
        self.fetcher = Fetcher(self.cfg.http, warc, run_id=run_id)
        self._reuse_robots()
        try:
            self._scrape()
        except Interrupted as exc:
            self.result.status, self.result.error = "partial", str(exc)
        except ArchiveError as exc:
            self.result.status, self.result.error = "failed", str(exc)
        except KeyboardInterrupt:
            self.result.status, self.result.error = "partial", "interrupted by Ctrl-C"
        finally:
            self._close(warc)
        if self.result.status == "partial":
            raise Interrupted(self.result.error or "interrupted")
        return self.result

    def _close(self, warc: WarcLog) -> None:
        assert self.fetcher is not None
        self.fetcher.close()
        self.result.requests = self.fetcher.stats.requests
        self.result.requests_by_kind = dict(self.fetcher.stats.by_kind)
        with schema.transaction(self.db):
            self._save_pending()
            old, new = warc.close()
            writes.rename_warc_file(self.db, old, new)
            if self.result.blog_id:
                writes.refresh_comment_counts(self.db, self.result.blog_id)
            writes.finish_run(
                self.db,
                self.result.run_id,
                blog_id=self.result.blog_id,
                finished_at=utc_now(),
                status=self.result.status,
                total_results=self.result.total_results,
                requests=self.result.requests,
                posts_new=self.result.counts.new,
                posts_updated=self.result.counts.updated,
                posts_deleted=self.result.deleted,
                error=self.result.error,
                complete_listing=int(self.result.complete),
            )

    def _reuse_robots(self) -> None:
        """Seed the fetcher with the blog's robots.txt from an earlier run (≤ 24 h old)."""
        assert self.fetcher is not None
        parts = urlsplit(self.blog_url)
        origin = f"{parts.scheme}://{parts.netloc}"
        previous = queries.latest_capture(self.db, origin + "/robots.txt")
        if previous is None:
            return
        age = (datetime.now(UTC) - datetime.fromisoformat(previous["fetched_at"])).total_seconds()
        try:
            body = read_capture(
                Path(self.cfg.raw_dir), previous["warc_file"], previous["warc_offset"]
            ).body
        except (OSError, FetchError):
            return  # fetch it again
        self.fetcher.seed_robots(origin, body, age)

    def _known_blog_id(self) -> str | None:
        blog = queries.load_blog(self.db, url=self.blog_url)
        return blog["id"] if blog else None

    def _save_pending(self) -> None:
        """Index the captures fetched since the last page (inside its transaction)."""
        assert self.fetcher is not None
        save_captures(self.db, self.fetcher.drain(), self.result.blog_id)

    def _get(self, url: str, kind: str, **kw: Any) -> Response:
        assert self.fetcher is not None
        return self.fetcher.get(url, kind=kind, blog_id=self.result.blog_id, **kw)

    def _get_feed(self, url: str, kind: str, *, post_id: str | None = None) -> tuple[FeedPage, str]:
        """Fetch and parse one feed page → (page, capture time).

        Malformed or truncated XML is retried (tenacity), then fails the blog.
        """
        retrying = Retrying(
            retry=retry_if_exception_type(FeedError),
            stop=stop_after_attempt(max(1, self.cfg.http.max_retries)),
            wait=wait_exponential(multiplier=self.cfg.http.backoff_factor, max=30),
            reraise=True,
        )
        url = self._polite_url(url)
        for attempt in retrying:
            with attempt:
                body, fetched_at = self._get_conditional(url, kind)
                page = parse_feed(body, iframe_hosts=self.iframe_hosts, post_id=post_id)
                return page, fetched_at
        raise AssertionError("unreachable")

    def _polite_url(self, url: str) -> str:
        """A next link robots.txt forbids on another host → the same feed on the blog's host.

        Blogger's next links point at `www.blogger.com/feeds/BLOGID/…`, whose robots.txt
        is not the blog's; the blog itself serves the same pages at `/feeds/…` with
        the same query, under the robots.txt already honoured for it.
        """
        assert self.fetcher is not None
        parts = urlsplit(url)
        if parts.netloc == urlsplit(self.blog_url).netloc or self.fetcher.allowed(
            url, blog_id=self.result.blog_id
        ):
            return url
        m = _BLOGID_FEED_PATH.match(parts.path)
        if m is None:
            return url  # nothing equivalent: the fetch reports the robots.txt refusal
        return f"{self.blog_url}feeds/{m.group(1)}" + (f"?{parts.query}" if parts.query else "")

    def _get_conditional(self, url: str, kind: str) -> tuple[bytes, str]:
        """GET with the last capture's validators; a 304 re-reads that capture.

        Blogger sends Last-Modified but no ETag and answers 304 inconsistently, so a
        304 only saves bytes: the page is still parsed, from the WARC.
        """
        previous = None if self.full else queries.latest_capture(self.db, url)
        validators = (previous["etag"], previous["last_modified"]) if previous else (None, None)
        resp = self._get(url, kind, validators=validators)
        if resp.not_modified and previous is not None:
            try:
                stored = read_capture(
                    Path(self.cfg.raw_dir), previous["warc_file"], previous["warc_offset"]
                )
                return stored.body, previous["fetched_at"]
            except (OSError, FetchError):
                resp = self._get(url, kind)  # the old capture is gone: ask unconditionally
        return resp.body, resp.fetched_at

    # -- the run

    def _scrape(self) -> None:
        assert self.fetcher is not None
        blog = queries.load_blog(self.db, url=self.blog_url)
        watermark = blog["updated"] if blog and not self.full else None
        try:
            self._list_posts(watermark)
        except RobotsDisallowed as exc:
            raise RobotsDisallowed(f"{self.blog_url}: {exc}") from None
        except FetchError as exc:
            if exc.status == 404 and self.result.blog_id is None:
                self._explain_missing_feed()
            raise
        self.stop.check()
        self._list_comments()
        self.stop.check()
        self._list_pages()
        if self.media and self.result.blog_id:
            self.stop.check()
            capture_images(self.db, self.fetcher, self.result.blog_id)

    def _explain_missing_feed(self) -> None:
        """No posts feed: a Blogger blog with feeds off, or not a Blogger blog at all."""
        try:
            home = self._get(self.blog_url, "html", ok_statuses=(200,))
        except FetchError:
            home = None
        if home is not None and b"blogger" in home.body[:20000].lower():
            raise FeedsOffError(
                f"{self.blog_url}: the blog's feeds are switched off; export the blog in Blogger "
                "(Settings → Back up content) and load it with `blogger-archive import FILE.xml`"
            )
        raise FetchError(f"{self.blog_url} is not a Blogger blog (no /feeds/posts/default)")

    def _list_posts(self, watermark: str | None) -> None:
        incremental = watermark is not None
        params = {"orderby": "updated"} if incremental else {}
        url: str | None = feed_url(self.blog_url, "feeds/posts/default", self.page_size, **params)
        floor = None
        if incremental:
            floor = (
                datetime.fromisoformat(watermark) - timedelta(minutes=self.cfg.http.overlap_minutes)
            ).isoformat()
        seen: set[str] = set()
        newest: str | None = None
        reached_floor = False
        while url:
            self.stop.check()
            page, seen_at = self._get_feed(url, "posts")
            if page.blog is None:
                raise FeedError(f"{url} is not a Blogger posts feed (no blog id)")
            if self.result.blog_id is None:
                self.result.blog_id = page.blog.id
                page.blog.url = self.blog_url
            self.result.total_results = page.total_results
            new_ids = {p.id for p in page.posts} - seen
            seen |= new_ids
            self._fill_cut_bodies(page)
            with schema.transaction(self.db):
                writes.save_blog(self.db, page.blog, feed_mode=page.feed_mode)
                self._save_pending()
                counts = writes.save_posts(self.db, page.posts, seen_at=seen_at, origin="feed")
            self.result.counts.add(counts)
            for p in page.posts:
                if p.updated and (newest is None or p.updated > newest):
                    newest = p.updated
            self.progress("posts", len(seen), page.total_results)
            if floor and page.posts and min(p.updated or "" for p in page.posts) < floor:
                reached_floor = True
                break
            url = page.next_url
            if not url and page.total_results and len(seen) < page.total_results and new_ids:
                start = (page.start_index or 1) + len(page.posts)
                url = with_start_index(
                    feed_url(self.blog_url, "feeds/posts/default", self.page_size, **params), start
                )
        total = self.result.total_results or 0
        # a full listing must see every post; an incremental one, reach the watermark
        self.result.complete = (
            (reached_floor or len(seen) >= total) if incremental else len(seen) == total
        )
        if self.result.complete:
            writes.set_blog_watermark(self.db, self.result.blog_id, newest)
        if self.full:
            if not self.result.complete:
                raise IncompleteListing(
                    f"{self.blog_url}: listing incomplete ({len(seen)} of {total} posts); "
                    "no deletions were recorded"
                )
            with schema.transaction(self.db):
                self.result.deleted = len(writes.mark_deleted(self.db, self.result.blog_id, seen))

    def _fill_cut_bodies(self, page: FeedPage) -> None:
        """Fetch the HTML page of each post whose feed entry is a summary or cut.

        Skipped when the archive already has the full body of that version.
        """
        partial = [p for p in page.posts if p.partial and p.url]
        if not partial:
            return
        states = queries.post_states(self.db, [p.id for p in partial])
        for post in partial:
            state = states.get(post.id)
            if state and state["updated"] == post.updated and not state["body_partial"]:
                post.content_html = state["content_html"]
                post.content_text = state["content_text"]
                post.body_source = state["body_source"]
                post.partial = False
                post.images = image_refs(post.content_html, post.url)
                continue
            self.stop.check()
            self._fetch_body(post)

    def _fetch_body(self, post: PostRecord) -> None:
        assert post.url
        try:
            resp = self._get(post.url, "html")
            parsed = parse_post_html(resp.body, url=post.url, iframe_hosts=self.iframe_hosts)
            if parsed.content_html is None:  # Dynamic Views draws bodies in JS: try mobile
                mobile = post.url + ("&" if "?" in post.url else "?") + "m=1"
                resp = self._get(mobile, "html")
                parsed = parse_post_html(resp.body, url=mobile, iframe_hosts=self.iframe_hosts)
        except FetchError:
            return  # keep the feed's partial body; the next run tries again
        apply_post_page(post, parsed)

    def _list_comments(self) -> None:
        blog_id = self.result.blog_id
        if blog_id is None:
            return
        known = set() if self.full else queries.known_comment_ids(self.db, blog_id)
        url: str | None = feed_url(self.blog_url, "feeds/comments/default", self.page_size)
        seen = 0
        while url:
            self.stop.check()
            try:
                page, seen_at = self._get_feed(url, "comments")
            except FetchError as exc:
                if exc.status in (403, 404):
                    writes.set_blog_field(self.db, blog_id, "comments_feed", 0)
                    self._per_post_comments()
                    return
                raise
            with schema.transaction(self.db):
                self._save_pending()
                new = writes.save_comments(self.db, page.comments, seen_at=seen_at)
                writes.set_blog_field(self.db, blog_id, "comments_feed", 1)
            self.result.comments_new += new
            seen += len(page.comments)
            self.progress("comments", seen, page.total_results)
            if (
                not self.full
                and known
                and page.comments
                and not ({c.id for c in page.comments} - known)
            ):
                break  # a page with nothing new: the rest is already archived
            url = page.next_url

    def _per_post_comments(self) -> None:
        """Blog-wide comments feed off: read the posts' own feeds where comments exist."""
        todo = queries.posts_with_unfetched_comments(
            self.db, self.result.blog_id, everything=self.full
        )
        for i, post_id in enumerate(todo, 1):
            url: str | None = feed_url(
                self.blog_url, f"feeds/{post_id}/comments/default", self.page_size
            )
            while url:
                self.stop.check()
                page, seen_at = self._get_feed(url, "post-comments", post_id=post_id)
                with schema.transaction(self.db):
                    self._save_pending()
                    self.result.comments_new += writes.save_comments(
                        self.db, page.comments, seen_at=seen_at
                    )
                url = page.next_url
            self.progress("comments", i, len(todo))

    def _list_pages(self) -> None:
        url: str | None = feed_url(self.blog_url, "feeds/pages/default", self.page_size)
        while url:
            try:
                page, seen_at = self._get_feed(url, "pages")
            except FetchError as exc:
                if exc.status == 404:
                    return  # blogs without pages may answer 404
                raise
            with schema.transaction(self.db):
                self._save_pending()
                writes.save_pages(self.db, page.pages, seen_at=seen_at)
            self.result.pages += len(page.pages)
            url = page.next_url


_BLOGID_FEED_PATH = re.compile(r"/feeds/\d+/(.+)$")
