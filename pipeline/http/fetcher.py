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

import re
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ProtocolError
from urllib3.util.retry import Retry

from pipeline.config import HttpConfig
from pipeline.errors import FetchError, RobotsDisallowed
from pipeline.http.warc import WarcLog, decode_body, sha256
from pipeline.model import Capture

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


@dataclass
class FetchStats:
    requests: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str) -> None:
        self.requests += 1
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1


class Fetcher:
    """A polite HTTP client bound to one run's WARC file."""

    def __init__(
        self,
        http: HttpConfig,
        warc: WarcLog | None,
        *,
        run_id: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.http = http
        self.warc = warc
        self.run_id = run_id
        self.stats = FetchStats()
        self._captures: list[Capture] = []
        self._sleep = sleep
        self._last_request: dict[str, float] = {}
        self._robots: dict[str, tuple[float, RobotFileParser | None]] = {}
        self.session = requests.Session()
        self.session.headers.update(
            {
                "User-Agent": http.user_agent,
                "Accept-Encoding": "gzip, deflate",
            }
        )
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

    def get(
        self,
        url: str,
        *,
        kind: str,
        blog_id: str | None = None,
        validators: tuple[str | None, str | None] = (None, None),
        ok_statuses: tuple[int, ...] = (200,),
    ) -> Response:
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

    def _get(
        self,
        url: str,
        *,
        kind: str,
        blog_id: str | None,
        validators: tuple[str | None, str | None] = (None, None),
    ) -> Response:
        headers: dict[str, str] = {}
        etag, last_modified = validators
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        self._wait_for_host(urlsplit(url).netloc)
        self.stats.count(kind)
        try:
            r = self.session.get(
                url,
                headers=headers,
                timeout=self.http.timeout_seconds,
                stream=True,
                allow_redirects=True,
            )
            raw = r.raw.read(decode_content=False)
        except requests.exceptions.RetryError as exc:
            raise FetchError(
                f"gave up on {url} after {self.http.max_retries} retries ({_reason(exc)})"
            ) from None
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
            body = decode_body(raw, lower)
        except zlib.error:
            raise FetchError(f"broken compressed response from {url}") from None
        capture = None
        if self.warc is not None:
            sent = dict(r.request.headers)
            offset, length = self.warc.write_exchange(
                url=r.url,
                method="GET",
                request_headers=sent,
                status=r.status_code,
                reason=r.reason or "",
                response_headers=resp_headers,
                raw_body=raw,
            )
            capture = Capture(
                url=r.url,
                fetched_at=fetched_at,
                status=r.status_code,
                etag=lower.get("etag"),
                last_modified=lower.get("last-modified"),
                sha256=sha256(body),
                warc_file=self.warc.open_name,
                warc_offset=offset,
                warc_length=length,
                run_id=self.run_id,
                blog_id=blog_id,
                kind=kind,
            )
            self._captures.append(capture)
        r.close()
        return Response(
            url=r.url,
            status=r.status_code,
            headers=lower,
            body=body,
            fetched_at=fetched_at,
            capture=capture,
        )


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
