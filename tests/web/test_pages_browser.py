"""The changed pages in a real browser (Debian's Chromium through Playwright): search
with filters and its empty state, the post page with its figures in the text, the
home page, a saved query and the posts table. Screenshots go to tests/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pipeline.web.app import PASSWORD_HASH_ENV, make_app
from tests.browser import ARTIFACTS, browser_page, needs_chromium, served
from tests.dsfixtures import TUKTUK_ID, build_archive
from tests.web.test_pages_readable import MENTION_ID, add_mention_post

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    db = build_archive(tmp_path_factory.mktemp("pages-browser") / "archive.db")
    add_mention_post(db)
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(PASSWORD_HASH_ENV, raising=False)
        ds = make_app(db)
    with served(ds) as url:
        yield url


@pytest.fixture(scope="module")
def page(base_url: str) -> Iterator:
    with browser_page() as page:
        yield page


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"pages-{name}.png"), full_page=True)


def test_search_tags_filter_and_empty_state(base_url: str, page) -> None:
    page.goto(base_url + "/search?q=workers")
    first = page.locator("li.hit").first
    primary = first.locator("a.tag-primary")
    assert primary.count() == 1 and primary.locator("strong").count() == 1
    shot(page, "search")
    primary.click()
    page.wait_for_url(lambda url: "country=" in url and "q=workers" in url)
    assert int(page.locator("p.search-count").get_attribute("data-total")) > 0
    shot(page, "search-country")

    page.goto(base_url + "/search?q=nosuchwordanywhere&theme=pensions")
    assert "No posts found" in page.locator("p.search-count").inner_text()
    tips = page.locator(".search-empty li")
    assert tips.count() >= 2
    shot(page, "search-empty")
    page.locator(".search-empty a").first.click()
    page.wait_for_url(lambda url: "theme=" not in url)


def test_post_page_figures_jump_to_the_text(base_url: str, page) -> None:
    page.goto(f"{base_url}/archive/posts/{TUKTUK_ID}")
    marks = page.locator(".post-body mark.figure")
    assert marks.count() == 2 and marks.first.inner_text() == "790"
    page.locator("td.figure-phrase a").first.click()
    page.wait_for_url("**#figure-*")
    assert page.evaluate("document.querySelector(':target').textContent") == "790"
    assert page.locator(".version-diff .diff-added").count() == 1
    shot(page, "post")
    page.goto(f"{base_url}/archive/posts/{MENTION_ID}")
    assert "NPR 90 million" in page.locator("table.post-figures").inner_text()
    shot(page, "post-money")


def test_home_and_datasette_pages(base_url: str, page) -> None:
    page.goto(base_url + "/")
    assert page.locator(".archive-shortcuts a").count() >= 6
    assert "Log in" not in page.content()
    shot(page, "home")
    page.goto(base_url + "/archive/figures_by_country_and_year?country=Cambodia&year=")
    assert page.title().startswith("Figures by country and year")
    shot(page, "query-country")
    page.goto(base_url + "/archive/posts")
    shot(page, "posts-table")
    page.goto(base_url + "/archive/posts_per_theme_per_year")
    assert "Informal workers" in page.locator("table.rows-and-columns").inner_text()
    shot(page, "query-themes")
