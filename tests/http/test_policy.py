"""Which URLs a blog's run may fetch, and the fetcher refusing the others before any request."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.config import BlogConfig, Config, HttpConfig
from pipeline.db.schema import open_db
from pipeline.errors import FetchError, RefusedUrl, RobotsDisallowed
from pipeline.http.fetcher import Fetcher
from pipeline.http.policy import UrlPolicy
from pipeline.http.warc import WarcLog
from pipeline.stages import media
from tests.hostile import HostileServer, redirect, static

METADATA = "http://169.254.169.254/latest/meta-data/"
PNG = b"\x89PNG\r\n\x1a\n fake image"


@pytest.fixture
def blog() -> Iterator[HostileServer]:
    """The blog under test, with an image, robots.txt and a few redirects."""
    with HostileServer() as server:
        server.route("/robots.txt", static(b"User-agent: *\nDisallow: /private\n", "text/plain"))
        server.route("/img.png", static(PNG, "image/png"))
        server.route("/moved", redirect("/img.png", 301))
        yield server


@pytest.fixture
def internal() -> Iterator[HostileServer]:
    """Another service on 127.0.0.1: it must never see a request."""
    with HostileServer() as server:
        server.route("/secret", static(b"internal secret", "text/plain"))
        yield server


def fetcher(warc: WarcLog | None = None) -> Fetcher:
    return Fetcher(HttpConfig(delay_seconds=0, max_retries=0, timeout_seconds=5), warc)


# -- the policy itself


def test_feeds_stay_on_the_blog_origin_and_bloggers_domains() -> None:
    policy = UrlPolicy("http://myblog.example.org/")
    assert policy.feed_allowed("http://myblog.example.org/feeds/posts/default?start-index=2")
    assert policy.feed_allowed("https://myblog.example.org/feeds/posts/default")  # upgrade
    assert policy.feed_allowed("https://www.blogger.com/feeds/123/posts/default")
    assert policy.feed_allowed("https://other.blogspot.com/feeds/posts/default")
    assert not policy.feed_allowed("http://myblog.example.org:8080/feeds/posts/default")
    assert not policy.feed_allowed("http://evil.example.org/feeds/posts/default")
    assert not policy.feed_allowed("https://blogspot.com.evil.example/feeds")
    assert not UrlPolicy("https://myblog.example.org/").feed_allowed(
        "http://myblog.example.org/feeds"  # a downgrade is another origin
    )


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "data:image/png;base64,AAAA",
        "ftp://127.0.0.1/x",
        "http://127.0.0.1:notaport/",
        "http:///nohost",
    ],
)
def test_non_web_urls_are_refused_for_feeds_and_media(url: str) -> None:
    policy = UrlPolicy("http://127.0.0.1:8000/")
    assert not policy.feed_allowed(url)
    assert not policy.media_allowed(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8001/img.png",  # another port of the blog's machine
        "http://localhost:8001/img.png",
        METADATA,
        "http://10.1.2.3/img.png",
        "http://192.168.0.1/img.png",
        "http://[::1]:8000/img.png",
        "http://[::ffff:169.254.169.254]/img.png",
        "http://0.0.0.0:8000/img.png",
        "http://224.0.0.1/img.png",
        "http://240.0.0.1/img.png",
    ],
)
def test_media_on_internal_addresses_is_refused(url: str) -> None:
    assert not UrlPolicy("http://127.0.0.1:8000/").media_allowed(url)


def test_media_on_the_blog_server_and_public_addresses_is_allowed() -> None:
    policy = UrlPolicy("http://127.0.0.1:8000/")
    assert policy.media_allowed("http://127.0.0.1:8000/img.png")
    assert policy.media_allowed("http://localhost:8000/img.png")  # the same server, another name
    assert policy.media_allowed("https://93.184.216.34/img.png")


def test_media_host_resolving_to_any_private_address_is_refused(monkeypatch) -> None:
    answers = {
        "mixed.example": ["93.184.216.34", "10.0.0.7"],
        "public.example": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
    }

    def fake_getaddrinfo(host: str, port: int, *args: object, **kw: object) -> list:
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in answers[host]]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    policy = UrlPolicy("https://myblog.blogspot.com/")
    assert policy.media_allowed("https://public.example/a.png")
    assert not policy.media_allowed("https://mixed.example/a.png")
    assert not policy.media_allowed("https://unresolvable.example/a.png")


# -- the fetcher applying it


@pytest.mark.parametrize("target", ["internal", "metadata", "file"])
def test_a_redirect_off_the_blog_is_refused_without_a_request(
    blog: HostileServer, internal: HostileServer, target: str
) -> None:
    location = {
        "internal": internal.url + "secret",
        "metadata": METADATA,
        "file": "file:///etc/passwd",
    }
    blog.route("/go", redirect(location[target]))
    client = fetcher()
    with pytest.raises(RefusedUrl, match="redirected from"):
        client.get(blog.url + "go", kind="feed", policy=UrlPolicy(blog.url).feed_allowed)
    assert internal.requests == []
    assert client.stats.refused == [location[target]]


def test_a_refused_first_url_sends_nothing_not_even_robots_txt(internal: HostileServer) -> None:
    client = fetcher()
    policy = UrlPolicy("http://127.0.0.1:1/").media_allowed
    with pytest.raises(RefusedUrl):
        client.get(internal.url + "secret", kind="image", policy=policy)
    assert internal.requests == []
    assert client.stats.requests == 0


def test_redirects_on_the_blog_are_followed_and_captured_once(
    blog: HostileServer, tmp_path
) -> None:
    warc = WarcLog(tmp_path, "run")
    client = fetcher(warc)
    resp = client.get(blog.url + "moved", kind="image", policy=UrlPolicy(blog.url).media_allowed)
    assert (resp.status, resp.url, resp.body) == (200, blog.url + "img.png", PNG)
    images = [c for c in client.drain() if c.kind == "image"]
    assert [c.url for c in images] == [blog.url + "img.png"]  # the 301 hop is not indexed


def test_robots_txt_is_checked_again_after_a_redirect(blog: HostileServer) -> None:
    blog.route("/go", redirect("/private/page"))
    with pytest.raises(RobotsDisallowed):
        fetcher().get(blog.url + "go", kind="feed", policy=UrlPolicy(blog.url).feed_allowed)
    assert not [r for r in blog.requests if r.path.startswith("/private")]


def test_redirect_loops_stop_after_five_hops(blog: HostileServer) -> None:
    for hop in range(6):
        blog.route(f"/hop{hop}", redirect(f"/hop{hop + 1}"))
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetcher().get(blog.url + "hop0", kind="feed")
    assert not [r for r in blog.requests if r.path == "/hop6"]


# -- media stage


def test_capture_images_refuses_internal_images_and_keeps_the_blogs_own(
    blog: HostileServer, internal: HostileServer, tmp_path: Path, monkeypatch
) -> None:
    own, hostile = blog.url + "img.png", internal.url + "secret"
    monkeypatch.setattr(media.queries, "images_to_capture", lambda db, blog_id: [hostile, own])
    db = open_db(tmp_path / "archive.db")
    client = fetcher(WarcLog(tmp_path / "raw", "run"))
    assert media.capture_images(db, client, "1000", blog.url) == 1
    assert internal.requests == []
    assert client.stats.refused == [hostile]


def test_export_media_fetches_only_what_a_run_may(
    blog: HostileServer, internal: HostileServer, tmp_path: Path
) -> None:
    cfg = Config(path=None, raw_dir=tmp_path / "raw", http=HttpConfig(delay_seconds=0))
    cfg.blogs.append(BlogConfig(url=blog.url))
    fetch_image, _, close = media.export_media_sources(cfg, open_db(tmp_path / "archive.db"))
    try:
        assert fetch_image(blog.url + "img.png") == PNG
        for url in (internal.url + "secret", METADATA, "javascript:alert(1)"):
            with pytest.raises(RefusedUrl):
                fetch_image(url)
    finally:
        close()
    assert internal.requests == []
