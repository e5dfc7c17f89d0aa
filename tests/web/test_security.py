"""The staff site under hostile requests: security headers on every response, never a 500,
never a traceback in the log, and links built from archive data only for http(s).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pytest
from datasette.app import Datasette

from pipeline.web.app import PASSWORD_HASH_ENV, make_app
from pipeline.web.security import content_security_policy
from tests.browser import CHROMIUM, chromium, served
from tests.dsfixtures import COVID_ID, TUKTUK_ID, build_archive

LONG = "9" * 5000  # beyond int()'s 4300-digit limit
ODD_DIGITS = ["²", "١٢", "𝟗", "߁", "½", "-1", LONG]  # superscript, Arabic, maths, NKo, fraction


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_archive(tmp_path_factory.mktemp("security") / "archive.db")
    # What an old or hand-edited file may hold: the pages must still not link it.
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE posts SET url = 'javascript:alert(1)//' WHERE id = ?", [COVID_ID])
        conn.execute(
            "INSERT INTO images (post_id, url, alt) VALUES (?, 'vbscript:msgbox(1)', 'bad')",
            [COVID_ID],
        )
    return path


@pytest.fixture(scope="module")
def ds(db_path: Path) -> Datasette:
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(PASSWORD_HASH_ENV, raising=False)
        return make_app(db_path)


def request(ds: Datasette, method: str, path: str):
    async def send():
        return await ds.client.request(method, path)

    return asyncio.run(send())


# ------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/search?q=drivers",
        "/archive",
        "/archive/posts",
        f"/archive/posts/{TUKTUK_ID}",
        "/archive/posts.json",
        "/archive/recent_posts",
        "/archive?sql=select+1",
        "/-/static/app.css",
        "/no/such/page/here",
    ],
)
def test_every_response_carries_the_security_headers(ds: Datasette, path: str) -> None:
    response = request(ds, "GET", path)
    csp = response.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'self'"
    assert directives["form-action"] == "'self'"
    assert "https://www.youtube.com" in directives["frame-src"].split()
    assert "unsafe-eval" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    # Datasette's own stricter choice (no-referrer on pages that may carry SQL) stands
    assert response.headers["referrer-policy"] in ("same-origin", "no-referrer")


def test_policy_frames_only_well_formed_allowlisted_hosts() -> None:
    csp = content_security_policy(["player.vimeo.com", "evil.example; script-src *"])
    assert "frame-src https://player.vimeo.com;" in csp
    assert "evil" not in csp
    assert "frame-src 'none'" in content_security_policy([])


# ------------------------------------------------------------ hostile requests


def numeric(path: str, names: list[str]) -> list[str]:
    """`path` with every odd digit string in each numeric parameter in turn."""
    sep = "&" if "?" in path else "?"
    return [f"{path}{sep}{name}={value}" for name in names for value in ODD_DIGITS]


HOSTILE_GETS = [
    *numeric("/search", ["page", "year"]),
    *numeric("/search?q=workers", ["page"]),
    *numeric("/figures", ["page", "limit", "year", "year_to"]),
    *numeric("/overview", ["year", "page"]),
    *[f"/-/media/{v}" for v in ODD_DIGITS],
    *numeric("/archive/posts", ["_size", "_next", "year", "year__gt", "_facet_size"]),
    *numeric("/archive/posts.json", ["_size", "_next", "_timelimit"]),
    *numeric("/archive/posts.csv", ["_size"]),
    *numeric("/archive/figures", ["value__gt", "_size"]),
    *numeric("/archive/recent_posts", ["_size"]),
    *numeric("/archive/figures_by_country_and_year", ["year"]),
    *[f"/archive/posts/{v}" for v in ODD_DIGITS],
    "/search?q=" + "x" * 20_000,
    "/search?q=%00%01%02",
    "/search?mode=advanced&q=%22",
    "/search?mode=advanced&q=" + "(" * 5000,
    "/search?country=" + "²" * 1000 + "&theme=²&label=²&status=²",
    "/archive/posts?_sort=nope",
    "/archive/posts?_sort_desc=nope",
    "/archive/posts?_sort=id&_sort_desc=id",
    "/archive/posts?_facet=nope",
    "/archive/posts?_facet_array=nope",
    "/archive/posts?_facet_date=nope",
    "/archive/posts?_col=nope",
    "/archive/posts?_nocol=nope",
    "/archive/posts?_search=%22",
    "/archive/posts?_through=%7B%22table%22%3A%22nope%22%7D",
    "/archive/posts?_through=nope",
    "/archive/posts.json?_shape=nope",
    "/archive/posts.json?_labels=%C2%B2",
    "/archive/posts?_where=nope",
    "/archive/posts?_next=" + "x" * 20_000,
    "/archive/posts/999999",
    "/archive/posts/%FF%FE",
    "/archive/posts/a,b,c",
    f"/archive/posts/{TUKTUK_ID}.json?_shape=nope",
    "/archive/figures/999999",
    "/archive/nope",
    "/archive/nope.json",
    "/archive?sql=select+%C2%B2",
    "/archive?sql=select+*+from+nope",
    "/archive.json?sql=select+*+from+nope",
    "/archive?sql=" + "x" * 20_000,
    "/a/b/c",
    "/a/b/c/d",
    "/a/b/c/d/e/f/g",
    "/archive/posts/1/2/3",
    "/archive/posts/1/2/3.json",
    "/-/static/x/y/z",
    "/-/static-plugins/blogger-archive/../../../etc/passwd",
    "/-/nope",
    "/nope.json",
    "/" + "x" * 20_000,
    "/-/versions?x=%C2%B2",
    "/archive.db",
]
HOSTILE_WRITES = [
    ("POST", "/archive/recent_posts"),
    ("POST", "/archive/figures_by_country_and_year?year=2024"),
    ("PUT", "/archive/recent_posts"),
    ("DELETE", "/archive/recent_posts"),
    ("POST", "/archive/posts"),
    ("PUT", "/archive/posts"),
    ("PATCH", "/archive/posts"),
    ("POST", f"/archive/posts/{TUKTUK_ID}"),
    ("DELETE", f"/archive/posts/{TUKTUK_ID}"),
    ("POST", "/archive"),
    ("POST", "/archive?sql=select+1"),
    ("POST", "/search"),
    ("PUT", "/search?q=x"),
    ("POST", "/"),
    ("POST", "/a/b/c/d"),
    ("POST", "/figures"),
    ("PUT", "/overview"),
]
READS = [("HEAD", "/search"), ("HEAD", "/archive/posts"), ("OPTIONS", "/search")]


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", p) for p in HOSTILE_GETS] + HOSTILE_WRITES + READS,
    ids=lambda v: v if len(v) < 60 else v[:57] + "...",
)
def test_hostile_requests_get_an_answer_not_a_crash(
    ds: Datasette,
    method: str,
    path: str,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG):
        response = request(ds, method, path)
    assert response.status_code < 500, response.text[:500]
    out, err = capsys.readouterr()
    for logged in (out, err, caplog.text):
        assert "Traceback" not in logged
    assert "content-security-policy" in response.headers


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/search?page=²", 200),
        ("GET", "/a/b/c/d", 404),
        ("GET", "/archive/posts/999999", 404),
        ("GET", "/archive/posts?_sort=nope", 400),
        ("POST", "/archive/recent_posts", 405),
        ("POST", "/archive/posts", 405),
        ("GET", "/archive/posts.json?_sort=nope", 400),
    ],
)
def test_hostile_requests_get_the_right_status(
    ds: Datasette, method: str, path: str, status: int
) -> None:
    response = request(ds, method, path)
    assert response.status_code == status
    if status == 405:
        assert response.headers["allow"] == "GET, HEAD"
    if path.startswith("/archive/posts.json"):
        assert response.json()["ok"] is False
    elif status in (400, 404):
        assert f"Error {status}" in response.text or "Cannot sort" in response.text


def test_search_page_number_in_odd_digits_falls_back_to_the_first_page(ds: Datasette) -> None:
    first = request(ds, "GET", "/search")
    for value in ODD_DIGITS:
        response = request(ds, "GET", f"/search?page={value}")
        assert response.status_code == 200
        assert response.text.count('class="hit"') == first.text.count('class="hit"')


def test_login_form_still_accepts_posts(ds: Datasette) -> None:
    """Datasette's own forms are not the archive's data: not refused as writes."""
    response = request(ds, "POST", "/-/login")
    assert response.status_code != 405


# -------------------------------------------------------------- data links


def test_only_http_addresses_from_the_archive_become_links(ds: Datasette) -> None:
    for path in (f"/archive/posts/{COVID_ID}", "/search?q=COVID-19"):
        html = request(ds, "GET", path).text
        assert "COVID" in html
        doc = lxml.html.fromstring(html)
        schemes = {urlsplit(link.strip()).scheme for _, _, link, _ in doc.iterlinks()}
        assert schemes <= {"", "http", "https"}, path
        # shown as text at most, never as a link
        assert "javascript:alert(1)//" not in [a.get("href") for a in doc.iter("a")]
    # an ordinary post keeps its link to the blog
    tuktuk = request(ds, "GET", f"/archive/posts/{TUKTUK_ID}").text
    assert 'class="original" href="https://rightspasia.blogspot.com/' in tuktuk


# ------------------------------------------------------------------- browser


@pytest.fixture(scope="module")
def base_url(ds: Datasette) -> Iterator[str]:
    with served(ds) as url:
        yield url


# Every violation of the policy, as the page sees it (console messages can be filtered away).
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  e => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Chromium at /usr/bin/chromium")
def test_pages_work_in_chromium_under_the_policy(base_url: str) -> None:
    with chromium() as browser:
        page = browser.new_page()
        page.set_default_timeout(15_000)
        page.add_init_script(RECORD_VIOLATIONS)
        console: list[str] = []
        page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: console.append(f"page error: {e}"))
        checks = {
            "/search?q=drivers": "li.hit",
            # column menus are added by Datasette's table.js
            "/archive/posts": "th .dropdown-menu-icon",
            f"/archive/posts/{TUKTUK_ID}": "h1",
            "/archive/recent_posts": "table.rows-and-columns",
            # the SQL editor is drawn by CodeMirror from an inline script
            "/archive?sql=select+1": ".CodeMirror",
            # the pages with charts (vendored d3: no eval)
            "/figures": "[data-chart] svg",
            "/overview": "[data-chart] svg",
        }
        for path, selector in checks.items():
            page.goto(base_url + path)
            page.wait_for_load_state("networkidle")
            assert page.locator(selector).count() > 0, path
            violations = page.evaluate("window.__csp")
            assert violations == [], f"{path}: {violations}"
        assert not [m for m in console if "Content Security Policy" in m or "page error" in m]
