"""JSON Lines output: one object per post (with comments, figures, countries, themes) and page."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import sqlite_utils

from pipeline.blogger.content import image_refs
from pipeline.db import queries
from pipeline.migrate.media import MediaStore
from pipeline.migrate.output import ExportReport

_JSON_ARRAY_COLUMNS = ("labels", "countries", "primary_countries", "themes")


def write_jsonl(
    out_dir: Path,
    name: str,
    report: ExportReport,
    tick: Callable[[], None],
    objects: Iterable[dict],
) -> int:
    """One sorted-keys JSON object per line; returns how many were written."""
    path = out_dir / name
    n = 0
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for obj in objects:
            f.write(json.dumps(obj, ensure_ascii=False, sort_keys=True) + "\n")
            n += 1
            tick()
    report.files.append(name)
    return n


def post_object(db: sqlite_utils.Database, row: dict, images: MediaStore | None) -> dict[str, Any]:
    """Every posts column (JSON columns as arrays) plus comments, figures, tags, images."""
    obj = dict(row)
    for column in _JSON_ARRAY_COLUMNS:
        obj[column] = json.loads(obj[column]) if obj[column] else []
    details = queries.export_post_details(db, row["id"])
    obj["comments"] = thread_comments(details["comments"])
    obj["figures"] = [_without(f, "post_id") for f in details["figures"]]
    obj["country_tags"] = details["country_tags"]
    obj["theme_tags"] = [
        {**t, "evidence": json.loads(t["evidence"]) if t["evidence"] else []}
        for t in details["theme_tags"]
    ]
    obj["images"] = image_list(row["content_html"], row["url"], images)
    return obj


def page_object(row: dict, images: MediaStore | None) -> dict[str, Any]:
    return {**row, "images": image_list(row["content_html"], row["url"], images)}


def _without(row: dict, key: str) -> dict:
    return {k: v for k, v in row.items() if k != key}


def thread_comments(comments: list[dict]) -> list[dict]:
    """Nest replies under their parent (`replies`), keeping the given order at every level.

    A reply whose parent is not stored (deleted upstream, or in another post) stays at
    the top level with its `in_reply_to`, so no comment is ever dropped.
    """
    nodes = {c["id"]: {**_without(c, "post_id"), "replies": []} for c in comments}
    roots = []
    for c in comments:
        parent = nodes.get(c["in_reply_to"])
        (parent["replies"] if parent else roots).append(nodes[c["id"]])
    return roots


def image_list(
    content_html: str | None, base_url: str | None, images: MediaStore | None
) -> list[dict[str, str]]:
    """The images the current body shows; with media, where each one was saved."""
    out = []
    for url, alt in image_refs(content_html or "", base_url):
        item = {"url": url, "alt": alt}
        local = images.save(url) if images else None
        if local:
            item["local_path"] = local
        out.append(item)
    return out
