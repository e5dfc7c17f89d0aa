"""The run stage: scrape → parse → store for one blog, one transaction per feed page."""

from __future__ import annotations

import errno
import logging
import re
import signal
import threading
import time
from collections.abc import Iterable
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
    RefusedUrl,
    RobotsDisallowed,
)
from pipeline.http.fetcher import Fetcher, Response, utc_now
from pipeline.http.policy import UrlPolicy
from pipeline.http.warc import WarcLog, read_capture
from pipeline.model import FeedPage, PostRecord, Progress, no_progress
from pipeline.stages.media import capture_images

log = logging.getLogger("blogger_archive")

CTRL_C = "interrupted by Ctrl-C: stopped after a complete page"

LISTING_LOOPS = "listing incomplete: next link loops"


class StopFlag:
    """Set by the first Ctrl-C or by the run's deadline: the run stops after the page it
    is storing, records itself `partial` and releases the lock like any other ending.

    A second Ctrl-C interrupts at once (the open transaction rolls back). The deadline
    (`max_run_minutes`, 0 = none) is checked where Ctrl-C is, so every paging loop
    honours both the same way.
    """

    def __init__(self, max_minutes: float = 0) -> None:
        self.reason: str | None = None
        self.hint = "run again to continue"
        self._max_minutes = max_minutes
        self._deadline = time.monotonic() + max_minutes * 60 if max_minutes else None
        self._previous: Any = None

    @property
    def stopped(self) -> bool:
        return self.reason is not None

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
        self.reason = CTRL_C

    def check(self) -> None:
        if self._deadline is not None and not self.stopped and time.monotonic() >= self._deadline:
            self.reason = f"stopped: the run exceeded max_run_minutes ({self._max_minutes:g})"
            self.hint = "run again to continue, or raise max_run_minutes in the config"
        if self.reason is not None:
            raise Interrupted(self.reason)


def feed_url(blog_url: str, path: str, page_size: int, **params: str) -> str:
    query = urlencode({"max-results": page_size, **params})
    return f"{blog_url}{path}?{query}"


def with_start_index(url: str, start_index: int) -> str:
    """The same feed URL asking for entries from `start_index` on."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "start-index"]
    query.append(("start-index", str(start_index)))
    return urlunsplit((*parts[:3], urlencode(query), ""))


def page_key(url: str) -> tuple[str, str, str, tuple[tuple[str, str], ...]]:
    """A feed page's identity: the same page whatever the order of its query parameters."""
    parts = urlsplit(url)
    return (
        parts.scheme.lower(),
        parts.netloc.lower(),
        parts.path,
        tuple(sorted(parse_qsl(parts.query, keep_blank_values=True))),
    )


class Paging:
    """One walk over a paged feed, which stops when the next links go round in circles.

    Blogger's `next` link is data from the server: one pointing back at a page already
    read made 630 requests in 30 s. A walk ends at a URL it already fetched or after a
    page that brings no entry it had not seen; it is then `looped`, i.e. incomplete.
    """

    def __init__(self, listing: str, first_url: str) -> None:
        self.listing = listing
        self.ids: set[str] = set()
        self.looped = False
        self._fetched = {page_key(first_url)}

    def take(self, ids: Iterable[str]) -> set[str]:
        """Record a page's entry ids; returns those this walk had not seen."""
        new = set(ids) - self.ids
        self.ids |= new
        return new

    def follow(self, url: str | None, new_ids: set[str]) -> str | None:
        """`url` when it leads somewhere new, else None (and `looped` when it did not)."""
        if not url:
            return None
        key = page_key(url)
        if not new_ids or key in self._fetched:
            self.looped = True
            return None
        self._fetched.add(key)
        return url


@dataclass
class RunResult:
    """What one blog's run did, for the runs table and the summary line."""

    blog_url: str
    blog_id: str | None = None
    run_id: int | None = None
    status: str = "ok"
    error: str | None = None
    hint: str | None = None  # what the user can do about `error`
    total_results: int | None = None
    complete: bool = False
    counts: writes.SaveCounts = field(default_factory=writes.SaveCounts)
    deleted: int = 0
    comments_new: int = 0
    pages: int = 0
    requests: int = 0
    requests_by_kind: dict[str, int] = field(default_factory=dict)
    refused: int = 0  # URLs outside the blog's policy: off-site next links, redirects
    looped: list[str] = field(default_factory=list)  # listings whose next links loop
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
        all_media: bool = False,
        command: str = "run",
    ) -> None:
        self.cfg = cfg
        self.db = db
        self.blog_url = normalize_blog_url(blog_url)
        self.full = full
        self.stop = stop
        self.progress = progress
        # Images are captured for runs that stored posts (a run with nothing new stays at
        # its 3-4 requests), and for every image not yet saved with `all_media`.
        self.media = media
        self.all_media = all_media
        self.command = command
        self.iframe_hosts = frozenset(cfg.iframe_allowlist)
        self.page_size = cfg.http.page_size
        self.policy = UrlPolicy(self.blog_url)
        self.result = RunResult(self.blog_url)
        self.fetcher: Fetcher | None = None
        self.warc: WarcLog | None = None

    # -- lifecycle

    def execute(self) -> RunResult:
        """Run and record the outcome; never raises for a failure of this blog.

        Whatever ends the run (a feed error, Ctrl-C, the deadline, a full disk, a
        bug) is written to its `runs` row, so the archive never shows a crash as `ok`.
        The caller looks at `stop.stopped` to decide whether the other blogs run.
        """
        started = utc_now()
        self.result.run_id = writes.start_run(
            self.db,
            blog_id=self._known_blog_id(),
            blog_url=self.blog_url,
            started_at=started,
            full=self.full,
            command=self.command,
        )
        try:
            self._open(started)
            self._scrape()
        except Interrupted as exc:
            self._record("partial", str(exc), self.stop.hint)
        except KeyboardInterrupt:
            self.stop.reason = self.stop.reason or CTRL_C  # the other blogs must not run either
            self._record("partial", CTRL_C, self.stop.hint)
        except ArchiveError as exc:
            self._record("failed", str(exc), _hint(exc))
        except Exception as exc:  # noqa: BLE001 (a crash is recorded as a failed run, not as ok)
            log.debug("%s: run failed", self.blog_url, exc_info=True)
            self._record("failed", *_describe_crash(exc))
        finally:
            self._close()
        return self.result

    def _record(self, status: str, error: str, hint: str | None) -> None:
        self.result.status, self.result.error, self.result.hint = status, error, hint

    def _open(self, started: str) -> None:
        stamp = started.replace(":", "").replace("-", "")[:15]
        host = urlsplit(self.blog_url).netloc.replace(":", "_")
        self.warc = WarcLog(Path(self.cfg.raw_dir), f"{host}-{stamp}-r{self.result.run_id}")
        self.fetcher = Fetcher(self.cfg.http, self.warc, run_id=self.result.run_id)
        self._reuse_robots()

    def _close(self) -> None:
        """Index the last captures, close the WARC and write the run's row."""
        renamed = None
        if self.fetcher is not None:
            self.fetcher.close()
            self.result.requests = self.fetcher.stats.requests
            self.result.requests_by_kind = dict(self.fetcher.stats.by_kind)
            self.result.refused = len(self.fetcher.stats.refused)
        if self.warc is not None:
            try:
                renamed = self.warc.close()
            except OSError as exc:  # the captures keep the `.open` name the next run fixes
                if self.result.status == "ok":
                    self._record("failed", *_describe_crash(exc))
        with schema.transaction(self.db):
            if self.fetcher is not None:
                self._save_pending()
            if renamed is not None:
                writes.rename_warc_file(self.db, *renamed)
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
        """Every request of the run: only URLs (and redirects) the blog's policy allows."""
        assert self.fetcher is not None
        return self.fetcher.get(
            url, kind=kind, blog_id=self.result.blog_id, policy=self.policy.feed_allowed, **kw
        )

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
        for attempt in retrying:
            with attempt:
                body, fetched_at = self._get_conditional(url, kind)
                page = parse_feed(body, iframe_hosts=self.iframe_hosts, post_id=post_id)
                for warning in page.warnings:
                    log.warning("%s: %s", url, warning)
                return page, fetched_at
        raise AssertionError("unreachable")

    def _next_url(self, paging: Paging, page: FeedPage, new_ids: set[str]) -> str | None:
        """The page after `page` in this walk, on a host we may read; None at the end or a loop."""
        url = paging.follow(self._polite_url(page.next_url) if page.next_url else None, new_ids)
        if paging.looped and paging.listing not in self.result.looped:
            self.result.looped.append(paging.listing)
        return url

    def _polite_url(self, url: str) -> str:
        """A next link we may not follow → the same feed page on the blog's own host.

        Blogger's next links point at `www.blogger.com/feeds/BLOGID/…`. They are
        followed only when the URL policy allows the host (the blog's origin,
        Blogger's domains) and that host's robots.txt, which is not the blog's,
        allows the path. Otherwise the blog itself serves the same page at
        `/feeds/…` with the same query, under the policy and robots.txt of its own
        host; such a link counts as refused.
        """
        assert self.fetcher is not None
        if self.policy.own_origin(url) or (
            self.policy.feed_allowed(url) and self.fetcher.allowed(url, blog_id=self.result.blog_id)
        ):
            return url
        parts = urlsplit(url)
        m = _FEED_PATH.match(parts.path)
        if m is None:
            return url  # nothing equivalent: the fetch reports the refusal
        if not self.policy.feed_allowed(url):
            self.fetcher.stats.refused.append(url)
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

    def _floor(self, watermark: str | None) -> str | None:
        """How far back an incremental listing reads: the watermark minus the overlap."""
        if watermark is None:
            return None
        back = timedelta(minutes=self.cfg.http.overlap_minutes)
        return (datetime.fromisoformat(watermark) - back).isoformat()

    # -- the run

    def _scrape(self) -> None:
        assert self.fetcher is not None
        blog = None if self.full else queries.load_blog(self.db, url=self.blog_url)
        try:
            self._list_posts(blog["updated"] if blog else None)
        except FetchError as exc:
            if exc.status == 404 and self.result.blog_id is None:
                self._explain_missing_feed()
            raise
        self.stop.check()
        self._list_comments(blog["comments_updated"] if blog else None)
        self.stop.check()
        self._list_pages()
        changed = self.full or self.result.counts.new or self.result.counts.updated
        if self.media and self.result.blog_id and (changed or self.all_media):
            self.stop.check()
            capture_images(self.db, self.fetcher, self.result.blog_id, self.blog_url)
        if self.result.looped:
            self._record(
                "partial",
                f"{LISTING_LOOPS} ({', '.join(self.result.looped)})",
                "what was read is stored and no deletions were recorded; the next run tries again",
            )

    def _explain_missing_feed(self) -> None:
        """No posts feed: a Blogger blog with feeds off, or not a Blogger blog at all."""
        try:
            home = self._get(self.blog_url, "html", ok_statuses=(200,))
        except FetchError:
            home = None
        if home is not None and b"blogger" in home.body[:20000].lower():
            raise FeedsOffError(
                "the blog's feeds are switched off; export the blog in Blogger "
                "(Settings → Back up content) and load it with `blogger-archive import FILE.xml`"
            )
        raise FetchError("not a Blogger blog (no /feeds/posts/default)", status=404)

    def _list_posts(self, watermark: str | None) -> None:
        """Posts newest first; an incremental run (ordered by `updated`) stops at the watermark.

        The watermark moves only after a complete listing, so posts an interrupted
        run never reached are read by the next one.
        """
        incremental = watermark is not None
        params = {"orderby": "updated"} if incremental else {}
        first = feed_url(self.blog_url, "feeds/posts/default", self.page_size, **params)
        floor = self._floor(watermark)
        paging = Paging("posts", first)
        url: str | None = first
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
            new_ids = paging.take(p.id for p in page.posts)
            self._fill_cut_bodies(page)
            with schema.transaction(self.db):
                writes.save_blog(self.db, page.blog, feed_mode=page.feed_mode)
                self._save_pending()
                counts = writes.save_posts(self.db, page.posts, seen_at=seen_at, origin="feed")
            self.result.counts.add(counts)
            newest = max([newest or "", *(p.updated or "" for p in page.posts)]) or None
            self.progress("posts", len(paging.ids), page.total_results)
            if floor and page.posts and min(p.updated or "" for p in page.posts) < floor:
                reached_floor = True
                break
            if not page.next_url and new_ids and len(paging.ids) < (page.total_results or 0):
                # no next link (RSS, or a short page): ask for the entries after these
                page.next_url = with_start_index(first, (page.start_index or 1) + len(page.posts))
            url = self._next_url(paging, page, new_ids)
        total = self.result.total_results or 0
        seen = len(paging.ids)
        # a full listing must see every post; an incremental one, reach the watermark
        self.result.complete = not paging.looped and (
            (reached_floor or seen >= total) if incremental else seen == total
        )
        if self.result.complete:
            writes.set_blog_watermark(self.db, self.result.blog_id, newest)
        if self.full and not paging.looped:
            if not self.result.complete:
                raise IncompleteListing(
                    f"listing incomplete ({seen} of {total} posts); no deletions were recorded"
                )
            with schema.transaction(self.db):
                self.result.deleted = len(
                    writes.mark_deleted(self.db, self.result.blog_id, paging.ids)
                )

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

    def _list_comments(self, watermark: str | None) -> None:
        """The blog-wide comments feed, newest first, back to the last complete listing.

        An incremental run pages until it passes the newest comment of the last
        *complete* listing (minus the overlap), not merely until a page brings
        nothing new: after an interrupted run the newest pages are all known while
        older ones were never read.
        """
        blog_id = self.result.blog_id
        if blog_id is None:
            return
        first = feed_url(self.blog_url, "feeds/comments/default", self.page_size)
        floor = self._floor(watermark)
        paging = Paging("comments", first)
        url: str | None = first
        newest: str | None = None
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
            new_ids = paging.take(c.id for c in page.comments)
            dates = [c.published or c.updated or "" for c in page.comments]
            newest = max([newest or "", *dates]) or None
            self.progress("comments", len(paging.ids), page.total_results)
            if floor and dates and min(dates) < floor:
                break  # back where the last complete listing was
            url = self._next_url(paging, page, new_ids)
        if not paging.looped:
            writes.set_comments_watermark(self.db, blog_id, newest)

    def _per_post_comments(self) -> None:
        """Blog-wide comments feed off: read the posts' own feeds where comments exist."""
        todo = queries.posts_with_unfetched_comments(
            self.db, self.result.blog_id, everything=self.full
        )
        for i, post_id in enumerate(todo, 1):
            first = feed_url(self.blog_url, f"feeds/{post_id}/comments/default", self.page_size)
            paging = Paging("post comments", first)
            url: str | None = first
            while url:
                self.stop.check()
                page, seen_at = self._get_feed(url, "post-comments", post_id=post_id)
                with schema.transaction(self.db):
                    self._save_pending()
                    self.result.comments_new += writes.save_comments(
                        self.db, page.comments, seen_at=seen_at
                    )
                url = self._next_url(paging, page, paging.take(c.id for c in page.comments))
            self.progress("comments", i, len(todo))

    def _list_pages(self) -> None:
        first = feed_url(self.blog_url, "feeds/pages/default", self.page_size)
        paging = Paging("pages", first)
        url: str | None = first
        while url:
            self.stop.check()
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
            url = self._next_url(paging, page, paging.take(p.id for p in page.pages))


# `/feeds/BLOGID/posts/default` (Blogger's next links) or `/feeds/posts/default`
_FEED_PATH = re.compile(r"/feeds/(?:\d+/)?(.+)$")


def _hint(exc: ArchiveError) -> str | None:
    """What the user can do about a failure of ours (None when the message says it)."""
    if isinstance(exc, FeedsOffError):
        return None
    if isinstance(exc, RobotsDisallowed):
        return (
            "the site's robots.txt forbids it; a Blogger export loads with `blogger-archive import`"
        )
    if isinstance(exc, RefusedUrl):
        return "the blog pointed the run at an address outside the blog; nothing was fetched there"
    if isinstance(exc, IncompleteListing):
        return "no deletions were recorded; the next `run --full` tries again"
    if isinstance(exc, FetchError) and exc.status == 404:
        return "check the blog's address"
    if isinstance(exc, FetchError) and exc.status is None:
        return "check the blog's address and the network; the next run tries again"
    return "the next run tries again"


def _describe_crash(exc: Exception) -> tuple[str, str]:
    """(message, hint) for a failure that is not one of ours: a full disk, no memory, a bug."""
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        if exc.errno == errno.ENOSPC:
            hint = "free disk space for raw_dir and the database, then run again"
        else:
            hint = "check that raw_dir and the database in the config are writable"
        return f"{exc.strerror or exc}{where}", hint
    if isinstance(exc, MemoryError):
        return "out of memory", "close other programs or lower http.page_size, then run again"
    return (
        f"unexpected {type(exc).__name__}: {exc}",
        "rerun with --debug for a traceback and report it",
    )
