"""Paging that never hangs: looping next links stop at once, off-site ones are not followed."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

import mockblogger.server
from mockblogger import MockBlogger, make_blog
from tests.conftest import Archive


def loop_next_links(monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    """Every feed page's next link points back at the first page.

    `self`: exactly the URL the run asked for (after mapping Blogger's blog-id
    form back to the blog's feed); `rewind`: the first page spelled another way.
    """

    def next_href(base: str, path: str, query: object, total: int) -> str:
        params = [("max-results", "150")] if how == "self" else [("start-index", "1")]
        return f"{base}{path}?{urlencode(params)}"

    monkeypatch.setattr(mockblogger.server, "next_href", next_href)


@pytest.mark.parametrize("how", ["self", "rewind"])
def test_a_looping_next_link_stops_within_three_requests(
    archive: Archive, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    blog = make_blog(60, seed=41, comments_per_post=2)
    loop_next_links(monkeypatch, how)
    with MockBlogger(blog, max_results_cap=25) as mock:
        proc = archive.cli("run", "--blog", mock.url, "--delay", "0", timeout=60)
        posts = mock.requests_to("/feeds/posts/")
        comments = mock.requests_to("/feeds/comments/")
    assert 1 <= len(posts) <= 3 and 1 <= len(comments) <= 3
    assert proc.returncode == 1
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and "next link loops" in err[0] and "Traceback" not in proc.stderr
    run = archive.rows("SELECT * FROM runs")[0]
    assert run["status"] == "partial" and run["complete_listing"] == 0
    assert run["error"] == "listing incomplete: next link loops (posts, comments)"
    assert archive.rows("SELECT COUNT(*) AS n FROM posts")[0]["n"] == 25  # what was read is kept
    # an incomplete listing never moves the watermarks the next runs rely on
    blog_row = archive.rows("SELECT updated, comments_updated FROM blogs")[0]
    assert blog_row == {"updated": None, "comments_updated": None}


def test_full_run_with_a_looping_listing_records_no_deletions(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    blog = make_blog(60, seed=42)
    with MockBlogger(blog, max_results_cap=25) as mock:
        archive.run(mock.url)
        blog.delete_post(blog.live_posts[0].post_id)  # newest: on the first page
        blog.delete_post(blog.live_posts[-1].post_id)  # oldest: on a page never reached
        loop_next_links(monkeypatch, "self")
        proc = archive.cli("run", "--blog", mock.url, "--delay", "0", "--full", timeout=60)
    assert proc.returncode == 1 and "next link loops" in proc.stderr
    assert archive.rows("SELECT COUNT(*) AS n FROM posts WHERE status = 'deleted'")[0]["n"] == 0
    last = archive.rows("SELECT * FROM runs ORDER BY id DESC LIMIT 1")[0]
    assert last["status"] == "partial" and last["posts_deleted"] == 0
    assert last["complete_listing"] == 0


@pytest.mark.parametrize("next_host", ["localhost", "169.254.169.254", "evil.example"])
def test_off_site_next_links_are_read_from_the_blogs_own_feed(
    archive: Archive, next_host: str
) -> None:
    blog = make_blog(120, seed=43)
    with MockBlogger(blog, max_results_cap=50, next_host=next_host) as mock:
        proc = archive.run(mock.url)
        # images are served from another host name, as Blogger's are; the feeds must not be
        hosts = {r.headers.get("Host") for r in mock.requests_to("/feeds/")}
        paths = [r.path for r in mock.requests_to("/feeds/")]
    assert hosts == {mock.url.split("/")[2]}  # every feed request went to the blog itself
    assert any("start-index=51" in p for p in paths)
    assert "off-site URLs refused" in proc.stdout  # counted, and read from the blog instead
    assert archive.rows("SELECT COUNT(*) AS n FROM posts")[0]["n"] == 120
    assert archive.rows("SELECT COUNT(*) AS n FROM comments")[0]["n"] == len(
        [c for p in blog.live_posts for c in p.comments]
    )
    assert archive.rows("SELECT status FROM runs")[0]["status"] == "ok"
