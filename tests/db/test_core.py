"""Unit tests of the shared helpers, the config loader, the db layer and CLI errors."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.blogger.common import (
    blogger_ids,
    https_upgrade,
    local_year,
    normalize_blog_url,
    to_utc_iso,
)
from pipeline.blogger.content import html_to_text, image_refs, sanitize_html
from pipeline.config import load_config
from pipeline.db import schema, writes
from pipeline.errors import ConfigError
from pipeline.model import PostRecord

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "pipeline"]


# ----------------------------------------------------------------- parse helpers


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2016-03-18T01:04:00.000-07:00", "2016-03-18T08:04:00+00:00"),
        ("2021-03-14T01:59:00.002-05:00", "2021-03-14T06:59:00+00:00"),  # ms tie-breaker dropped
        ("2024-12-31T23:30:00.000+07:00", "2024-12-31T16:30:00+00:00"),
        ("2011-10-09T10:11:12Z", "2011-10-09T10:11:12+00:00"),
        ("Fri, 18 Mar 2016 08:04:00 +0000", "2016-03-18T08:04:00+00:00"),
        ("", None),
        ("not a date", None),
    ],
)
def test_to_utc_iso(raw: str, expected: str | None) -> None:
    assert to_utc_iso(raw) == expected


def test_year_is_the_blogs_local_year() -> None:
    raw = "2025-01-01T00:30:00.000+07:00"  # still 2024 in UTC
    assert local_year(raw) == 2025
    assert to_utc_iso(raw).startswith("2024-12-31")


def test_blogger_ids_are_text_and_exceed_2_53() -> None:
    blog, post = blogger_ids(
        "tag:blogger.com,1999:blog-8674748682166248033.post-925388997895127564"
    )
    assert (blog, post) == ("8674748682166248033", "925388997895127564")
    assert int(blog) > 2**53
    assert blogger_ids("tag:blogger.com,1999:blog-42.page-7") == ("42", "7")
    assert blogger_ids("urn:x") == (None, None)


def test_https_upgrade_only_for_blogger_hosts() -> None:
    assert (
        https_upgrade("http://www.blogger.com/feeds/1/posts/default?start-index=26")
        == "https://www.blogger.com/feeds/1/posts/default?start-index=26"
    )
    assert https_upgrade("http://x.blogspot.com/feeds") == "https://x.blogspot.com/feeds"
    assert https_upgrade("http://127.0.0.1:8000/feeds") == "http://127.0.0.1:8000/feeds"


def test_normalize_blog_url() -> None:
    assert normalize_blog_url("rightspasia.blogspot.com") == "https://rightspasia.blogspot.com/"
    assert (
        normalize_blog_url("http://rightspasia.blogspot.tw/") == "https://rightspasia.blogspot.com/"
    )
    assert normalize_blog_url("http://127.0.0.1:9/x") == "http://127.0.0.1:9/x/"


def test_html_to_text_layout() -> None:
    html = (
        "Intro <b>bold</b>  text&nbsp;here<br>next line<p>Para one</p><p>Para two</p>"
        "<ul><li>first</li><li>second <i>item</i></li></ul>"
        "<table><tr><td>a</td><td>b</td></tr><tr><th>1</th><td>2</td></tr></table>"
        "<div>div one</div><div><br></div><div>div two</div>"
    )
    assert html_to_text(html) == (
        "Intro bold text here\nnext line\n\nPara one\n\nPara two\n\nfirst\nsecond item\n\n"
        "a\tb\n1\t2\n\ndiv one\n\ndiv two"
    )


def test_html_to_text_is_nfc_and_skips_scripts() -> None:
    assert html_to_text("cafe\u0301<script>var x = 1;</script> ok") == "caf\u00e9 ok"
    assert html_to_text("") == ""


def test_sanitize_removes_active_content_keeps_allowed_iframes() -> None:
    dirty = (
        '<p onclick="steal()">Hi<script>alert(1)</script>'
        '<a href="javascript:alert(1)">x</a><img src="https://e.org/a.png" onerror="y()">'
        '<iframe src="https://evil.example/x"></iframe>'
        '<iframe src="https://www.youtube.com/embed/abc"></iframe></p>'
    )
    clean = sanitize_html(dirty, {"www.youtube.com"})
    for bad in ("script", "onclick", "onerror", "javascript:", "evil.example"):
        assert bad not in clean
    assert 'src="https://www.youtube.com/embed/abc"' in clean
    assert '<img src="https://e.org/a.png">' in clean


def test_image_refs() -> None:
    html = '<img src="/a.png" alt="A &amp; B"><img src="//c.org/b.jpg"><img src="/a.png">'
    assert image_refs(html, "https://x.blogspot.com/2024/01/p.html") == [
        ("https://x.blogspot.com/a.png", "A & B"),
        ("https://c.org/b.jpg", ""),
    ]


# ------------------------------------------------------------------------ config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_repo_config_loads() -> None:
    cfg = load_config(REPO / "config.yaml")
    assert cfg.blogs[0].url == "https://rightspasia.blogspot.com/"
    assert cfg.http.page_size == 150


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("blogs: []\nhttp:\n  delay_seconds: soon\n", "http.delay_seconds"),
        ("blogs: []\nhttp:\n  max_retries: 2.5\n", "http.max_retries"),
        ("blogs: []\nhttp:\n  respect_robots_txt: 1\n", "http.respect_robots_txt"),
        ("blogs: []\nhttp:\n  page_sise: 3\n", "http.page_sise"),
        ("blogs: [{name: x}]\n", "blogs[0].url"),
        ("blogs: []\ndatabase: 3\n", "database"),
    ],
)
def test_bad_config_names_the_key(tmp_path: Path, text: str, key: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert f"'{key}'" in str(err.value) and str(path) in str(err.value)


def test_cli_bad_config_exits_2_with_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "blogs: []\nhttp:\n  timeout_seconds: [1]\n")
    proc = subprocess.run(
        [*CLI, "--config", str(path), "--db", str(tmp_path / "a.db"), "status"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "http.timeout_seconds" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_cli_missing_config_exits_2(tmp_path: Path) -> None:
    proc = subprocess.run(
        [*CLI, "--config", str(tmp_path / "nope.yaml"), "status"], capture_output=True, text=True
    )
    assert proc.returncode == 2 and "config file not found" in proc.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_cli_connection_refused_is_one_line_exit_1(tmp_path: Path) -> None:
    cfg = write(tmp_path, f"blogs: []\nraw_dir: {tmp_path / 'raw'}\nhttp:\n  max_retries: 0\n")
    url = f"http://127.0.0.1:{free_port()}/"
    proc = subprocess.run(
        [
            *CLI,
            "--config",
            str(cfg),
            "--db",
            str(tmp_path / "a.db"),
            "run",
            "--blog",
            url,
            "--delay",
            "0",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "connection refused" in proc.stderr


# ------------------------------------------------------------------------- store


def post(i: int, text: str = "Body", **kw: object) -> PostRecord:
    base = dict(
        id=str(10**18 + i),
        blog_id="9" * 19,
        url=f"https://b.example/p{i}.html",
        title=f"Post {i}",
        author="A",
        published="2024-01-01T00:00:00+00:00",
        updated="2024-01-01T00:00:00+00:00",
        year=2024,
        labels=["x"],
        content_html=f"<p>{text}</p>",
        content_text=text,
    )
    base.update(kw)
    return PostRecord(**base)  # type: ignore[arg-type]


def test_ensure_db_shape_creates_every_table(tmp_path: Path) -> None:
    db = schema.open_db(tmp_path / "a.db")
    names = set(db.table_names())
    for table in (
        "blogs",
        "posts",
        "posts_fts",
        "post_versions",
        "comments",
        "pages",
        "images",
        "figures",
        "post_countries",
        "post_themes",
        "captures",
        "runs",
    ):
        assert table in names
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name = 'posts_fts'").fetchone()[0]
    assert "porter unicode61 remove_diacritics 2" in sql
    schema.ensure_db_shape(db)  # idempotent


def test_older_file_is_migrated(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE posts (id TEXT PRIMARY KEY, title TEXT)")
    conn.execute("INSERT INTO posts VALUES ('1', 'kept')")
    conn.commit()
    conn.close()
    db = schema.open_db(path)
    assert "content_sha256" in {c.name for c in db["posts"].columns}
    assert db.execute("SELECT title FROM posts").fetchone()[0] == "kept"


def test_upserts_are_idempotent_and_keep_versions(tmp_path: Path) -> None:
    db = schema.open_db(tmp_path / "a.db")
    with schema.transaction(db):
        first = writes.save_posts(
            db, [post(1), post(2)], seen_at="2024-02-01T00:00:00+00:00", origin="feed"
        )
    with schema.transaction(db):
        again = writes.save_posts(
            db, [post(1), post(2)], seen_at="2024-02-02T00:00:00+00:00", origin="feed"
        )
    assert (first.new, again.new, again.updated) == (2, 0, 0)
    with schema.transaction(db):
        edited = writes.save_posts(
            db, [post(1, "Edited body")], seen_at="2024-02-03T00:00:00+00:00", origin="feed"
        )
    assert edited.updated == 1
    rows = list(db.query("SELECT * FROM posts ORDER BY id"))
    assert len(rows) == 2
    assert rows[0]["content_text"] == "Edited body"
    assert rows[0]["first_seen"] == "2024-02-01T00:00:00+00:00"
    assert rows[0]["last_seen"] == "2024-02-03T00:00:00+00:00"
    assert json.loads(rows[0]["labels"]) == ["x"]
    versions = list(db.query("SELECT * FROM post_versions WHERE post_id = ?", [rows[0]["id"]]))
    assert sorted(v["content_html"] for v in versions) == ["<p>Body</p>", "<p>Edited body</p>"]
    hits = [
        r["id"]
        for r in db.query(
            "SELECT posts.id FROM posts_fts JOIN posts ON posts.rowid = posts_fts.rowid "
            "WHERE posts_fts MATCH 'edit'"
        )
    ]  # porter: "edited" ~ "edit"
    assert hits == [rows[0]["id"]]


def test_deletion_only_touches_feed_posts(tmp_path: Path) -> None:
    db = schema.open_db(tmp_path / "a.db")
    with schema.transaction(db):
        writes.save_posts(db, [post(1), post(2)], seen_at="t1", origin="feed")
        writes.save_posts(db, [post(3, status="draft"), post(4)], seen_at="t1", origin="backup")
        gone = writes.mark_deleted(db, "9" * 19, {str(10**18 + 1)})
    assert gone == [str(10**18 + 2)]
    status = dict(db.execute("SELECT id, status FROM posts"))
    assert status[str(10**18 + 2)] == "deleted"
    assert status[str(10**18 + 3)] == "draft" and status[str(10**18 + 4)] == "live"
    content = db.execute(
        "SELECT content_text FROM posts WHERE id = ?", [str(10**18 + 2)]
    ).fetchone()[0]
    assert content == "Body"


def test_cli_rejects_a_malformed_blog_address(tmp_path: Path) -> None:
    cfg = write(tmp_path, "blogs: []\n")
    proc = subprocess.run(
        [*CLI, "--config", str(cfg), "--db", str(tmp_path / "a.db"), "run", "--blog", "not a url"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "not a blog address" in proc.stderr
