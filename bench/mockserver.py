"""The mock Blogger in a child process, with its request log readable from the bench.

The server runs in its own process so that, on a 2-core machine, the archiver
under test gets a core of its own and its peak RSS does not include the
synthetic blog held in memory. Requests are counted on the server side (ground
truth, whatever the client believes it sent) and sorted into the same kinds the
archiver records in `captures.kind`.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections import Counter
from dataclasses import dataclass
from multiprocessing.connection import Connection
from types import TracebackType
from urllib.parse import urlsplit

START_TIMEOUT_S = 180


@dataclass(frozen=True)
class BlogFacts:
    """What the bench needs to know about the served blog."""

    url: str
    blog_id: str
    posts: int  # live posts = openSearch:totalResults of the posts feed
    comments: int  # entries of the blog-wide comments feed
    page_size: int  # the server's cap on max-results = openSearch:itemsPerPage


def request_kind(target: str, blog_id: str) -> str:
    """`robots`, `posts`, `comments`, `post-comments`, `pages`, `image` or `html`."""
    path = urlsplit(target).path
    if path == "/robots.txt":
        return "robots"
    if path.startswith("/img/"):
        return "image"
    if not path.startswith("/feeds/"):
        return "html"
    parts = path.strip("/").split("/")[1:]
    if len(parts) > 1 and parts[0] == blog_id:
        parts = parts[1:]
    if parts[0] in ("posts", "comments", "pages"):
        return parts[0]
    return "post-comments"


def _serve(n_posts: int, seed: int, conn: Connection) -> None:
    """Child process: build the blog, serve it, answer `log` / `reset` / `stop`."""
    from mockblogger import MockBlogger, make_blog

    blog = make_blog(n_posts, seed=seed)
    with MockBlogger(blog) as mock:
        conn.send(
            BlogFacts(
                url=mock.url,
                blog_id=blog.blog_id,
                posts=len(blog.live_posts),
                comments=len(mock.renderer.live_comments()),
                page_size=mock.settings.max_results_cap,
            )
        )
        while True:
            command = conn.recv()
            if command == "log":
                conn.send([record.path for record in mock.requests])
            elif command == "reset":
                mock.reset_log()
                conn.send(None)
            else:
                return


class MockServer:
    """`with MockServer(10_000) as mock:` → `mock.facts.url`, `mock.requests()`."""

    def __init__(self, n_posts: int, *, seed: int = 2025) -> None:
        self.n_posts = n_posts
        self.seed = seed
        self._conn: Connection | None = None
        self._proc: multiprocessing.process.BaseProcess | None = None
        self.facts: BlogFacts | None = None

    def __enter__(self) -> MockServer:
        context = multiprocessing.get_context("spawn")  # no inherited threads or sockets
        self._conn, child = context.Pipe()
        self._proc = context.Process(
            target=_serve,
            args=(self.n_posts, self.seed, child),
            name=f"mockblogger-{self.n_posts}",
            daemon=True,
        )
        self._proc.start()
        child.close()
        try:
            if not self._conn.poll(START_TIMEOUT_S):
                raise EOFError
            self.facts = self._conn.recv()
        except EOFError:
            self.__exit__(None, None, None)
            raise RuntimeError(
                f"the mock blog of {self.n_posts} posts did not start "
                f"(server process exit code {self._proc.exitcode})"
            ) from None
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._conn is not None and self._proc is not None
        with contextlib.suppress(OSError):  # the child may already be gone
            self._conn.send("stop")
        self._proc.join(timeout=10)
        if self._proc.is_alive():
            self._proc.terminate()
            self._proc.join()
        self._conn.close()

    def _ask(self, command: str) -> object:
        assert self._conn is not None
        self._conn.send(command)
        return self._conn.recv()

    def requests(self) -> Counter[str]:
        """Requests served since the last reset, by kind."""
        assert self.facts is not None
        paths = self._ask("log")
        assert isinstance(paths, list)
        return Counter(request_kind(path, self.facts.blog_id) for path in paths)

    def reset(self) -> None:
        self._ask("reset")
