"""The pipeline's stages, each a small object with one job.

`BlogRun` lists one blog's feeds (scrape → parse → store, one transaction per
feed page), `Extractor` turns stored text into figures and tags, `Replayer`
rebuilds posts/comments/pages offline from the WARC captures (`parse --all`),
and `Importer` loads a Blogger export file. The CLI only wires them together.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import multiprocessing
import os
import re
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
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

from pipeline import store
from pipeline.config import Config
from pipeline.errors import (
    ArchiveError,
    ConfigError,
    FeedError,
    FeedsOffError,
    FetchError,
    IncompleteListing,
    Interrupted,
    RobotsDisallowed,
)
from pipeline.parse import (
    FeedPage,
    PostRecord,
    html_to_text,
    image_refs,
    local_year,
    normalize_blog_url,
    parse_feed,
    parse_post_html,
    to_utc_iso,
)
from pipeline.scrape import Fetcher, Response, WarcLog, read_capture, sha256, utc_now

Progress = Callable[[str, int, int | None], None]


def _no_progress(phase: str, done: int, total: int | None) -> None:
    """Default progress sink: say nothing."""


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


# ------------------------------------------------------------------- feed URLs


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
    counts: store.SaveCounts = field(default_factory=store.SaveCounts)
    deleted: int = 0
    comments_new: int = 0
    pages: int = 0
    requests: int = 0
    requests_by_kind: dict[str, int] = field(default_factory=dict)
    extracted: int = 0


# ---------------------------------------------------------------------- scrape


class BlogRun:
    """Scrape one blog into the archive: posts, bodies of cut posts, comments, pages."""

    def __init__(self, cfg: Config, db: sqlite_utils.Database, blog_url: str, *, full: bool,
                 stop: StopFlag, progress: Progress = _no_progress, media: bool = False,
                 command: str = "run") -> None:
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
        run_id = store.start_run(self.db, blog_id=self._known_blog_id(), started_at=started,
                                 full=self.full, command=self.command)
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
        with store.transaction(self.db):
            self._save_pending()
            old, new = warc.close()
            store.rename_warc_file(self.db, old, new)
            if self.result.blog_id:
                store.refresh_comment_counts(self.db, self.result.blog_id)
            store.finish_run(
                self.db, self.result.run_id, blog_id=self.result.blog_id,
                finished_at=utc_now(), status=self.result.status,
                total_results=self.result.total_results, requests=self.result.requests,
                posts_new=self.result.counts.new, posts_updated=self.result.counts.updated,
                posts_deleted=self.result.deleted, error=self.result.error,
                complete_listing=int(self.result.complete),
            )

    def _reuse_robots(self) -> None:
        """Seed the fetcher with the blog's robots.txt from an earlier run (≤ 24 h old)."""
        assert self.fetcher is not None
        parts = urlsplit(self.blog_url)
        origin = f"{parts.scheme}://{parts.netloc}"
        previous = store.latest_capture(self.db, origin + "/robots.txt")
        if previous is None:
            return
        age = (datetime.now(UTC) - datetime.fromisoformat(previous["fetched_at"])).total_seconds()
        try:
            body = read_capture(Path(self.cfg.raw_dir), previous["warc_file"],
                                previous["warc_offset"]).body
        except (OSError, FetchError):
            return  # fetch it again
        self.fetcher.seed_robots(origin, body, age)

    def _known_blog_id(self) -> str | None:
        blog = store.load_blog(self.db, url=self.blog_url)
        return blog["id"] if blog else None

    def _save_pending(self) -> None:
        """Index the captures fetched since the last page (inside its transaction)."""
        assert self.fetcher is not None
        save_captures(self.db, self.fetcher.drain(), self.result.blog_id)

    def _get(self, url: str, kind: str, **kw: Any) -> Response:
        assert self.fetcher is not None
        return self.fetcher.get(url, kind=kind, blog_id=self.result.blog_id, **kw)

    def _get_feed(self, url: str, kind: str, *,
                  post_id: str | None = None) -> tuple[FeedPage, str]:
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
                url, blog_id=self.result.blog_id):
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
        previous = None if self.full else store.latest_capture(self.db, url)
        validators = (previous["etag"], previous["last_modified"]) if previous else (None, None)
        resp = self._get(url, kind, validators=validators)
        if resp.not_modified and previous is not None:
            try:
                stored = read_capture(Path(self.cfg.raw_dir), previous["warc_file"],
                                      previous["warc_offset"])
                return stored.body, previous["fetched_at"]
            except (OSError, FetchError):
                resp = self._get(url, kind)  # the old capture is gone: ask unconditionally
        return resp.body, resp.fetched_at

    # -- the run

    def _scrape(self) -> None:
        assert self.fetcher is not None
        blog = store.load_blog(self.db, url=self.blog_url)
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
            floor = (datetime.fromisoformat(watermark)
                     - timedelta(minutes=self.cfg.http.overlap_minutes)).isoformat()
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
            with store.transaction(self.db):
                store.save_blog(self.db, page.blog, feed_mode=page.feed_mode)
                self._save_pending()
                counts = store.save_posts(self.db, page.posts, seen_at=seen_at, origin="feed")
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
                url = with_start_index(feed_url(self.blog_url, "feeds/posts/default",
                                                self.page_size, **params), start)
        total = self.result.total_results or 0
        # a full listing must see every post; an incremental one, reach the watermark
        self.result.complete = (reached_floor or len(seen) >= total) if incremental \
            else len(seen) == total
        if self.result.complete:
            store.set_blog_watermark(self.db, self.result.blog_id, newest)
        if self.full:
            if not self.result.complete:
                raise IncompleteListing(
                    f"{self.blog_url}: listing incomplete ({len(seen)} of {total} posts); "
                    "no deletions were recorded"
                )
            with store.transaction(self.db):
                self.result.deleted = len(store.mark_deleted(self.db, self.result.blog_id, seen))

    def _fill_cut_bodies(self, page: FeedPage) -> None:
        """Fetch the HTML page of each post whose feed entry is a summary or cut.

        Skipped when the archive already has the full body of that version.
        """
        partial = [p for p in page.posts if p.partial and p.url]
        if not partial:
            return
        states = store.post_states(self.db, [p.id for p in partial])
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
        known = set() if self.full else store.known_comment_ids(self.db, blog_id)
        url: str | None = feed_url(self.blog_url, "feeds/comments/default", self.page_size)
        seen = 0
        while url:
            self.stop.check()
            try:
                page, seen_at = self._get_feed(url, "comments")
            except FetchError as exc:
                if exc.status in (403, 404):
                    store.set_blog_field(self.db, blog_id, "comments_feed", 0)
                    self._per_post_comments()
                    return
                raise
            with store.transaction(self.db):
                self._save_pending()
                new = store.save_comments(self.db, page.comments, seen_at=seen_at)
                store.set_blog_field(self.db, blog_id, "comments_feed", 1)
            self.result.comments_new += new
            seen += len(page.comments)
            self.progress("comments", seen, page.total_results)
            if not self.full and known and page.comments and not (
                {c.id for c in page.comments} - known
            ):
                break  # a page with nothing new: the rest is already archived
            url = page.next_url

    def _per_post_comments(self) -> None:
        """Blog-wide comments feed off: read the posts' own feeds where comments exist."""
        todo = store.posts_with_unfetched_comments(self.db, self.result.blog_id,
                                                   everything=self.full)
        for i, post_id in enumerate(todo, 1):
            url: str | None = feed_url(self.blog_url, f"feeds/{post_id}/comments/default",
                                       self.page_size)
            while url:
                self.stop.check()
                page, seen_at = self._get_feed(url, "post-comments", post_id=post_id)
                with store.transaction(self.db):
                    self._save_pending()
                    self.result.comments_new += store.save_comments(
                        self.db, page.comments, seen_at=seen_at)
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
            with store.transaction(self.db):
                self._save_pending()
                store.save_pages(self.db, page.pages, seen_at=seen_at)
            self.result.pages += len(page.pages)
            url = page.next_url


_BLOGID_FEED_PATH = re.compile(r"/feeds/\d+/(.+)$")


def apply_post_page(post: PostRecord, parsed: Any) -> None:
    """Replace a cut/summary body with the full one read from the post's HTML page."""
    if parsed.content_html is None:
        return
    post.content_html = parsed.content_html
    post.content_text = html_to_text(parsed.content_html)
    post.body_source = "html"
    post.partial = False
    post.images = image_refs(post.content_html, post.url)
    if not post.labels and parsed.labels:
        post.labels = parsed.labels
    if not post.published and parsed.published:
        post.published = to_utc_iso(parsed.published)
        post.year = local_year(parsed.published)


# --------------------------------------------------------------------- extract


def extractor_version(cfg: Config) -> str:
    """Figures + countries + themes versions and the vocabularies in use.

    A new extractor, or an edited `themes:`/`countries:` section, re-extracts
    every post on the next run.
    """
    from pipeline.extract import countries, figures, themes
    from pipeline.extract.phrases import load_vocabulary

    vocab = json.dumps(
        [cfg.themes if cfg.themes is not None else load_vocabulary("themes"),
         cfg.countries if cfg.countries is not None else load_vocabulary("countries")],
        sort_keys=True, ensure_ascii=False, default=str,
    )
    digest = hashlib.sha256(vocab.encode()).hexdigest()[:8]
    return (f"f{figures.EXTRACTOR_VERSION}.c{countries.TAGGER_VERSION}"
            f".t{themes.TAGGER_VERSION}.v{digest}")


class Extractor:
    """Figures, countries and themes for posts whose stored findings are stale."""

    batch_size = 200
    parallel_from = 1000  # below this, starting workers costs more than it saves

    def __init__(self, cfg: Config, db: sqlite_utils.Database, *,
                 progress: Progress = _no_progress) -> None:
        self.cfg = cfg
        self.db = db
        self.progress = progress
        self.version = extractor_version(cfg)

    def _compile_vocabularies(self) -> None:
        """Compile once before any post (and before forking), so a bad vocabulary is
        a config error, not a crash; skipped when there is nothing to extract."""
        from pipeline.extract.countries import tag_countries
        from pipeline.extract.themes import tag_themes

        try:
            tag_themes("", vocabulary=self.cfg.themes)
            tag_countries("", aliases=self.cfg.countries)
        except (ValueError, TypeError, KeyError) as exc:
            where = self.cfg.path or "config.yaml"
            raise ConfigError(f"{where}: a vocabulary (key 'vocabularies') is invalid ({exc})") from None

    def findings(self, post: dict) -> store.Findings:
        from pipeline.extract.countries import tag_countries
        from pipeline.extract.figures import EXTRACTOR_VERSION, extract_figures
        from pipeline.extract.themes import tag_themes

        text = post["content_text"] or ""
        title = post["title"] or ""
        labels = json.loads(post["labels"] or "[]")
        countries = tag_countries(text, title=title, labels=labels,
                                  aliases=self.cfg.countries)
        themes = tag_themes(text, title=title, labels=labels, vocabulary=self.cfg.themes)
        codes = [c.code for c in countries if c.is_primary] + [
            c.code for c in countries if not c.is_primary]
        figures = extract_figures(text, countries=codes)
        return store.Findings.from_objects(post["id"], figures, countries, themes,
                                           figures_version=EXTRACTOR_VERSION,
                                           version=self.version)

    def run(self, *, everything: bool = False, blog_ids: Sequence[str] = ()) -> int:
        """Extract stale posts in batches, one transaction each.

        Extraction is pure CPU work, so large jobs are spread over the cores by
        forked workers (which inherit the compiled vocabularies); the database
        is only ever written by this process, in order.
        """
        ids = store.post_ids_to_extract(self.db, self.version, everything=everything,
                                        blog_ids=blog_ids)
        if not ids:
            return 0
        self._compile_vocabularies()
        chunks = [ids[i:i + self.batch_size] for i in range(0, len(ids), self.batch_size)]
        workers = min(os.cpu_count() or 1, 4) if len(ids) >= self.parallel_from else 1
        done = 0
        for batch in self._compute(chunks, workers):
            with store.transaction(self.db):
                done += store.save_findings(self.db, batch)
            self.progress("extract", done, len(ids))
        return done

    def _compute(self, chunks: list[list[str]], workers: int) -> Iterator[list[store.Findings]]:
        if workers <= 1:
            for chunk in chunks:
                yield [self.findings(p) for p in store.load_posts_for_extract(self.db, chunk)]
            return
        global _ACTIVE
        _ACTIVE = self
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            pending: deque = deque()
            for chunk in chunks:
                pending.append(pool.submit(_findings_in_worker,
                                           store.load_posts_for_extract(self.db, chunk)))
                if len(pending) > 2 * workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        _ACTIVE = None


_ACTIVE: Extractor | None = None  # the extractor forked workers inherit


def _findings_in_worker(posts: list[dict]) -> list[store.Findings]:
    assert _ACTIVE is not None
    return [_ACTIVE.findings(p) for p in posts]


# ---------------------------------------------------------------- parse --all


class Replayer:
    """Rebuild posts, comments and pages offline from the captured raw responses.

    Captures are replayed in the order they were fetched, run by run, each with
    its own capture time, so the rebuilt rows equal the ones the runs stored.
    Deletions are re-applied from the runs that made a complete `--full`
    listing.
    """

    parallel_from = 20  # captures (feed pages): below this, workers cost more than they save

    def __init__(self, cfg: Config, db: sqlite_utils.Database, *,
                 progress: Progress = _no_progress) -> None:
        self.cfg = cfg
        self.db = db
        self.raw_dir = Path(cfg.raw_dir)
        self.progress = progress
        self.iframe_hosts = frozenset(cfg.iframe_allowlist)
        self._html: dict[tuple[int | None, str], dict] = {}

    def run(self, blog_ids: Sequence[str] = (), *, last_run_only: bool = False) -> int:
        """Replay every capture (or only those of each blog's latest run)."""
        run_ids = store.latest_run_ids(self.db, blog_ids) if last_run_only else ()
        captures = list(store.iter_captures(
            self.db, kinds=("posts", "comments", "post-comments", "pages", "html", "export"),
            blog_ids=blog_ids, run_ids=run_ids))
        if last_run_only and not run_ids:
            return 0
        self._html = {(c["run_id"], c["url"]): c for c in captures if c["kind"] == "html"}
        self._html.update({(None, c["url"]): c for c in captures if c["kind"] == "html"})
        full_runs = store.complete_full_runs(self.db)
        seen_ids: dict[tuple[int | None, str], set[str]] = {}
        done = 0
        for capture, parsed in zip(captures, self._parse_all(captures), strict=True):
            done += 1
            if parsed is not None:
                self._store(capture, parsed)
                if capture["kind"] == "posts" and capture["blog_id"]:
                    key = (capture["run_id"], capture["blog_id"])
                    seen_ids.setdefault(key, set()).update(p.id for p in parsed.posts)
            self.progress("parse", done, len(captures))
            last_of_run = done == len(captures) or captures[done]["run_id"] != capture["run_id"]
            if last_of_run and capture["run_id"] in full_runs:
                blog_id = full_runs[capture["run_id"]]
                with store.transaction(self.db):
                    store.mark_deleted(self.db, blog_id,
                                       seen_ids.get((capture["run_id"], blog_id), set()))
        for blog_id in {c["blog_id"] for c in captures if c["blog_id"]}:
            store.refresh_comment_counts(self.db, blog_id)
        return done

    def _parse_all(self, captures: list[dict]) -> Iterator[Any]:
        """Parsed captures in order; parsing (pure CPU) is spread over forked workers."""
        workers = min(os.cpu_count() or 1, 4) if len(captures) >= self.parallel_from else 1
        if workers <= 1:
            yield from map(self._parse, captures)
            return
        global _ACTIVE_REPLAYER
        _ACTIVE_REPLAYER = self
        context = multiprocessing.get_context("fork")
        with context.Pool(workers) as pool:
            yield from pool.imap(_parse_in_worker, captures, chunksize=1)
        _ACTIVE_REPLAYER = None

    def _parse(self, capture: dict) -> Any:
        """A capture → FeedPage / ExportContents (None for HTML pages and broken feeds)."""
        kind = capture["kind"]
        if kind == "html":
            return None  # merged into the posts of the feed page that needed it
        exchange = read_capture(self.raw_dir, capture["warc_file"], capture["warc_offset"])
        if kind == "export":
            from pipeline.parse_export import parse_export

            return parse_export(exchange.body, blog_url=_blog_url_of(capture["url"]),
                                iframe_hosts=self.iframe_hosts)
        post_id = None
        if kind == "post-comments":
            post_id = urlsplit(capture["url"]).path.split("/")[-3]
        try:
            page = parse_feed(exchange.body, iframe_hosts=self.iframe_hosts, post_id=post_id)
        except FeedError:
            return None  # a truncated response that the run itself retried
        for post in page.posts:
            for url in (post.url, f"{post.url}?m=1"):
                html = self._html.get((capture["run_id"], url)) or self._html.get((None, url))
                if post.partial and post.url and html is not None:
                    body = read_capture(self.raw_dir, html["warc_file"], html["warc_offset"])
                    apply_post_page(post, parse_post_html(body.body, url=post.url,
                                                          iframe_hosts=self.iframe_hosts))
        return page

    def _store(self, capture: dict, parsed: Any) -> None:
        seen_at = capture["fetched_at"]
        origin = "export" if capture["kind"] == "export" else "feed"
        with store.transaction(self.db):
            if parsed.blog is not None and capture["kind"] in ("posts", "export"):
                store.save_blog(self.db, parsed.blog)
            store.save_posts(self.db, parsed.posts, seen_at=seen_at, origin=origin)
            store.save_comments(self.db, parsed.comments, seen_at=seen_at)
            store.save_pages(self.db, parsed.pages, seen_at=seen_at)


_ACTIVE_REPLAYER: Replayer | None = None  # the replayer forked workers inherit


def _parse_in_worker(capture: dict) -> Any:
    assert _ACTIVE_REPLAYER is not None
    return _ACTIVE_REPLAYER._parse(capture)


def _blog_url_of(uri: str) -> str | None:
    """Import captures are stored as `file:…#blog_url=…` URIs."""
    if "#blog_url=" in uri:
        return uri.split("#blog_url=", 1)[1] or None
    return None


# ---------------------------------------------------------------------- import


def import_file(cfg: Config, db: sqlite_utils.Database, path: Path, *,
                blog_url: str | None = None) -> dict[str, Any]:
    """Load a Blogger export file, streamed in batches (one transaction each).

    The file itself is kept as a WARC `resource` record, so `parse --all` can
    rebuild from it like from any capture.
    """
    from pipeline.parse_export import iter_export

    if blog_url:
        blog_url = normalize_blog_url(blog_url)
    batches = iter_export(path, blog_url=blog_url, iframe_hosts=frozenset(cfg.iframe_allowlist),
                          name=str(path))
    first = next(batches)  # raises InputFileError before anything is written
    started = utc_now()
    run_id = store.start_run(db, blog_id=None, started_at=started, full=False, command="import")
    stamp = started.replace(":", "").replace("-", "")[:15]
    warc = WarcLog(Path(cfg.raw_dir), f"import-{stamp}-r{run_id}")
    uri = f"{path.resolve().as_uri()}#blog_url={blog_url or ''}"
    with open(path, "rb") as fh:
        offset, length, digest = warc.write_resource(uri, fh, "application/atom+xml")
    warc.close()
    counts = store.SaveCounts()
    report = dict.fromkeys(("posts", "drafts", "deleted", "comments", "pages"), 0)
    summary = None
    for batch in itertools.chain([first], batches):
        with store.transaction(db):
            counts.add(store.save_posts(db, batch.posts, seen_at=started, origin="export"))
            store.save_comments(db, batch.comments, seen_at=started)
            store.save_pages(db, batch.pages, seen_at=started)
        report["posts"] += len(batch.posts)
        report["drafts"] += sum(p.status == "draft" for p in batch.posts)
        report["deleted"] += sum(p.status == "deleted" for p in batch.posts)
        report["comments"] += len(batch.comments)
        report["pages"] += len(batch.pages)
        summary = batch.summary or summary
    assert summary is not None
    blog_id = summary.blog.id if summary.blog else None
    with store.transaction(db):
        if summary.blog is not None:
            store.save_blog(db, summary.blog)
        store.save_capture(db, store.Capture(
            url=uri, fetched_at=started, status=200, etag=None, last_modified=None,
            sha256=digest, warc_file=warc.final_name, warc_offset=offset, warc_length=length,
            run_id=run_id, blog_id=blog_id, kind="export"))
        if blog_id:
            store.refresh_comment_counts(db, blog_id)
        store.finish_run(db, run_id, blog_id=blog_id, finished_at=utc_now(), status="ok",
                         posts_new=counts.new, posts_updated=counts.updated)
    return {**report, "blog_id": blog_id, "format": summary.format,
            "skipped": dict(summary.skipped)}


# ---------------------------------------------------------------------- verify


def verify_archive(cfg: Config, db: sqlite_utils.Database) -> list[str]:
    """The checks of SPEC §5; returns the problems found (empty = healthy)."""
    problems = store.integrity_problems(db)
    raw_dir = Path(cfg.raw_dir)
    for capture in store.iter_all_captures(db):
        where = f"capture {capture['id']} ({capture['url']}) at " \
                f"{capture['warc_file']}:{capture['warc_offset']}"
        try:
            exchange = read_capture(raw_dir, capture["warc_file"], capture["warc_offset"])
        except (OSError, ValueError, FetchError) as exc:
            problems.append(f"{where}: unreadable ({exc})")
            continue
        if sha256(exchange.body) != capture["sha256"]:
            problems.append(f"{where}: sha256 does not match")
    return problems


# ----------------------------------------------------------------------- media


def capture_images(db: sqlite_utils.Database, fetcher: Fetcher, blog_id: str) -> int:
    """`run --media`: fetch every not yet captured image of the blog into the WARC."""
    saved = 0
    for url in store.images_to_capture(db, blog_id):
        try:
            resp = fetcher.get(url, kind="image", blog_id=blog_id)
        except FetchError:
            continue  # stays uncaptured; the next --media run tries again
        with store.transaction(db):
            ids = save_captures(db, fetcher.drain(), blog_id)
            if url in ids or resp.url in ids:
                store.set_image_capture(db, url, ids.get(url) or ids[resp.url])
                saved += 1
    return saved


def save_captures(db: sqlite_utils.Database, captures: list[store.Capture],
                  blog_id: str | None) -> dict[str, int]:
    """Index captures (inside the caller's transaction); returns url → capture id."""
    ids = {}
    for capture in captures:
        capture.blog_id = capture.blog_id or blog_id
        ids[capture.url] = store.save_capture(db, capture)
    return ids


def export_media_sources(cfg: Config, db: sqlite_utils.Database) -> tuple[
        Callable[[str], bytes], Callable[[int], bytes | None], Callable[[], None]]:
    """(fetch_image, load_capture, close) for `export --media`."""
    fetcher = Fetcher(cfg.http, None)
    raw_dir = Path(cfg.raw_dir)

    def fetch_image(url: str) -> bytes:
        return fetcher.get(url, kind="image").body

    def load_capture(capture_id: int) -> bytes | None:
        row = store.get_capture(db, capture_id)
        if row is None:
            return None
        try:
            return read_capture(raw_dir, row["warc_file"], row["warc_offset"]).body
        except (OSError, FetchError):
            return None

    return fetch_image, load_capture, fetcher.close
