"""Network failures read as a cause and a hint, without urllib3's retry chatter."""

from __future__ import annotations

import socket

import pytest

from pipeline.config import HttpConfig
from pipeline.errors import FetchError
from pipeline.http.fetcher import Fetcher
from tests.conftest import Archive
from tests.hostile import HostileServer, static


def closed_port() -> int:
    """A 127.0.0.1 port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetcher(max_retries: int = 0) -> Fetcher:
    return Fetcher(HttpConfig(delay_seconds=0, max_retries=max_retries, backoff_factor=0), None)


def test_connection_refused_names_host_and_port() -> None:
    port = closed_port()
    with pytest.raises(FetchError, match=rf"^connection refused by 127\.0\.0\.1:{port}$"):
        fetcher().get(f"http://127.0.0.1:{port}/feeds/posts/default", kind="feed")


def test_unresolvable_host_says_to_check_network_or_address(monkeypatch) -> None:
    def no_dns(*args: object, **kw: object) -> list:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    with pytest.raises(FetchError) as caught:
        fetcher().get("https://gone.blogspot.com/feeds/posts/default", kind="feed")
    assert str(caught.value) == (
        "cannot resolve gone.blogspot.com: check the network or the blog address"
    )
    assert caught.value.status is None


def test_http_errors_keep_their_status() -> None:
    with HostileServer() as server:
        server.route("/gone", static(b"no", status=410))
        with pytest.raises(FetchError, match="HTTP 410") as caught:
            fetcher().get(server.url + "gone", kind="feed")
    assert caught.value.status == 410


def test_run_without_network_prints_no_retry_warnings(archive: Archive) -> None:
    proc = archive.run(f"http://127.0.0.1:{closed_port()}/", expect=1)
    assert "connection refused by 127.0.0.1:" in proc.stderr
    assert "Retrying" not in proc.stderr and "WARNING" not in proc.stderr, proc.stderr


def test_debug_shows_the_retries(archive: Archive) -> None:
    port = closed_port()
    proc = archive.cli("--debug", "run", "--blog", f"http://127.0.0.1:{port}/", "--delay", "0")
    assert "Retrying" in proc.stderr
