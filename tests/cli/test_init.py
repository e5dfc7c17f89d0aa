"""`blogger-archive init`: a starter config that `run` accepts, and the shipped one in step."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mockblogger import MockBlogger, make_blog
from pipeline.config import DEFAULT_BLOG, load_config, starter_config
from tests.conftest import REPO


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )


def test_the_repositorys_config_is_the_starter_config() -> None:
    """config.yaml and the template `init` ships must not drift apart."""
    assert (REPO / "config.yaml").read_text(encoding="utf-8") == starter_config([DEFAULT_BLOG])


def test_init_writes_a_config_that_run_accepts(tmp_path: Path) -> None:
    blog = make_blog(5, seed=3)
    with MockBlogger(blog) as mock:
        made = cli(tmp_path, "init", "--blog", mock.url)
        assert made.returncode == 0, made.stderr
        assert load_config(tmp_path / "config.yaml").blogs[0].url == mock.url
        ran = cli(tmp_path, "run", "--delay", "0")
    assert ran.returncode == 0, ran.stderr
    assert (tmp_path / "archive" / "archive.db").exists()


def test_init_with_vocabularies_points_the_config_at_editable_copies(tmp_path: Path) -> None:
    assert cli(tmp_path, "init", "--vocabularies").returncode == 0
    cfg = load_config(tmp_path / "config.yaml")
    assert {t["id"] for t in cfg.themes} >= {"pensions", "health-care"}
    assert "forms" in cfg.countries


def test_init_never_overwrites_without_force(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("blogs: []\n", encoding="utf-8")
    proc = cli(tmp_path, "init")
    assert proc.returncode == 2 and "already exists" in proc.stderr
    assert (tmp_path / "config.yaml").read_text(encoding="utf-8") == "blogs: []\n"
    assert cli(tmp_path, "init", "--force").returncode == 0


def test_no_config_file_means_built_in_defaults(tmp_path: Path) -> None:
    proc = cli(tmp_path, "--db", "x.db", "status")
    assert proc.returncode == 0, proc.stderr
    named = cli(tmp_path, "--config", "missing.yaml", "status")
    assert named.returncode == 2 and "missing.yaml" in named.stderr
