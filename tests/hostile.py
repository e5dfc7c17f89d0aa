"""A hostile HTTP server for tests: each path answers the way an attacker's blog might.

The fetcher must survive servers that send gzip bombs, endless or trickling
bodies, absurd Content-Lengths, and links or redirects aimed at internal
addresses. `HostileServer` listens on 127.0.0.1 only, on a free port; every
request it receives is recorded, so an idle one is also the "internal service"
that must see zero requests. Every behaviour ends on its own (byte and time
bounds) or as soon as the client hangs up.

Examples::

    with HostileServer() as evil, HostileServer() as internal:
        evil.route("/bomb", gzip_bomb())                 # 2 GiB of zeros, ~2 MB sent
        evil.route("/endless", endless())                # zeros until the client hangs up
        evil.route("/slow", trickle())                   # 1 KB every 0.2 s
        evil.route("/huge", huge_length())               # Content-Length: 8 GiB
        evil.route("/go", redirect(internal.url + "secret"))
        evil.route("/feeds/posts/default", feed_with_next(internal.url + "feeds/x"))
        evil.route("/robots.txt", static(b"User-agent: *\\nAllow: /\\n", "text/plain"))
        fetcher.get(evil.url + "go", kind="feed", policy=UrlPolicy(evil.url).feed_allowed)
        assert internal.requests == []                   # nothing reached it

Paths are matched without the query string; unknown paths get a 404.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple
from xml.sax.saxutils import escape, quoteattr

GIB = 1 << 30
MAX_SECONDS = 60.0  # no behaviour outlives this, even with a client that never hangs up


class Seen(NamedTuple):
    """One request the server received."""

    method: str
    path: str  # with its query string
    headers: dict[str, str]


class Exchange:
    """What a behaviour may use to answer one request."""

    def __init__(self, handler: BaseHTTPRequestHandler, base_url: str, stop: threading.Event):
        self.handler = handler
        self.base_url = base_url  # "http://127.0.0.1:PORT/"
        self.stop = stop

    def start(self, status: int, headers: dict[str, str]) -> None:
        self.handler.send_response(status)
        for name, value in headers.items():
            self.handler.send_header(name, value)
        self.handler.end_headers()

    def send(self, data: bytes) -> bool:
        """Write and flush; False once the client has gone or the server is stopping."""
        if self.stop.is_set():
            return False
        try:
            self.handler.wfile.write(data)
            self.handler.wfile.flush()
        except OSError:  # broken pipe, reset: the client gave up, as it should
            return False
        return True


Behaviour = Callable[[Exchange], None]


def static(
    body: bytes, content_type: str = "text/html", status: int = 200, **headers: str
) -> Behaviour:
    """A plain answer; extra headers as keyword arguments (underscores become dashes)."""

    def answer(x: Exchange) -> None:
        extra = {name.replace("_", "-"): value for name, value in headers.items()}
        x.start(status, {"Content-Type": content_type, "Content-Length": str(len(body)), **extra})
        x.send(body)

    return answer


def gzip_bomb(size: int = 2 * GIB, content_type: str = "application/atom+xml") -> Behaviour:
    """`size` zeros gzip-compressed on the fly (about 1/1000 on the wire), never held whole."""

    def answer(x: Exchange) -> None:
        x.start(200, {"Content-Type": content_type, "Content-Encoding": "gzip"})
        x.handler.close_connection = True
        zeros = bytes(1 << 20)
        packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        for _ in range(size // len(zeros)):
            if not x.send(packer.compress(zeros)):
                return
        x.send(packer.flush())

    return answer


def endless(chunk: int = 64 * 1024, seconds: float = MAX_SECONDS) -> Behaviour:
    """Zeros without a Content-Length, until the client hangs up (or `seconds` pass)."""

    def answer(x: Exchange) -> None:
        x.start(200, {"Content-Type": "application/atom+xml"})
        x.handler.close_connection = True
        data = bytes(chunk)
        end = time.monotonic() + seconds
        while time.monotonic() < end and x.send(data):
            pass

    return answer


def trickle(chunk: int = 1024, every: float = 0.2, seconds: float = MAX_SECONDS) -> Behaviour:
    """`chunk` bytes every `every` seconds: each read is quick, the body never ends."""

    def answer(x: Exchange) -> None:
        x.start(200, {"Content-Type": "application/atom+xml"})
        x.handler.close_connection = True
        data = b" " * chunk
        end = time.monotonic() + seconds
        while time.monotonic() < end and x.send(data) and not x.stop.wait(every):
            pass

    return answer


def huge_length(length: int = 8 * GIB, sent: int = 1024) -> Behaviour:
    """Announces `length` bytes, then sends `sent` of them and waits for the client to give up."""

    def answer(x: Exchange) -> None:
        x.start(200, {"Content-Type": "application/atom+xml", "Content-Length": str(length)})
        x.handler.close_connection = True
        if x.send(bytes(sent)):
            x.stop.wait(MAX_SECONDS)

    return answer


def redirect(location: str, status: int = 302) -> Behaviour:
    """A redirect to `location` (any URL: another port, 169.254.169.254, file:…)."""
    return static(b"", status=status, Location=location)


def feed_with_next(next_url: str, blog_id: str = "1000", total_results: int = 2) -> Behaviour:
    """A one-post Blogger Atom feed whose `next` link is `next_url`."""

    def answer(x: Exchange) -> None:
        base = x.base_url
        feed = f"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns='http://www.w3.org/2005/Atom'
      xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/'>
<id>tag:blogger.com,1999:blog-{blog_id}</id>
<updated>2024-01-02T00:00:00.000Z</updated>
<title type='text'>Hostile blog</title>
<link rel='alternate' type='text/html' href={quoteattr(base)}/>
<link rel='next' type='application/atom+xml' href={quoteattr(next_url)}/>
<openSearch:totalResults>{total_results}</openSearch:totalResults>
<openSearch:startIndex>1</openSearch:startIndex>
<openSearch:itemsPerPage>1</openSearch:itemsPerPage>
<entry>
<id>tag:blogger.com,1999:blog-{blog_id}.post-1</id>
<published>2024-01-01T00:00:00.000Z</published>
<updated>2024-01-01T00:00:00.000Z</updated>
<title type='text'>First post</title>
<content type='html'>{escape("<p>Hello.</p>")}</content>
<link rel='alternate' type='text/html' href={quoteattr(base + "2024/01/first.html")}/>
</entry>
</feed>
""".encode()
        static(feed, "application/atom+xml; charset=UTF-8")(x)

    return answer


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet test output

    def do_GET(self) -> None:
        self.server.owner.handle(self)

    do_HEAD = do_GET


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() must not wait for an endless answer
    owner: HostileServer


class HostileServer:
    """A 127.0.0.1 server answering each path with a `Behaviour`; records every request."""

    def __init__(self) -> None:
        self.routes: dict[str, Behaviour] = {}
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def route(self, path: str, behaviour: Behaviour) -> HostileServer:
        self.routes[path] = behaviour
        return self

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.requests.append(Seen(handler.command, handler.path, dict(handler.headers)))
        behaviour = self.routes.get(handler.path.split("?", 1)[0], static(b"", status=404))
        behaviour(Exchange(handler, self.url, self._stop))

    def start(self) -> HostileServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
