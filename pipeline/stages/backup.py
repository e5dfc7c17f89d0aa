"""`import`: load a Blogger backup file, streamed in batches, keeping the file as WARC."""

from __future__ import annotations

import itertools
import logging
from pathlib import Path
from typing import Any

import sqlite_utils

from pipeline.blogger.backup import iter_backup
from pipeline.blogger.common import normalize_blog_url
from pipeline.config import Config
from pipeline.db import schema, writes
from pipeline.http.fetcher import utc_now
from pipeline.http.warc import WarcLog
from pipeline.model import Capture

log = logging.getLogger("blogger_archive")


def import_backup(
    cfg: Config, db: sqlite_utils.Database, path: Path, *, blog_url: str | None = None
) -> dict[str, Any]:
    """Load a Blogger export file, streamed in batches (one transaction each).

    The file itself is kept as a WARC `resource` record, so `parse --all` can
    rebuild from it like from any capture.
    """

    if blog_url:
        blog_url = normalize_blog_url(blog_url)
    batches = iter_backup(
        path, blog_url=blog_url, iframe_hosts=frozenset(cfg.iframe_allowlist), name=str(path)
    )
    first = next(batches)  # raises InputFileError before anything is written
    started = utc_now()
    run_id = writes.start_run(db, blog_id=None, started_at=started, full=False, command="import")
    stamp = started.replace(":", "").replace("-", "")[:15]
    warc = WarcLog(Path(cfg.raw_dir), f"import-{stamp}-r{run_id}")
    uri = f"{path.resolve().as_uri()}#blog_url={blog_url or ''}"
    with open(path, "rb") as fh:
        offset, length, digest = warc.write_resource(uri, fh, "application/atom+xml")
    warc.close()
    counts = writes.SaveCounts()
    report = dict.fromkeys(("posts", "drafts", "deleted", "comments", "pages"), 0)
    summary = None
    for batch in itertools.chain([first], batches):
        with schema.transaction(db):
            counts.add(writes.save_posts(db, batch.posts, seen_at=started, origin="backup"))
            writes.save_comments(db, batch.comments, seen_at=started)
            writes.save_pages(db, batch.pages, seen_at=started)
        report["posts"] += len(batch.posts)
        report["drafts"] += sum(p.status == "draft" for p in batch.posts)
        report["deleted"] += sum(p.status == "deleted" for p in batch.posts)
        report["comments"] += len(batch.comments)
        report["pages"] += len(batch.pages)
        for warning in batch.warnings:
            log.warning("%s: %s", path, warning)
        summary = batch.summary or summary
    assert summary is not None
    blog_id = summary.blog.id if summary.blog else None
    with schema.transaction(db):
        if summary.blog is not None:
            writes.save_blog(db, summary.blog)
        writes.save_capture(
            db,
            Capture(
                url=uri,
                fetched_at=started,
                status=200,
                etag=None,
                last_modified=None,
                sha256=digest,
                warc_file=warc.final_name,
                warc_offset=offset,
                warc_length=length,
                run_id=run_id,
                blog_id=blog_id,
                kind="backup",
            ),
        )
        if blog_id:
            writes.refresh_comment_counts(db, blog_id)
        writes.finish_run(
            db,
            run_id,
            blog_id=blog_id,
            finished_at=utc_now(),
            status="ok",
            posts_new=counts.new,
            posts_updated=counts.updated,
        )
    return {
        **report,
        "blog_id": blog_id,
        "format": summary.format,
        "skipped": dict(summary.skipped),
    }
