"""An interrupted run leaves no gap: the next ordinary run fetches what it never reached."""

from __future__ import annotations

import os
import signal
import time

import pytest

from mockblogger import MockBlogger, make_blog
from tests.conftest import Archive


def count(archive: Archive, table: str) -> int:
    return archive.rows(f"SELECT COUNT(*) AS n FROM {table}")[0]["n"]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill-9"])
def test_interrupted_comments_listing_is_completed_by_the_next_run(
    archive: Archive, sig: signal.Signals
) -> None:
    blog = make_blog(400, seed=61, comments_per_post=2.0)
    total = len([c for p in blog.live_posts for c in p.comments])
    assert total > 700
    with MockBlogger(blog, delay=0.3) as mock:
        proc = archive.popen("run", "--blog", mock.url, "--delay", "0")
        deadline = time.monotonic() + 60
        while len(mock.requests_to("/feeds/comments/")) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(proc.pid, sig)
        proc.communicate(timeout=60)
        stored = count(archive, "comments")
        assert count(archive, "posts") == 400 and 0 < stored < total
        assert archive.cli("verify").returncode == 1  # the gap is visible

        mock.settings.delay = 0
        archive.run(mock.url)  # an ordinary run: no --full
    assert count(archive, "comments") == total
    proc = archive.cli("verify")
    assert proc.returncode == 0, proc.stderr
    runs = archive.rows("SELECT status FROM runs ORDER BY id")
    assert [r["status"] for r in runs] == ["partial" if sig == signal.SIGINT else "failed", "ok"]


def test_incremental_comments_stop_at_the_last_complete_listing(archive: Archive) -> None:
    """Once a listing completed, a run with nothing new reads one comments page."""
    archive.write_config(extra_http="  overlap_minutes: 0\n")  # no re-read window to count
    blog = make_blog(200, seed=62, comments_per_post=3.0)
    with MockBlogger(blog, max_results_cap=50) as mock:
        archive.run(mock.url)
        post = blog.live_posts[3]
        for _ in range(60):  # more than a page of new comments
            blog.add_comment(post.post_id)
        mock.reset_log()
        archive.run(mock.url)
        assert len(mock.requests_to("/feeds/comments/")) == 2
        mock.reset_log()
        archive.run(mock.url)
        assert len(mock.requests_to("/feeds/comments/")) == 1
    assert count(archive, "comments") == len([c for p in blog.live_posts for c in p.comments])
