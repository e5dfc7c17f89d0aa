"""Images of the migration output: Blogger size variants resolved to one original file each."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import sqlite_utils

from pipeline.db import queries
from pipeline.migrate.output import MEDIA_DIR, ExportReport

FetchImage = Callable[[str], bytes]
LoadCapture = Callable[[int], bytes | None]

_IMAGE_HOST_SUFFIXES = (".bp.blogspot.com", ".googleusercontent.com", ".ggpht.com")


# A size request: `s1600`, `w640-h400`, `s320-c`, `w72-h72-p-nu`, `s0-d`…
_SIZE = r"[swh]\d+(?:-[a-z0-9]+)*"


_SIZE_SEGMENT_RE = re.compile(rf"/{_SIZE}(/[^/]*)$")


_SIZE_SUFFIX_RE = re.compile(rf"={_SIZE}$")


_IMAGE_EXTENSIONS = {
    ".jpg",
    ".jpeg",
    ".png",
    ".gif",
    ".webp",
    ".svg",
    ".bmp",
    ".avif",
    ".tif",
    ".tiff",
    ".ico",
    ".heic",
}


_MAGIC = [
    (b"\x89PNG", ".png"),
    (b"\xff\xd8\xff", ".jpg"),
    (b"GIF8", ".gif"),
    (b"<svg", ".svg"),
    (b"<?xml", ".svg"),
    (b"BM", ".bmp"),
]


def original_image_url(url: str) -> str:
    """The full-size version of a Blogger/Google-hosted image; other URLs unchanged.

    Blogger puts the size in a path segment (`…/s1600/x.jpg`, `…/w640-h400/x.jpg`)
    or a suffix (`…=s1600`, `…=w640-h400`); `s0` asks for the original upload.
    These hosts also serve https, so `http:` is upgraded (one file per picture).
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host.endswith(_IMAGE_HOST_SUFFIXES):
        return url
    path = _SIZE_SEGMENT_RE.sub(r"/s0\1", parts.path)
    path = _SIZE_SUFFIX_RE.sub("=s0", path)
    scheme = "https" if parts.scheme == "http" else parts.scheme
    return urlunsplit((scheme, parts.netloc, path, parts.query, parts.fragment))


def media_stem(url: str) -> str:
    """Stable file name (without extension) of a resolved image URL."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:24]


def _extension(url: str, data: bytes) -> str:
    """From the URL when it names an image type, else sniffed (`…=s0` URLs have none)."""
    suffix = Path(urlsplit(url).path.split("=", 1)[0]).suffix.lower()
    if suffix in _IMAGE_EXTENSIONS:
        return ".jpg" if suffix == ".jpeg" else suffix
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return next((ext for magic, ext in _MAGIC if data.lstrip().startswith(magic)), ".bin")


def captures_by_original(db: sqlite_utils.Database) -> dict[str, list[tuple[str, int]]]:
    """(captured URL, capture id) per resolved URL: every archived size of each picture."""
    out: dict[str, list[tuple[str, int]]] = {}
    for url, capture_id in queries.image_capture_ids(db):
        out.setdefault(original_image_url(url), []).append((url, capture_id))
    return out


class MediaStore:
    """Saves each picture once under `media/`, remembering where it went or why it failed."""

    def __init__(
        self,
        out_dir: Path,
        report: ExportReport,
        captures: dict[str, list[tuple[str, int]]],
        fetch_image: FetchImage | None,
        load_capture: LoadCapture | None,
    ) -> None:
        self.dir = out_dir / MEDIA_DIR
        self.report = report
        self.captures = captures
        self.fetch_image = fetch_image
        self.load_capture = load_capture
        self.done: dict[str, str | None] = {}  # resolved URL → relative path or None
        # Files of an earlier run, by stem: listed once, as globbing per image is O(n²).
        # Dot-files are unfinished writes of a killed run and get written again.
        self.on_disk = {
            p.name.split(".", 1)[0]: p.name
            for p in (self.dir.iterdir() if self.dir.is_dir() else ())
            if not p.name.startswith(".")
        }

    def local_path(self, url: str) -> str | None:
        """Where `url` (any size of it) was saved, if it was."""
        return self.done.get(original_image_url(url))

    def save(self, url: str) -> str | None:
        """Save the picture once; returns its path relative to the output folder."""
        resolved = original_image_url(url)
        if resolved not in self.done:
            self.done[resolved] = self._save(resolved)
        return self.done[resolved]

    def _save(self, url: str) -> str | None:
        stem = media_stem(url)
        if stem in self.on_disk:
            self.report.images_present += 1
            return self._record(self.on_disk[stem])
        try:
            data = self._bytes(url)
        except Exception as exc:  # whatever the fetcher raises is reported, never fatal
            self.report.images_failed.append((url, f"{type(exc).__name__}: {exc}"))
            return None
        name = stem + _extension(url, data)
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.dir / f".{name}.part"  # not taken for a finished file by a resumed run
        tmp.write_bytes(data)
        tmp.replace(self.dir / name)
        self.report.images_saved += 1
        return self._record(name)

    def _bytes(self, url: str) -> bytes:
        """The original from the WARC, else from the fetcher, else a smaller archived size.

        The scraper archives the size a post displays (often a thumbnail): the full
        size is worth one request, but when the fetch fails (blog gone, offline) an
        archived smaller copy is better than a hole in the page.
        """
        full, smaller = [], []
        for captured_url, capture_id in self.captures.get(url, ()):
            same_size = urlsplit(captured_url).path == urlsplit(url).path
            (full if same_size else smaller).append(capture_id)
        data = self._from_warc(full)
        error: Exception = LookupError("not captured, and no fetcher given")
        if not data and self.fetch_image:
            try:
                data = self.fetch_image(url)
                error = LookupError("empty response")
            except Exception as exc:  # kept to report if no archived copy exists either
                error = exc
        data = data or self._from_warc(smaller)
        if not data:
            raise error
        return data

    def _from_warc(self, capture_ids: list[int]) -> bytes | None:
        if self.load_capture is None:
            return None
        for capture_id in capture_ids:
            data = self.load_capture(capture_id)
            if data:
                return data
        return None

    def _record(self, name: str) -> str:
        rel = f"{MEDIA_DIR}/{name}"
        self.report.files.append(rel)
        return rel
