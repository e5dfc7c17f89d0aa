"""Images: capture the posts' images into the WARC, and serve them to the migration output."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlite_utils

from pipeline.config import Config
from pipeline.db import queries, schema, writes
from pipeline.db.writes import save_captures
from pipeline.errors import (
    FetchError,
)
from pipeline.http.fetcher import Fetcher
from pipeline.http.warc import read_capture


def capture_images(db: sqlite_utils.Database, fetcher: Fetcher, blog_id: str) -> int:
    """`run --media`: fetch every not yet captured image of the blog into the WARC."""
    saved = 0
    for url in queries.images_to_capture(db, blog_id):
        try:
            resp = fetcher.get(url, kind="image", blog_id=blog_id)
        except FetchError:
            continue  # stays uncaptured; the next --media run tries again
        with schema.transaction(db):
            ids = save_captures(db, fetcher.drain(), blog_id)
            if url in ids or resp.url in ids:
                writes.set_image_capture(db, url, ids.get(url) or ids[resp.url])
                saved += 1
    return saved


def export_media_sources(
    cfg: Config, db: sqlite_utils.Database
) -> tuple[Callable[[str], bytes], Callable[[int], bytes | None], Callable[[], None]]:
    """(fetch_image, load_capture, close) for `export --media`."""
    fetcher = Fetcher(cfg.http, None)
    raw_dir = Path(cfg.raw_dir)

    def fetch_image(url: str) -> bytes:
        return fetcher.get(url, kind="image").body

    def load_capture(capture_id: int) -> bytes | None:
        row = queries.get_capture(db, capture_id)
        if row is None:
            return None
        try:
            return read_capture(raw_dir, row["warc_file"], row["warc_offset"]).body
        except (OSError, FetchError):
            return None

    return fetch_image, load_capture, fetcher.close
