"""`parse --all`: rebuild posts, comments and pages offline from the WARC captures."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils

from pipeline.blogger.atom import parse_feed
from pipeline.blogger.backup import parse_backup
from pipeline.blogger.post_page import apply_post_page, parse_post_html
from pipeline.config import Config
from pipeline.db import queries, schema, writes
from pipeline.errors import (
    FeedError,
)
from pipeline.http.warc import read_capture
from pipeline.model import Progress, no_progress
from pipeline.stages.workers import forked_map, worker_count


class Replayer:
    """Rebuild posts, comments and pages offline from the captured raw responses.

    Captures are replayed in the order they were fetched, run by run, each with
    its own capture time, so the rebuilt rows equal the ones the runs stored.
    Deletions are re-applied from the runs that made a complete `--full`
    listing.
    """

    parallel_from = 20  # captures (feed pages): below this, workers cost more than they save

    def __init__(
        self, cfg: Config, db: sqlite_utils.Database, *, progress: Progress = no_progress
    ) -> None:
        self.cfg = cfg
        self.db = db
        self.raw_dir = Path(cfg.raw_dir)
        self.progress = progress
        self.iframe_hosts = frozenset(cfg.iframe_allowlist)
        self._html: dict[tuple[int | None, str], dict] = {}

    def run(self, blog_ids: Sequence[str] = (), *, last_run_only: bool = False) -> int:
        """Replay every capture (or only those of each blog's latest run)."""
        run_ids = queries.latest_run_ids(self.db, blog_ids) if last_run_only else ()
        captures = list(
            queries.iter_captures(
                self.db,
                kinds=("posts", "comments", "post-comments", "pages", "html", "backup"),
                blog_ids=blog_ids,
                run_ids=run_ids,
            )
        )
        if last_run_only and not run_ids:
            return 0
        self._html = {(c["run_id"], c["url"]): c for c in captures if c["kind"] == "html"}
        self._html.update({(None, c["url"]): c for c in captures if c["kind"] == "html"})
        full_runs = queries.complete_full_runs(self.db)
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
                with schema.transaction(self.db):
                    writes.mark_deleted(
                        self.db, blog_id, seen_ids.get((capture["run_id"], blog_id), set())
                    )
        for blog_id in {c["blog_id"] for c in captures if c["blog_id"]}:
            writes.refresh_comment_counts(self.db, blog_id)
        return done

    def _parse_all(self, captures: list[dict]) -> Iterator[Any]:
        """Parsed captures in order; parsing (pure CPU) is spread over forked workers."""
        workers = worker_count(len(captures), self.parallel_from)
        return forked_map(self._parse, captures, workers=workers)

    def _parse(self, capture: dict) -> Any:
        """A capture → FeedPage / BackupContents (None for HTML pages and broken feeds)."""
        kind = capture["kind"]
        if kind == "html":
            return None  # merged into the posts of the feed page that needed it
        exchange = read_capture(self.raw_dir, capture["warc_file"], capture["warc_offset"])
        if kind == "backup":
            return parse_backup(
                exchange.body, blog_url=_blog_url_of(capture["url"]), iframe_hosts=self.iframe_hosts
            )
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
                    apply_post_page(
                        post,
                        parse_post_html(body.body, url=post.url, iframe_hosts=self.iframe_hosts),
                    )
        return page

    def _store(self, capture: dict, parsed: Any) -> None:
        seen_at = capture["fetched_at"]
        origin = "backup" if capture["kind"] == "backup" else "feed"
        with schema.transaction(self.db):
            if parsed.blog is not None and capture["kind"] in ("posts", "backup"):
                writes.save_blog(self.db, parsed.blog)
            writes.save_posts(self.db, parsed.posts, seen_at=seen_at, origin=origin)
            writes.save_comments(self.db, parsed.comments, seen_at=seen_at)
            writes.save_pages(self.db, parsed.pages, seen_at=seen_at)


def _blog_url_of(uri: str) -> str | None:
    """Import captures are stored as `file:…#blog_url=…` URIs."""
    if "#blog_url=" in uri:
        return uri.split("#blog_url=", 1)[1] or None
    return None
