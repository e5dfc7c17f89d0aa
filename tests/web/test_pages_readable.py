"""Every page staff read shows words, not storage: theme labels instead of ids, readable
numbers instead of floats, tags instead of JSON arrays; and country counts and lists
take in only the posts *about* a country, never those that merely mention it."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import lxml.html
import pytest

from pipeline.db.schema import open_db, transaction
from pipeline.db.writes import save_findings, save_posts
from pipeline.extract.phrases import load_vocabulary
from pipeline.model import Findings, PostRecord
from pipeline.web.app import PASSWORD_HASH_ENV, make_app
from pipeline.web.search import excerpt, salience
from tests.dsfixtures import BLOG_ID, TUKTUK_ID, build_archive

# About Nepal; mentions Cambodia in passing. Its big figure is a float in storage.
MENTION_ID = "4000000000000000001"
MENTION_TITLE = "Nepal's old-age allowance reaches 90 million rupees"
FLOAT = re.compile(r"\b\d+\.0\b")
JSON_ARRAY = re.compile(r"\[\s*\"")
LABELLED = {t["id"]: t["label"] for t in load_vocabulary("themes")}
# Theme ids that differ from their label whatever the case ("covid-19" / "COVID-19" do not).
HYPHENATED_IDS = sorted(
    i for i, label in LABELLED.items() if "-" in i and i.lower() != label.lower()
)


def add_mention_post(path: Path) -> None:
    db = open_db(path)
    text = "The allowance reached 90000000 rupees in Nepal; a visitor from Cambodia spoke."
    with transaction(db):
        save_posts(
            db,
            [
                PostRecord(
                    id=MENTION_ID,
                    blog_id=BLOG_ID,
                    url="https://rightspasia.blogspot.com/2023/05/nepal.html",
                    title=MENTION_TITLE,
                    author=None,
                    published="2023-05-02T08:00:00+00:00",
                    updated=None,
                    year=2023,
                    labels=["Nepal"],
                    content_html=f"<p>{text}</p>",
                    content_text=text,
                )
            ],
            seen_at="2024-06-01T00:00:00+00:00",
            origin="feed",
        )
        start = text.index("90000000")
        figure = SimpleNamespace(
            raw="90000000 rupees",
            value=90000000.0,
            kind="money",
            currency="NPR",
            qualifier=None,
            subject=None,
            sentence=text,
            char_start=start,
            char_end=start + len("90000000 rupees"),
        )
        countries = [
            SimpleNamespace(code="NP", name="Nepal", mentions=3, is_primary=True),
            SimpleNamespace(code="KH", name="Cambodia", mentions=1, is_primary=False),
        ]
        themes = [SimpleNamespace(theme="pensions", score=1.0, evidence=["allowance"])]
        save_findings(
            db,
            [
                Findings.from_objects(
                    MENTION_ID, [figure], countries, themes, figures_version="t", version="t"
                )
            ],
        )
    db.conn.close()


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_archive(tmp_path_factory.mktemp("readable") / "archive.db")
    add_mention_post(path)
    return path


@pytest.fixture(scope="module")
def get(db_path: Path) -> Iterator:
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(PASSWORD_HASH_ENV, raising=False)
        ds = make_app(db_path)
    loop = asyncio.new_event_loop()

    def fetch(path: str):
        return loop.run_until_complete(ds.client.get(path))

    yield fetch
    loop.close()


def page_text(html: str) -> str:
    """What a reader sees: the page's text without scripts, styles, Blogger labels
    (authors may name a label like a theme id) or the row keys of Datasette's tables."""
    doc = lxml.html.fromstring(html)
    for el in doc.xpath(
        "//script|//style|//*[contains(@class, 'tag-label')]|//*[@id='facet-labels']"
        "|//datalist|//*[contains(@class, 'col-labels')]|//dd[preceding-sibling::dt[1]='labels']"
        "|//td[contains(@class, 'col-Link')]"
    ):
        el.drop_tree()
    return doc.text_content()


PAGES = [
    "/",
    "/search",
    "/search?q=workers",
    "/search?country=KH&theme=informal-workers",
    "/search?q=allowance&theme=pensions",
    f"/archive/posts/{TUKTUK_ID}",
    f"/archive/posts/{MENTION_ID}",
    "/archive/posts",
    "/archive/posts?_facet=themes",
    "/archive/figures",
    "/archive/post_themes",
    "/archive/figures_by_country_and_year?country=&year=",
    "/archive/figures_by_country_and_year?country=Nepal&year=2023",
    "/archive/largest_counts_of_people",
    "/archive/posts_per_theme_per_year",
    "/archive/recent_posts",
]


@pytest.mark.parametrize("path", PAGES)
def test_pages_show_labels_readable_numbers_and_tags(get, path: str) -> None:
    r = get(path)
    assert r.status_code == 200, (path, r.status_code)
    text = page_text(r.text)
    assert not FLOAT.findall(text), (path, FLOAT.findall(text)[:5])
    assert not JSON_ARRAY.search(text), (path, JSON_ARRAY.search(text))
    shown_ids = [
        i for i in HYPHENATED_IDS if re.search(rf"(?<![\w-]){re.escape(i)}(?![\w-])", text)
    ]
    assert not shown_ids, (path, shown_ids)


@pytest.mark.parametrize("path", [p for p in PAGES if "/archive/" in p and "?" not in p])
def test_page_titles_are_words(get, path: str) -> None:
    title = lxml.html.fromstring(get(path).text).findtext(".//title")
    assert title and not re.search(r"\bselect\b|\bfrom\b", title, re.I), title


def test_large_money_is_written_in_words(get) -> None:
    text = page_text(get(f"/archive/posts/{MENTION_ID}").text)
    assert "NPR 90 million" in text


def test_country_counts_and_lists_hold_only_posts_about_the_country(get, db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    about_kh = {
        r[0]
        for r in conn.execute(
            "SELECT post_id FROM post_countries WHERE code = 'KH' AND is_primary = 1"
        )
    }
    assert MENTION_ID not in about_kh
    # search filter (by code and by name), its count and the dropdown count
    for country in ("KH", "Cambodia"):
        doc = lxml.html.fromstring(get(f"/search?country={country}").text)
        found = {h.rsplit("/", 1)[1] for h in doc.xpath('//h2[@class="hit-title"]/a/@href')}
        assert found == about_kh
        option = doc.xpath('//select[@name="country"]/option[@value="KH"]')[0].text
        assert option == f"Cambodia ({len(about_kh)})"
    # the posts table facet
    facets = get("/archive/posts.json?_facet_size=max").json()["facet_results"]
    counts = {f["value"]: f["count"] for f in facets["primary_countries"]["results"]}
    assert counts["Cambodia"] == len(about_kh)
    # the saved query
    rows = get(
        "/archive/figures_by_country_and_year.json?_shape=objects&_size=max&country=KH&year="
    ).json()["rows"]
    assert rows and MENTION_TITLE not in {r["title"] for r in rows}
    nepal = get(
        "/archive/figures_by_country_and_year.json?_shape=objects&country=Nepal&year=2023"
    ).json()["rows"]
    assert [r["title"] for r in nepal] == [MENTION_TITLE]
    assert nepal[0]["figure"] == "NPR 90 million"


def test_canned_queries_say_when_they_stop_at_a_limit(get) -> None:
    for name in ("figures_by_country_and_year", "largest_counts_of_people", "recent_posts"):
        doc = lxml.html.fromstring(get(f"/archive/{name}").text)
        title = doc.findtext(".//title")
        description = doc.xpath('string(//div[@class="metadata-description"])')
        assert re.search(r"\b(at most|The \d+)", description), (name, description)
        assert "archive" in title and "select" not in title.lower()


def test_post_ids_come_with_titles_in_saved_queries(get) -> None:
    for name in ("figures_by_country_and_year", "largest_counts_of_people", "recent_posts"):
        rows = get(f"/archive/{name}.json?_shape=objects&country=&year=").json()["rows"]
        assert rows and all(r.get("title") is not None for r in rows if "post_id" in r), name


def test_login_is_offered_only_with_accounts_and_licence_shown_once(get) -> None:
    html = get("/").text
    assert "Log in" not in html
    assert html.count("archived for internal reference") == 1
    doc = lxml.html.fromstring(html)
    assert "rightspasia.blogspot.com" in doc.xpath("string(//footer)")


def test_year_facet_is_in_year_order(get) -> None:
    doc = lxml.html.fromstring(get("/archive/posts").text)
    years = doc.xpath('//div[@data-column="year"]//li/a/text()')
    assert years and years == sorted(years, reverse=True)


def test_search_csv_has_the_same_posts_as_the_page(get) -> None:
    page = lxml.html.fromstring(get("/search?q=workers&country=KH").text)
    total = int(page.xpath('//p[@class="search-count"]/@data-total')[0])
    r = get("/search.csv?q=workers&country=KH")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == total > 0
    assert all("Cambodia" in row["primary_countries"] for row in rows)
    assert not any(JSON_ARRAY.search(v or "") for row in rows for v in row.values())


def test_filter_counts_follow_the_words(get) -> None:
    doc = lxml.html.fromstring(get("/search?q=allowance").text)
    options = doc.xpath('//select[@name="theme"]/option/text()')
    assert "Pensions (1)" in options
    nothing = lxml.html.fromstring(get("/search?q=zzzzqqq&theme=pensions").text)
    assert not [o for o in nothing.xpath("//select/option/text()") if "(" in o]
    tips = nothing.xpath('//div[@class="search-empty"]//a/@href')
    assert "/search?q=zzzzqqq" in tips  # remove the theme filter


def test_excerpts_are_cut_at_word_boundaries() -> None:
    words = " ".join(f"word{i}" for i in range(200))
    text = words[:500] + " \ue000match\ue001 " + words
    cut = excerpt(text, 120)
    assert cut.startswith("…word") and cut.endswith("…")
    inner = cut.strip("…")
    assert inner.split()[0] in text.split() and inner.split()[-1] in text.split()
    assert "\ue000match\ue001" in cut
    assert excerpt("short text", 120) == "short text"


def test_salience_puts_people_reached_before_other_counts() -> None:
    figures = [
        {"kind": "count", "subject": "provinces", "char_start": 1},
        {"kind": "percent", "subject": "women", "char_start": 2},
        {"kind": "money", "subject": None, "char_start": 3},
        {"kind": "count", "subject": "women workers", "char_start": 4},
    ]
    ordered = sorted(figures, key=salience)
    assert [f["char_start"] for f in ordered] == [4, 3, 2, 1]
