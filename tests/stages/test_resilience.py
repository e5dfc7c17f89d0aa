"""Scheduled, incremental and unbreakable runs , on the mock Blogger server."""

from __future__ import annotations

import os
import signal
import sqlite3
import time

import pytest

from mockblogger import MockBlogger, make_blog
from tests.conftest import Archive


def count(archive: Archive, sql: str, params: tuple = ()) -> int:
    return archive.rows(sql, params)[0]["n"]


def test_no_change_rerun_costs_at_most_4_requests(archive: Archive) -> None:
    blog = make_blog(200, seed=21)
    with MockBlogger(blog) as mock:
        archive.run(mock.url)
        mock.reset_log()
        start = time.monotonic()
        archive.run(mock.url)
        assert len(mock.requests) <= 4, [r.path for r in mock.requests]
        # robots.txt is reused from the first run's capture (younger than 24 h)
        assert not mock.requests_to("/robots.txt")
        assert time.monotonic() - start < 30  # generous: no timing asserts, only a hang guard
    last = archive.rows("SELECT * FROM runs ORDER BY id DESC LIMIT 1")[0]
    assert last["status"] == "ok" and last["requests"] <= 4 and last["posts_new"] == 0


def test_edit_is_versioned_and_deletion_needs_full(archive: Archive) -> None:
    blog = make_blog(60, seed=22)
    edited, deleted = blog.live_posts[5], blog.live_posts[9]
    with MockBlogger(blog) as mock:
        archive.run(mock.url)
        blog.edit_post(edited.post_id, content_html="<p>Rewritten: 250 workers joined.</p>")
        blog.delete_post(deleted.post_id)
        new = blog.add_post(title="Fresh news from Dhaka")
        archive.run(mock.url)  # incremental: the edit and the new post, no deletion yet
        row = archive.rows("SELECT * FROM posts WHERE id = ?", (edited.post_id,))[0]
        assert row["content_text"] == "Rewritten: 250 workers joined."
        assert (
            count(
                archive,
                "SELECT COUNT(*) AS n FROM post_versions WHERE post_id = ?",
                (edited.post_id,),
            )
            == 2
        )
        assert count(archive, "SELECT COUNT(*) AS n FROM posts WHERE id = ?", (new.post_id,)) == 1
        assert (
            archive.rows("SELECT status FROM posts WHERE id = ?", (deleted.post_id,))[0]["status"]
            == "live"
        )
        archive.run(mock.url, "--full")
    row = archive.rows("SELECT * FROM posts WHERE id = ?", (deleted.post_id,))[0]
    assert row["status"] == "deleted" and row["content_text"]  # content kept
    assert count(archive, "SELECT COUNT(*) AS n FROM posts WHERE status = 'deleted'") == 1
    assert (
        archive.rows("SELECT posts_deleted FROM runs ORDER BY id DESC LIMIT 1")[0]["posts_deleted"]
        == 1
    )
    assert archive.cli("verify").returncode == 0
    # an offline rebuild replays the deletion and both versions of the edit
    before = archive.rows("SELECT * FROM posts ORDER BY id")
    versions = archive.rows("SELECT * FROM post_versions ORDER BY post_id, content_sha256")
    with archive.db() as conn:
        conn.execute("DELETE FROM posts")
        conn.execute("DELETE FROM post_versions")
    assert archive.cli("parse", "--all").returncode == 0
    assert archive.cli("extract").returncode == 0
    assert archive.rows("SELECT * FROM posts ORDER BY id") == before
    assert archive.rows("SELECT * FROM post_versions ORDER BY post_id, content_sha256") == versions


def test_429_and_500s_still_complete(archive: Archive) -> None:
    blog = make_blog(300, seed=23)
    with MockBlogger(
        blog, fail_429=2, retry_after=1, error_rate=0.1, max_results_cap=50, fault_seed=4
    ) as mock:
        archive.run(mock.url)
        statuses = [r.status for r in mock.requests]
    assert 429 in statuses and 500 in statuses
    assert count(archive, "SELECT COUNT(*) AS n FROM posts") == 300
    assert count(archive, "SELECT COUNT(*) AS n FROM comments") == len(
        [c for p in blog.live_posts for c in p.comments]
    )
    assert archive.rows("SELECT status FROM runs")[0]["status"] == "ok"


@pytest.mark.parametrize("fault", ["truncate", "disconnect"])
def test_truncated_bodies_never_delete(archive: Archive, fault: str) -> None:
    blog = make_blog(120, seed=24)
    with MockBlogger(blog, max_results_cap=25) as mock:
        archive.run(mock.url)
        setattr(mock.settings, fault, 50)  # more than the retries: this run must fail
        proc = archive.cli("run", "--blog", mock.url, "--delay", "0", "--full")
        assert proc.returncode == 1 and "Traceback" not in proc.stderr
        assert count(archive, "SELECT COUNT(*) AS n FROM posts WHERE status = 'deleted'") == 0
        setattr(mock.settings, fault, 0)
        archive.run(mock.url, "--full")
    assert count(archive, "SELECT COUNT(*) AS n FROM posts WHERE status = 'live'") == 120
    assert archive.rows("SELECT status FROM runs ORDER BY id DESC LIMIT 1")[0]["status"] == "ok"


def test_truncated_body_retried_within_a_run(archive: Archive) -> None:
    blog = make_blog(100, seed=25)
    with MockBlogger(blog, truncate=2, max_results_cap=25) as mock:
        archive.run(mock.url)
    assert count(archive, "SELECT COUNT(*) AS n FROM posts") == 100


@pytest.mark.slow
def test_sigkill_mid_run_then_resume(archive: Archive) -> None:
    blog = make_blog(3000, seed=26, comments_per_post=0.5)
    with MockBlogger(blog, delay=0.05) as mock:
        proc = archive.popen("run", "--blog", mock.url, "--delay", "0")
        deadline = time.monotonic() + 120
        n = 0
        while time.monotonic() < deadline:
            time.sleep(0.2)
            try:
                with sqlite3.connect(archive.db_path, timeout=1) as conn:
                    n = conn.execute("SELECT COUNT(*) FROM posts").fetchone()[0]
            except sqlite3.Error:
                continue
            if n >= 600:
                break
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert 0 < n < 3000
        assert list(archive.raw_dir.glob("*.warc.gz.open"))  # left by the killed run
        mock.settings.delay = 0
        archive.run(mock.url)
    assert count(archive, "SELECT COUNT(*) AS n FROM posts") == 3000
    assert count(archive, "SELECT COUNT(DISTINCT id) AS n FROM posts") == 3000
    runs = archive.rows("SELECT status FROM runs ORDER BY id")
    assert runs[0]["status"] == "failed" and runs[-1]["status"] == "ok"
    proc = archive.cli("verify")
    assert proc.returncode == 0, proc.stderr
    # corrupt the FTS index: verify must notice
    with archive.db() as conn:
        conn.execute("DELETE FROM posts_fts_data WHERE id > 10 AND rowid % 3 = 0")
    proc = archive.cli("verify")
    assert proc.returncode == 1 and "posts_fts" in proc.stderr


def test_two_runs_at_once_one_exits_3(archive: Archive) -> None:
    blog = make_blog(300, seed=27)
    with MockBlogger(blog, delay=0.2, max_results_cap=25) as mock:
        first = archive.popen("run", "--blog", mock.url, "--delay", "0")
        deadline = time.monotonic() + 30
        while not mock.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        second = archive.cli("run", "--blog", mock.url, "--delay", "0")
        assert second.returncode == 3 and "another run" in second.stderr
        assert first.wait(timeout=300) == 0


def test_stale_lock_of_dead_process_is_taken_over(archive: Archive) -> None:
    lock = archive.db_path.with_name(archive.db_path.name + ".lock")
    lock.write_text("999999")  # a pid that holds no lock
    with MockBlogger(make_blog(5, seed=1)) as mock:
        archive.run(mock.url)


def test_robots_disallow_means_no_feed_requests(archive: Archive) -> None:
    with MockBlogger(make_blog(10, seed=28), robots="disallow_all") as mock:
        proc = archive.cli("run", "--blog", mock.url, "--delay", "0")
        assert proc.returncode == 1 and "robots.txt" in proc.stderr
        assert not mock.requests_to("/feeds/")


def test_delay_spaces_requests_to_one_host(archive: Archive) -> None:
    blog = make_blog(100, seed=29, comments_per_post=0.5)
    with MockBlogger(blog, max_results_cap=25, next_host=None) as mock:
        proc = archive.cli("run", "--blog", mock.url, "--delay", "0.3", "--no-media")
        assert proc.returncode == 0, proc.stderr
        times = sorted(r.time for r in mock.requests)
    assert len(times) >= 6
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 0.29


def test_one_failing_blog_does_not_stop_the_others(archive: Archive) -> None:
    with (
        MockBlogger(make_blog(20, seed=30)) as good,
        MockBlogger(make_blog(5, seed=31, feed_mode="none")) as bad,
    ):
        proc = archive.cli("run", "--blog", bad.url, "--blog", good.url, "--delay", "0")
    assert proc.returncode == 1
    assert count(archive, "SELECT COUNT(*) AS n FROM posts") == 20
    assert proc.stdout.count("\n") == 2  # one summary line per blog for cron
    status = archive.cli("status", "--json")
    assert status.returncode == 0 and '"live": 20' in status.stdout


def test_ctrl_c_stops_after_a_whole_page_and_records_partial(archive: Archive) -> None:
    blog = make_blog(300, seed=32, comments_per_post=0)
    with MockBlogger(blog, delay=0.15, max_results_cap=25) as mock:
        proc = archive.popen("run", "--blog", mock.url, "--delay", "0")
        deadline = time.monotonic() + 60
        while len(mock.requests_to("/feeds/")) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and "Traceback" not in err and "Ctrl-C" in err
    assert archive.rows("SELECT status FROM runs")[0]["status"] == "partial"
    stored = count(archive, "SELECT COUNT(*) AS n FROM posts")
    assert 0 < stored < 300 and stored % 25 == 0  # whole pages only


def test_conditional_requests_and_304_are_not_relied_upon(archive: Archive) -> None:
    blog = make_blog(50, seed=33)
    with MockBlogger(blog, honor_if_modified_since=True) as mock:
        archive.run(mock.url)
        mock.reset_log()
        archive.run(mock.url)
        conditional = [r for r in mock.requests if "If-Modified-Since" in r.headers]
        assert conditional and any(r.status == 304 for r in mock.requests)
        assert len(mock.requests) <= 4
        blog.edit_post(blog.live_posts[2].post_id, content_html="<p>Changed: 12 unions.</p>")
        archive.run(mock.url)
    row = archive.rows(
        "SELECT content_text FROM posts WHERE id = ?", (blog.live_posts[2].post_id,)
    )[0]
    assert row["content_text"] == "Changed: 12 unions."
    assert archive.rows("SELECT COUNT(*) AS n FROM posts")[0]["n"] == 50
    assert archive.cli("verify").returncode == 0


def test_next_links_forbidden_by_robots_fall_back_to_the_blogs_own_feed(archive: Archive) -> None:
    blog = make_blog(120, seed=34)
    robots = f"User-agent: *\nDisallow: /feeds/{blog.blog_id}/\n"  # the blog-id form only
    with MockBlogger(blog, robots=robots, max_results_cap=50) as mock:
        archive.run(mock.url)
        paths = [r.path for r in mock.requests_to("/feeds/")]
    assert not [p for p in paths if p.startswith(f"/feeds/{blog.blog_id}/")]
    assert any("start-index=51" in p for p in paths)
    assert archive.rows("SELECT COUNT(*) AS n FROM posts")[0]["n"] == 120
    assert archive.rows("SELECT COUNT(*) AS n FROM comments")[0]["n"] == len(
        [c for p in blog.live_posts for c in p.comments]
    )
