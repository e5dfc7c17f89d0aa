"""Migration export: the archive as JSON Lines or as a Hugo/Jekyll Markdown tree.

The point is leaving Blogger without breaking the web: every post keeps its old
path as a Hugo `aliases` / Jekyll `redirect_from` entry and `urlmap.csv` lists old
URL → new file, so redirects can be generated on any host. Output is a pure
function of the database (sorted keys, stable order, no "now"), so a re-export
diffs cleanly in git and an unchanged archive gives byte-identical files.

Images (`media=True`) are saved under `DIR/media/` named by a hash of their
original-size URL: Blogger serves the same picture at many sizes, and the post
usually shows a thumbnail while linking the big one, so both resolve to one file.
Bytes come from the WARC when the scraper captured the image, else from the
caller's polite fetcher; a failed image is reported, never fatal, and a second
run resumes by skipping files already on disk.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

import sqlite_utils

from pipeline.db import queries
from pipeline.migrate.jsonl import page_object, post_object, write_jsonl
from pipeline.migrate.markdown import Layout, write_markdown_tree
from pipeline.migrate.media import FetchImage, LoadCapture, MediaStore, captures_by_original
from pipeline.migrate.output import ExportReport
from pipeline.model import Progress

Format = Literal["jsonl", "markdown"]


def export_archive(
    db: sqlite_utils.Database,
    out_dir: Path,
    *,
    fmt: Format,
    layout: Layout = "hugo",
    include_deleted: bool = False,
    media: bool = False,
    fetch_image: FetchImage | None = None,
    load_capture: LoadCapture | None = None,
    progress: Progress | None = None,
) -> ExportReport:
    """Write the archive to `out_dir` as `fmt`; see the module docstring for the contract.

    `include_deleted` adds deleted posts and drafts (marked as drafts in Markdown);
    by default only what readers can see on the blog today is exported.
    `progress("export", done, total)` is called after each post and page.
    """
    if fmt not in ("jsonl", "markdown"):
        raise ValueError(f"unknown export format {fmt!r}")
    if layout not in ("hugo", "jekyll"):
        raise ValueError(f"unknown export layout {layout!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    statuses = queries.EXPORT_ALL_STATUSES if include_deleted else queries.EXPORT_LIVE
    report = ExportReport()
    images = (
        MediaStore(out_dir, report, captures_by_original(db), fetch_image, load_capture)
        if media
        else None
    )
    total = sum(queries.export_counts(db, statuses))
    tick = _ticker(progress, total)
    posts = queries.iter_export_posts(db, statuses)
    pages = queries.iter_export_pages(db, statuses)
    if fmt == "jsonl":
        report.posts = write_jsonl(
            out_dir, "posts.jsonl", report, tick, (post_object(db, row, images) for row in posts)
        )
        report.pages = write_jsonl(
            out_dir, "pages.jsonl", report, tick, (page_object(row, images) for row in pages)
        )
    else:
        write_markdown_tree(out_dir, layout, report, tick, posts, pages, images)
    return report


def _ticker(progress: Progress | None, total: int) -> Callable[[], None]:
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress:
            progress("export", done, total)

    return tick
