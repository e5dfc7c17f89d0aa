"""Raw capture: one WARC file per run, and reading a capture back from it.

Bodies are stored as received (a gzip-encoded response stays gzip-encoded, with its
`Content-Encoding`), so the archive keeps the bytes the server sent.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline.errors import FetchError


class WarcLog:
    """One WARC file per run, written as `NAME.warc.gz.open`, renamed on close.

    A run killed mid-way leaves a `.open` file whose complete records are still
    readable; `finalize_leftovers()` renames those on the next run.
    """

    def __init__(self, raw_dir: Path, name: str) -> None:
        raw_dir.mkdir(parents=True, exist_ok=True)
        self.raw_dir = raw_dir
        self.final_name = f"{name}.warc.gz"
        self.open_name = self.final_name + ".open"
        self._fh = open(raw_dir / self.open_name, "ab")  # noqa: SIM115 (lives as long as the run)
        self._writer = WARCWriter(self._fh, gzip=True)
        self._lock = threading.Lock()

    def write_exchange(
        self,
        *,
        url: str,
        method: str,
        request_headers: dict[str, str],
        status: int,
        reason: str,
        response_headers: list[tuple[str, str]],
        raw_body: bytes,
        protocol: str = "HTTP/1.1",
    ) -> tuple[int, int]:
        """Write response + request records; returns (offset, length) of the pair."""
        with self._lock:
            offset = self._fh.tell()
            resp_headers = StatusAndHeaders(
                f"{status} {reason}", response_headers, protocol=protocol
            )
            response = self._writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(raw_body),
                length=len(raw_body),
                http_headers=resp_headers,
            )
            path = urlsplit(url)
            target = (path.path or "/") + (f"?{path.query}" if path.query else "")
            req_headers = StatusAndHeaders(
                f"{method} {target} {protocol}", list(request_headers.items()), is_http_request=True
            )
            request = self._writer.create_warc_record(
                url,
                "request",
                payload=io.BytesIO(b""),
                length=0,
                http_headers=req_headers,
                warc_headers_dict={
                    "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID")
                },
            )
            self._writer.write_record(response)
            self._writer.write_record(request)
            self._fh.flush()
            return offset, self._fh.tell() - offset

    def write_resource(self, uri: str, stream: BinaryIO, content_type: str) -> tuple[int, int, str]:
        """A file that did not come over HTTP (a Blogger export) as a `resource` record.

        Streamed (exports reach hundreds of MB); returns (offset, length, sha256).
        """
        digest = hashlib.sha256()
        size = 0
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
        stream.seek(0)
        with self._lock:
            offset = self._fh.tell()
            record = self._writer.create_warc_record(
                uri,
                "resource",
                payload=stream,
                length=size,
                warc_content_type=content_type,
            )
            self._writer.write_record(record)
            self._fh.flush()
            return offset, self._fh.tell() - offset, digest.hexdigest()

    def close(self) -> tuple[str, str]:
        """Close and rename; returns (old name, new name) for the captures index."""
        with self._lock:
            if not self._fh.closed:
                self._fh.flush()
                os.fsync(self._fh.fileno())
                self._fh.close()
                os.replace(self.raw_dir / self.open_name, self.raw_dir / self.final_name)
        return self.open_name, self.final_name


def finalize_leftovers(raw_dir: Path) -> list[tuple[str, str]]:
    """Rename `.open` WARCs left by killed runs; returns (old, new) names."""
    renamed = []
    if raw_dir.is_dir():
        for path in sorted(raw_dir.glob("*.warc.gz.open")):
            final = path.with_name(path.name[: -len(".open")])
            os.replace(path, final)
            renamed.append((path.name, final.name))
    return renamed


@dataclass(slots=True)
class StoredExchange:
    """A capture read back from its WARC file."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes  # decoded payload
    raw_body: bytes  # as received (possibly gzip)


def read_capture(raw_dir: Path, warc_file: str, offset: int) -> StoredExchange:
    """Read the record at `offset` (a response or a resource record)."""
    path = raw_dir / warc_file
    if not path.exists():  # the run may have been closed (or not) since
        alt = path.with_name(warc_file[:-5] if warc_file.endswith(".open") else warc_file + ".open")
        path = alt if alt.exists() else path
    with open(path, "rb") as fh:
        fh.seek(offset)
        for record in ArchiveIterator(fh):
            url = record.rec_headers.get_header("WARC-Target-URI")
            if record.rec_type == "resource":
                data = record.content_stream().read()
                return StoredExchange(url, 200, {}, data, data)
            if record.rec_type != "response":
                break
            headers = {k.lower(): v for k, v in record.http_headers.headers}
            raw = record.raw_stream.read()
            status = int(record.http_headers.get_statuscode() or 0)
            return StoredExchange(url, status, headers, decode_body(raw, headers), raw)
    raise FetchError(f"no response record at {warc_file}:{offset}")


def decode_body(raw: bytes, headers: dict[str, str]) -> bytes:
    encoding = headers.get("content-encoding", "").lower()
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompress(raw, 16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        try:
            return zlib.decompress(raw)
        except zlib.error:
            return zlib.decompress(raw, -zlib.MAX_WBITS)
    return raw


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
