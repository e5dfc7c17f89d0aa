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
        truncated: bool = False,
    ) -> tuple[int, int]:
        """Write response + request records; returns (offset, length) of the pair.

        `truncated`: we stopped reading at the size cap, so `raw_body` is only the
        start of what the server sent (marked `WARC-Truncated: length`).
        """
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
                warc_headers_dict={"WARC-Truncated": "length"} if truncated else None,
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
        """Close and rename; returns (old name, new name) for the captures index.

        A run that captured nothing leaves no empty WARC file behind.
        """
        with self._lock:
            if not self._fh.closed:
                self._fh.flush()
                empty = self._fh.tell() == 0
                os.fsync(self._fh.fileno())
                self._fh.close()
                if empty:
                    os.unlink(self.raw_dir / self.open_name)
                else:
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


# Content-Encoding → zlib window bits; deflate may also come without its zlib header
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


class Inflater:
    """Undo gzip/deflate chunk by chunk, never producing more than `limit` bytes.

    A few MB of gzip can expand to gigabytes: asking zlib for at most `limit` + 1
    bytes per call keeps memory bounded whatever the server sends.
    """

    def __init__(self, wbits: int, limit: int | None) -> None:
        self.limit = limit
        self.decoded = bytearray()
        self._wbits = wbits
        self._zlib = zlib.decompressobj(wbits)
        self._started = False

    def feed(self, data: bytes) -> bool:
        """Decode one chunk; False once the output would pass `limit` (raises zlib.error)."""
        first, self._started = not self._started, True
        try:
            return self._inflate(data)
        except zlib.error:
            if not (first and self._wbits == zlib.MAX_WBITS):
                raise
            self._wbits = -zlib.MAX_WBITS  # headerless deflate, as some servers send
            self._zlib = zlib.decompressobj(self._wbits)
            return self._inflate(data)

    def _inflate(self, data: bytes) -> bool:
        while data:
            room = None if self.limit is None else self.limit - len(self.decoded)
            out = self._zlib.decompress(data, 0 if room is None else room + 1)
            if room is not None and len(out) > room:
                self.decoded += out[:room]
                return False
            self.decoded += out
            data = self._zlib.unconsumed_tail
        return True

    def finish(self) -> bytes:
        """The whole decoded body; raises zlib.error if the stream was cut short."""
        self.decoded += self._zlib.flush()
        if not self._zlib.eof:
            raise zlib.error("incomplete or truncated compressed stream")
        return bytes(self.decoded)


def inflater(headers: dict[str, str], limit: int | None = None) -> Inflater | None:
    """An Inflater for the response's Content-Encoding; None when the body is as sent."""
    wbits = _WBITS.get(headers.get("content-encoding", "").strip().lower())
    return None if wbits is None else Inflater(wbits, limit)


def decode_body(raw: bytes, headers: dict[str, str]) -> bytes:
    """A stored body without its Content-Encoding (stored bodies are within the size cap)."""
    decoder = inflater(headers)
    if decoder is None:
        return raw
    decoder.feed(raw)
    return decoder.finish()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
