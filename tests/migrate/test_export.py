"""Migration export: JSON Lines, Hugo/Jekyll Markdown trees, media, determinism."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from pipeline.blogger.content import html_to_text, image_refs
from pipeline.db import schema, writes
from pipeline.migrate.export import export_archive
from pipeline.migrate.markdown import slugify
from pipeline.migrate.media import media_stem, original_image_url
from pipeline.model import CommentRecord, Findings, PageRecord, PostRecord

BLOG = "https://rightspasia.blogspot.com"
IMG = "https://blogger.googleusercontent.com/img/b/R29vZ2xl/AVvXsEh1"
THUMB = f"{IMG}/s320/pension-queue.jpg"  # shown in the post
BIG = f"{IMG}/s1600/pension-queue.jpg"  # what the thumbnail links to
ORIGINAL = f"{IMG}/s0/pension-queue.jpg"
NEW_STYLE = "https://blogger.googleusercontent.com/img/a/AVvXsEgQ=w640-h400"
BROKEN = "http://1.bp.blogspot.com/-x/Y/AAAA/z/s400/broken.png"
CHART = "https://example.org/charts/coverage.gif"  # not Blogger-hosted: no sizes
SEEN = "2024-06-01T00:00:00+00:00"
PNG = b"\x89PNG\r\n\x1a\n"

TRICKY_TITLE = 'Pensions: a "new" deal for Cambodia\'s workers'


def _post(
    pid: str,
    *,
    url: str | None,
    title: str,
    published: str | None,
    body: str,
    status: str = "live",
    labels: tuple[str, ...] = (),
) -> PostRecord:
    return PostRecord(
        id=pid,
        blog_id="1",
        url=url,
        title=title,
        author="INSP!R",
        published=published,
        updated=published or "2024-05-20T08:00:00+00:00",
        year=int(published[:4]) if published else None,
        labels=list(labels),
        content_html=body,
        content_text=html_to_text(body),
        status=status,
        images=image_refs(body, url),
    )


def _comment(cid: str, published: str, parent: str | None) -> CommentRecord:
    return CommentRecord(
        id=cid,
        post_id="101",
        blog_id="1",
        url=None,
        author=f"reader {cid}",
        published=published,
        updated=published,
        content_html=f"<p>comment {cid}</p>",
        content_text=f"comment {cid}",
        in_reply_to=parent,
        removed=False,
    )


POSTS = [
    _post(
        "101",
        url=f"{BLOG}/2024/03/pensions-cambodia.html",
        title=TRICKY_TITLE,
        published="2024-03-05T10:00:00+00:00",
        labels=("Cambodia", "pensions"),
        body=f"<h2>Coverage</h2><p>Over 790 workers joined.</p>"
        f'<table><tr><td><a href="{BIG}"><img src="{THUMB}" alt="Queue"></a></td></tr>'
        f"<tr><td>Caption</td></tr></table>"
        f'<ul><li>first</li><li>second</li></ul><img src="{BROKEN}" alt="gone">',
    ),
    _post(
        "102",
        url=f"{BLOG}/2024/04/blog-post.html",
        title="",
        published="2024-04-01T09:00:00+00:00",
        body=f'<p>No title here.</p><p><img src="{NEW_STYLE}"></p>',
    ),
    # Same Blogger file name in another month: the export must keep both.
    _post(
        "103",
        url=f"{BLOG}/2024/05/pensions-cambodia.html",
        title="Follow-up",
        published="2024-05-02T09:00:00+00:00",
        body=f'<p>Same picture, smaller: <img src="{IMG}/w640-h400/pension-queue.jpg"></p>'
        f'<p><img src="{CHART}" alt="chart"></p>',
    ),
    _post(
        "201",
        url=f"{BLOG}/2023/01/old-news.html",
        title="Old news",
        published="2023-01-10T09:00:00+00:00",
        status="deleted",
        body="<p>Gone.</p>",
    ),
    _post(
        "301",
        url=None,
        title="Draft: plans for Nepal",
        published=None,
        status="draft",
        body="<p>Not yet.</p>",
    ),
]
LIVE_IDS = ["101", "102", "103"]


@pytest.fixture
def db(tmp_path: Path):
    database = schema.open_db(tmp_path / "archive.db")
    with schema.transaction(database):
        writes.save_posts(database, POSTS, seen_at=SEEN, origin="feed")
        writes.save_comments(
            database,
            [
                _comment("c1", "2024-03-06T00:00:00+00:00", None),
                _comment("c2", "2024-03-07T00:00:00+00:00", "c1"),
                _comment("c3", "2024-03-08T00:00:00+00:00", "c2"),
                _comment("c4", "2024-03-09T00:00:00+00:00", None),
                _comment("c5", "2024-03-10T00:00:00+00:00", "c-not-stored"),
            ],
            seen_at=SEEN,
        )
        writes.save_pages(
            database,
            [
                PageRecord(
                    id="900",
                    blog_id="1",
                    url=f"{BLOG}/p/about.html",
                    title="About INSP!R",
                    published="2020-01-01T00:00:00+00:00",
                    updated="2020-01-01T00:00:00+00:00",
                    content_html="<p>About us.</p>",
                    content_text="About us.",
                )
            ],
            seen_at=SEEN,
        )
        writes.save_findings(
            database,
            [
                Findings.from_objects(
                    "101",
                    figures=[
                        SimpleNamespace(
                            raw="790",
                            value=790.0,
                            kind="count",
                            currency=None,
                            qualifier="over",
                            subject="workers",
                            sentence="Over 790 workers joined.",
                            char_start=14,
                            char_end=17,
                        )
                    ],
                    countries=[
                        SimpleNamespace(code="KH", name="Cambodia", mentions=2, is_primary=True)
                    ],
                    themes=[SimpleNamespace(theme="pensions", score=1.0, evidence=("pension",))],
                    figures_version="f1",
                    version="v1",
                )
            ],
        )
    yield database
    database.conn.close()


def _fake_fetcher(calls: list[str]):
    """Image bytes derived from the URL; the `broken` one fails like a 404 would."""

    def fetch(url: str) -> bytes:
        calls.append(url)
        if "broken" in url:
            raise OSError("404 Not Found")
        return PNG + url.encode()

    return fetch


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _front_matter(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    head, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(head), body


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


# ------------------------------------------------------------------------ JSON Lines


def test_jsonl_has_each_live_post_once_with_figures_tags_and_threaded_comments(db, tmp_path):
    out = tmp_path / "out"
    report = export_archive(db, out, fmt="jsonl")

    posts = _read_jsonl(out / "posts.jsonl")
    assert [p["id"] for p in posts] == LIVE_IDS  # published order, live only
    assert (report.posts, report.pages) == (3, 1)
    first = posts[0]
    assert first["title"] == TRICKY_TITLE
    assert first["labels"] == ["Cambodia", "pensions"]
    assert first["countries"] == ["Cambodia"] and first["primary_countries"] == ["Cambodia"]
    assert first["themes"] == ["pensions"]
    assert first["country_tags"] == [
        {"code": "KH", "name": "Cambodia", "mentions": 2, "is_primary": 1}
    ]
    assert first["theme_tags"][0]["evidence"] == ["pension"]
    assert [(f["raw"], f["value"], f["subject"]) for f in first["figures"]] == [
        ("790", 790.0, "workers")
    ]
    assert "content_html" in first and "first_seen" in first  # every posts column

    comments = first["comments"]
    assert [c["id"] for c in comments] == ["c1", "c4", "c5"]
    assert comments[0]["replies"][0]["id"] == "c2"
    assert comments[0]["replies"][0]["replies"][0]["id"] == "c3"
    assert comments[2]["in_reply_to"] == "c-not-stored"  # orphan kept, not dropped
    assert posts[1]["comments"] == [] and posts[1]["figures"] == []
    assert [i["url"] for i in first["images"]] == [THUMB, BROKEN]
    assert "local_path" not in first["images"][0]  # no media asked for

    pages = _read_jsonl(out / "pages.jsonl")
    assert [p["id"] for p in pages] == ["900"]


def test_include_deleted_adds_deleted_posts_and_drafts(db, tmp_path):
    export_archive(db, tmp_path / "out", fmt="jsonl", include_deleted=True)
    posts = _read_jsonl(tmp_path / "out" / "posts.jsonl")
    assert sorted(p["id"] for p in posts) == sorted([*LIVE_IDS, "201", "301"])
    assert {p["id"]: p["status"] for p in posts}["201"] == "deleted"
    assert {p["id"]: p["status"] for p in posts}["301"] == "draft"


def test_progress_reaches_the_total(db, tmp_path):
    calls: list[tuple[int, int]] = []
    export_archive(
        db, tmp_path / "out", fmt="markdown", progress=lambda phase, d, t: calls.append((d, t))
    )
    assert calls[-1] == (4, 4)  # 3 live posts + 1 page
    assert [d for d, _ in calls] == [1, 2, 3, 4]


# -------------------------------------------------------------------------- Markdown


def test_hugo_tree_front_matter_and_urlmap(db, tmp_path):
    out = tmp_path / "site"
    report = export_archive(db, out, fmt="markdown", layout="hugo")

    posts = sorted(str(p.relative_to(out)) for p in (out / "content/posts").rglob("*.md"))
    assert posts == [
        "content/posts/2024/03/pensions-cambodia.md",
        "content/posts/2024/04/blog-post.md",
        "content/posts/2024/05/pensions-cambodia-2.md",
    ]
    meta, body = _front_matter(out / posts[0])
    assert meta["title"] == TRICKY_TITLE
    assert meta["date"] == "2024-03-05T10:00:00+00:00"
    assert meta["tags"] == ["Cambodia", "pensions"]
    assert meta["countries"] == ["Cambodia"] and meta["themes"] == ["pensions"]
    assert meta["aliases"] == meta["redirect_from"] == ["/2024/03/pensions-cambodia.html"]
    # Spelled out under both keys, not as a YAML anchor/alias strict loaders refuse.
    text = (out / posts[0]).read_text(encoding="utf-8")
    assert "redirect_from:\n- /2024/03/pensions-cambodia.html\n" in text
    assert meta["original_url"] == f"{BLOG}/2024/03/pensions-cambodia.html"
    assert meta["draft"] is False and "published" not in meta
    assert "## Coverage" in body and "- first" in body
    assert f"[![Queue]({THUMB})]({BIG})" in body  # image in a caption table kept

    empty_meta, _ = _front_matter(out / posts[1])
    assert empty_meta["title"] == ""

    page_meta, _ = _front_matter(out / "content/pages/about.md")
    assert page_meta["aliases"] == page_meta["redirect_from"] == ["/p/about.html"]

    with (out / "urlmap.csv").open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {r["old_url"]: r["new_path"] for r in rows} == {
        f"{BLOG}/2024/03/pensions-cambodia.html": posts[0],
        f"{BLOG}/2024/04/blog-post.html": posts[1],
        f"{BLOG}/2024/05/pensions-cambodia.html": posts[2],
        f"{BLOG}/p/about.html": "content/pages/about.md",
    }
    assert set(report.files) == {*posts, "content/pages/about.md", "urlmap.csv"}


def test_jekyll_tree_with_deleted_and_drafts(db, tmp_path):
    out = tmp_path / "site"
    export_archive(db, out, fmt="markdown", layout="jekyll", include_deleted=True)

    names = sorted(p.name for p in (out / "_posts").iterdir())
    assert names == [
        "2023-01-10-old-news.md",
        "2024-03-05-pensions-cambodia.md",
        "2024-04-01-blog-post.md",
        "2024-05-02-pensions-cambodia-2.md",
        "2024-05-20-draft-plans-for-nepal.md",  # no URL: slug from title, date from updated
    ]
    live, _ = _front_matter(out / "_posts/2024-03-05-pensions-cambodia.md")
    assert live["redirect_from"] == ["/2024/03/pensions-cambodia.html"]
    assert live["draft"] is False and "published" not in live
    for name in ("2023-01-10-old-news.md", "2024-05-20-draft-plans-for-nepal.md"):
        meta, _ = _front_matter(out / "_posts" / name)
        assert meta["draft"] is True and meta["published"] is False
    draft, _ = _front_matter(out / "_posts/2024-05-20-draft-plans-for-nepal.md")
    assert draft["title"] == "Draft: plans for Nepal"
    assert draft["aliases"] == [] and draft["original_url"] == ""
    assert (out / "_pages/about.md").is_file()


def test_hugo_marks_hidden_posts_as_drafts_only(db, tmp_path):
    out = tmp_path / "site"
    export_archive(db, out, fmt="markdown", layout="hugo", include_deleted=True)
    meta, _ = _front_matter(out / "content/posts/2023/01/old-news.md")
    assert meta["draft"] is True
    assert "published" not in meta  # Hugo reads `published` as a date


@pytest.mark.parametrize("fmt", ["jsonl", "markdown"])
def test_exporting_twice_gives_identical_bytes(db, tmp_path, fmt):
    trees = []
    for name in ("a", "b"):
        export_archive(
            db,
            tmp_path / name,
            fmt=fmt,
            include_deleted=True,
            media=True,
            fetch_image=_fake_fetcher([]),
        )
        trees.append(_tree(tmp_path / name))
    assert trees[0] == trees[1]
    assert len(trees[0]) > 3


def test_slugify_handles_punctuation_accents_and_empty_results():
    assert slugify(TRICKY_TITLE) == "pensions-a-new-deal-for-cambodias-workers"
    assert slugify("Trabajadoras domésticas") == "trabajadoras-domesticas"
    assert slugify("blog-post_12") == "blog-post_12"
    assert slugify("សន្តិសុខសង្គម") == ""  # Khmer only: the caller falls back to the id


# ----------------------------------------------------------------------------- media


def test_media_downloads_originals_once_rewrites_links_and_lists_failures(db, tmp_path):
    out = tmp_path / "site"
    calls: list[str] = []
    report = export_archive(db, out, fmt="markdown", media=True, fetch_image=_fake_fetcher(calls))

    # Thumbnail, its big link and the w640-h400 copy in another post are one picture.
    assert calls.count(ORIGINAL) == 1
    assert all("/s320/" not in c and "/s1600/" not in c for c in calls)
    assert f"{NEW_STYLE.split('=')[0]}=s0" in calls
    assert report.images_failed == [
        ("https://1.bp.blogspot.com/-x/Y/AAAA/z/s0/broken.png", "OSError: 404 Not Found")
    ]
    assert report.images_saved == 3  # original, new-style, chart

    local = f"media/{media_stem(ORIGINAL)}.jpg"
    assert (out / local).read_bytes() == PNG + ORIGINAL.encode()
    _, body = _front_matter(out / "content/posts/2024/03/pensions-cambodia.md")
    assert f"[![Queue](/{local})](/{local})" in body  # thumbnail and link both local
    assert BROKEN in body  # failed image keeps its old link
    new_style = f"media/{media_stem(NEW_STYLE.split('=')[0] + '=s0')}.png"  # sniffed type
    assert (out / new_style).is_file()
    assert f"/{new_style}" in (out / "content/posts/2024/04/blog-post.md").read_text()
    assert local in report.files


def test_media_paths_in_jsonl(db, tmp_path):
    export_archive(db, tmp_path / "out", fmt="jsonl", media=True, fetch_image=_fake_fetcher([]))
    first = _read_jsonl(tmp_path / "out" / "posts.jsonl")[0]
    images = {i["url"]: i for i in first["images"]}
    assert images[THUMB]["local_path"] == f"media/{media_stem(ORIGINAL)}.jpg"
    assert images[THUMB]["alt"] == "Queue"
    assert "local_path" not in images[BROKEN]
    assert (tmp_path / "out" / images[THUMB]["local_path"]).is_file()


def test_media_export_resumes_without_refetching(db, tmp_path):
    out = tmp_path / "site"
    export_archive(db, out, fmt="markdown", media=True, fetch_image=_fake_fetcher([]))
    before = _tree(out)

    calls: list[str] = []
    again = export_archive(db, out, fmt="markdown", media=True, fetch_image=_fake_fetcher(calls))
    assert calls == ["https://1.bp.blogspot.com/-x/Y/AAAA/z/s0/broken.png"]  # only the failure
    assert (again.images_saved, again.images_present) == (0, 3)
    assert _tree(out) == before


def test_media_takes_an_archived_original_from_the_warc_without_fetching(db, tmp_path):
    writes.set_image_capture(db, CHART, 7)
    calls: list[str] = []
    out = tmp_path / "site"
    export_archive(
        db,
        out,
        fmt="markdown",
        media=True,
        fetch_image=_fake_fetcher(calls),
        load_capture={7: b"GIF89a archived"}.get,
    )
    assert CHART not in calls
    assert (out / f"media/{media_stem(CHART)}.gif").read_bytes() == b"GIF89a archived"


def test_media_fetches_the_original_of_an_archived_thumbnail_and_falls_back_to_it(db, tmp_path):
    writes.set_image_capture(db, THUMB, 8)  # the scraper archived the displayed size
    writes.set_image_capture(db, BROKEN, 9)  # ...and of the picture now gone upstream
    writes.set_image_capture(db, CHART, 10)  # unreadable WARC record: fetched instead
    warc = {8: b"\xff\xd8\xff thumbnail", 9: b"\x89PNG archived s400", 10: None}
    calls: list[str] = []
    out = tmp_path / "site"
    report = export_archive(
        db, out, fmt="markdown", media=True, fetch_image=_fake_fetcher(calls), load_capture=warc.get
    )

    assert (out / f"media/{media_stem(ORIGINAL)}.jpg").read_bytes() == PNG + ORIGINAL.encode()
    broken = original_image_url(BROKEN)
    assert broken in calls
    assert (out / f"media/{media_stem(broken)}.png").read_bytes() == b"\x89PNG archived s400"
    assert CHART in calls
    assert report.images_failed == []
    assert report.images_saved == 4


def test_media_without_fetcher_saves_only_archived_images(db, tmp_path):
    writes.set_image_capture(db, CHART, 7)
    writes.set_image_capture(db, THUMB, 8)
    report = export_archive(
        db,
        tmp_path / "site",
        fmt="markdown",
        media=True,
        load_capture={7: b"GIF89a", 8: b"\xff\xd8\xff"}.get,
    )
    assert report.images_saved == 2
    assert sorted(url for url, _ in report.images_failed) == sorted(
        [original_image_url(BROKEN), original_image_url(NEW_STYLE)]
    )
    assert all(reason.startswith("LookupError") for _, reason in report.images_failed)


@pytest.mark.parametrize(
    ("url", "original"),
    [
        (f"{IMG}/s1600/a.jpg", f"{IMG}/s0/a.jpg"),
        (f"{IMG}/s320-c/a.jpg", f"{IMG}/s0/a.jpg"),
        (f"{IMG}/w640-h400/a.jpg", f"{IMG}/s0/a.jpg"),
        (f"{IMG}/w72-h72-p-nu/a.jpg", f"{IMG}/s0/a.jpg"),
        (f"{IMG}/s0/a.jpg", f"{IMG}/s0/a.jpg"),
        (
            "http://3.bp.blogspot.com/-h4/TkK/AAAA/PUc/s1600-h/ex.png",
            "https://3.bp.blogspot.com/-h4/TkK/AAAA/PUc/s0/ex.png",
        ),
        (
            "https://blogger.googleusercontent.com/img/a/AVvXsEg=s1600",
            "https://blogger.googleusercontent.com/img/a/AVvXsEg=s0",
        ),
        (
            "https://lh3.googleusercontent.com/ULB6=w1200-h630-n-k-no-nu",
            "https://lh3.googleusercontent.com/ULB6=s0",
        ),
        # Not Blogger-hosted, or no size in it: left alone.
        ("https://example.org/s1600/a.jpg", "https://example.org/s1600/a.jpg"),
        ("https://example.org/photo.jpg?w=640", "https://example.org/photo.jpg?w=640"),
        (
            "https://1.bp.blogspot.com/-ab/Cd/AAAA/Ef/photo.jpg",
            "https://1.bp.blogspot.com/-ab/Cd/AAAA/Ef/photo.jpg",
        ),
    ],
)
def test_original_image_url_resolves_blogger_size_variants(url, original):
    assert original_image_url(url) == original
