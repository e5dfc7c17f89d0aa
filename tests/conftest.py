"""Shared fixtures: a throw-away archive (config, db, raw dir) and the CLI runner."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@dataclass
class Archive:
    """A temporary archive driven through the real CLI in a subprocess."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config.yaml"

    @property
    def db_path(self) -> Path:
        return self.root / "archive.db"

    @property
    def raw_dir(self) -> Path:
        return self.root / "raw"

    def write_config(self, extra_http: str = "") -> None:
        self.config.write_text(
            f"blogs: []\ndatabase: {self.db_path}\nraw_dir: {self.raw_dir}\n"
            "http:\n  max_retries: 4\n  backoff_factor: 0.05\n  timeout_seconds: 10\n" + extra_http,
            encoding="utf-8",
        )

    def cli(self, *args: str, timeout: float = 300, **kw: object) -> subprocess.CompletedProcess:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        return subprocess.run(
            [sys.executable, "-m", "pipeline", "--config", str(self.config), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            cwd=self.root,
            **kw,
        )

    def popen(self, *args: str) -> subprocess.Popen:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        return subprocess.Popen(
            [sys.executable, "-m", "pipeline", "--config", str(self.config), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=self.root,
        )

    def run(self, url: str, *args: str, expect: int = 0) -> subprocess.CompletedProcess:
        proc = self.cli("run", "--blog", url, "--delay", "0", *args)
        assert proc.returncode == expect, proc.stderr
        return proc

    def db(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.db_path)
        conn.row_factory = sqlite3.Row
        return conn

    def rows(self, sql: str, params: tuple = ()) -> list[dict]:
        with self.db() as conn:
            return [dict(r) for r in conn.execute(sql, params)]


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    a = Archive(tmp_path)
    a.write_config()
    return a


@pytest.fixture
def shared_samples() -> Path:
    path = SHARED / "samples"
    if not path.is_dir():
        pytest.skip("../shared/samples is not present")
    return path
