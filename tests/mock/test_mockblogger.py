"""Self-tests of the mock Blogger: if these fail, every scraper test is testing fiction.

Each test checks one Blogger behaviour from shared/samples/PROVENANCE.md against what the
mock actually serves over HTTP, parsed with lxml (and feedparser where the scraper
falls back to it).
"""

from __future__ import annotations

import gzip
import io
import re
from collections import Counter
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import feedparser
import pytest
import requests
from lxml import etree
from lxml import html as lxml_html

from mockblogger import REMOVED_COMMENT_TEXT, MockBlogger, make_blog
from mockblogger.__main__ import main as cli_main
from mockblogger.backups import backup_new, backup_old, write_synthetic_backup
from mockblogger.content import SEED_POST_BUILTIN, SEED_POST_FILE, SEED_POST_TITLE
from mockblogger.model import plain_text

NS = {
    "a": "http://www.w3.org/2005/Atom",
    "os": "http://a9.com/-/spec/opensearchrss/1.0/",
    "thr": "http://purl.org/syndication/thread/1.0",
    "gd": "http://schemas.google.com/g/2005",
    "app": "http://purl.org/atom/app#",
    "b": "http://schemas.google.com/blogger/2018",
}
KIND = "http://schemas.google.com/blogger/2008/kind#"
N_POSTS = 120


@pytest.fixture(scope="module")
def blog():
    return make_blog(N_POSTS, seed=7, tz="Europe/Brussels")


@pytest.fixture(scope="module")
def mock(blog):
    with MockBlogger(blog) as server:
        yield server


@pytest.fixture
def fresh():
    """A small blog on its own server, for tests that change settings or content."""
    with MockBlogger(make_blog(40, seed=3)) as server:
        yield server


@pytest.fixture(scope="module")
def http():
    with requests.Session() as session:
        yield session


def xml(response: requests.Response) -> etree._Element:
    assert response.status_code == 200, response.text[:200]
    return etree.fromstring(response.content)


def entries(root: etree._Element) -> list[etree._Element]:
    return root.findall("a:entry", NS)


def next_link(root: etree._Element) -> str | None:
    links = root.xpath("a:link[@rel='next']/@href", namespaces=NS)
    return links[0] if links else None


def crawl(http: requests.Session, url: str) -> tuple[list[str], list[etree._Element]]:
    """Follow rel=next to the end; returns the entry ids and every page's root."""
    ids, roots = [], []
    while url:
        root = xml(http.get(url))
        roots.append(root)
        ids += [e.findtext("a:id", namespaces=NS) for e in entries(root)]
        url = next_link(root)
    return ids, roots


def has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


# -- model ------------------------------------------------------------------------------


def test_ids_are_digit_strings_beyond_double_precision(blog):
    ids = [blog.blog_id] + [p.post_id for p in blog.posts] + [c.id for c in blog.comments]
    assert all(i.isdigit() and int(i) > 2**53 for i in ids)
    assert len(blog.blog_id) == 19
    assert {len(p.post_id) for p in blog.posts} <= {18, 19}
    assert len(set(ids)) == len(ids)


def test_same_seed_same_blog_other_seed_other_blog():
    first, again, other = make_blog(25, seed=11), make_blog(25, seed=11), make_blog(25, seed=12)
    assert [(p.post_id, p.title, p.content_html) for p in first.posts] == [
        (p.post_id, p.title, p.content_html) for p in again.posts
    ]
    assert first.blog_id != other.blog_id
    assert [p.content_html for p in first.posts[1:]] != [p.content_html for p in other.posts[1:]]


def test_seed_post_comes_first_with_the_cambodia_results(blog):
    post = blog.posts[0]
    assert post.title == SEED_POST_TITLE
    assert post.path.endswith("/some-2024-results-in-cambodia.html")
    source = SEED_POST_FILE.read_text() if SEED_POST_FILE.exists() else SEED_POST_BUILTIN
    first_sentence = " ".join(source.split())[:80]
    assert first_sentence in " ".join(plain_text(post.content_html).split())
    if not SEED_POST_FILE.exists():
        assert "790 workers—45% women and 43% under 35" in post.content_html
        assert "capped at KHR 1.2 million (USD 300)" in post.content_html


def test_blog_has_drafts_trash_empty_titles_and_unsafe_markup(blog):
    statuses = Counter(p.status for p in blog.posts)
    assert statuses["live"] == N_POSTS and statuses["draft"] >= 2 and statuses["trashed"] >= 1
    assert any(p.title == "" for p in blog.live_posts)
    flagged = {
        flag: [p for p in blog.posts if flag in p.flags]
        for flag in ("script", "onerror", "javascript", "iframe")
    }
    markers = {
        "script": "<script",
        "onerror": "onerror=",
        "javascript": "javascript:",
        "iframe": "<iframe",
    }
    for flag, posts in flagged.items():
        assert posts, flag
        assert all(markers[flag] in p.content_html for p in posts)


def test_bodies_are_sized_and_about_social_protection(blog):
    sizes = [len(p.content_html) for p in blog.posts[1:]]
    assert 1500 < sum(sizes) / len(sizes) < 7000
    text = " ".join(plain_text(p.content_html) for p in blog.posts[:40])
    for expected in ("social security", "%", "workers"):
        assert expected in text
    assert re.search(r"\b\d{1,3}(\.\d{3})+\b", text), "dot-grouped thousands"
    assert len({p.title for p in blog.live_posts}) > N_POSTS * 0.8


def test_permalinks_use_local_dates_and_are_unique(blog):
    paths = [p.path for p in blog.live_posts]
    assert len(set(paths)) == len(paths)
    for post in blog.live_posts:
        assert post.path.startswith(post.published.strftime("/%Y/%m/"))


# -- posts feed -------------------------------------------------------------------------


def test_posts_feed_is_blogger_atom(mock, blog, http):
    response = http.get(mock.url + "feeds/posts/default")
    assert response.headers["Content-Type"] == "application/atom+xml; charset=UTF-8"
    assert response.content.startswith(b"<?xml version='1.0' encoding='UTF-8'?><?xml-stylesheet")
    root = xml(response)
    assert root.findtext("a:id", namespaces=NS) == f"tag:blogger.com,1999:blog-{blog.blog_id}"
    assert root.findtext("os:totalResults", namespaces=NS) == str(N_POSTS)
    assert root.findtext("os:itemsPerPage", namespaces=NS) == "25"
    entry = entries(root)[0]
    assert entry.findtext("a:id", namespaces=NS).endswith(f".post-{blog.posts[0].post_id}")
    rels = Counter(entry.xpath("a:link/@rel", namespaces=NS))
    assert rels == {"replies": 2, "edit": 1, "self": 1, "alternate": 1}
    assert entry.find("thr:total", NS) is not None
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo and len(parsed.entries) == 25
    assert parsed.entries[0].title == SEED_POST_TITLE


def test_paging_covers_every_post_once(mock, blog, http):
    live_ids = {
        f"tag:blogger.com,1999:blog-{blog.blog_id}.post-{p.post_id}" for p in blog.live_posts
    }
    for size in (None, 150, 500):
        url = mock.feed_url(**({"max-results": size} if size else {}))
        ids, roots = crawl(http, url)
        assert len(ids) == len(set(ids)) == N_POSTS
        assert set(ids) == live_ids
        per_page = 25 if size is None else 150
        assert roots[0].findtext("os:itemsPerPage", namespaces=NS) == str(per_page)
        assert len(roots) == -(-N_POSTS // per_page)


def test_next_link_points_at_the_blog_id_feed_on_another_host(mock, blog, http):
    root = xml(http.get(mock.feed_url(**{"max-results": 50, "orderby": "updated"})))
    href = urlsplit(next_link(root))
    assert href.hostname == "localhost" and href.port == mock.port
    assert href.path == f"/feeds/{blog.blog_id}/posts/default"
    assert parse_qs(href.query) == {
        "orderby": ["updated"],
        "start-index": ["51"],
        "max-results": ["50"],
    }
    last = xml(http.get(mock.feed_url(**{"start-index": 101, "max-results": 50})))
    assert next_link(last) is None and len(entries(last)) == N_POSTS - 100


def test_orderby_updated_and_filters(mock, blog, http):
    by_updated = sorted(blog.live_posts, key=lambda p: p.updated, reverse=True)
    root = xml(http.get(mock.feed_url(orderby="updated")))
    first = entries(root)[0].findtext("a:id", namespaces=NS)
    assert first.endswith(by_updated[0].post_id)
    bound = by_updated[9].updated.isoformat()
    root = xml(http.get(mock.feed_url(**{"updated-min": bound, "orderby": "updated"})))
    assert root.findtext("os:totalResults", namespaces=NS) == "10"
    assert http.get(mock.feed_url(**{"max-results": "ten"})).status_code == 400


def test_dst_offsets_and_millisecond_tie_breakers(mock, http):
    ids, roots = crawl(http, mock.feed_url(**{"max-results": 150}))
    published = [e.findtext("a:published", namespaces=NS) for r in roots for e in entries(r)]
    offsets = {p[-6:] for p in published}
    assert offsets == {"+01:00", "+02:00"}
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00\.\d{3}[+-]\d\d:\d\d", p) for p in published
    )
    tie_broken = [p for p in published if not p.endswith(".000", 0, 23)]
    assert tie_broken, "some posts share a minute and get .001"
    minutes = Counter(p[:16] for p in published)
    assert all(minutes[p[:16]] > 1 for p in tie_broken)


def test_empty_titles_are_served_empty(mock, http):
    _, roots = crawl(http, mock.feed_url(**{"max-results": 150}))
    titles = [e.find("a:title", NS) for r in roots for e in entries(r)]
    assert any(t.text is None and t.get("type") == "text" for t in titles)


def test_drafts_and_trash_never_reach_the_feeds(mock, blog, http):
    hidden = [p for p in blog.posts if not p.live]
    body = http.get(mock.feed_url(**{"max-results": 150})).text
    body += http.get(mock.feed_url(**{"max-results": 150, "start-index": 151})).text
    assert hidden and not any(p.post_id in body for p in hidden)
    trashed = next(p for p in hidden if p.status == "trashed")
    assert http.get(mock.url_for(trashed)).status_code == 404


def test_single_entry_document(mock, blog, http):
    post = blog.live_posts[3]
    root = xml(http.get(f"{mock.url}feeds/{blog.blog_id}/posts/default/{post.post_id}"))
    assert root.tag == "{http://www.w3.org/2005/Atom}entry"
    assert root.findtext("a:content", namespaces=NS) == post.content_html
    draft = next(p for p in blog.posts if p.status == "draft")
    assert http.get(f"{mock.url}feeds/posts/default/{draft.post_id}").status_code == 404


def test_rss_flavour(mock, blog, http):
    response = http.get(mock.feed_url(alt="rss"))
    assert response.headers["Content-Type"].startswith("application/rss+xml")
    root = xml(response)
    assert root.findtext("channel/os:totalResults", namespaces=NS) == str(N_POSTS)
    item = root.find("channel/item")
    assert item.findtext("guid").endswith(blog.posts[0].post_id)
    assert item.findtext("pubDate").endswith("+0000")
    assert b"rel='next'" not in response.content and b'rel="next"' not in response.content
    assert not feedparser.parse(response.content).bozo


def test_label_feed(mock, http):
    root = xml(http.get(mock.url + "feeds/posts/default/-/Cambodia"))
    total = int(root.findtext("os:totalResults", namespaces=NS))
    assert 0 < total < N_POSTS
    assert all("Cambodia" in e.xpath("a:category/@term", namespaces=NS) for e in entries(root))


# -- feed modes -------------------------------------------------------------------------


def test_feed_modes(fresh, http):
    blog = fresh.blog
    post = next(p for p in blog.live_posts if "<a name='more'></a>" in p.content_html)
    entry_xpath = f"a:entry[a:id='tag:blogger.com,1999:blog-{blog.blog_id}.post-{post.post_id}']"
    url = fresh.feed_url(**{"max-results": 150})

    fresh.settings.feed_mode = "jumpbreak"
    entry = xml(http.get(url)).xpath(entry_xpath, namespaces=NS)[0]
    content = entry.findtext("a:content", namespaces=NS)
    assert content.startswith(post.content_html.split("<a name='more'></a>")[0])
    assert f"{blog.url_of(post)}#more" in content and len(content) < len(post.content_html)

    fresh.settings.feed_mode = "summary"
    entry = xml(http.get(url)).xpath(entry_xpath, namespaces=NS)[0]
    assert entry.find("a:content", NS) is None
    summary = entry.findtext("a:summary", namespaces=NS)
    assert 0 < len(summary) <= 400 and summary in plain_text(post.content_html)

    fresh.settings.feed_mode = "full"
    entry = xml(http.get(url)).xpath(entry_xpath, namespaces=NS)[0]
    assert entry.findtext("a:content", namespaces=NS) == post.content_html
    summary_feed = xml(http.get(fresh.url + "feeds/posts/summary"))
    assert entries(summary_feed)[0].find("a:summary", NS) is not None

    fresh.settings.feed_mode = "none"
    assert http.get(url).status_code == 404


# -- comments and pages -----------------------------------------------------------------


def test_blog_wide_comments_feed_threads(mock, blog, http):
    expected = {c.id: c for p in blog.live_posts for c in p.comments}
    ids, roots = crawl(http, mock.url + "feeds/comments/default?max-results=150")
    assert len(ids) == len(set(ids)) == len(expected)
    assert roots[0].findtext("a:id", namespaces=NS).endswith(".comments")
    replies = removed = 0
    for entry in (e for r in roots for e in entries(r)):
        comment = expected[entry.findtext("a:id", namespaces=NS).rsplit(".post-", 1)[1]]
        ref = entry.find("thr:in-reply-to", NS).get("ref")
        assert ref.endswith(f".post-{comment.post_id}")
        related = entry.xpath("a:link[@rel='related']/@href", namespaces=NS)
        if comment.parent_id:
            replies += 1
            assert related[0].endswith(f"/{comment.post_id}/comments/default/{comment.parent_id}")
        else:
            assert not related
        flags = entry.xpath(
            "gd:extendedProperty[@name='blogger.contentRemoved']/@value", namespaces=NS
        )
        if comment.removed:
            removed += 1
            assert flags == ["true"] and entry.find("a:title", NS).text is None
            assert entry.findtext("a:content", namespaces=NS) == REMOVED_COMMENT_TEXT
        else:
            assert not flags
    assert replies and removed
    times = [
        datetime.fromisoformat(e.findtext("a:published", namespaces=NS))
        for r in roots
        for e in entries(r)
    ]
    assert times == sorted(times, reverse=True)
    assert not feedparser.parse(http.get(mock.url + "feeds/comments/default").content).bozo


def test_per_post_comment_feeds(mock, blog, http):
    post = max(blog.live_posts, key=lambda p: len(p.comments))
    root = xml(http.get(f"{mock.url}feeds/{post.post_id}/comments/default"))
    assert root.findtext("a:id", namespaces=NS) == (
        f"tag:blogger.com,1999:blog-{blog.blog_id}.post{post.post_id}..comments"
    )
    assert root.findtext("a:title", namespaces=NS) == f"Comments on {blog.title}: {post.title}"
    assert len(entries(root)) == min(len(post.comments), 25)
    silent = next(p for p in blog.live_posts if not p.comments)
    root = xml(http.get(f"{mock.url}feeds/{blog.blog_id}/{silent.post_id}/comments/default"))
    blog_wide = f"tag:blogger.com,1999:blog-{blog.blog_id}.comments"
    assert root.findtext("a:id", namespaces=NS) == blog_wide
    assert root.findtext("a:title", namespaces=NS) == blog.title
    assert root.findtext("os:totalResults", namespaces=NS) == "0"


def test_comment_feeds_can_be_switched_off(fresh, http):
    fresh.settings.comments_feed = False
    response = http.get(fresh.url + "feeds/comments/default")
    assert response.status_code == 404 and "disabled" in response.text
    post = next(p for p in fresh.blog.live_posts if p.comments)
    assert http.get(f"{fresh.url}feeds/{post.post_id}/comments/default").status_code == 200


def test_pages_feed(mock, blog, http):
    root = xml(http.get(mock.url + "feeds/pages/default"))
    ids = [e.findtext("a:id", namespaces=NS) for e in entries(root)]
    assert ids == [f"tag:blogger.com,1999:blog-{blog.blog_id}.page-{p.id}" for p in blog.pages]
    hrefs = [e.xpath("a:link[@rel='alternate']/@href", namespaces=NS)[0] for e in entries(root)]
    assert all(urlsplit(h).path.startswith("/p/") for h in hrefs)


# -- HTML -------------------------------------------------------------------------------


def page(http: requests.Session, url: str) -> lxml_html.HtmlElement:
    response = http.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=UTF-8"
    return lxml_html.fromstring(response.content)


def test_classic_post_page(mock, blog, http):
    post = next(p for p in blog.live_posts if p.labels and p.comments and p.title)
    doc = page(http, mock.url_for(post))
    body = doc.xpath(f"//div[{has_class('post-body')} and {has_class('entry-content')}]")[0]
    assert body.get("id") == f"post-body-{post.post_id}"
    squeezed = "".join(plain_text(post.content_html).split())
    assert squeezed[:300] in "".join(body.text_content().split())
    assert doc.xpath(f"//h3[{has_class('post-title')}]")[0].text_content().strip() == post.title
    stamp = doc.xpath(f"//abbr[{has_class('published')}]/@title")[0]
    assert stamp == post.published.replace(microsecond=0).isoformat()
    assert doc.xpath(f"//span[{has_class('post-labels')}]/a[@rel='tag']/text()") == post.labels
    assert doc.xpath("//meta[@itemprop='postId']/@content") == [post.post_id]
    assert doc.xpath("//link[@rel='service.post']/@href")[0].endswith(
        f"/feeds/{blog.blog_id}/posts/default"
    )
    assert len(doc.xpath(f"//li[{has_class('comment')}]")) == len(post.comments)


def test_contempo_dynamic_and_mobile_pages(fresh, http):
    post = next(p for p in fresh.blog.live_posts if p.title)
    fresh.settings.theme = "contempo"
    doc = page(http, fresh.url_for(post))
    assert doc.xpath("//time[@class='published']/@datetime") == [
        post.published.replace(microsecond=0).isoformat()
    ]
    assert doc.xpath(f"//div[{has_class('post-body')} and {has_class('float-container')}]/@id") == [
        f"post-body-{post.post_id}"
    ]
    fresh.settings.theme = "dynamic"
    doc = page(http, fresh.url_for(post))
    assert not doc.xpath(f"//div[{has_class('post-body')}]")
    assert doc.xpath("//meta[@name='blogger-template']/@content") == ["dynamic"]
    doc = page(http, fresh.url_for(post) + "?m=1")
    assert doc.xpath(f"//div[{has_class('post-body')}]/@id") == [f"post-body-{post.post_id}"]


def test_static_page_home_and_not_found(mock, blog, http):
    doc = page(http, mock.url_for(blog.pages[0]))
    assert "static_page" in doc.xpath("//body/@class")[0]
    assert doc.xpath(f"//div[{has_class('post-body')}]/@id") == [f"post-body-{blog.pages[0].id}"]
    assert page(http, mock.url).xpath("//meta[@name='generator']/@content") == ["blogger"]
    missing = http.get(mock.url + "2011/01/no-such-post.html")
    assert missing.status_code == 404
    assert (
        "does not exist"
        in lxml_html.fromstring(missing.content)
        .xpath(f"//div[{has_class('status-msg-body')}]")[0]
        .text_content()
    )


# -- images, robots, headers ------------------------------------------------------------


def test_images_in_all_size_variants(mock, blog, http):
    images = [img for p in blog.live_posts for img in p.images]
    slash = next(i for i in images if "/s1600/" in i.src)
    equals = next(i for i in images if "=s1600" in i.src)
    assert urlsplit(slash.src).hostname == "localhost"
    sizes = set()
    for url in (
        slash.src,
        slash.src.replace("/s1600/", "/s320/"),
        slash.src.replace("/s1600/", "/s0/"),
        slash.src.replace("/s1600/", "/s72-c/"),
        equals.src,
        equals.src.replace("=s1600", "=w640-h426"),
    ):
        response = http.get(url)
        assert response.status_code == 200 and response.content.startswith(b"\x89PNG")
        sizes.add(response.content)
    assert len(sizes) >= 3
    assert http.get(slash.src.replace("/img/b/", "/img/b/x")).status_code == 404
    assert (
        slash.src.replace("/s1600/", "/s320/")
        in next(p for p in blog.posts if slash in p.images).content_html
    )


@pytest.mark.parametrize(
    ("mode", "allowed"),
    [("default", True), ("allow", True), ("disallow_all", False), ("disallow_feeds", False)],
)
def test_robots_txt(fresh, http, mode, allowed):
    from urllib.robotparser import RobotFileParser

    fresh.settings.robots = mode
    parser = RobotFileParser()
    parser.parse(http.get(fresh.url + "robots.txt").text.splitlines())
    assert parser.can_fetch("blogger-archive", fresh.url + "feeds/posts/default") is allowed


def test_headers_gzip_and_conditional_requests(fresh, http):
    url = fresh.feed_url()
    raw = http.get(url, stream=True, headers={"Accept-Encoding": "gzip"})
    assert raw.headers["Content-Encoding"] == "gzip" and "ETag" not in raw.headers
    assert raw.headers["Cache-Control"].startswith("public")
    wire = raw.raw.read(decode_content=False)
    assert wire[:2] == b"\x1f\x8b" and int(raw.headers["Content-Length"]) == len(wire)
    etree.fromstring(gzip.decompress(wire))
    plain = http.get(url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    since = {"If-Modified-Since": plain.headers["Last-Modified"]}
    assert http.get(url, headers=since).status_code == 200
    fresh.settings.honor_if_modified_since = True
    assert http.get(url, headers=since).status_code == 304


# -- faults -----------------------------------------------------------------------------


def test_429_then_recovery(fresh, http):
    fresh.settings.fail_429 = 2
    statuses = [http.get(fresh.feed_url()).status_code for _ in range(3)]
    assert statuses == [429, 429, 200]
    assert http.get(fresh.url + "robots.txt").status_code == 200  # not a feed
    first = fresh.requests_to("/feeds/")[0]
    assert first.status == 429
    fresh.settings.fail_429 = 1
    assert http.get(fresh.feed_url()).headers["Retry-After"] == "1"


def test_fault_scope_all_and_500s(fresh, http):
    fresh.settings.fault_paths = "all"
    fresh.settings.fail_500 = 1
    assert http.get(fresh.url + "robots.txt").status_code == 500
    assert http.get(fresh.url + "robots.txt").status_code == 200


def test_error_rate_is_seeded():
    def pattern() -> list[int]:
        with (
            MockBlogger(make_blog(5, seed=1), error_rate=0.5, fault_seed=42) as server,
            requests.Session() as session,
        ):
            return [session.get(server.feed_url()).status_code for _ in range(12)]

    first = pattern()
    assert first == pattern()
    assert set(first) == {200, 500}


def test_truncated_body_is_well_formed_http_with_broken_xml(fresh, http):
    fresh.settings.truncate = 1
    response = http.get(fresh.feed_url(), headers={"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) == len(response.content)
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(response.content)
    xml(http.get(fresh.feed_url()))


def test_disconnect_mid_body(fresh):
    fresh.settings.disconnect = 1
    with requests.Session() as session:
        with pytest.raises(requests.exceptions.RequestException):
            session.get(fresh.feed_url()).content  # noqa: B018 - reading triggers the error
        assert session.get(fresh.feed_url()).status_code == 200


def test_delay_applies_without_failing(fresh, http):
    fresh.settings.delay = 0.05
    assert http.get(fresh.feed_url()).status_code == 200


# -- incremental changes ----------------------------------------------------------------


def test_edit_delete_add_show_up_in_the_feed(fresh, http):
    blog = fresh.blog
    victim, edited = blog.live_posts[5], blog.live_posts[10]
    before = edited.updated
    blog.edit_post(edited.post_id, title="Revised: pensions in Nepal")
    assert edited.updated > before
    blog.delete_post(victim.post_id)
    added = blog.add_post("A brand new post", n_comments=2)
    root = xml(http.get(fresh.feed_url(orderby="updated")))
    top = [e.findtext("a:title", namespaces=NS) for e in entries(root)[:2]]
    assert set(top) == {"Revised: pensions in Nepal", "A brand new post"}
    assert root.findtext("os:totalResults", namespaces=NS) == "40"
    assert victim.post_id not in http.get(fresh.feed_url(**{"max-results": 150})).text
    comments = xml(http.get(f"{fresh.url}feeds/{added.post_id}/comments/default"))
    assert len(entries(comments)) == 2
    assert http.get(fresh.url_for(added)).status_code == 200


# -- exports ----------------------------------------------------------------------------


def test_old_export(blog):
    root = etree.fromstring(backup_old(blog))
    assert root.findtext("a:id", namespaces=NS).endswith(f"blog-{blog.blog_id}.archive")
    kinds = [
        e.xpath("a:category[@scheme='http://schemas.google.com/g/2005#kind']/@term", namespaces=NS)[
            0
        ].removeprefix(KIND)
        for e in entries(root)
    ]
    order = [k for i, k in enumerate(kinds) if i == 0 or kinds[i - 1] != k]
    assert order == ["template", "settings", "post", "page", "comment"]
    counts = Counter(kinds)
    drafts = [p for p in blog.posts if p.status == "draft"]
    assert counts["post"] == N_POSTS + len(drafts)
    assert counts["page"] == len(blog.pages)
    assert counts["comment"] == sum(len(p.comments) for p in blog.live_posts)
    draft_entries = [e for e in entries(root) if e.find("app:control/app:draft", NS) is not None]
    assert len(draft_entries) == len(drafts)
    assert all(not e.xpath("a:link[@rel='alternate']", namespaces=NS) for e in draft_entries)
    removed = root.xpath(
        "a:entry[gd:extendedProperty[@name='blogger.contentRemoved']]", namespaces=NS
    )
    assert removed and all(
        e.findtext("a:content", namespaces=NS) == REMOVED_COMMENT_TEXT for e in removed
    )
    assert root.xpath("a:entry/a:link[@rel='related']", namespaces=NS)
    zone = root.xpath(
        "a:entry[a:id[contains(., 'BLOG_TIME_ZONE')]]/a:content/text()", namespaces=NS
    )
    assert zone == ["Europe/Brussels"]


def test_new_export(blog):
    root = etree.fromstring(backup_new(blog))
    types = Counter(root.xpath("a:entry/b:type/text()", namespaces=NS))
    assert types == {
        "POST": len(blog.posts),
        "PAGE": len(blog.pages),
        "COMMENT": sum(len(p.comments) for p in blog.posts if p.status != "draft"),
    }
    statuses = set(root.xpath("a:entry[b:type='POST']/b:status/text()", namespaces=NS))
    assert statuses == {"LIVE", "DRAFT", "SOFT_TRASHED"}
    assert root.xpath("a:entry/b:inReplyTo", namespaces=NS)
    parents = root.xpath("a:entry[b:type='COMMENT']/b:parent/text()", namespaces=NS)
    assert all(p.startswith(f"tag:blogger.com,1999:blog-{blog.blog_id}.post-") for p in parents)
    times = root.xpath("a:entry/a:published/text() | a:entry/b:created/text()", namespaces=NS)
    assert all(t.endswith("Z") for t in times)
    filenames = set(root.xpath("a:entry/b:filename/text()", namespaces=NS))
    assert {p.path for p in blog.live_posts} <= filenames


def test_streamed_backup_equals_in_memory_backup():
    buffer = io.BytesIO()
    write_synthetic_backup(buffer, "new", 30, seed=9)
    assert buffer.getvalue() == backup_new(make_blog(30, seed=9))


def test_cli_writes_a_backup(tmp_path, capsys):
    out = tmp_path / "feed.atom"
    assert cli_main(["--posts", "12", "--backup", "old", "--out", str(out)]) == 0
    assert "wrote old backup" in capsys.readouterr().out
    root = etree.parse(str(out)).getroot()
    posts = root.xpath(f"a:entry[a:category[@term='{KIND}post']]", namespaces=NS)
    assert len(posts) >= 12
