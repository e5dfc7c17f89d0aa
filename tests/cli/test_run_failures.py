"""Runs that fail say so once, record it, and `status` shows it until a run succeeds."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import pipeline.stages.run
from mockblogger import MockBlogger, make_blog
from pipeline.cli import _blog_url, cli
from pipeline.lock import archive_lock
from tests.conftest import REPO, Archive

# Injected into the CLI subprocess: the failure a full disk or exhausted memory causes.
CRASHES = {
    "disk full": (
        "import errno\n"
        "from pipeline.http import warc\n"
        "def write_exchange(self, **kw):\n"
        "    raise OSError(errno.ENOSPC, 'No space left on device')\n"
        "warc.WarcLog.write_exchange = write_exchange\n",
        "No space left on device",
    ),
    "out of memory": (
        "from pipeline.blogger import atom\n"
        "def parse_feed(*args, **kw):\n"
        "    raise MemoryError\n"
        "atom.parse_feed = parse_feed\n",
        "out of memory",
    ),
}


def cli_with(archive: Archive, sitecustomize: str, *args: str) -> subprocess.CompletedProcess:
    """The real CLI with a `sitecustomize` run first, to inject a failure."""
    shim = archive.root / "shim"
    shim.mkdir(exist_ok=True)
    (shim / "sitecustomize.py").write_text(sitecustomize, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "--config", str(archive.config), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": f"{shim}{os.pathsep}{REPO}"},
        cwd=archive.root,
    )


@pytest.mark.parametrize("crash", sorted(CRASHES))
def test_a_crash_is_recorded_as_failed_and_shown_until_a_run_succeeds(
    archive: Archive, crash: str
) -> None:
    code, message = CRASHES[crash]
    with MockBlogger(make_blog(30, seed=51)) as mock:
        proc = cli_with(archive, code, "run", "--blog", mock.url, "--delay", "0")
        assert proc.returncode == 1
        err = proc.stderr.strip().splitlines()
        assert len(err) == 1 and message in err[0] and mock.url in err[0], proc.stderr
        run = archive.rows("SELECT * FROM runs")[0]
        assert run["status"] == "failed" and message in run["error"]
        assert run["blog_url"] == mock.url
        warcs = list(archive.raw_dir.glob("*.warc.gz*"))
        assert all(w.suffix == ".gz" and w.stat().st_size for w in warcs)  # closed, not empty
        assert warcs or crash == "disk full"  # nothing could be captured: no file at all

        status = archive.cli("status")
        assert status.returncode == 0
        assert "empty archive" not in status.stdout and mock.url in status.stdout
        assert "→ failed" in status.stdout and "last error: " in status.stdout
        assert message in status.stdout

        archive.run(mock.url)
    status = archive.cli("status").stdout
    assert "→ ok" in status and "last error" not in status
    assert status.count(mock.url) == 1  # one entry per blog, its early failure included


def test_an_unusable_raw_folder_fails_the_run_with_one_line(archive: Archive) -> None:
    blocker = archive.root / "not-a-folder"
    blocker.write_text("a file where raw_dir's parent should be")
    archive.config.write_text(
        archive.config.read_text().replace(str(archive.raw_dir), str(blocker / "raw"))
    )
    with MockBlogger(make_blog(5, seed=52)) as mock:
        proc = archive.cli("run", "--blog", mock.url, "--delay", "0")
    assert proc.returncode == 1
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and "Not a directory" in err[0] and "raw_dir" in err[0], proc.stderr
    run = archive.rows("SELECT status, error FROM runs")[0]
    assert run["status"] == "failed" and "Not a directory" in run["error"]
    assert "→ failed" in archive.cli("status").stdout


def test_an_unreachable_blog_prints_exactly_one_line(archive: Archive) -> None:
    proc = archive.cli("run", "--blog", "http://127.0.0.1:1/", "--delay", "0")
    assert proc.returncode == 1
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1, proc.stderr
    assert "connection refused" in err[0] and "check the blog's address" in err[0]
    assert "error" not in proc.stdout  # the summary line does not repeat it
    assert archive.rows("SELECT status FROM runs")[0]["status"] == "failed"


@pytest.mark.parametrize(
    "value", ["not-a-url", "not a url", "ftp://example.org/", "http://exa_mple/", "http://x:99999/"]
)
def test_a_blog_that_is_not_an_address_exits_2(archive: Archive, value: str) -> None:
    proc = archive.cli("run", "--blog", value)
    assert proc.returncode == 2 and "not a blog address" in proc.stderr
    assert not archive.db_path.exists() or not archive.rows("SELECT * FROM runs")


@pytest.mark.parametrize(
    "value",
    [
        "rightspasia.blogspot.com",
        "https://rightspasia.blogspot.com/",
        "http://localhost:8080/",
        "http://127.0.0.1:5000/",
        "https://blog.example.org/news/",
    ],
)
def test_blog_addresses_that_are_accepted(value: str) -> None:
    assert _blog_url(value).startswith("http")


class JumpingClock:
    """`time.monotonic` for the stop flag: each reading is two minutes after the last."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        self.now += 120
        return self.now


def test_max_run_minutes_stops_the_run_like_ctrl_c(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "a.db"
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database: {db}\nraw_dir: {tmp_path / 'raw'}\nmax_run_minutes: 5\n"
        "http:\n  delay_seconds: 0\n  max_retries: 1\n"
    )
    monkeypatch.setattr(pipeline.stages.run, "time", JumpingClock())
    with MockBlogger(make_blog(200, seed=53), max_results_cap=25) as mock:
        result = CliRunner().invoke(
            cli, ["--config", str(config), "run", "--blog", mock.url, "--blog", "other.example"]
        )
        feeds = mock.requests_to("/feeds/")
    assert result.exit_code == 1
    assert "stopped: the run exceeded max_run_minutes (5)" in result.output
    assert "max_run_minutes in the config" in result.output
    assert 1 <= len(feeds) < 8  # stopped after a page, long before the 8 pages of posts
    with sqlite3.connect(db) as conn:
        runs = conn.execute("SELECT status, error FROM runs").fetchall()
    assert len(runs) == 1  # the second blog never started
    assert runs[0] == ("partial", "stopped: the run exceeded max_run_minutes (5)")
    with archive_lock(db):  # released: another run may start at once
        pass
