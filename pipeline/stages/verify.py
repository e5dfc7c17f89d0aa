"""`verify`: the archive's integrity checks, each problem with what repairs it."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from pipeline.config import Config
from pipeline.db import queries
from pipeline.errors import (
    FetchError,
)
from pipeline.http.warc import read_capture, sha256


def verify_archive(cfg: Config, db: sqlite_utils.Database) -> list[str]:
    """The checks of SPEC §5; returns the problems found (empty = healthy)."""
    problems = queries.integrity_problems(db)
    raw_dir = Path(cfg.raw_dir)
    for capture in queries.iter_all_captures(db):
        where = (
            f"capture {capture['id']} ({capture['url']}) at "
            f"{capture['warc_file']}:{capture['warc_offset']}"
        )
        try:
            exchange = read_capture(raw_dir, capture["warc_file"], capture["warc_offset"])
        except (OSError, ValueError, FetchError) as exc:
            problems.append(f"{where}: unreadable ({exc})")
            continue
        if sha256(exchange.body) != capture["sha256"]:
            problems.append(f"{where}: sha256 does not match")
    return problems
