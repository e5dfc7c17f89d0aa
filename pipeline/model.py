"""The data types that cross stages: what readers produce, the fetcher captures and the db stores.

Readers (`pipeline.blogger`), the fetcher (`pipeline.http`), the extractors and the db layer all
import from here and from nowhere above them, so no import ever runs "upwards".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class BlogInfo:
    """The blog as a feed or export describes it."""

    id: str
    url: str | None = None
    title: str | None = None
    subtitle: str | None = None
    timezone_offset: str | None = None


@dataclass(slots=True)
class PostRecord:
    id: str
    blog_id: str
    url: str | None
    title: str
    author: str | None
    published: str | None
    updated: str | None
    year: int | None
    labels: list[str]
    content_html: str
    content_text: str
    body_source: str = "feed"  # feed / html / export
    status: str = "live"  # live / draft / deleted
    comment_total: int | None = None  # thr:total
    partial: bool = False  # body is a summary or cut at the jump break
    images: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class CommentRecord:
    id: str
    post_id: str | None
    blog_id: str
    url: str | None
    author: str | None
    published: str | None
    updated: str | None
    content_html: str
    content_text: str
    in_reply_to: str | None
    removed: bool


@dataclass(slots=True)
class PageRecord:
    id: str
    blog_id: str
    url: str | None
    title: str
    published: str | None
    updated: str | None
    content_html: str
    content_text: str
    status: str = "live"


@dataclass(slots=True)
class FeedPage:
    """One page of a Blogger feed, with what paging needs."""

    blog: BlogInfo | None
    total_results: int | None
    start_index: int | None
    items_per_page: int | None
    next_url: str | None
    updated: str | None
    posts: list[PostRecord] = field(default_factory=list)
    comments: list[CommentRecord] = field(default_factory=list)
    pages: list[PageRecord] = field(default_factory=list)
    feed_mode: str = "full"  # full / jumpbreak / summary (of the posts in it)
    skipped: int = 0  # entries we could not read (flagged, not fatal)
    warnings: list[str] = field(default_factory=list)  # e.g. addresses refused; the run logs them


@dataclass(slots=True)
class Capture:
    """One HTTP exchange (or imported file) as written to a WARC file."""

    url: str
    fetched_at: str
    status: int
    etag: str | None
    last_modified: str | None
    sha256: str
    warc_file: str
    warc_offset: int
    warc_length: int
    run_id: int | None
    blog_id: str | None
    kind: str


@dataclass(slots=True)
class Findings:
    """Everything the extract stage learned about one post, as rows in column order."""

    post_id: str
    # (raw, value, kind, currency, qualifier, subject, sentence, char_start, char_end, context)
    figures: list[tuple]
    countries: list[tuple]  # (code, name, mentions, is_primary)
    themes: list[tuple]  # (theme, score, evidence JSON)
    figures_version: str
    version: str  # combined extractor versions, stored on the post

    @classmethod
    def from_objects(
        cls,
        post_id: str,
        figures: Sequence[Any],
        countries: Sequence[Any],
        themes: Sequence[Any],
        *,
        figures_version: str,
        version: str,
    ) -> Findings:
        """From `Figure`/`CountryTag`/`ThemeTag`-like objects (plain tuples pickle fast)."""
        return cls(
            post_id=post_id,
            figures=[
                (
                    g.raw,
                    g.value,
                    g.kind,
                    g.currency,
                    g.qualifier,
                    g.subject,
                    g.sentence,
                    g.char_start,
                    g.char_end,
                    getattr(g, "context", None),  # table cells only; absent on older objects
                )
                for g in figures
            ],
            countries=[(c.code, c.name, c.mentions, int(c.is_primary)) for c in countries],
            themes=[
                (t.theme, t.score, json.dumps(list(t.evidence), ensure_ascii=False)) for t in themes
            ],
            figures_version=figures_version,
            version=version,
        )


Progress = Callable[[str, int, int | None], None]


def no_progress(phase: str, done: int, total: int | None) -> None:
    """Default progress sink: say nothing."""
