"""The figures workbench and the overview in a real browser, on a demo-like archive.

A mock blog of 300 realistic posts (the generator `make demo` uses) is loaded with the
real `blogger-archive import`, so figures and tags come from the extractors. Drives
Debian's Chromium through Playwright (never `playwright install`); screenshots land in
tests/artifacts/.
"""

from __future__ import annotations

import csv
import io
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from mockblogger import make_blog
from mockblogger.backups import write_export
from pipeline.web.app import PASSWORD_HASH_ENV, make_app
from tests.browser import ARTIFACTS, chromium, needs_chromium, served

REPO = Path(__file__).resolve().parents[2]
# This seed's blog has posts about Cambodia on pensions in 2024 (the demo's seed has none).
SEED = 2

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("demo")
    export = work / "blog.xml"
    write_export(export, "new", make_blog(300, seed=SEED, tz="Asia/Phnom_Penh"))
    config = work / "config.yaml"
    db = work / "archive.db"
    config.write_text(f"blogs: []\ndatabase: {db}\nraw_dir: {work / 'raw'}\n", encoding="utf-8")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "--quiet",
            "--config",
            str(config),
            "import",
            str(export),
        ],
        check=True,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    return db


@pytest.fixture(scope="module")
def base_url(db_path: Path) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(PASSWORD_HASH_ENV, raising=False)
        ds = make_app(db_path)
    with served(ds) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with chromium() as browser:
        yield browser


@pytest.fixture
def page(browser, base_url: str) -> Iterator:
    """A fresh page that records console errors and every host it talks to."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(15_000)
    page.errors = []
    page.hosts = set()
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on("request", lambda r: page.hosts.add(urlsplit(r.url).netloc or urlsplit(r.url).scheme))
    yield page
    page.close()


def shown_ids(page) -> list[int]:
    return [int(i) for i in page.locator("tr.fw-row").evaluate_all(
        "rows => rows.map(r => r.dataset.figureId)"
    )]  # fmt: skip


def test_cambodia_pensions_2024_in_three_choices(page, base_url: str, db_path: Path) -> None:
    page.goto(base_url + "/figures")
    choices = 0
    page.fill("#fw-country", "Cambodia")
    choices += 1
    with page.expect_navigation():
        page.select_option("#fw-theme", label="Pensions")
    choices += 1
    with page.expect_navigation():
        page.select_option("#fw-year", "2024")
    choices += 1
    assert choices <= 3
    asked = parse_qs(urlsplit(page.url).query)
    assert asked == {"country": ["Cambodia"], "theme": ["pensions"], "year": ["2024"]}
    ids = shown_ids(page)
    assert ids, "the question has an answer in this archive"
    page.screenshot(path=str(ARTIFACTS / "figures-cambodia-pensions-2024.png"), full_page=False)

    conn = sqlite3.connect(db_path)
    marks = ",".join("?" * len(ids))
    posts = conn.execute(
        f"SELECT DISTINCT f.post_id, p.year, p.status FROM figures f JOIN posts p "
        f"ON p.id = f.post_id WHERE f.id IN ({marks})",
        ids,
    ).fetchall()
    for post_id, year, status in posts:
        primary = {
            r[0]
            for r in conn.execute(
                "SELECT code FROM post_countries WHERE post_id = ? AND is_primary = 1", [post_id]
            )
        }
        themes = {
            r[0] for r in conn.execute("SELECT theme FROM post_themes WHERE post_id = ?", [post_id])
        }
        assert "KH" in primary and "pensions" in themes and year == 2024 and status == "live"
    conn.close()
    for text in page.locator("tr.fw-row .fw-primary").all_inner_texts():
        assert "Cambodia" in text

    href = page.locator("a.fw-download[data-format=csv]").get_attribute("href")
    response = page.request.get(base_url + href)
    assert response.ok
    records = list(csv.DictReader(io.StringIO(response.text())))
    assert [int(r["figure_id"]) for r in records] == ids
    assert all("Cambodia" in r["primary_countries"] for r in records)


def test_figures_link_to_the_figure_in_its_post(page, base_url: str) -> None:
    page.goto(base_url + "/figures?country=KH&kind=money")
    link = page.locator("tr.fw-row td.fw-post a").first
    figure_id = page.locator("tr.fw-row").first.get_attribute("data-figure-id")
    assert link.get_attribute("href").endswith(f"#figure-{figure_id}")
    phrases = " ".join(page.locator("tr.fw-row .fw-phrase").all_inner_texts())
    assert phrases and not re.search(r"\d\.0\b|\d{7}", phrases)  # "1.2 million", not floats


@pytest.mark.parametrize(
    ("path", "charts"),
    [
        ("/figures", ["figures-by-year"]),
        ("/overview", ["themes-by-year", "countries-posts", "countries-figures"]),
    ],
)
def test_charts_render_from_the_archive_alone(
    page, base_url: str, path: str, charts: list[str]
) -> None:
    page.goto(base_url + path)
    for name in charts:
        svg = page.locator(f"[data-chart={name}] svg").first
        svg.wait_for()
        marks = svg.locator("rect").count() + svg.locator("text").count()
        assert svg.locator("rect").count() > 0 and marks > 0, name
    page.screenshot(path=str(ARTIFACTS / f"{path.strip('/')}.png"), full_page=True)
    assert page.errors == []
    assert page.hosts == {urlsplit(base_url).netloc}


def test_overview_is_linked_and_lists_newest_posts(page, base_url: str) -> None:
    page.goto(base_url + "/overview")
    assert page.locator("ol.ov-newest li").count() > 0
    page.locator("p.ov-totals a", has_text="Find figures").click()
    page.wait_for_url("**/figures")
    assert page.locator("tr.fw-row").count() > 0
