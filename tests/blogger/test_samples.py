"""Conformance: every real Blogger file in shared/samples parses to the facts it holds.

The facts asserted here were read off the files themselves and are listed in
shared/samples/PROVENANCE.md. Where parse.py gets a sample wrong the test states
the correct expectation and is marked `xfail(strict=True)`, so the fix flips it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest

from pipeline.blogger.atom import parse_feed
from pipeline.blogger.backup import BackupContents, parse_backup
from pipeline.blogger.content import html_to_text
from pipeline.blogger.post_page import PostPage, parse_post_html
from pipeline.model import FeedPage

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"
if not SAMPLES.is_dir():
    pytest.skip(f"no Blogger samples at {SAMPLES}", allow_module_level=True)

# Every data file, once. test_every_sample_is_covered keeps this list complete.
QUILTVILLE = "atom/quiltville-posts-default-2021.atom"
QUILTVILLE_HEADERS = "atom/quiltville-posts-default-2021.http-headers.txt"
CORNUCOPIA = "atom/cornucopia-posts-default-2017.atom"
FSOD = "atom/4fsodonline-posts-default-2014.atom"
TECHNO = "atom/techno-omtemplates-posts-default-2023.atom"
ROBOTS_EMPTY = "atom/bloggerrobotstxtgenerator-posts-default-empty.atom"
FEEDBURNER = "atom/googleadsdeveloper-feedburner-proxied-2016.atom"
CORNUCOPIA_RSS = "rss/cornucopia-posts-default-alt-rss-2017.rss"
TECHNO_RSS = "rss/techno-omtemplates-posts-default-alt-rss-2023.rss"
ROBOTS_EMPTY_RSS = "rss/bloggerrobotstxtgenerator-posts-default-alt-rss-empty.rss"
TECHNO_COMMENTS = "comments/techno-omtemplates-post-925388997895127564-comments-default.atom"
TECHNO_COMMENTS_EMPTY = (
    "comments/techno-omtemplates-post-1301013119352122500-comments-default-empty.atom"
)
ROBOTS_COMMENTS_EMPTY = "comments/bloggerrobotstxtgenerator-comments-default-empty.atom"
ROBOTS_COMMENTS_EMPTY_RSS = "comments/bloggerrobotstxtgenerator-comments-default-alt-rss-empty.rss"
EXPORT_200OK = "export-old/200ok-testblog-export-2019-12-27.xml"
EXPORT_GPODDER = "export-old/gpodder-devblog-export-2017-07-30.xml"
EXPORT_NEW = "export-new/bernds-blog-takeout-feed-atom-excerpt.atom"
HTML_SIMPLE_LABELS = "html/simple-theme-post-with-labels-siliconexposed.html"
HTML_SIMPLE = "html/simple-theme-post-emacspeak.html"
HTML_WATERMARK = "html/watermark-theme-post-with-labels-weinlachgummis.html"
HTML_MINIMA = "html/minima-classic-theme-post-bumsbutzener.html"
HTML_CONTEMPO = "html/contempo-theme-post-bjori.html"
HTML_404 = "html/contempo-theme-404-page-bjori.html"
HTML_ARCHIVE = "html/simple-theme-yearly-archive-2011-unexpecteduser.html"
HTML_DYNAMIC = "html/dynamic-views-post-juliasleseblog.html"
HTML_V2_HASSANCHEF = "html/thirdparty-v2-theme-post-hassanchef.html"
HTML_V2_STATIC_PAGE = "html/thirdparty-v2-theme-static-page-techno-omtemplates.html"
HTML_V2_COMMENTS = "html/thirdparty-v2-theme-post-with-comments-techno-omtemplates.html"

ATOM_POST_FEEDS = [QUILTVILLE, CORNUCOPIA, FSOD, TECHNO, ROBOTS_EMPTY, FEEDBURNER]
RSS_FEEDS = [CORNUCOPIA_RSS, TECHNO_RSS, ROBOTS_EMPTY_RSS]
COMMENT_FEEDS = [
    TECHNO_COMMENTS,
    TECHNO_COMMENTS_EMPTY,
    ROBOTS_COMMENTS_EMPTY,
    ROBOTS_COMMENTS_EMPTY_RSS,
]
EXPORTS = [EXPORT_200OK, EXPORT_GPODDER, EXPORT_NEW]
HTML_PAGES = [
    HTML_SIMPLE_LABELS,
    HTML_SIMPLE,
    HTML_WATERMARK,
    HTML_MINIMA,
    HTML_CONTEMPO,
    HTML_404,
    HTML_ARCHIVE,
    HTML_DYNAMIC,
    HTML_V2_HASSANCHEF,
    HTML_V2_STATIC_PAGE,
    HTML_V2_COMMENTS,
]
ALL_SAMPLES = [
    *ATOM_POST_FEEDS,
    QUILTVILLE_HEADERS,
    *RSS_FEEDS,
    *COMMENT_FEEDS,
    *EXPORTS,
    *HTML_PAGES,
]
NEW_BLOG_URL = "https://bernds-blog.example/"  # the excerpt does not say where the blog lives
STORED_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")


def raw(rel: str) -> bytes:
    return (SAMPLES / rel).read_bytes()


@cache
def feed(rel: str) -> FeedPage:
    return parse_feed(raw(rel))


@cache
def export(rel: str) -> BackupContents:
    return parse_backup(raw(rel), blog_url=NEW_BLOG_URL if rel == EXPORT_NEW else None)


@cache
def page(rel: str) -> PostPage:
    return parse_post_html(raw(rel))


def html_text(got: PostPage) -> str:
    return html_to_text(got.content_html or "")


def test_every_sample_is_covered():
    on_disk = {
        str(p.relative_to(SAMPLES))
        for p in SAMPLES.rglob("*")
        if p.is_file() and p.name != "PROVENANCE.md"
    }
    assert len(set(ALL_SAMPLES)) == len(ALL_SAMPLES)
    assert on_disk == set(ALL_SAMPLES)


# ------------------------------------------------------------ Atom posts feeds


@pytest.mark.parametrize(
    ("rel", "blog_id", "total", "per_page", "entries", "next_url"),
    [
        (
            QUILTVILLE,
            "13569819",
            7021,
            25,
            25,
            "https://www.blogger.com/feeds/13569819/posts/default?start-index=26&max-results=25",
        ),
        # next links served as http: are upgraded to https on blogger.com
        (
            CORNUCOPIA,
            "8354057230547055221",
            12026,
            25,
            25,
            "https://www.blogger.com/feeds/8354057230547055221/posts/default"
            "?start-index=26&max-results=25",
        ),
        (
            FSOD,
            "3905741845175603023",
            28,
            25,
            25,
            "https://www.blogger.com/feeds/3905741845175603023/posts/default"
            "?start-index=26&max-results=25",
        ),
        (
            FEEDBURNER,
            "7815614485808579332",
            230,
            25,
            25,
            "https://www.blogger.com/feeds/7815614485808579332/posts/default/-/adwords_api"
            "/-/adwords_api?start-index=26&max-results=25",
        ),
        (TECHNO, "8674748682166248033", 19, 25, 19, None),
        (ROBOTS_EMPTY, "7375263010309060832", 0, 25, 0, None),
    ],
)
def test_posts_feed_paging(rel, blog_id, total, per_page, entries, next_url):
    got = feed(rel)
    assert got.blog.id == blog_id
    assert (got.total_results, got.start_index, got.items_per_page) == (total, 1, per_page)
    assert len(got.posts) == entries and not got.comments and not got.pages
    assert got.next_url == next_url
    assert got.skipped == 0


def entry_published(rel: str) -> list[str]:
    """Raw `<published>` of each entry, read with a regex (an oracle apart from lxml)."""
    entries = re.findall(rb"<entry[ >].*?</entry>", raw(rel), re.S)
    return [re.search(rb"<published>([^<]+)</published>", e).group(1).decode() for e in entries]


@pytest.mark.parametrize("rel", ATOM_POST_FEEDS)
def test_posts_feed_ids_and_dates(rel):
    got = feed(rel)
    ids = [p.id for p in got.posts]
    assert all(i.isdigit() for i in ids) and len(set(ids)) == len(ids)
    assert {p.blog_id for p in got.posts} <= {got.blog.id}
    for post, published in zip(got.posts, entry_published(rel), strict=True):
        assert STORED_DATE.match(post.published) and STORED_DATE.match(post.updated)
        utc = datetime.fromisoformat(published).astimezone(UTC).replace(microsecond=0)
        assert post.published == utc.isoformat()
        assert post.year == int(published[:4])  # the year where the blog is


@pytest.mark.parametrize(
    ("rel", "post_id", "published", "year"),
    [
        (QUILTVILLE, "6651749666479097045", "2021-03-25T12:06:00+00:00", 2021),  # -04:00 (DST)
        (QUILTVILLE, "3493500267472914519", "2021-03-13T13:57:00+00:00", 2021),  # -05:00
        (FSOD, "425541125763448592", "2007-12-15T07:15:00+00:00", 2007),  # 23:15 -08:00, day before
        (FSOD, "7118894758738508113", "2007-12-05T05:07:00+00:00", 2007),  # `.001` tie-breaker
        (CORNUCOPIA, "2490656752632862163", "2017-03-05T13:34:00+00:00", 2017),  # `.002`
        (TECHNO, "925388997895127564", "2016-03-17T07:57:00+00:00", 2016),
    ],
)
def test_posts_feed_dates(rel, post_id, published, year):
    post = next(p for p in feed(rel).posts if p.id == post_id)
    assert (post.published, post.year) == (published, year)


def test_techno_post_labels_and_comment_count():
    post = next(p for p in feed(TECHNO).posts if p.id == "925388997895127564")
    assert post.labels == ["Business", "Fashion", "People"]
    assert post.comment_total == 4
    assert post.url == (
        "https://techno-omtemplates.blogspot.com/2016/03/xiaomi-is-going-to-launch-mi-11-ultra.html"
    )
    assert post.title == "Xiaomi is going to launch the Mi 11 Ultra 67W fast charge."
    assert post.updated == "2022-09-25T14:36:08+00:00"


def test_cornucopia_non_ascii_labels_and_no_feed_level_categories():
    posts = feed(CORNUCOPIA).posts
    assert posts[0].labels == ["börsen", "konjunktur", "OMXS30", "teknisk analys"]
    assert "Andra världskriget" in posts[1].labels
    # the feed lists 1806 blog labels; entries only carry their own
    assert len({label for p in posts for label in p.labels}) < 200


def test_cornucopia_custom_domain_urls():
    got = feed(CORNUCOPIA)
    assert got.blog.url == "http://cornucopia.cornubot.se/"
    assert all(p.url.startswith("http://cornucopia.cornubot.se/20") for p in got.posts)


def test_feed_modes_jump_break_and_full():
    quilt = feed(QUILTVILLE)
    assert quilt.feed_mode == "jumpbreak" and all(p.partial for p in quilt.posts)
    # cornucopia bodies hold the `<a name='more'>` anchor but are whole
    for rel in (CORNUCOPIA, TECHNO, FSOD):
        got = feed(rel)
        assert got.feed_mode == "full" and not any(p.partial for p in got.posts)


def test_feedburner_original_link_is_the_post_url():
    posts = feed(FEEDBURNER).posts
    assert posts[0].url == (
        "http://googleadsdeveloper.blogspot.com/2016/06/adwords-and-dfp-java-client-library.html"
    )
    assert not any("feedproxy" in p.url for p in posts)
    assert posts[0].labels == ["adwords_api", "client_libraries", "dfp_api"]


def test_empty_subtitle_and_multiline_subtitle():
    assert feed(FSOD).blog.subtitle == ""
    assert "\n" in feed(ROBOTS_EMPTY).blog.subtitle


def test_feed_timezone_offset_is_the_blogs():
    assert feed(QUILTVILLE).blog.timezone_offset == "-04:00"
    assert feed(ROBOTS_EMPTY).blog.timezone_offset == "+05:30"


def test_blogger_sends_last_modified_not_etag():
    headers = raw(QUILTVILLE_HEADERS).decode().lower()
    assert "content-type: application/atom+xml; charset=utf-8" in headers
    assert "last-modified:" in headers and "etag:" not in headers


# ---------------------------------------------------------------------- RSS


@pytest.mark.parametrize(("rss", "atom"), [(CORNUCOPIA_RSS, CORNUCOPIA), (TECHNO_RSS, TECHNO)])
def test_rss_matches_atom(rss, atom):
    got, ref = feed(rss), feed(atom)
    assert got.blog.id == ref.blog.id
    assert got.total_results == ref.total_results
    assert got.next_url is None  # RSS never links the next page
    assert [p.id for p in got.posts] == [p.id for p in ref.posts]
    # pubDate is UTC, Atom is local: the stored UTC times agree
    assert [p.published for p in got.posts] == [p.published for p in ref.posts]
    assert [p.labels for p in got.posts] == [p.labels for p in ref.posts]
    assert [p.author for p in got.posts] == [p.author for p in ref.posts]
    assert [p.title for p in got.posts] == [p.title.strip() for p in ref.posts]


def test_rss_author_name_without_noreply_address():
    assert {p.author for p in feed(TECHNO_RSS).posts} == {"Sora Blogging Tips"}


def test_empty_rss_feeds():
    for rel in (ROBOTS_EMPTY_RSS, ROBOTS_COMMENTS_EMPTY_RSS):
        got = feed(rel)
        assert (got.total_results, got.posts, got.comments) == (0, [], [])
        assert got.blog.id == "7375263010309060832"
    assert feed(ROBOTS_COMMENTS_EMPTY_RSS).updated == "1970-01-01T00:00:00+00:00"


# ----------------------------------------------------------------- comments


def test_per_post_comments_feed():
    got = feed(TECHNO_COMMENTS)
    assert got.total_results == 4 and not got.posts
    assert [c.id for c in got.comments] == [  # newest first, as served
        "4568989349003774957",
        "3412105325422878243",
        "606074407969293918",
        "5226945339900040673",
    ]
    assert {c.post_id for c in got.comments} == {"925388997895127564"}
    assert {c.blog_id for c in got.comments} == {"8674748682166248033"}
    replies = {c.id: c.in_reply_to for c in got.comments if c.in_reply_to}
    assert replies == {"606074407969293918": "5226945339900040673"}
    assert not any(c.removed for c in got.comments)
    first = got.comments[0]
    assert first.published == "2022-09-25T14:38:40+00:00"
    assert first.content_text == "This Is Third Testing Comment"
    assert first.url.endswith("?showComment=1664116720297#c4568989349003774957")


def test_per_post_comments_feed_with_post_id_given():
    got = parse_feed(raw(TECHNO_COMMENTS), post_id="925388997895127564")
    assert [c.id for c in got.comments] == [c.id for c in feed(TECHNO_COMMENTS).comments]


def test_empty_comment_feeds():
    per_post = feed(TECHNO_COMMENTS_EMPTY)  # answers with the blog-wide feed id
    assert (per_post.total_results, per_post.comments) == (0, [])
    assert per_post.blog.id == "8674748682166248033"
    blog_wide = feed(ROBOTS_COMMENTS_EMPTY)
    assert (blog_wide.total_results, blog_wide.comments) == (0, [])
    assert blog_wide.updated == "1970-01-01T00:00:00+00:00"  # the epoch, in +05:30


# ------------------------------------------------------------------ exports


def test_200ok_export_entries_and_skipped_kinds():
    got = export(EXPORT_200OK)
    assert got.format == "old"
    assert (got.blog.id, got.blog.title) == ("8208713778176397612", "test blog")
    assert got.blog.subtitle == "Not a real blog."
    assert (len(got.posts), len(got.comments), len(got.pages)) == (9, 6, 2)
    assert got.skipped == {"settings": 57, "template": 1, "other": 0}
    assert got.settings["BLOG_TIME_ZONE"] == "Australia/Sydney"
    assert {p.body_source for p in got.posts} == {"export"}


def test_200ok_export_drafts():
    drafts = [p for p in export(EXPORT_200OK).posts if p.status == "draft"]
    assert [(p.id, p.title, p.url) for p in drafts] == [
        ("1666616624114269778", "", None),
        ("3252217494363372199", "wolf brunch", None),
    ]
    assert drafts[1].labels == ["label3"]


def test_200ok_export_sydney_dst():
    posts = {p.id: p for p in export(EXPORT_200OK).posts}
    assert posts["2968614290658965264"].published == "2018-07-07T08:14:00+00:00"  # +10:00
    assert posts["8146864272524357874"].published == "2015-11-10T07:17:00+00:00"  # +11:00
    assert posts["1666616624114269778"].year == 2014  # 01:19 +11:00, 11 Jan in UTC


def test_200ok_export_pages():
    assert [(p.id, p.title, p.url) for p in export(EXPORT_200OK).pages] == [
        ("6004196633005701443", "Contact", "http://200ok-weblog-test.blogspot.com/p/contact.html"),
        (
            "7838997451104070268",
            "About This Blog",
            "http://200ok-weblog-test.blogspot.com/p/about-this-blog.html",
        ),
    ]


def test_200ok_export_comment_threads():
    comments = export(EXPORT_200OK).comments
    assert {c.post_id for c in comments} == {"4049156646748610070"}
    assert {c.id: c.in_reply_to for c in comments} == {
        "4427771335982415454": None,
        "9194569436234002269": "4427771335982415454",
        "5321406067876946484": None,
        "7071214881861130764": "5321406067876946484",
        "703733974599135651": None,
        "7872405309194510957": "4427771335982415454",
    }


def test_gpodder_export_counts_and_drafts():
    got = export(EXPORT_GPODDER)
    assert (len(got.posts), len(got.comments), len(got.pages)) == (115, 125, 0)
    assert got.skipped == {"settings": 55, "template": 1, "other": 0}
    assert sorted(p.id for p in got.posts if p.status == "draft") == [
        "4143517803586734359",
        "6970554591853080264",
    ]
    assert got.settings["BLOG_TIME_ZONE"] == "Europe/Vienna"
    assert {c.post_id for c in got.comments} <= {p.id for p in got.posts}
    parents = {c.in_reply_to for c in got.comments if c.in_reply_to}
    assert len(parents) > 10 and parents <= {c.id for c in got.comments}


def test_gpodder_export_removed_comment():
    removed = [c for c in export(EXPORT_GPODDER).comments if c.removed]
    assert [(c.id, c.post_id, c.in_reply_to, c.url) for c in removed] == [
        ("1679946279124658878", "2200267379080285444", "8182147271799794963", None)
    ]
    assert removed[0].content_text == "This comment has been removed by the author."


def test_gpodder_export_unknown_authors_and_entities():
    comments = {c.id: c for c in export(EXPORT_GPODDER).comments}
    assert sum(c.author == "Unknown" for c in comments.values()) == 7
    assert comments["4906678175818079251"].content_text.startswith("Also, I've just checked")


def test_gpodder_export_vienna_dst():
    posts = {p.id: p for p in export(EXPORT_GPODDER).posts}
    assert posts["767519308070361004"].published == "2016-12-22T14:34:00+00:00"  # +01:00
    assert posts["2239420756555809270"].published == "2016-08-31T19:49:00+00:00"  # +02:00
    assert posts["767519308070361004"].labels == ["release", "client"]


def test_new_format_takeout_excerpt():
    got = export(EXPORT_NEW)
    assert got.format == "new"
    assert (got.blog.id, got.blog.title) == ("408168245790957392", "Bernds Blog")
    assert (got.comments, got.pages) == ([], [])
    (post,) = got.posts
    assert (post.id, post.status, post.title, post.author) == (
        "94038096732765326",
        "live",
        "Nach Suzhou",
        "Bernd",
    )
    assert post.published == "2011-05-11T19:46:00+00:00"
    assert post.updated == "2011-11-11T19:26:59+00:00"
    assert post.year == 2011
    assert post.url == "https://bernds-blog.example/2011/10/nach-suzhou.html"
    assert post.content_text == "[...]"


@pytest.mark.parametrize("rel", EXPORTS)
def test_export_dates_are_stored_utc_seconds(rel):
    got = export(rel)
    for record in [*got.posts, *got.comments, *got.pages]:
        assert STORED_DATE.match(record.published) and STORED_DATE.match(record.updated)
        assert record.id.isdigit() and record.blog_id == got.blog.id


# ---------------------------------------------------------------- HTML pages


@pytest.mark.parametrize(
    ("rel", "post_id", "published", "title", "labels", "text"),
    [
        (
            HTML_SIMPLE_LABELS,
            "932306423056216142",
            "2016-05-08T00:55:00-07:00",
            "Open Verilog flow for Silego GreenPak4 programmable logic devices",
            ["FPGA", "Tools"],
            "I've written a couple of posts",
        ),
        (
            HTML_SIMPLE,
            "4544335809639638846",
            "2019-10-16T14:33:00-07:00",
            "Meta-Programming In Emacs Using Defadvice",
            [],
            "Meta-Programming In Emacs Using defadvice",
        ),
        (
            HTML_WATERMARK,
            "9057142798779452920",
            "2017-09-09T10:52:00+02:00",
            "[Rezi] Love is War - Sehnsucht  von R. K. Lilley",
            [
                "2017",
                "4Weingummis",
                "Buchrezensionen",
                "Erotik",
                "fesselnd",
                "Heyne",
                "Missbrauch",
                "Reihe",
            ],
            "Buchinfos:",
        ),
        (
            HTML_CONTEMPO,
            "1539677491714181592",
            "2015-04-14T06:00:00-07:00",
            "Next Generation MongoDB Driver for PHP!",
            ["MongoDB", "pecl", "phongo"],
            "For the past few months I've been working",
        ),
        (
            HTML_ARCHIVE,
            "1731524405601944423",
            "2011-03-30T21:05:00-07:00",
            "This Is My Old Blog",
            [],
            "This is where my blog used to be",
        ),
    ],
)
def test_classic_and_contempo_post_pages(rel, post_id, published, title, labels, text):
    got = page(rel)
    assert (got.post_id, got.published, got.title, got.labels) == (
        post_id,
        published,
        title,
        labels,
    )
    assert got.dynamic_views is False
    assert html_text(got).startswith(text)


def test_minima_body_without_post_body_id():
    got = page(HTML_MINIMA)
    assert (got.published, got.title, got.labels) == ("2020-04-28T21:11:00+02:00", "Tach auch!", [])
    assert html_text(got).startswith("Mein letzter Post ist sage und tippe")
    assert "<script" not in got.content_html


def test_dynamic_views_page_has_no_body():
    got = page(HTML_DYNAMIC)
    assert got.content_html is None and got.dynamic_views is True


def test_third_party_v2_post_page():
    got = page(HTML_V2_HASSANCHEF)
    # eleven time.published on the page (related posts too): the post's own comes first
    assert got.published == "2020-09-15T09:32:00-07:00"
    assert html_text(got).startswith("Bhindi masala\n\nBhindi masala is a popular recipe")


def test_third_party_v2_static_page_and_comments_page():
    static = page(HTML_V2_STATIC_PAGE)
    assert (static.title, static.post_id, static.published) == ("About", None, None)
    assert html_text(static).startswith("Lorem Ipsum is simply dummy text")
    post = page(HTML_V2_COMMENTS)
    assert post.title == "Xiaomi is going to launch the Mi 11 Ultra 67W fast charge."
    assert post.labels == ["Business", "Fashion", "People"]  # as the feed has them
    assert html_text(post).startswith("Lorem Ipsum is simply dummy text")


def test_not_found_page_yields_no_body_and_is_not_dynamic_views():
    got = page(HTML_404)
    assert (got.content_html, got.post_id, got.published) == (None, None, None)
    # every Blogger page bootstraps dynamicViews*Src URLs; only the theme name counts
    assert got.dynamic_views is False


# ------------------------------- third-party and old themes: where the facts hide


@pytest.mark.parametrize(
    ("rel", "post_id"),
    [
        (HTML_MINIMA, "4975188933883288645"),
        (HTML_V2_HASSANCHEF, "7274426057037123720"),
        (HTML_V2_COMMENTS, "925388997895127564"),
        (HTML_DYNAMIC, "5080902832310451193"),
    ],
)
def test_post_id_from_the_pages_comment_feed_link(rel, post_id):
    assert page(rel).post_id == post_id


def test_third_party_v2_published_on_a_span():
    assert page(HTML_V2_COMMENTS).published == "2016-03-17T00:57:00-07:00"


def test_third_party_v2_title_in_entry_title():
    assert page(HTML_V2_HASSANCHEF).title == "Bhindi masala (okra stir fry)"


def test_third_party_v2_labels_outside_post_labels():
    assert page(HTML_V2_HASSANCHEF).labels == ["Veg recipes"]
