"""End to end against the mock Blogger server: foundation and faithful capture.

A 400-post blog archived exactly, reruns add nothing, FTS works, bad URLs fail
cleanly; comments, pages, feed modes, WARC, offline re-parse, backups, sanitizing.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from datetime import UTC

import pytest
from warcio.archiveiterator import ArchiveIterator

from mockblogger import MockBlogger, make_blog
from mockblogger.backups import backup_new, backup_old
from tests.conftest import Archive


def utc(moment) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def feed_requests(mock: MockBlogger) -> list:
    return mock.requests_to("/feeds/")


@pytest.fixture(scope="module")
def blog400():
    return make_blog(400, seed=3, tz="Europe/Brussels")


def test_400_posts_exactly_and_idempotent(archive: Archive, blog400) -> None:
    with MockBlogger(blog400) as mock:
        archive.run(mock.url)
        posts_feed = [r for r in feed_requests(mock) if "/posts/" in r.path]
        assert len(posts_feed) <= math.ceil(400 / 150) + 5
        rows = {r["id"]: r for r in archive.rows("SELECT * FROM posts")}
        assert len(rows) == 400
        for post in blog400.live_posts:
            row = rows[post.post_id]
            assert row["title"] == post.title
            assert row["url"] == blog400.url_of(post)
            assert row["published"] == utc(post.published)
            assert row["updated"] == utc(post.updated)
            assert row["year"] == post.published.year  # the blog's own offset
            assert json.loads(row["labels"]) == list(post.labels)
            assert row["status"] == "live" and row["body_source"] == "feed"
        assert any(r["title"] == "" for r in rows.values())  # empty titles survive
        assert all(len(i) >= 17 for i in rows)  # ids beyond 2**53 kept as text
        # second run: nothing duplicated, nothing changed
        archive.run(mock.url)
    assert archive.rows("SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS d FROM posts")[0] == {
        "n": 400,
        "d": 400,
    }
    seed = blog400.posts[0]
    hits = archive.rows(
        "SELECT posts.id FROM posts_fts JOIN posts ON posts.rowid = posts_fts.rowid "
        "WHERE posts_fts MATCH ? ORDER BY rank",
        ('title:"Some 2024 results in Cambodia"',),
    )
    assert hits and hits[0]["id"] == seed.post_id
    runs = archive.rows("SELECT * FROM runs ORDER BY id")
    assert [r["status"] for r in runs] == ["ok", "ok"]
    assert runs[0]["posts_new"] == 400 and runs[1]["posts_new"] == 0


def test_dst_offsets_and_ms_tiebreakers(archive: Archive) -> None:
    blog = make_blog(60, seed=5, tz="America/New_York", collision_rate=0.3)
    with MockBlogger(blog) as mock:
        archive.run(mock.url)
    rows = {r["id"]: r for r in archive.rows("SELECT id, published, year FROM posts")}
    offsets = {p.published.utcoffset() for p in blog.live_posts}
    assert len(offsets) == 2  # both EST and EDT present
    for post in blog.live_posts:
        assert rows[post.post_id]["published"] == utc(post.published)
        assert rows[post.post_id]["published"].endswith(":00+00:00")


def test_comments_threads_removed_and_pages(archive: Archive) -> None:
    blog = make_blog(80, seed=7, comments_per_post=3.0)
    with MockBlogger(blog) as mock:
        archive.run(mock.url)
    rows = {r["id"]: r for r in archive.rows("SELECT * FROM comments")}
    expected = [c for p in blog.live_posts for c in p.comments]
    assert len(rows) == len(expected) > 100
    replies = removed = 0
    for c in expected:
        row = rows[c.id]
        assert row["post_id"] == c.post_id
        assert row["in_reply_to"] == c.parent_id
        assert row["removed"] == int(c.removed)
        replies += c.parent_id is not None
        removed += c.removed
    assert replies > 0 and removed > 0
    counts = {
        r["id"]: r["comment_count"] for r in archive.rows("SELECT id, comment_count FROM posts")
    }
    assert all(counts[p.post_id] == len(p.comments) for p in blog.live_posts)
    pages = archive.rows("SELECT * FROM pages")
    assert {p["title"] for p in pages} == {p.title for p in blog.pages}
    assert all(p["content_text"] for p in pages)


def test_per_post_comment_feeds_when_blog_wide_feed_is_off(archive: Archive) -> None:
    blog = make_blog(30, seed=8, comments_per_post=2.0, comments_feed=False)
    with MockBlogger(blog) as mock:
        archive.run(mock.url)
    expected = sum(len(p.comments) for p in blog.live_posts)
    assert archive.rows("SELECT COUNT(*) AS n FROM comments")[0]["n"] == expected > 0


@pytest.mark.parametrize(
    ("mode", "theme"), [("summary", "classic"), ("jumpbreak", "contempo"), ("summary", "dynamic")]
)
def test_cut_feeds_get_full_bodies_from_html(archive: Archive, mode: str, theme: str) -> None:
    full = make_blog(25, seed=9)
    with MockBlogger(full) as mock:
        archive.run(mock.url)
    expected = {r["id"]: r["content_text"] for r in archive.rows("SELECT * FROM posts")}
    other = Archive(archive.root / "cut")
    other.root.mkdir()
    other.write_config()
    with MockBlogger(make_blog(25, seed=9, feed_mode=mode, theme=theme)) as mock:
        other.run(mock.url)
    rows = other.rows("SELECT id, content_text, body_source FROM posts")
    assert len(rows) == 25
    for row in rows:
        # in jump-break mode a post without a break is whole in the feed
        assert row["body_source"] == "html" or mode == "jumpbreak"
        assert row["content_text"] == expected[row["id"]]
    assert sum(r["body_source"] == "html" for r in rows) >= 10


def test_feeds_off_points_to_import(archive: Archive) -> None:
    with MockBlogger(make_blog(5, seed=1, feed_mode="none")) as mock:
        proc = archive.cli("run", "--blog", mock.url, "--delay", "0")
    assert proc.returncode == 1
    assert "import" in proc.stderr and "Traceback" not in proc.stderr


def test_not_a_blogger_blog(archive: Archive) -> None:
    with MockBlogger(make_blog(5, seed=1)) as mock:
        proc = archive.cli("run", "--blog", mock.url + "no/such/blog/", "--delay", "0")
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "not a Blogger blog" in lines[0]


def test_sanitized_storage(archive: Archive) -> None:
    blog = make_blog(20, seed=2)
    flagged = [p for p in blog.live_posts if p.flags]
    assert {f for p in flagged for f in p.flags} >= {"script", "onerror", "javascript", "iframe"}
    with MockBlogger(blog) as mock:
        archive.run(mock.url)
    for post in flagged:
        html = archive.rows("SELECT content_html FROM posts WHERE id = ?", (post.post_id,))[0][
            "content_html"
        ]
        for bad in ("<script", "onerror", "javascript:", "<iframe"):
            assert bad not in html.lower(), (post.flags, html[:300])


def test_warc_keeps_raw_bytes_and_parse_all_rebuilds(archive: Archive) -> None:
    blog = make_blog(120, seed=4, feed_mode="jumpbreak")
    with MockBlogger(blog) as mock:
        archive.run(mock.url)
        gz_requests = [r for r in mock.requests if "gzip" in r.headers.get("Accept-Encoding", "")]
        assert gz_requests
    tables = ["posts", "comments", "pages", "post_versions"]
    before = {t: archive.rows(f"SELECT * FROM {t} ORDER BY 1, 2") for t in tables}
    warcs = sorted(archive.raw_dir.glob("*.warc.gz"))
    assert warcs and not list(archive.raw_dir.glob("*.open"))
    gzipped = 0
    with open(warcs[0], "rb") as fh:
        for record in ArchiveIterator(fh):
            uri = record.rec_headers.get_header("WARC-Target-URI")
            if (
                record.rec_type == "response"
                and "/feeds/posts" in uri
                and record.http_headers.get_header("Content-Encoding") == "gzip"
            ):
                raw = record.raw_stream.read()
                assert b"<feed" in gzip.decompress(raw)  # stored as received
                gzipped += 1
    assert gzipped
    with archive.db() as conn:  # the mock is stopped: rebuild offline
        conn.execute("DELETE FROM posts")
        conn.execute("DELETE FROM comments")
        conn.execute("DELETE FROM pages")
        conn.execute("DELETE FROM post_versions")
    proc = archive.cli("parse", "--all")
    assert proc.returncode == 0, proc.stderr
    proc = archive.cli("extract")  # figures and tags of the rebuilt posts
    assert proc.returncode == 0, proc.stderr
    after = {t: archive.rows(f"SELECT * FROM {t} ORDER BY 1, 2") for t in tables}
    for t in tables:
        assert after[t] == before[t], t
    assert archive.cli("verify").returncode == 0


def test_exports_give_the_feed_ids_and_drafts_survive_full_runs(archive: Archive) -> None:
    blog = make_blog(40, seed=6)
    drafts = {p.post_id for p in blog.posts if p.status == "draft"}
    assert drafts
    for name, data in (("old.xml", backup_old(blog)), ("new.atom", backup_new(blog))):
        other = Archive(archive.root / name.split(".")[0])
        other.root.mkdir()
        other.write_config()
        path = other.root / name
        path.write_bytes(data)
        proc = other.cli("import", str(path), "--blog-url", "https://rightspasia.blogspot.com/")
        assert proc.returncode == 0, proc.stderr
        status = dict((r["id"], r["status"]) for r in other.rows("SELECT id, status FROM posts"))
        assert {i for i, s in status.items() if s == "live"} == {p.post_id for p in blog.live_posts}
        assert {i for i, s in status.items() if s == "draft"} == drafts
        captures = other.rows("SELECT * FROM captures WHERE kind = 'backup'")
        assert len(captures) == 1
    archive_path = archive.root / "old.xml"
    archive_path.write_bytes(backup_old(blog))
    assert archive.cli("import", str(archive_path)).returncode == 0
    with MockBlogger(blog) as mock:
        archive.run(mock.url, "--full")
    status = dict((r["id"], r["status"]) for r in archive.rows("SELECT id, status FROM posts"))
    assert all(status[d] == "draft" for d in drafts)
    assert "deleted" not in status.values()


def test_import_rejects_non_exports(archive: Archive) -> None:
    bad = archive.root / "page.xml"
    bad.write_text("<html><body>hello</body></html>")
    proc = archive.cli("import", str(bad))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    proc = archive.cli("import", str(archive.root / "missing.xml"))
    assert proc.returncode == 2


def test_media_captures_images(archive: Archive) -> None:
    blog = make_blog(10, seed=11)
    with MockBlogger(blog) as mock:
        archive.run(mock.url, "--media")
        served = [
            i for i in archive.rows("SELECT * FROM images") if i["url"].startswith(mock.media_url)
        ]
    assert len(served) >= 5 and all(i["capture_id"] for i in served)
    # a broken image (the `onerror` post's `src=x`) stays uncaptured without failing the run
    assert archive.cli("verify").returncode == 0


def test_export_cli_round_trip_with_media(archive: Archive) -> None:
    import csv

    import yaml

    blog = make_blog(15, seed=12)
    with MockBlogger(blog) as mock:
        archive.run(mock.url, "--media")
        out = archive.root / "site"
        proc = archive.cli(
            "export", "--format", "markdown", "--layout", "jekyll", "--out", str(out), "--media"
        )
        assert proc.returncode == 0, proc.stderr
    live = {p.post_id for p in blog.live_posts}
    posts = sorted((out / "_posts").glob("*.md"))
    assert len(posts) == len(live)
    links = []
    for path in posts:
        front = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
        assert front["redirect_from"] and front["original_url"].startswith(mock.url)
        links += re.findall(r"\]\((/media/[^)\s]+)", path.read_text(encoding="utf-8"))
    assert len(links) >= 5 and all((out / link.lstrip("/")).is_file() for link in links)
    with open(out / "urlmap.csv", newline="", encoding="utf-8") as fh:
        assert len([r for r in csv.reader(fh)][1:]) >= len(live)
    jsonl = archive.root / "jsonl"
    assert archive.cli("export", "--format", "jsonl", "--out", str(jsonl)).returncode == 0
    lines = (jsonl / "posts.jsonl").read_text(encoding="utf-8").splitlines()
    assert {json.loads(line)["id"] for line in lines} == live
    assert all("figures" in json.loads(line) and "comments" in json.loads(line) for line in lines)
