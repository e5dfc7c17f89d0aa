"""A real browser against a live server: search, filter, open a post.

Drives Debian's Chromium through Playwright's Python API (never `playwright
install`). Screenshots land in tests/artifacts/ for a human to look at.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pipeline.web.app import PASSWORD_HASH_ENV, make_app
from tests.browser import ARTIFACTS, browser_page, needs_chromium, served
from tests.dsfixtures import TUKTUK_ID, build_archive

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Serve the fixture archive on a free loopback port in a background thread."""
    db = build_archive(tmp_path_factory.mktemp("browser") / "archive.db")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(PASSWORD_HASH_ENV, raising=False)
        ds = make_app(db)
    with served(ds) as url:
        yield url


@pytest.fixture(scope="module")
def page(base_url: str) -> Iterator:
    with browser_page() as page:
        yield page


def result_total(page) -> int:
    return int(page.locator("p.search-count").get_attribute("data-total"))


def test_search_filter_and_open_a_post(base_url: str, page) -> None:
    page.goto(base_url + "/search")
    page.fill("#archive-q", "drivers")
    page.press("#archive-q", "Enter")
    page.wait_for_url(lambda url: "/search?q=drivers" in url)
    first = page.locator("li.hit").first
    assert "Tuk-tuk" in first.locator("h2.hit-title").inner_text()
    assert first.locator("mark").count() >= 1
    unfiltered = result_total(page)
    assert unfiltered > 1
    page.screenshot(path=str(ARTIFACTS / "search.png"), full_page=True)

    page.select_option("select[name=country]", "KH")
    page.click("form.archive-search button[type=submit]")
    page.wait_for_url(lambda url: "country=KH" in url)
    filtered = result_total(page)
    assert 0 < filtered < unfiltered
    for hit in page.locator("li.hit").all():
        assert "Cambodia" in hit.locator(".tag-country").all_inner_texts()
    page.screenshot(path=str(ARTIFACTS / "search-filtered.png"), full_page=True)

    page.locator("li.hit h2.hit-title a").first.click()
    page.wait_for_url(f"**/archive/posts/{TUKTUK_ID}")
    figures = page.locator("table.post-figures tbody tr")
    assert figures.count() >= 2
    assert "790" in figures.first.inner_text()
    assert page.locator("div.post-body p").count() >= 2
    page.screenshot(path=str(ARTIFACTS / "post.png"), full_page=True)


def test_home_page_search_box(base_url: str, page) -> None:
    page.goto(base_url + "/")
    page.fill("#archive-q", "COVID-19")
    page.press("#archive-q", "Enter")
    page.wait_for_url(lambda url: "/search?q=COVID-19" in url)
    assert "COVID" in page.locator("li.hit").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "home-search.png"), full_page=True)
