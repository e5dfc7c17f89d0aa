"""Archived images: `run` captures them by default, post pages show the archived copies,
and those keep working once the blog is gone."""

from __future__ import annotations

import asyncio

import lxml.html
import pytest

from mockblogger import MockBlogger, make_blog
from pipeline.web.app import PASSWORD_HASH_ENV, make_app
from pipeline.web.media import content_type
from tests.conftest import Archive


def test_post_images_are_served_from_the_archive_after_the_blog_is_gone(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PASSWORD_HASH_ENV, raising=False)
    blog = make_blog(10, seed=11)
    with MockBlogger(blog) as mock:
        archive.run(mock.url)  # no --media: capture_images is on by default
        media_host = mock.media_url
    # the blog (and its image host) is gone from here on
    posts = archive.rows(
        "SELECT DISTINCT post_id FROM images WHERE capture_id IS NOT NULL AND url LIKE ?",
        (media_host + "%",),
    )
    assert len(posts) >= 3
    ds = make_app(archive.db_path, raw_dir=archive.raw_dir)
    loop = asyncio.new_event_loop()
    try:
        for row in posts:
            page = loop.run_until_complete(ds.client.get(f"/archive/posts/{row['post_id']}"))
            assert page.status_code == 200
            body = lxml.html.fromstring(page.text).xpath('//div[@class="post-body"]')[0]
            sources = [s for s in body.xpath(".//img/@src") if s != "x"]
            assert sources and all(s.startswith("/-/media/") for s in sources), sources
            for src in sources:
                image = loop.run_until_complete(ds.client.get(src))
                assert image.status_code == 200
                assert image.headers["content-type"].startswith("image/")
                assert image.headers["x-content-type-options"] == "nosniff"
                assert content_type({}, image.content) is not None  # real image bytes
            assert media_host not in lxml.html.tostring(body, encoding="unicode")
    finally:
        loop.close()


def test_no_media_skips_images_and_media_captures_them_later(archive: Archive) -> None:
    blog = make_blog(6, seed=12)
    with MockBlogger(blog) as mock:
        archive.run(mock.url, "--no-media")
        assert not archive.rows("SELECT * FROM images WHERE capture_id IS NOT NULL")
        archive.run(mock.url)  # nothing changed: a scheduled run stays cheap
        assert not archive.rows("SELECT * FROM images WHERE capture_id IS NOT NULL")
        archive.run(mock.url, "--media")  # retries every image not yet saved
    assert archive.rows("SELECT * FROM images WHERE capture_id IS NOT NULL")


def test_only_captured_images_are_served(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSWORD_HASH_ENV, raising=False)
    from tests.dsfixtures import build_archive

    ds = make_app(build_archive(tmp_path / "a.db", extra_posts=0), raw_dir=tmp_path)
    loop = asyncio.new_event_loop()
    try:
        for path in ("/-/media/1", "/-/media/999999", "/-/media/abc"):
            assert loop.run_until_complete(ds.client.get(path)).status_code == 404
    finally:
        loop.close()


@pytest.mark.parametrize(
    "headers, body, expected",
    [
        ({"content-type": "image/png"}, b"", "image/png"),
        ({"content-type": "image/jpeg; charset=binary"}, b"", "image/jpeg"),
        ({"content-type": "text/html"}, b"<script>", None),
        ({}, b"\x89PNG\r\n\x1a\nrest", "image/png"),
        ({"content-type": "application/octet-stream"}, b"GIF89a...", "image/gif"),
    ],
)
def test_media_content_type(headers: dict, body: bytes, expected: str | None) -> None:
    assert content_type(headers, body) == expected
