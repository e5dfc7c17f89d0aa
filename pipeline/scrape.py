"""HTTP and raw capture: the only module that talks to the network.

`Fetcher.get()` is the one seam every request goes through. It adds the
project's User-Agent, honours robots.txt per host, keeps `delay_seconds` between
requests to one host, retries 429/5xx/timeouts with exponential backoff and
`Retry-After` (urllib3 `Retry`, not a home-made loop), sends conditional
headers, and writes the exchange to the run's WARC file *as received*: the
response body is read undecoded from the socket stream, so a gzip-encoded
response is stored gzip-encoded with its `Content-Encoding` header.

Nothing here parses feeds or touches SQLite: captures are handed back as
`store.Capture` values for the caller to save in the same transaction as the
records parsed from them.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ProtocolError
from urllib3.util.retry import Retry
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline.config import HttpConfig
from pipeline.errors import FetchError, RobotsDisallowed
from pipeline.store import Capture

RETRY_STATUSES = (429, 500, 502, 503, 504)
ROBOTS_TTL_SECONDS = 24 * 3600


def utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass(slots=True)
class Response:
    """What a caller needs of one HTTP exchange; `body` is decoded (no gzip)."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    fetched_at: str
    capture: Capture | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


# ---------------------------------------------------------------------- WARC


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

    def write_exchange(self, *, url: str, method: str, request_headers: dict[str, str],
                       status: int, reason: str, response_headers: list[tuple[str, str]],
                       raw_body: bytes, protocol: str = "HTTP/1.1") -> tuple[int, int]:
        """Write response + request records; returns (offset, length) of the pair."""
        with self._lock:
            offset = self._fh.tell()
            resp_headers = StatusAndHeaders(f"{status} {reason}", response_headers,
                                            protocol=protocol)
            response = self._writer.create_warc_record(
                url, "response", payload=io.BytesIO(raw_body), length=len(raw_body),
                http_headers=resp_headers,
            )
            path = urlsplit(url)
            target = (path.path or "/") + (f"?{path.query}" if path.query else "")
            req_headers = StatusAndHeaders(f"{method} {target} {protocol}",
                                           list(request_headers.items()), is_http_request=True)
            request = self._writer.create_warc_record(
                url, "request", payload=io.BytesIO(b""), length=0, http_headers=req_headers,
                warc_headers_dict={
                    "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID")},
            )
            self._writer.write_record(response)
            self._writer.write_record(request)
            self._fh.flush()
            return offset, self._fh.tell() - offset

    def write_resource(self, uri: str, stream: BinaryIO,
                       content_type: str) -> tuple[int, int, str]:
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
                uri, "resource", payload=stream, length=size, warc_content_type=content_type,
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
    body: bytes          # decoded payload
    raw_body: bytes      # as received (possibly gzip)


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
            return StoredExchange(url, status, headers, _decode(raw, headers), raw)
    raise FetchError(f"no response record at {warc_file}:{offset}")


def _decode(raw: bytes, headers: dict[str, str]) -> bytes:
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


# -------------------------------------------------------------------- fetcher


@dataclass
class FetchStats:
    requests: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str) -> None:
        self.requests += 1
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1


class Fetcher:
    """A polite HTTP client bound to one run's WARC file."""

    def __init__(self, http: HttpConfig, warc: WarcLog | None, *, run_id: int | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.http = http
        self.warc = warc
        self.run_id = run_id
        self.stats = FetchStats()
        self._captures: list[Capture] = []
        self._sleep = sleep
        self._last_request: dict[str, float] = {}
        self._robots: dict[str, tuple[float, RobotFileParser | None]] = {}
        self.session = requests.Session()
        self.session.headers.update({
            "User-Agent": http.user_agent,
            "Accept-Encoding": "gzip, deflate",
        })
        retry = Retry(
            total=http.max_retries,
            connect=min(2, http.max_retries),
            read=http.max_retries,
            status=http.max_retries,
            backoff_factor=http.backoff_factor,
            backoff_max=120,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET", "HEAD"}),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        adapter = HTTPAdapter(max_retries=retry, pool_connections=4, pool_maxsize=4)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def close(self) -> None:
        self.session.close()

    def drain(self) -> list[Capture]:
        """Captures written since the last drain (robots.txt ones included)."""
        captures, self._captures = self._captures, []
        return captures

    # -- politeness

    def _wait_for_host(self, host: str) -> None:
        delay = self.http.delay_seconds
        last = self._last_request.get(host)
        if delay and last is not None:
            remaining = last + delay - time.monotonic()
            if remaining > 0:
                self._sleep(remaining)
        self._last_request[host] = time.monotonic()

    def allowed(self, url: str, *, blog_id: str | None = None) -> bool:
        """robots.txt check, fetched once per host per 24 h (and captured)."""
        if not self.http.respect_robots_txt:
            return True
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        cached = self._robots.get(origin)
        if cached is None or time.monotonic() - cached[0] > ROBOTS_TTL_SECONDS:
            parser: RobotFileParser | None = None
            try:
                resp = self._get(origin + "/robots.txt", kind="robots", blog_id=blog_id)
            except FetchError:
                resp = None  # unreachable robots.txt: treated as allow-all, as crawlers do
            if resp is not None and resp.status == 200:
                parser = RobotFileParser()
                parser.parse(resp.body.decode("utf-8", "replace").splitlines())
            elif resp is not None and resp.status in (401, 403):
                parser = RobotFileParser()
                parser.disallow_all = True
            cached = (time.monotonic(), parser)
            self._robots[origin] = cached
        parser = cached[1]
        return parser is None or parser.can_fetch(self.http.user_agent, url)

    def seed_robots(self, origin: str, body: bytes, age_seconds: float) -> None:
        """Reuse a robots.txt an earlier run captured; it expires 24 h after that fetch."""
        if age_seconds >= ROBOTS_TTL_SECONDS:
            return
        parser = RobotFileParser()
        parser.parse(body.decode("utf-8", "replace").splitlines())
        self._robots[origin] = (time.monotonic() - age_seconds, parser)

    # -- requests

    def get(self, url: str, *, kind: str, blog_id: str | None = None,
            validators: tuple[str | None, str | None] = (None, None),
            ok_statuses: tuple[int, ...] = (200,)) -> Response:
        """GET `url` politely and capture it; raises FetchError/RobotsDisallowed.

        `validators` are the (ETag, Last-Modified) of the previous capture: sent as
        conditional headers, and a 304 is returned as such (never relied upon).
        A status outside `ok_statuses` (and not 304) raises FetchError.
        """
        if not self.allowed(url, blog_id=blog_id):
            raise RobotsDisallowed(f"robots.txt of {urlsplit(url).netloc} disallows {url}")
        resp = self._get(url, kind=kind, blog_id=blog_id, validators=validators)
        if resp.status not in ok_statuses and resp.status != 304:
            raise FetchError(f"HTTP {resp.status} for {url}", status=resp.status)
        return resp

    def _get(self, url: str, *, kind: str, blog_id: str | None,
             validators: tuple[str | None, str | None] = (None, None)) -> Response:
        headers: dict[str, str] = {}
        etag, last_modified = validators
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        self._wait_for_host(urlsplit(url).netloc)
        self.stats.count(kind)
        try:
            r = self.session.get(url, headers=headers, timeout=self.http.timeout_seconds,
                                 stream=True, allow_redirects=True)
            raw = r.raw.read(decode_content=False)
        except requests.exceptions.RetryError as exc:
            raise FetchError(f"gave up on {url} after {self.http.max_retries} retries "
                             f"({_reason(exc)})") from None
        except requests.exceptions.ConnectionError as exc:
            raise FetchError(f"cannot connect to {urlsplit(url).netloc} ({_reason(exc)})") from None
        except requests.exceptions.Timeout:
            raise FetchError(f"timed out fetching {url}") from None
        except (ProtocolError, requests.exceptions.RequestException) as exc:
            raise FetchError(f"broken response from {url} ({_reason(exc)})") from None
        fetched_at = utc_now()
        resp_headers = list(r.raw.headers.items())
        lower = {k.lower(): v for k, v in resp_headers}
        try:
            body = _decode(raw, lower)
        except zlib.error:
            raise FetchError(f"broken compressed response from {url}") from None
        capture = None
        if self.warc is not None:
            sent = dict(r.request.headers)
            offset, length = self.warc.write_exchange(
                url=r.url, method="GET", request_headers=sent, status=r.status_code,
                reason=r.reason or "", response_headers=resp_headers, raw_body=raw,
            )
            capture = Capture(
                url=r.url, fetched_at=fetched_at, status=r.status_code, etag=lower.get("etag"),
                last_modified=lower.get("last-modified"), sha256=sha256(body),
                warc_file=self.warc.open_name, warc_offset=offset, warc_length=length,
                run_id=self.run_id, blog_id=blog_id, kind=kind,
            )
            self._captures.append(capture)
        r.close()
        return Response(url=r.url, status=r.status_code, headers=lower, body=body,
                        fetched_at=fetched_at, capture=capture)


def _reason(exc: BaseException) -> str:
    """The innermost cause of a requests/urllib3 error, in a few words."""
    inner: BaseException | None = exc
    while inner is not None:
        reason = getattr(inner, "reason", None)
        if isinstance(reason, BaseException) and reason is not inner:
            inner = reason
            continue
        args = getattr(inner, "args", ())
        if args and isinstance(args[0], BaseException) and args[0] is not inner:
            inner = args[0]
            continue
        break
    text = str(inner)
    if "Connection refused" in text:
        return "connection refused"
    m = re.search(r"ResponseError\('([^']*)'", text)
    return m.group(1) if m else text[:160]
