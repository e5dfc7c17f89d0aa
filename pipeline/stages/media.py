"""Images: capture the posts' images into the WARC, and serve them to the migration output."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import sqlite_utils

from pipeline.config import Config
from pipeline.db import queries, schema, writes
from pipeline.db.writes import save_captures
from pipeline.errors import FetchError
from pipeline.http.fetcher import Fetcher
from pipeline.http.policy import UrlPolicy
from pipeline.http.warc import read_capture


def capture_images(db: sqlite_utils.Database, fetcher: Fetcher, blog_id: str, blog_url: str) -> int:
    """`run --media`: fetch every not yet captured image of the blog into the WARC.

    An `<img src>` is whatever the post's author (or an attacker) wrote, so only
    public addresses and the blog's own origin are fetched.
    """
    policy = UrlPolicy(blog_url).media_allowed
    saved = 0
    for url in queries.images_to_capture(db, blog_id):
        try:
            resp = fetcher.get(url, kind="image", blog_id=blog_id, policy=policy)
        except FetchError:
            continue  # stays uncaptured (a refused one is counted); the next run tries again
        with schema.transaction(db):
            ids = save_captures(db, fetcher.drain(), blog_id)
            if resp.url in ids:
                writes.set_image_capture(db, url, ids[resp.url])
                saved += 1
    return saved


def _media_policy(blog_urls: Iterable[str]) -> Callable[[str], bool]:
    """An image on a public address, or on the own server of one of these blogs."""
    policies = [UrlPolicy(url) for url in dict.fromkeys(blog_urls)]

    def allowed(url: str) -> bool:
        return any(policy.media_allowed(url) for policy in policies)

    return allowed


def export_media_sources(
    cfg: Config, db: sqlite_utils.Database
) -> tuple[Callable[[str], bytes], Callable[[int], bytes | None], Callable[[], None]]:
    """(fetch_image, load_capture, close) for `export --media`.

    Images are fetched under the same rule as `run --media`, the blogs being those
    of the config and of the archive.
    """
    fetcher = Fetcher(cfg.http, None)
    raw_dir = Path(cfg.raw_dir)
    blogs = [blog.url for blog in cfg.blogs] + [blog["url"] for blog in queries.blog_status(db)]
    policy = _media_policy(blogs)

    def fetch_image(url: str) -> bytes:
        return fetcher.get(url, kind="image", policy=policy).body

    def load_capture(capture_id: int) -> bytes | None:
        row = queries.get_capture(db, capture_id)
        if row is None:
            return None
        try:
            return read_capture(raw_dir, row["warc_file"], row["warc_offset"]).body
        except (OSError, FetchError):
            return None

    return fetch_image, load_capture, fetcher.close
