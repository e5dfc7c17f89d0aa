"""Staff search in Datasette: pages, /search, post pages, safety, login.

Requests go through Datasette's in-process test client; expected results are
computed from the fixture database, not written down.
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
from urllib.parse import quote

import lxml.html
import pytest
from datasette.app import Datasette
from datasette_auth_passwords.utils import hash_password

from pipeline.db.schema import open_db, transaction
from pipeline.db.writes import save_posts
from pipeline.errors import ConfigError
from pipeline.model import PostRecord
from pipeline.web.app import DB_NAME, PASSWORD_HASH_ENV, STAFF_ACCOUNT, is_loopback, make_app, serve
from tests.dsfixtures import (
    BLOG_ID,
    COVID_ID,
    DELETED_ID,
    PAGE_ID,
    QUOTES_ID,
    SCRIPT_ID,
    SCRIPT_MARKER,
    TUKTUK_ID,
    build_archive,
)


class Client:
    """Datasette's async test client driven from one event loop per app."""

    def __init__(self, ds: Datasette) -> None:
        self.ds = ds
        self.loop = asyncio.new_event_loop()

    def get(self, path: str, **kwargs):
        return self.loop.run_until_complete(self.ds.client.get(path, **kwargs))

    def post(self, path: str, **kwargs):
        return self.loop.run_until_complete(self.ds.client.post(path, **kwargs))

    def close(self) -> None:
        self.loop.close()


@pytest.fixture(scope="module")
def db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Deliberately not called archive.db: the database must still be served as `archive`.
    return build_archive(tmp_path_factory.mktemp("ds") / "x.db")


@pytest.fixture(scope="module")
def client(db_path: Path) -> Iterator[Client]:
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(PASSWORD_HASH_ENV, raising=False)
        c = Client(make_app(db_path))
    yield c
    c.close()


@pytest.fixture(scope="module")
def conn(db_path: Path) -> Iterator[sqlite3.Connection]:
    c = sqlite3.connect(db_path)
    yield c
    c.close()


def html_of(client: Client, path: str) -> lxml.html.HtmlElement:
    r = client.get(path)
    assert r.status_code == 200, (path, r.status_code, r.text[:500])
    return lxml.html.fromstring(r.text)


def hit_ids(doc: lxml.html.HtmlElement) -> list[str]:
    hrefs = doc.xpath('//li[@class="hit"]//h2[@class="hit-title"]/a/@href')
    return [h.rsplit("/", 1)[1] for h in hrefs]


def total_of(doc: lxml.html.HtmlElement) -> int:
    return int(doc.xpath('//p[@class="search-count"]/@data-total')[0])


def messages(doc: lxml.html.HtmlElement) -> list[str]:
    return [m.text_content() for m in doc.xpath('//p[contains(@class, "search-message")]')]


def ids(conn: sqlite3.Connection, sql: str, params: tuple = ()) -> set[str]:
    return {r[0] for r in conn.execute(sql, params)}


def fts_ids(conn: sqlite3.Connection, match: str) -> set[str]:
    return ids(
        conn,
        "SELECT p.id FROM posts_fts JOIN posts p ON p.rowid = posts_fts.rowid "
        "WHERE posts_fts MATCH ?",
        (match,),
    )


# ------------------------------------------------------------------- pages


def test_every_page_answers(client: Client, conn: sqlite3.Connection) -> None:
    figure_id = conn.execute("SELECT min(id) FROM figures").fetchone()[0]
    paths = [
        "/",
        "/search",
        "/search?q=workers",
        "/archive",
        "/archive/posts",
        f"/archive/posts/{TUKTUK_ID}",
        f"/archive/posts/{DELETED_ID}",
        "/archive/figures",
        f"/archive/figures/{figure_id}",
        "/archive/post_countries",
        "/archive/post_themes",
        "/archive/comments",
        "/archive/pages",
        f"/archive/pages/{PAGE_ID}",
        "/archive/blogs",
        "/archive/images",
        "/archive/post_versions",
        "/archive/runs",
        "/archive/captures",
        "/archive/figures_by_country_and_year?country=KH&year=",
        "/archive/largest_counts_of_people",
        "/archive/posts_per_theme_per_year",
        "/archive/recent_posts",
        "/-/static-plugins/blogger-archive/archive.css",
        "/-/metadata",
    ]
    for path in paths:
        r = client.get(path)
        assert r.status_code == 200, (path, r.status_code)


def test_database_is_called_archive_whatever_the_file_name(client: Client, db_path: Path) -> None:
    assert db_path.stem != DB_NAME
    assert set(client.ds.databases) == {DB_NAME, "_internal"}
    assert client.ds.databases[DB_NAME].is_mutable
    assert client.get("/" + db_path.stem).status_code == 404
    assert client.get("/archive.json").json()["database"] == DB_NAME


def test_served_database_sees_writes_made_after_start(tmp_path: Path) -> None:
    """Cron writes while Datasette serves: the new post must be searchable at once."""
    path = build_archive(tmp_path / "live.db", extra_posts=0)
    client = Client(make_app(path))
    try:
        assert total_of(html_of(client, "/search?q=zanzibarish")) == 0
        db = open_db(path)
        with transaction(db):
            save_posts(
                db,
                [
                    PostRecord(
                        id="55",
                        blog_id=BLOG_ID,
                        url=None,
                        title="Zanzibarish news",
                        author=None,
                        published="2024-01-01T00:00:00+00:00",
                        updated=None,
                        year=2024,
                        labels=[],
                        content_html="<p>x</p>",
                        content_text="x",
                    )
                ],
                seen_at="2024-01-02",
                origin="feed",
            )
        db.conn.close()
        assert hit_ids(html_of(client, "/search?q=zanzibarish")) == ["55"]
    finally:
        client.close()


# ------------------------------------------------------------------ search


def test_search_ranks_title_match_first_and_marks_it(
    client: Client, conn: sqlite3.Connection
) -> None:
    doc = html_of(client, "/search?q=drivers")
    found = hit_ids(doc)
    # Several posts say "drivers" more often in their bodies; the title match wins.
    assert len(fts_ids(conn, "drivers")) > 1
    assert found[0] == TUKTUK_ID
    assert set(found) == fts_ids(conn, "drivers")
    first = doc.xpath('//li[@class="hit"]')[0]
    assert [m.text for m in first.xpath(".//mark")] == ["drivers"]
    assert total_of(doc) == len(fts_ids(conn, "drivers"))


def test_hits_show_date_tags_figures_and_links(client: Client, conn: sqlite3.Connection) -> None:
    hit = html_of(client, "/search?q=tuk-tuk").xpath('//li[@class="hit"]')[0]
    published, url = conn.execute(
        "SELECT published, url FROM posts WHERE id = ?", [TUKTUK_ID]
    ).fetchone()
    assert hit.xpath(".//time/@datetime") == [published]
    primary = hit.xpath('.//a[contains(@class, "tag-country") and contains(@class, "tag-primary")]')
    assert [a.text_content() for a in primary] == ["Cambodia"]
    assert primary[0].xpath("./strong") and "primary" in primary[0].get("title")
    # Theme labels from the vocabulary, never ids.
    assert "Informal workers" in hit.xpath('.//a[contains(@class, "tag-theme")]/text()')
    ids_ = [r[0] for r in conn.execute("SELECT id FROM figures WHERE post_id = ?", [TUKTUK_ID])]
    links = hit.xpath('.//ul[@class="hit-figures"]//a/@href')
    assert links == [f"/archive/posts/{TUKTUK_ID}#figure-{i}" for i in ids_]
    assert hit.xpath('.//ul[@class="hit-figures"]//a/text()') == ["790 workers", "over 45% members"]
    assert url in hit.xpath('.//a[@class="original"]/@href')
    assert f"/archive/posts/{TUKTUK_ID}" in hit.xpath(".//a/@href")
    # Snippet text comes from the post body, with matched words marked.
    snippet = hit.xpath('.//p[@class="snippet"]')[0]
    assert "operators says" in snippet.text_content()
    assert [m.text for m in snippet.xpath(".//mark")] == ["tuk-tuk"]


@pytest.mark.parametrize(
    "q, expected_first",
    [
        ("COVID-19", COVID_ID),
        ("100.000", COVID_ID),
        ("it's", QUOTES_ID),
        ('"no social protection', QUOTES_ID),
    ],
)
def test_punctuation_is_searched_as_words(client: Client, q: str, expected_first: str) -> None:
    doc = html_of(client, "/search?q=" + quote(q))
    assert hit_ids(doc)[0] == expected_first
    assert not messages(doc)


@pytest.mark.parametrize(
    "q, words",
    [
        ('"', None),
        ("(", None),
        ("*", None),
        ("-", None),
        ("^", None),
        ("AND (", '"and"'),
        ("NEAR(", '"near"'),
        ("title:", '"title"'),
        ("OR", '"or"'),
        ("workers AND (women", '"workers" "and" "women"'),
    ],
)
def test_fts_syntax_in_default_mode_is_searched_as_words(
    client: Client, conn: sqlite3.Connection, q: str, words: str | None
) -> None:
    r = client.get("/search?q=" + quote(q))
    assert r.status_code == 200
    doc = lxml.html.fromstring(r.text)
    if words is None:  # nothing searchable: say so
        assert any("no words to search" in m for m in messages(doc))
    else:
        assert set(hit_ids(doc)) <= fts_ids(conn, words)
        assert total_of(doc) == len(fts_ids(conn, words))
        assert not messages(doc)


def test_advanced_mode_accepts_fts_syntax(client: Client, conn: sqlite3.Connection) -> None:
    doc = html_of(client, "/search?mode=advanced&q=" + quote("tuk* OR covid"))
    assert set(hit_ids(doc)) == fts_ids(conn, "tuk* OR covid") >= {TUKTUK_ID, COVID_ID}
    doc = html_of(client, "/search?mode=advanced&q=" + quote("title:drivers"))
    assert hit_ids(doc) == [TUKTUK_ID]


@pytest.mark.parametrize("q", ["AND (", '"unclosed', "nosuchcolumn:word", "NEAR(a b", "*"])
def test_advanced_mode_explains_bad_syntax(client: Client, q: str) -> None:
    r = client.get("/search?mode=advanced&q=" + quote(q))
    assert r.status_code == 200
    doc = lxml.html.fromstring(r.text)
    assert any("could not be understood" in m for m in messages(doc))
    assert hit_ids(doc) == []


def test_filters_narrow_results_and_combine(client: Client, conn: sqlite3.Connection) -> None:
    all_workers = fts_ids(conn, "workers")
    in_kh = ids(conn, "SELECT post_id FROM post_countries WHERE code = 'KH'")
    doc = html_of(client, "/search?q=workers&country=kh")
    assert set(hit_ids(doc)) == all_workers & in_kh
    assert 0 < total_of(doc) < len(all_workers)

    pensions = ids(conn, "SELECT post_id FROM post_themes WHERE theme = 'pensions'")
    y2019 = ids(conn, "SELECT id FROM posts WHERE year = 2019")
    doc = html_of(client, "/search?q=workers&theme=pensions&year=2019")
    assert set(hit_ids(doc)) == all_workers & pensions & y2019 != set()

    labelled = ids(
        conn,
        "SELECT p.id FROM posts p, json_each(p.labels) l WHERE l.value = ?",
        ("informal economy",),
    )
    doc = html_of(client, "/search?label=" + quote("informal economy"))
    assert set(hit_ids(doc)) == labelled != set()


def test_filters_work_without_a_query(client: Client, conn: sqlite3.Connection) -> None:
    doc = html_of(client, "/search?country=ID")
    expected = ids(conn, "SELECT post_id FROM post_countries WHERE code = 'ID'")
    assert set(hit_ids(doc)) == expected
    published = [
        conn.execute("SELECT published FROM posts WHERE id = ?", [i]).fetchone()[0]
        for i in hit_ids(doc)
    ]
    assert published == sorted(published, reverse=True)


def test_bad_filter_values_are_explained_not_fatal(client: Client) -> None:
    doc = html_of(client, "/search?q=workers&year=20x4&country=Atlantis&page=abc")
    text = " ".join(messages(doc))
    assert "20x4" in text and "Atlantis" in text
    assert hit_ids(doc)


@pytest.mark.parametrize(
    "query",
    [
        "q=drivers%00",
        "q=%00&mode=advanced",
        "q=drivers&year=99999999999999999999",
        "q=drivers&page=99999999999999999999",
        "q=" + "drivers+" * 400,
        "q=drivers&theme=a%00b",
        "q=drivers&label=%00",
        "country=%00&status=%00",
    ],
)
def test_hostile_input_gets_an_answer(client: Client, query: str) -> None:
    r = client.get("/search?" + query)
    assert r.status_code == 200
    assert 'class="search-count"' in r.text or "search-message" in r.text


def test_pagination(client: Client, conn: sqlite3.Connection) -> None:
    expected = fts_ids(conn, "workers")
    assert len(expected) > 20
    pages, url = [], "/search?q=workers"
    while url:
        doc = html_of(client, url)
        pages.append(hit_ids(doc))
        nxt = doc.xpath('//a[@rel="next"]/@href')
        url = nxt[0] if nxt else None
    assert [len(p) for p in pages[:-1]] == [20] * (len(pages) - 1)
    found = [i for p in pages for i in p]
    assert len(found) == len(set(found)) and set(found) == expected
    # A page past the end goes to the last page.
    past_end = client.get("/search?q=workers&page=40")
    assert past_end.status_code == 302
    assert past_end.headers["location"] == f"/search?q=workers&page={len(pages)}"


def test_datasette_table_search_and_array_facets(client: Client, conn: sqlite3.Connection) -> None:
    data = client.get("/archive/posts.json?_search=drivers&_shape=objects").json()
    assert {r["id"] for r in data["rows"]} == fts_ids(conn, "drivers")

    facets = client.get("/archive/posts.json").json()["facet_results"]
    # The country facet counts the posts *about* a country (primary), not mentions.
    assert facets["primary_countries"]["type"] == "array" and "countries" not in facets
    counts = {f["value"]: f["count"] for f in facets["primary_countries"]["results"]}
    expected = dict(
        conn.execute("SELECT name, count(*) FROM post_countries WHERE is_primary = 1 GROUP BY name")
    )
    assert counts == expected
    assert {"themes", "labels", "year"} <= set(facets)
    filtered = client.get(
        "/archive/posts.json?_shape=objects&_size=max&countries__arraycontains=Cambodia"
    ).json()
    assert {r["id"] for r in filtered["rows"]} == ids(
        conn, "SELECT post_id FROM post_countries WHERE name = 'Cambodia'"
    )


def test_posts_list_hides_bodies_but_row_and_json_keep_them(
    client: Client, conn: sqlite3.Connection
) -> None:
    body = conn.execute("SELECT content_text FROM posts WHERE id = ?", [TUKTUK_ID]).fetchone()[0]
    sentence = body.split(".")[0]
    listing = client.get("/archive/posts?_size=max")
    assert TUKTUK_ID in listing.text and sentence not in listing.text
    assert sentence in client.get("/archive/posts?_col=content_text&_size=max").text
    assert sentence in html_of(client, f"/archive/posts/{TUKTUK_ID}").text_content()
    rows = client.get("/archive/posts.json?_shape=objects&id=" + TUKTUK_ID).json()["rows"]
    assert rows[0]["content_text"] == body


def test_figures_csv_download(client: Client, conn: sqlite3.Connection) -> None:
    r = client.get("/archive/figures.csv?_stream=on")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == conn.execute("SELECT count(*) FROM figures").fetchone()[0]
    assert {"post_id", "raw", "value", "kind", "sentence"} <= set(rows[0])


def test_canned_queries_use_their_parameters(client: Client, conn: sqlite3.Connection) -> None:
    expected = conn.execute(
        "SELECT count(*) FROM figures f JOIN post_countries c ON c.post_id = f.post_id "
        "JOIN posts p ON p.id = f.post_id WHERE c.code = 'KH' AND c.is_primary = 1 "
        "AND p.year = 2023 AND p.status = 'live'"
    ).fetchone()[0]
    for country in ("kh", "Cambodia", " cambodia "):
        data = client.get(
            "/archive/figures_by_country_and_year.json?_shape=objects&year=2023&country="
            + quote(country)
        ).json()
        assert len(data["rows"]) == expected > 0
        assert {r["primary_country"] for r in data["rows"]} == {"Cambodia"}


# ------------------------------------------------------------- post pages


def test_post_page_shows_post_figures_tags_comments_versions(
    client: Client, conn: sqlite3.Connection
) -> None:
    doc = html_of(client, f"/archive/posts/{TUKTUK_ID}")
    title, url = conn.execute("SELECT title, url FROM posts WHERE id = ?", [TUKTUK_ID]).fetchone()
    assert doc.xpath("//article//h1")[0].text_content().strip() == title
    assert url in doc.xpath('//a[@class="original"]/@href')
    assert doc.xpath('//div[@class="post-body"]/p')  # rendered HTML, not escaped text
    raws = [
        r[0]
        for r in conn.execute(
            "SELECT raw FROM figures WHERE post_id = ? ORDER BY char_start", [TUKTUK_ID]
        )
    ]
    assert (
        doc.xpath('//table[contains(@class, "post-figures")]//td[@class="figure-raw"]/a/text()')
        == raws
    )
    comments = doc.xpath('//ol[@class="post-comments"]/li')
    n_comments = conn.execute(
        "SELECT count(*) FROM comments WHERE post_id = ?", [TUKTUK_ID]
    ).fetchone()[0]
    assert len(comments) == n_comments
    assert (
        "removed by its author" in doc.xpath('//li[contains(@class, "removed")]')[0].text_content()
    )
    n_versions = conn.execute(
        "SELECT count(*) FROM post_versions WHERE post_id = ?", [TUKTUK_ID]
    ).fetchone()[0]
    assert n_versions == 2
    assert doc.xpath('//h2[@id="versions"]')[0].text == f"Versions ({n_versions})"


def test_stored_script_is_not_rendered(client: Client, conn: sqlite3.Connection) -> None:
    stored = conn.execute("SELECT content_html FROM posts WHERE id = ?", [SCRIPT_ID]).fetchone()[0]
    assert SCRIPT_MARKER in stored and "onerror" in stored  # the fixture is really dirty
    for path in (f"/archive/posts/{SCRIPT_ID}", f"/archive/posts?_col=content_html&id={SCRIPT_ID}"):
        r = client.get(path)
        assert r.status_code == 200
        assert SCRIPT_MARKER not in r.text
        assert "onerror" not in r.text and "javascript:alert" not in r.text
        assert "Domestic workers in Manila demand coverage." in r.text


def test_render_html_only_for_posts_content_html(client: Client) -> None:
    page = client.get(f"/archive/pages/{PAGE_ID}").text
    assert "&lt;b&gt;About&lt;/b&gt;" in page and "<b>About</b>" not in page
    version = client.get("/archive/post_versions?post_id=" + TUKTUK_ID).text
    assert "&lt;p&gt;After two years" in version
    posts = client.get(f"/archive/posts?_col=content_html&_col=title&id={TUKTUK_ID}").text
    assert "<p>After two years" in posts


def test_post_ids_link_to_posts(client: Client) -> None:
    doc = html_of(client, "/archive/figures?post_id=" + TUKTUK_ID)
    links = doc.xpath("//td[contains(@class, 'col-post_id')]/a/@href")
    assert f"/archive/posts/{TUKTUK_ID}" in links


# -------------------------------------------------------- serving, login


def test_loopback_detection() -> None:
    assert all(map(is_loopback, ["127.0.0.1", "localhost", "::1", "[::1]", "127.1.2.3"]))
    assert not any(map(is_loopback, ["0.0.0.0", "10.0.0.5", "::", "archive.example.org"]))


def test_public_host_without_password_hash_refuses_to_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PASSWORD_HASH_ENV, raising=False)
    new_db = tmp_path / "new.db"
    with pytest.raises(ConfigError, match=PASSWORD_HASH_ENV) as e:
        serve(new_db, host="0.0.0.0", port=8001)
    assert e.value.exit_code == 2 and "\n" not in str(e.value)
    assert not new_db.exists()  # refused before touching anything


@pytest.mark.parametrize(
    "kwargs, env, message",
    [
        ({"port": 0}, None, "port"),
        ({"port": 70000}, None, "port"),
        ({"web_dir": "/nonexistent"}, None, "metadata"),
        ({"host": "0.0.0.0"}, "hunter2", PASSWORD_HASH_ENV),
    ],
)
def test_serve_rejects_bad_input(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, kwargs: dict, env: str | None, message: str
) -> None:
    monkeypatch.delenv(PASSWORD_HASH_ENV, raising=False)
    if env:
        monkeypatch.setenv(PASSWORD_HASH_ENV, env)
    with pytest.raises(ConfigError, match=message):
        serve(db_path, **kwargs)


def test_serve_rejects_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    bad = tmp_path / "notes.db"
    bad.write_text("not sqlite " * 200)
    with pytest.raises(ConfigError, match="notes.db"):
        serve(bad)
    with pytest.raises(ConfigError, match="directory"):
        serve(tmp_path)


def test_password_gates_every_page(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    password = "correct horse battery"
    hashed = hash_password(password)
    monkeypatch.setenv(PASSWORD_HASH_ENV, hashed)
    client = Client(make_app(db_path, require_password=True))
    try:
        for path in (
            "/",
            "/search?q=workers",
            "/archive/posts.json",
            "/archive/figures.csv",
            f"/archive/posts/{TUKTUK_ID}",
            "/-/metadata.json",
        ):
            assert client.get(path).status_code == 403, path
        browser = client.get("/search?q=workers", headers={"accept": "text/html"})
        assert browser.status_code == 302 and browser.headers["location"] == "/-/login"

        login = client.get("/-/login")
        assert login.status_code == 200
        token = re.search(r'name="csrftoken" value="([^"]+)"', login.text).group(1)
        cookies = {"ds_csrftoken": login.cookies["ds_csrftoken"]}
        wrong = client.post(
            "/-/login",
            data={"username": STAFF_ACCOUNT, "password": "nope", "csrftoken": token},
            cookies=cookies,
        )
        assert "ds_actor" not in wrong.cookies
        ok = client.post(
            "/-/login",
            data={"username": STAFF_ACCOUNT, "password": password, "csrftoken": token},
            cookies=cookies,
        )
        actor = {"ds_actor": ok.cookies["ds_actor"]}
        assert (
            hit_ids(lxml.html.fromstring(client.get("/search?q=drivers", cookies=actor).text))[0]
            == TUKTUK_ID
        )
        metadata = client.get("/-/metadata.json", cookies=actor)
        assert metadata.status_code == 200 and hashed not in metadata.text
        assert PASSWORD_HASH_ENV in json.dumps(metadata.json())
    finally:
        client.close()
