"""`/-/media/<capture id>`: a post's image served from the archive's own WARC files.

Post pages point their `<img>` at this route when the image was captured, so they
keep working when the blog, or Blogger's image host, is gone. Only captures of an
image some post shows are served (never feeds or pages), with the type the server
sent when it is an image type, and headers that stop the bytes being run as anything
else: `nosniff`, and a sandboxing policy (an SVG may hold scripts). A capture never
changes, so browsers may keep it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import Response

from pipeline.db import pages
from pipeline.errors import FetchError
from pipeline.http.warc import read_capture
from pipeline.web.names import archive_name
from pipeline.web.posts import plugin_config

IMAGE_TYPES = frozenset(
    {
        "image/avif",
        "image/bmp",
        "image/gif",
        "image/jpeg",
        "image/png",
        "image/svg+xml",
        "image/webp",
        "image/x-icon",
    }
)
# Magic numbers of the common formats, for captures whose server sent no usable type.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
MEDIA_HEADERS = {
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    "cache-control": "private, max-age=31536000, immutable",
    "cross-origin-resource-policy": "same-origin",
}


def content_type(headers: dict[str, str], body: bytes) -> str | None:
    """The image type of a capture, or None when it is not an image we serve."""
    declared = headers.get("content-type", "").split(";")[0].strip().lower()
    if declared in IMAGE_TYPES:
        return declared
    if body[:4] == b"RIFF" and body[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in _SIGNATURES if body.startswith(magic)), None)


async def media(datasette: Any, request: Any) -> Response:
    await datasette.ensure_permissions(
        request.actor, [("view-database", archive_name(datasette)), "view-instance"]
    )
    raw_dir = plugin_config(datasette).get("raw_dir")
    capture_id = int(request.url_vars["capture_id"])
    db = datasette.get_database(archive_name(datasette))
    row = await db.execute_fn(lambda conn: pages.image_capture(conn, capture_id))
    if row is None or not raw_dir:
        return Response.text("No archived image with this number.", status=404)
    try:
        stored = await asyncio.to_thread(
            read_capture, Path(raw_dir), row["warc_file"], row["warc_offset"]
        )
    except (OSError, FetchError):
        return Response.text("The archived image cannot be read from the raw files.", status=404)
    kind = content_type(stored.headers, stored.body)
    if kind is None:
        return Response.text("This capture is not an image.", status=404)
    return Response(stored.body, content_type=kind, headers=dict(MEDIA_HEADERS))


@hookimpl(specname="register_routes")
def media_routes():
    """Named apart from the search page's `register_routes`: both are hooks of one module."""
    return [(r"^/-/media/(?P<capture_id>\d{1,18})$", media)]
