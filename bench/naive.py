"""The baseline: the archiver a hurried maintainer would write in twenty lines.

requests + feedparser over `/feeds/posts/default?max-results=150`, following the
`next` links, each page inserted with sqlite-utils. It keeps no raw responses,
reads no comments or pages, extracts nothing and is not polite — so it sets a
floor for "how fast can posts come off this server", and our posts/s is
reported as a ratio to it.

    python -m bench.naive http://127.0.0.1:PORT/ --db naive.db   → one JSON line
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import feedparser
import requests
import sqlite_utils


def entry_row(entry: Any) -> dict[str, Any]:
    contents = entry.get("content") or [{"value": entry.get("summary", "")}]
    return {
        "id": entry.get("id"),
        "title": entry.get("title", ""),
        "url": entry.get("link"),
        "published": entry.get("published"),
        "updated": entry.get("updated"),
        "labels": [tag.term for tag in entry.get("tags", [])],
        "content_html": contents[0]["value"],
    }


def next_link(feed: Any) -> str | None:
    return next((link.href for link in feed.feed.get("links", []) if link.rel == "next"), None)


def archive(blog_url: str, db_path: Path) -> dict[str, int]:
    """Every post of the blog into `db_path`; returns posts stored and requests made."""
    db = sqlite_utils.Database(db_path)
    url: str | None = blog_url.rstrip("/") + "/feeds/posts/default?max-results=150"
    made = 0
    with requests.Session() as session:
        while url:
            response = session.get(url, timeout=30)
            response.raise_for_status()
            made += 1
            feed = feedparser.parse(response.content)
            db["posts"].insert_all([entry_row(e) for e in feed.entries], pk="id", replace=True)
            url = next_link(feed)
    return {"posts": db["posts"].count, "requests": made}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.naive",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("blog_url")
    parser.add_argument("--db", type=Path, required=True)
    args = parser.parse_args(argv)
    print(json.dumps(archive(args.blog_url, args.db)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
