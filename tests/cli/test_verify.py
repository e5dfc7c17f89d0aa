"""`verify` lists every problem (up to 50, then a count) and what repairs each kind."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mockblogger import MockBlogger, make_blog
from tests.conftest import Archive

SQLITE_UTILS = Path(sys.executable).with_name("sqlite-utils")


def test_problems_are_listed_with_their_repairs_and_the_repairs_work(archive: Archive) -> None:
    blog = make_blog(120, seed=71, comments_per_post=2.0)
    with MockBlogger(blog) as mock:
        archive.run(mock.url)
        assert archive.cli("verify").returncode == 0
        with archive.db() as conn:
            posts_hit = conn.execute(
                "SELECT COUNT(DISTINCT post_id) FROM comments WHERE post_id IN "
                "(SELECT post_id FROM comments GROUP BY post_id ORDER BY post_id LIMIT 60)"
            ).fetchone()[0]
            conn.execute(
                "DELETE FROM comments WHERE post_id IN "
                "(SELECT post_id FROM comments GROUP BY post_id ORDER BY post_id LIMIT 60)"
            )
            conn.execute("DELETE FROM posts_fts_data WHERE id > 10 AND rowid % 3 = 0")
        proc = archive.cli("verify")
        assert proc.returncode == 1
        lines = proc.stderr.strip().splitlines()
        fails = [line for line in lines if line.startswith("FAIL ")]
        assert len(fails) == 50
        assert any("posts_fts" in line for line in fails)
        assert f"… {posts_hit + 1 - 50} more" in lines
        repairs = [line for line in lines if line.startswith("repair: ")]
        assert len(repairs) == 2
        assert any("rebuild-fts" in r for r in repairs)
        assert any("blogger-archive run --full" in r for r in repairs)

        # each repair does what it says
        subprocess.run(
            [str(SQLITE_UTILS), "rebuild-fts", str(archive.db_path), "posts"], check=True
        )
        archive.run(mock.url, "--full")
    proc = archive.cli("verify")
    assert proc.returncode == 0, proc.stderr


def test_a_damaged_warc_file_names_its_repair(archive: Archive) -> None:
    with MockBlogger(make_blog(10, seed=72)) as mock:
        archive.run(mock.url)
    for warc in archive.raw_dir.glob("*.warc.gz"):
        warc.write_bytes(b"")
    proc = archive.cli("verify")
    assert proc.returncode == 1
    assert "unreadable" in proc.stderr and "parse --all" in proc.stderr
