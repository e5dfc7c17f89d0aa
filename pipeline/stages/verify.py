"""`verify`: the archive's integrity checks, each problem with what repairs it."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import sqlite_utils

from pipeline.config import Config
from pipeline.db import queries
from pipeline.errors import FetchError
from pipeline.http.warc import read_capture, sha256


class Problem(NamedTuple):
    """One failed check; `kind` selects the repair advice shown once per kind."""

    kind: str
    detail: str


# kind → how to repair it; `{db}` and `{raw_dir}` are filled in by `repairs()`
REPAIRS = {
    "sqlite": "the database file is damaged: restore {db} from a backup "
    "(every response is kept in {raw_dir}, so nothing fetched is lost)",
    "fts": "rebuild the search index: `sqlite-utils rebuild-fts {db} posts`",
    "listing": "posts are missing from a complete listing: run `blogger-archive run --full`",
    "comments": "comments are missing: run `blogger-archive run --full` "
    "(it re-reads every comments page)",
    "capture": "a WARC file under {raw_dir} is missing or damaged: restore it from a backup; "
    "`blogger-archive run --full` captures again what the blog still serves, "
    "then `blogger-archive parse --all` rebuilds the records from the WARC files",
}


def verify_archive(cfg: Config, db: sqlite_utils.Database) -> list[Problem]:
    """Every check, database and WARC files; returns the problems found (empty = healthy)."""
    problems = [Problem(kind, detail) for kind, detail in queries.integrity_problems(db)]
    raw_dir = Path(cfg.raw_dir)
    for capture in queries.iter_all_captures(db):
        where = (
            f"capture {capture['id']} ({capture['url']}) at "
            f"{capture['warc_file']}:{capture['warc_offset']}"
        )
        try:
            exchange = read_capture(raw_dir, capture["warc_file"], capture["warc_offset"])
        except (OSError, ValueError, FetchError) as exc:
            problems.append(Problem("capture", f"{where}: unreadable ({exc})"))
            continue
        if sha256(exchange.body) != capture["sha256"]:
            problems.append(Problem("capture", f"{where}: sha256 does not match"))
    return problems


def repairs(problems: list[Problem], *, db_path: Path, raw_dir: Path) -> list[str]:
    """What to do about the problems found, one line per kind, in the order first met."""
    kinds = dict.fromkeys(p.kind for p in problems)
    return [REPAIRS[kind].format(db=db_path, raw_dir=raw_dir) for kind in kinds]
