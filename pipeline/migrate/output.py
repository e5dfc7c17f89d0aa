"""What the migration writers share: the report of what was written, and writing one file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

MEDIA_DIR = "media"


@dataclass
class ExportReport:
    """What an export wrote; `files` are paths relative to the output folder, in write order."""

    posts: int = 0
    pages: int = 0
    images_saved: int = 0  # downloaded or taken from the WARC by this run
    images_present: int = 0  # already in media/ from an earlier (interrupted) run
    images_failed: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    files: list[str] = field(default_factory=list)


def write_file(out_dir: Path, rel: str, data: bytes, report: ExportReport) -> None:
    path = out_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    report.files.append(rel)
