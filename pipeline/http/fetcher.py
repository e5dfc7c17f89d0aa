"""HTTP and raw capture: the only module that talks to the network.

`Fetcher.get()` is the one seam every request goes through. It adds the
project's User-Agent, honours robots.txt per host, keeps `delay_seconds` between
requests to one host, retries 429/5xx/timeouts with exponential backoff and
`Retry-After` (urllib3 `Retry`, not a home-made loop), sends conditional
headers, and writes the exchange to the run's WARC file *as received*: the
response body is read undecoded from the socket stream, so a gzip-encoded
response is stored gzip-encoded with its `Content-Encoding` header.

A blog's server is not trusted: redirects are followed here, one hop at a time,
so the caller's URL policy (see `policy.py`) and robots.txt are checked before
any request reaches a new URL; every body is streamed under a size cap (as
received and once decompressed) and within `timeout_seconds` for the whole
exchange.

Nothing here parses feeds or touches SQLite: captures are handed back as
`store.Capture` values for the caller to save in the same transaction as the
records parsed from them.
"""

from __future__ import annotations

import re
import socket
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import HTTPError, NameResolutionError, ReadTimeoutError
from urllib3.exceptions import TimeoutError as Urllib3Timeout
from urllib3.util.retry import Retry

from pipeline.config import HttpConfig
from pipeline.errors import FetchError, RefusedUrl, ResponseTooLarge, RobotsDisallowed
from pipeline.http.warc import Inflater, WarcLog, inflater, sha256
from pipeline.model import Capture

RETRY_STATUSES = (429, 500, 502, 503, 504)
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
MAX_REDIRECTS = 5
CHUNK_BYTES = 64 * 1024


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
    refused: list[str] = field(default_factory=list)  # URLs the policy kept us from requesting

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

    def allowed(
        self,
        url: str,
        *,
        blog_id: str | None = None,
        policy: Callable[[str], bool] | None = None,
    ) -> bool:
        """robots.txt check, fetched once per host per 24 h (and captured).

        `policy` also applies to robots.txt redirects: they are the server's choice too.
        """
        if not self.http.respect_robots_txt:
            return True
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        cached = self._robots.get(origin)
        if cached is None or time.monotonic() - cached[0] > ROBOTS_TTL_SECONDS:
            parser: RobotFileParser | None = None
            try:
                resp = self._follow(
                    origin + "/robots.txt",
                    kind="robots",
                    blog_id=blog_id,
                    validators=(None, None),
                    policy=policy,
                    robots=False,
                )
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
        policy: Callable[[str], bool] | None = None,
    ) -> Response:
        """GET `url` politely and capture it; raises FetchError and its subclasses.

        `validators` are the (ETag, Last-Modified) of the previous capture: sent as
        conditional headers, and a 304 is returned as such (never relied upon).
        A status outside `ok_statuses` (and not 304) raises FetchError.
        `policy` says which URLs may be requested at all; it and robots.txt are
        checked again at every redirect, which is why redirects are followed here.
        """
        resp = self._follow(
            url, kind=kind, blog_id=blog_id, validators=validators, policy=policy, robots=True
        )
        if resp.status not in ok_statuses and resp.status != 304:
            raise FetchError(f"HTTP {resp.status} for {resp.url}", status=resp.status)
        return resp

    def _follow(
        self,
        url: str,
        *,
        kind: str,
        blog_id: str | None,
        validators: tuple[str | None, str | None],
        policy: Callable[[str], bool] | None,
        robots: bool,
    ) -> Response:
        """One request and its redirects, each hop refused before any byte is sent to it."""
        start = url
        for _ in range(MAX_REDIRECTS + 1):
            if policy is not None and not policy(url):
                self.stats.refused.append(url)
                via = f" (redirected from {start})" if url != start else ""
                raise RefusedUrl(f"refused to fetch {url}{via}: not a URL this blog may send us to")
            if robots and not self.allowed(url, blog_id=blog_id, policy=policy):
                raise RobotsDisallowed(f"robots.txt of {urlsplit(url).netloc} disallows {url}")
            resp = self._get(url, kind=kind, blog_id=blog_id, validators=validators)
            location = resp.headers.get("location")
            if resp.status not in REDIRECT_STATUSES or not location:
                return resp
            url = urljoin(resp.url, location.strip())
            validators = (None, None)  # they belong to the first URL
        raise FetchError(f"more than {MAX_REDIRECTS} redirects from {start}")

    def _get(
        self,
        url: str,
        *,
        kind: str,
        blog_id: str | None,
        validators: tuple[str | None, str | None] = (None, None),
    ) -> Response:
        """One exchange, read within `timeout_seconds` and the size cap, and captured."""
        headers: dict[str, str] = {}
        etag, last_modified = validators
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        self._wait_for_host(urlsplit(url).netloc)
        self.stats.count(kind)
        timeout = self.http.timeout_seconds
        started = time.monotonic()
        try:
            r = self.session.get(
                url, headers=headers, timeout=timeout, stream=True, allow_redirects=False
            )
        except requests.exceptions.RequestException as exc:
            raise FetchError(_failure(exc, url, timeout)) from None
        try:
            # a retried request gets the whole timeout for its last attempt
            deadline = (time.monotonic() if _retried(r) else started) + timeout
            return self._read(r, kind=kind, blog_id=blog_id, deadline=deadline)
        finally:
            r.close()  # never drains: a refused body is dropped with its connection

    def _read(
        self, r: requests.Response, *, kind: str, blog_id: str | None, deadline: float
    ) -> Response:
        """The exchange as a Response, its body capped in size (both as sent and decoded).

        A body over the cap is refused, and what arrived of it is kept in the WARC
        marked truncated, so the archive shows what the server tried.
        """
        fetched_at = utc_now()
        resp_headers = list(r.raw.headers.items())
        lower = {k.lower(): v for k, v in resp_headers}
        setting = "max_image_bytes" if kind == "image" else "max_page_bytes"
        limit = getattr(self.http, setting)
        raw = bytearray()
        decoder = inflater(lower, limit)

        def keep(body: bytes | None) -> Capture | None:
            return self._capture(
                r,
                fetched_at=fetched_at,
                headers=resp_headers,
                raw=raw,
                body=body,
                kind=kind,
                blog_id=blog_id,
            )

        declared = lower.get("content-length", "")
        over = (
            f"(Content-Length: {declared})"
            if declared.isdigit() and int(declared) > limit
            else self._stream(r, raw, decoder, limit, deadline)
        )
        if over:
            keep(None)
            raise ResponseTooLarge(
                f"refused {r.url}: larger than http.{setting} ({limit} bytes) {over}"
            )
        try:
            body = bytes(raw) if decoder is None else decoder.finish()
        except zlib.error:
            raise FetchError(f"broken compressed response from {r.url}") from None
        return Response(
            url=r.url,
            status=r.status_code,
            headers=lower,
            body=body,
            fetched_at=fetched_at,
            capture=keep(body),
        )

    def _stream(
        self,
        r: requests.Response,
        raw: bytearray,
        decoder: Inflater | None,
        limit: int,
        deadline: float,
    ) -> str | None:
        """Read the body into `raw` by chunks; says how it passed the cap, None if it did not.

        The clock is checked before every chunk and bounds every socket wait, so
        neither an endless body nor a trickle outlives `timeout_seconds`.
        """
        sock = getattr(r.raw.connection, "sock", None)
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                if sock is not None:
                    sock.settimeout(remaining)
                chunk = r.raw.read1(CHUNK_BYTES, decode_content=False)
                if not chunk:
                    return None
                raw += chunk
                if len(raw) > limit:
                    del raw[limit:]
                    return "as received"
                if decoder is not None and not decoder.feed(chunk):
                    return "once decompressed"
        except (TimeoutError, ReadTimeoutError):
            raise FetchError(
                f"timed out fetching {r.url} (limit {self.http.timeout_seconds:g} s)"
            ) from None
        except zlib.error:
            raise FetchError(f"broken compressed response from {r.url}") from None
        except (OSError, HTTPError) as exc:
            raise FetchError(f"broken response from {r.url} ({_reason(exc)})") from None

    def _capture(
        self,
        r: requests.Response,
        *,
        fetched_at: str,
        headers: list[tuple[str, str]],
        raw: bytearray,
        body: bytes | None,
        kind: str,
        blog_id: str | None,
    ) -> Capture | None:
        """Write the exchange to the WARC; index it unless it is cut short or a redirect.

        `body` None: the size cap cut the body, so the record is marked truncated and
        kept only as evidence, never parsed. Redirect hops are kept the same way.
        """
        if self.warc is None:
            return None
        offset, length = self.warc.write_exchange(
            url=r.url,
            method="GET",
            request_headers=dict(r.request.headers),
            status=r.status_code,
            reason=r.reason or "",
            response_headers=headers,
            raw_body=bytes(raw),
            truncated=body is None,
        )
        if body is None or r.status_code in REDIRECT_STATUSES:
            return None
        lower = {k.lower(): v for k, v in headers}
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
        return capture


def _retried(r: requests.Response) -> bool:
    retries = getattr(r.raw, "retries", None)
    return bool(retries is not None and retries.history)


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and everything it wraps (urllib3 nests reasons several deep)."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        inner = todo.pop()
        if inner is None or any(inner is s for s in seen):
            continue
        seen.append(inner)
        reason = getattr(inner, "reason", None)
        first = inner.args[0] if inner.args else None
        for nested in (reason, first, inner.__cause__, inner.__context__):
            if isinstance(nested, BaseException):
                todo.append(nested)
    return seen


def _failure(exc: BaseException, url: str, timeout: float) -> str:
    """What went wrong in words a maintainer can act on, from a requests error."""
    causes = _causes(exc)
    parts = urlsplit(url)
    if any(isinstance(e, (NameResolutionError, socket.gaierror)) for e in causes):
        return f"cannot resolve {parts.hostname}: check the network or the blog address"
    if any(isinstance(e, ConnectionRefusedError) for e in causes):
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return f"connection refused by {parts.hostname}:{port}"
    if any(isinstance(e, (TimeoutError, Urllib3Timeout)) for e in causes):
        return f"timed out fetching {url} (limit {timeout:g} s)"
    if isinstance(exc, requests.exceptions.RetryError):
        return f"gave up on {url} after retries ({_reason(exc)})"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return f"cannot connect to {parts.netloc} ({_reason(exc)})"
    return f"broken response from {url} ({_reason(exc)})"


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
