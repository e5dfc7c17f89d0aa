"""`/figures` and `/overview` through Datasette's in-process client: filters, readable
rows, downloads that hold exactly the rows on screen, and the context column stored.

Expected results are computed from the fixture database, not written down.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest

from pipeline.db.browse import FigureFilter, figure_rows
from pipeline.db.schema import open_db, transaction
from pipeline.db.writes import save_findings, save_posts
from pipeline.extract.phrases import load_vocabulary
from pipeline.model import Findings, PostRecord
from pipeline.web.app import PASSWORD_HASH_ENV, make_app
from pipeline.web.figures import mark_figure
from tests.dsfixtures import BLOG_ID, TUKTUK_ID, build_archive

# About Nepal, mentions Cambodia in passing; a table cell, a number twice in one
# sentence, a big sum, and markup in the text.
NEPAL_ID = "4100000000000000001"
SENTENCES = (
    "In 2024 the fund paid 45 of the 45 districts.",
    "Budget: KHR 9,800,000,000 <b>total</b>.",
    "Lalitpur\t1,200",
)
NEPAL_TEXT = f"{SENTENCES[0]} {SENTENCES[1]}\n{SENTENCES[2]}"
CONTEXT = "Lalitpur — Members"
LABELS = {t["id"]: t["label"] for t in load_vocabulary("themes")}
FLOAT = re.compile(r"\b\d+\.0\b")


def add_nepal_post(path: Path) -> None:
    db = open_db(path)
    with transaction(db):
        save_posts(
            db,
            [
                PostRecord(
                    id=NEPAL_ID,
                    blog_id=BLOG_ID,
                    url="https://rightspasia.blogspot.com/2024/03/nepal.html",
                    title="Nepal's pension fund <reaches> every district",
                    author=None,
                    published="2024-03-12T08:00:00+00:00",
                    updated=None,
                    year=2024,
                    labels=["Nepal"],
                    content_html="<p>Nepal</p>",
                    content_text=NEPAL_TEXT,
                )
            ],
            seen_at="2024-06-01T00:00:00+00:00",
            origin="feed",
        )

        def figure(raw: str, sentence: str, value: float, kind: str, **extra) -> SimpleNamespace:
            """The last occurrence of `raw` in `sentence`, as the extractor reports it."""
            start = NEPAL_TEXT.index(sentence) + sentence.rindex(raw)
            return SimpleNamespace(
                raw=raw,
                value=value,
                kind=kind,
                currency=extra.get("currency"),
                qualifier=extra.get("qualifier"),
                subject=extra.get("subject"),
                sentence=sentence,
                char_start=start,
                char_end=start + len(raw),
                **({"context": extra["context"]} if "context" in extra else {}),
            )

        figures = [
            figure("45", SENTENCES[0], 45.0, "count", subject="districts", qualifier="all"),
            figure("KHR 9,800,000,000", SENTENCES[1], 9.8e9, "money", currency="KHR"),
            figure("1,200", SENTENCES[2], 1200.0, "count", subject="members", context=CONTEXT),
        ]
        countries = [
            SimpleNamespace(code="NP", name="Nepal", mentions=3, is_primary=True),
            SimpleNamespace(code="KH", name="Cambodia", mentions=1, is_primary=False),
        ]
        themes = [SimpleNamespace(theme="pensions", score=3.0, evidence=["pension"])]
        save_findings(
            db,
            [
                Findings.from_objects(
                    NEPAL_ID, figures, countries, themes, figures_version="t", version="t"
                )
            ],
        )
    db.conn.close()


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_archive(tmp_path_factory.mktemp("figures") / "archive.db")
    add_nepal_post(path)
    return path


@pytest.fixture(scope="module")
def conn(db_path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(db_path)
    connection.row_factory = sqlite3.Row
    yield connection
    connection.close()


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


def by_class(tag: str, css_class: str) -> str:
    """XPath for `tag.css_class` anywhere below the context node."""
    return f".//{tag}[contains(concat(' ', normalize-space(@class), ' '), ' {css_class} ')]"


def rows_of(html: str) -> list[lxml.html.HtmlElement]:
    return lxml.html.fromstring(html).xpath(by_class("tr", "fw-row"))


def ids_of(html: str) -> list[int]:
    return [int(r.get("data-figure-id")) for r in rows_of(html)]


def total_of(html: str) -> int:
    found = lxml.html.fromstring(html).xpath(by_class("p", "fw-count"))
    return int(found[0].get("data-total")) if found else 0


def expected_ids(conn: sqlite3.Connection, where: str, params: list) -> set[int]:
    sql = (
        "SELECT f.id FROM figures f JOIN posts p ON p.id = f.post_id "
        f"WHERE p.status = 'live' AND {where}"
    )
    return {r[0] for r in conn.execute(sql, params)}


PRIMARY = "p.id IN (SELECT post_id FROM post_countries WHERE code = ? AND is_primary = 1)"
ANY_COUNTRY = "p.id IN (SELECT post_id FROM post_countries WHERE code = ?)"


@pytest.mark.parametrize("country", ["KH", "kh", "Cambodia", "cambodia"])
def test_country_by_name_or_code_selects_primary_posts(get, conn, country: str) -> None:
    html = get(f"/figures?country={country}&limit=200").text
    assert set(ids_of(html)) == expected_ids(conn, PRIMARY, ["KH"])
    assert total_of(html) == len(expected_ids(conn, PRIMARY, ["KH"]))
    assert NEPAL_ID not in html


def test_mentions_switch_adds_posts_that_only_mention_the_country(get, conn) -> None:
    html = get("/figures?country=Cambodia&mentions=1&limit=200").text
    assert set(ids_of(html)) == expected_ids(conn, ANY_COUNTRY, ["KH"])
    assert NEPAL_ID in html
    primary = get("/figures?country=Cambodia&limit=200").text
    assert "include posts that only mention it" in primary


def test_theme_year_kind_currency_and_subject_combine(get, conn) -> None:
    html = get("/figures?theme=pensions&year=2024&kind=money&currency=khr").text
    where = (
        "p.id IN (SELECT post_id FROM post_themes WHERE theme = 'pensions') AND p.year = 2024 "
        "AND f.kind = 'money' AND f.currency = 'KHR'"
    )
    assert set(ids_of(html)) == expected_ids(conn, where, []) != set()
    by_label = get("/figures?theme=Pensions&year=2024&currency=KHR").text
    assert ids_of(by_label) == ids_of(html)
    subject = get("/figures?subject=WORKERS&limit=200").text
    assert set(ids_of(subject)) == expected_ids(conn, "f.subject = 'workers'", [])


def test_year_range_in_either_order_and_as_one_value(get, conn) -> None:
    expected = expected_ids(conn, "p.year BETWEEN 2019 AND 2021", [])
    for query in ("year=2019&year_to=2021", "year=2021&year_to=2019", "year=2019-2021"):
        assert total_of(get(f"/figures?{query}").text) == len(expected)


def test_words_search_the_post(get, conn) -> None:
    html = get("/figures?q=fund+district&limit=200").text
    assert set(ids_of(html)) == expected_ids(conn, "p.id = ?", [NEPAL_ID])


def test_rows_read_as_people_write_them(get) -> None:
    html = get("/figures?country=NP&year=2024").text
    assert not FLOAT.search(lxml.html.fromstring(html).text_content())
    text = " ".join(r.text_content() for r in rows_of(html))
    assert "all 45 districts" in text
    assert "KHR 9.8 billion" in text
    assert f"Table: {CONTEXT}" in text
    assert "12 March 2024" in text or "12 Mar 2024" in text
    assert "&lt;reaches&gt;" in html and "<reaches>" not in html
    assert "<b>total</b>" not in html  # the sentence is escaped before it is marked


def test_the_figure_is_marked_at_its_own_offset(get, conn) -> None:
    second_45 = conn.execute(
        "SELECT id FROM figures WHERE post_id = ? AND raw = '45'", [NEPAL_ID]
    ).fetchone()[0]
    row = next(
        r
        for r in rows_of(get("/figures?country=NP").text)
        if r.get("data-figure-id") == str(second_45)
    )
    sentence = row.xpath(by_class("td", "fw-sentence"))[0]
    assert lxml.html.tostring(sentence, encoding="unicode").count("<mark>") == 1
    assert "of the <mark>45</mark> districts" in lxml.html.tostring(sentence, encoding="unicode")


def test_mark_figure_falls_back_and_escapes() -> None:
    assert mark_figure("a <b> 5 and 5", 12, "5") == "a &lt;b&gt; 5 and <mark>5</mark>"
    assert mark_figure("a <b> 5 and 5", None, "5") == "a &lt;b&gt; <mark>5</mark> and 5"
    assert mark_figure("a <b> 5", 1, "7") == "a &lt;b&gt; 5"


def test_rows_link_to_the_figure_in_its_post(get, conn) -> None:
    html = get("/figures?q=tuk&limit=200").text
    links = [r.xpath(by_class("td", "fw-post") + "//a")[0].get("href") for r in rows_of(html)]
    ids = ids_of(html)
    assert links and all(
        link == f"/archive/posts/{TUKTUK_ID}#figure-{i}" for link, i in zip(links, ids, strict=True)
    )


def test_sorted_by_date_then_by_value_only_within_one_kind(get, conn) -> None:
    dates = [
        conn.execute(
            "SELECT p.published FROM figures f JOIN posts p ON p.id = f.post_id WHERE f.id = ?",
            [i],
        ).fetchone()[0]
        for i in ids_of(get("/figures?limit=200").text)
    ]
    assert dates == sorted(dates, reverse=True)
    html = get("/figures?kind=count&sort=largest&limit=200").text
    values = [
        conn.execute("SELECT value FROM figures WHERE id = ?", [i]).fetchone()[0]
        for i in ids_of(html)
    ]
    assert values == sorted(values, reverse=True)
    refused = get("/figures?kind=money&sort=largest").text
    assert "Sorting by value needs one kind" in refused
    assert 'value="largest"' not in refused
    assert 'value="largest"' in get("/figures?kind=money&currency=KHR").text


def test_pages_do_not_overlap_and_cover_everything(get, conn) -> None:
    seen: list[int] = []
    for page in range(1, 10):
        ids = ids_of(get(f"/figures?limit=25&page={page}").text)
        if not ids:
            break
        seen += ids
    assert len(seen) == len(set(seen)) == len(expected_ids(conn, "1", []))


def test_empty_state_says_what_to_try(get) -> None:
    html = get("/figures?country=Cambodia&theme=maternity&year=2018").text
    assert total_of(html) == 0
    doc = lxml.html.fromstring(html)
    tries = doc.xpath(by_class("div", "fw-empty") + "//a")
    hrefs = [a.get("href") for a in tries]
    assert any("mentions=1" in h for h in hrefs)
    assert any("country" not in h for h in hrefs if h.startswith("/figures"))


def test_unknown_values_are_explained_not_errors(get) -> None:
    html = get("/figures?country=Atlantis&year=20x&kind=bananas&currency=$$").text
    for words in ("Atlantis", "20x", "bananas", "$$"):
        assert words in html
    assert total_of(html) > 0  # every filter was dropped
    assert get("/figures?q=%22%27);DROP TABLE figures;--").status_code == 200
    shown = get("/figures?theme=%3Cscript%3Ealert(1)%3C/script%3E").text
    assert "&lt;script&gt;alert(1)" in shown and "<script>alert(1)" not in shown


def test_theme_choices_are_labels(get) -> None:
    doc = lxml.html.fromstring(get("/figures").text)
    options = {
        o.get("value"): o.text
        for o in doc.xpath("//select[@id='fw-theme']/option")
        if o.get("value")
    }
    assert options and all(LABELS.get(i, label) == label for i, label in options.items())
    assert "informal-workers" not in {o.text for o in doc.xpath("//select[@id='fw-theme']/option")}


def download_links(html: str) -> dict[str, str]:
    doc = lxml.html.fromstring(html)
    return {a.get("data-format"): a.get("href") for a in doc.xpath(by_class("a", "fw-download"))}


def test_csv_holds_exactly_the_rows_on_screen(get) -> None:
    page = "/figures?kind=count&limit=25&page=2&sort=oldest"
    html = get(page).text
    link = download_links(html)["csv"]
    assert parse_qs(urlsplit(link).query) == parse_qs(urlsplit(page).query)
    response = get(link)
    assert response.headers["content-type"].startswith("text/csv")
    records = list(csv.DictReader(io.StringIO(response.text)))
    assert [int(r["figure_id"]) for r in records] == ids_of(html) != []
    first = records[0]
    assert set(first) >= {
        "post_title", "post_url", "date", "primary_countries", "countries", "themes",
        "readable_value", "value", "kind", "currency", "qualifier", "subject", "context",
        "sentence",
    }  # fmt: skip
    themes = {t for r in records for t in r["themes"].split("; ")}
    assert themes and themes <= set(LABELS.values())


def test_json_and_all_rows_downloads(get, conn) -> None:
    html = get("/figures?country=NP").text
    data = json.loads(get(download_links(html)["json"]).text)
    assert [r["figure_id"] for r in data["rows"]] == ids_of(html)
    big = next(r for r in data["rows"] if r["kind"] == "money")
    assert big["value"] == 9_800_000_000 and big["readable_value"] == "KHR 9.8 billion"
    everything = json.loads(get("/figures.json?theme=pensions&all=1").text)
    where = "p.id IN (SELECT post_id FROM post_themes WHERE theme = 'pensions')"
    assert {r["figure_id"] for r in everything["rows"]} == expected_ids(conn, where, [])


def test_chart_data_is_embedded_for_the_browser(get) -> None:
    doc = lxml.html.fromstring(get("/figures").text)
    data = json.loads(doc.get_element_by_id("fw-chart-data").text)
    assert sum(r["figures"] for r in data["rows"]) == total_of(
        lxml.html.tostring(doc, encoding="unicode")
    )
    scripts = [s.get("src") for s in doc.xpath("//script[@src]")]
    assert all(s.startswith("/-/static-plugins/blogger-archive/") for s in scripts)


def test_overview_counts_primary_countries_and_labels_themes(get, conn) -> None:
    doc = lxml.html.fromstring(get("/overview").text)
    countries = json.loads(doc.get_element_by_id("ov-countries-data").text)
    nepal = next(c for c in countries if c["code"] == "NP")
    assert (
        nepal["posts"]
        == conn.execute(
            "SELECT count(*) FROM post_countries c JOIN posts p ON p.id = c.post_id "
            "WHERE c.code = 'NP' AND c.is_primary = 1 AND p.status = 'live'"
        ).fetchone()[0]
    )
    themes = {r["theme"] for r in json.loads(doc.get_element_by_id("ov-themes-data").text)}
    assert "Informal workers" in themes and "informal-workers" not in themes
    assert doc.xpath(by_class("ol", "ov-newest") + "/li/a")[0].text_content()


def test_browse_marks_sentence_start(conn) -> None:
    rows = figure_rows(conn, FigureFilter(country="NP"), sort="newest", limit=10, offset=0)
    for row in rows:
        start = row["char_start"] - row["sentence_at"]
        assert row["sentence"][start : start + len(row["raw"])] == row["raw"]


def test_context_is_stored_when_the_extractor_gives_it(conn) -> None:
    stored = dict(
        conn.execute("SELECT raw, context FROM figures WHERE post_id = ?", [NEPAL_ID]).fetchall()
    )
    assert stored == {"45": None, "KHR 9,800,000,000": None, "1,200": CONTEXT}


def test_home_page_and_menu_link_the_new_pages(get) -> None:
    doc = lxml.html.fromstring(get("/").text)
    home = {a.get("href") for a in doc.xpath(by_class("ul", "archive-shortcuts") + "//a")}
    menu = {a.get("href") for a in doc.xpath(by_class("div", "nav-menu-inner") + "//a")}
    assert {"/figures", "/overview"} <= home
    assert {"/figures", "/overview"} <= menu


@pytest.mark.parametrize(
    "query",
    [
        "page=%C2%B2",
        "page=%D9%A1%D9%A2",
        "page=-1",
        "page=" + "9" * 60,
        "limit=%C2%BD",
        "limit=100000",
        "year=%D9%A1%D9%A2%D9%A3%D9%A4",
        "year=" + "9" * 60,
        "q=%00%01%02",
        "country=" + "x" * 5000,
        "subject=%27%3B--",
        "theme=%3Cscript%3E",
        "sort=largest&kind=count&page=999999",
    ],
)
def test_odd_requests_get_a_page_not_an_error(get, query: str) -> None:
    for path in ("/figures", "/figures.csv", "/figures.json"):
        response = get(f"{path}?{query}")
        assert response.status_code == 200, (path, query)
