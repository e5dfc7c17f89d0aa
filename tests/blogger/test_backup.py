"""Blogger export files (old "Back up content" and new Takeout `feed.atom`) → records.

The documents here are small inline exports written to the shapes of the real
samples in shared/samples (export-old/, export-new/) and of what Takeout
documents for what no sample shows (comments, pages, drafts, trashed posts).
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from pipeline.blogger.backup import BackupContents, iter_backup, parse_backup
from pipeline.errors import InputFileError

REPO = Path(__file__).resolve().parents[2]
KIND = "http://schemas.google.com/blogger/2008/kind#"
BLOG = "7001"

# ----------------------------------------------------------------- old format


def old_export(*entries: str, feed_id: str = f"tag:blogger.com,1999:blog-{BLOG}.archive") -> bytes:
    return (
        "<?xml version='1.0' encoding='UTF-8'?>"
        '<?xml-stylesheet href="https://www.blogger.com/styles/atom.css" type="text/css"?>'
        "<feed xmlns='http://www.w3.org/2005/Atom' "
        "xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/' "
        "xmlns:gd='http://schemas.google.com/g/2005' "
        "xmlns:thr='http://purl.org/syndication/thread/1.0'>"
        f"<id>{feed_id}</id><updated>2024-01-05T10:00:00.123+11:00</updated>"
        "<title type='text'>INSP!R rights in Asia</title>"
        f"<link rel='alternate' type='text/html' href='http://rightspasia.blogspot.com/'/>"
        + "".join(entries)
        + "</feed>"
    ).encode()


def old_entry(
    kind: str,
    item: str,
    *,
    title: str = "",
    content: str = "",
    published: str = "2023-07-01T09:30:00.001+10:00",
    extra: str = "",
) -> str:
    return (
        f"<entry><id>tag:blogger.com,1999:blog-{BLOG}.{item}</id>"
        f"<published>{published}</published><updated>{published}</updated>"
        f"<category scheme='http://schemas.google.com/g/2005#kind' term='{KIND}{kind}'/>"
        f"<title type='text'>{escape(title)}</title>"
        f"<content type='html'>{escape(content)}</content>{extra}"
        "<author><name>INSP!R</name><email>noreply@blogger.com</email></author></entry>"
    )


def setting(name: str, value: str) -> str:
    return old_entry("settings", f"settings.{name}", title="a localised label", content=value)


TEMPLATE = old_entry(
    "template",
    "layout",
    title="Template: INSP!R",
    content="<?xml version='1.0'?><html b:version='2'/>",
)
POST_URL = "https://rightspasia.blogspot.com/2024/01/maternity-cover.html"
LIVE_POST = old_entry(
    "post",
    "post-5001",
    title="Maternity cover for 1,200 workers",
    published="2024-01-01T00:30:00.001+11:00",
    content="<p>In Dhaka, 45% of women <b>lacked</b> cover.</p><script>alert(1)</script>"
    f"<a href='{POST_URL}#more'>Read more</a>",
    extra=(
        "<category scheme='http://www.blogger.com/atom/ns#' term='gender'/>"
        "<category scheme='http://www.blogger.com/atom/ns#' term='Bangladesh ভাতা'/>"
        f"<link rel='alternate' type='text/html' href='{POST_URL}' title='x'/>"
        "<thr:total>3</thr:total>"
    ),
)
WINTER_POST = old_entry(
    "post",
    "post-5002",
    title="Pensions in Nepal",
    content="<p>Winter.</p>",
    published="2023-07-15T23:10:00.004+10:00",
    extra="<link rel='alternate' type='text/html' "
    "href='https://rightspasia.blogspot.com/2023/07/pensions.html'/>",
)
DRAFT_POST = old_entry(
    "post",
    "post-5003",
    content="<p>Unfinished</p>",
    extra="<app:control xmlns:app='http://purl.org/atom/app#'><app:draft>yes</app:draft>"
    "</app:control>",
)
PAGE = old_entry(
    "page",
    "page-6001",
    title="About INSP!R",
    content="<p>A network.</p>",
    extra="<link rel='alternate' type='text/html' "
    "href='https://rightspasia.blogspot.com/p/about.html'/>",
)
DRAFT_PAGE = old_entry(
    "page",
    "page-6002",
    title="Contact (draft)",
    content="<p>x</p>",
    extra="<app:control xmlns:app='http://purl.org/atom/app#'><app:draft>yes</app:draft>"
    "</app:control>",
)
API = f"https://www.blogger.com/feeds/{BLOG}/5001/comments/default"


def old_comment(cid: str, text: str, *, parent: str | None = None, removed: bool = False) -> str:
    extra = (
        f"<link rel='alternate' type='text/html' href='{POST_URL}?showComment=1#c{cid}'/>"
        + (
            f"<link rel='related' type='application/atom+xml' href='{API}/{parent}'/>"
            if parent
            else ""
        )
        + f"<thr:in-reply-to href='{POST_URL}' ref='tag:blogger.com,1999:blog-{BLOG}.post-5001' "
        f"source='https://www.blogger.com/feeds/{BLOG}/posts/default/5001' type='text/html'/>"
        + ("<gd:extendedProperty name='blogger.contentRemoved' value='true'/>" if removed else "")
        + "<gd:extendedProperty name='blogger.displayTime' value='1 January 2024 at 10:00'/>"
    )
    return old_entry(
        "comment",
        f"post-{cid}",
        title=text[:10],
        content=text,
        published="2024-01-02T10:00:00.250+11:00",
        extra=extra,
    )


@pytest.fixture(scope="module")
def old() -> BackupContents:
    return parse_backup(
        old_export(
            TEMPLATE,
            setting("BLOG_TIME_ZONE", "Australia/Sydney"),
            setting("BLOG_DESCRIPTION", "Social protection rights in Asia"),
            LIVE_POST,
            WINTER_POST,
            DRAFT_POST,
            PAGE,
            DRAFT_PAGE,
            old_comment("9001", "Which districts?"),
            old_comment("9002", "Rangpur and Sylhet.", parent="9001"),
            old_comment(
                "9003", "This comment has been removed by the author.", parent="9001", removed=True
            ),
        )
    )


def test_old_format_blog_and_skipped_kinds(old):
    assert old.format == "old"
    assert (old.blog.id, old.blog.title) == (BLOG, "INSP!R rights in Asia")
    assert old.blog.url == "http://rightspasia.blogspot.com/"
    assert old.blog.subtitle == "Social protection rights in Asia"
    assert old.blog.timezone_offset == "+11:00"
    assert old.skipped == {"settings": 2, "template": 1, "other": 0}
    assert old.settings["BLOG_TIME_ZONE"] == "Australia/Sydney"


def test_old_format_live_post(old):
    post = next(p for p in old.posts if p.id == "5001")
    assert (post.blog_id, post.url, post.author) == (BLOG, POST_URL, "INSP!R")
    assert post.title == "Maternity cover for 1,200 workers"
    # ms tie-breaker dropped, UTC; the year is the blog's own (New Year's Eve in UTC)
    assert post.published == "2023-12-31T13:30:00+00:00"
    assert post.year == 2024
    assert post.labels == ["gender", "Bangladesh ভাতা"]
    assert (post.status, post.body_source, post.comment_total) == ("live", "export", 3)
    assert post.partial is False  # an export body is whole even with a #more link in it
    assert "<script" not in post.content_html and "<b>lacked</b>" in post.content_html
    assert post.content_text.startswith("In Dhaka, 45% of women lacked cover.")


def test_old_format_dst_offsets(old):
    winter = next(p for p in old.posts if p.id == "5002")
    assert winter.published == "2023-07-15T13:10:00+00:00"  # +10:00 in July, +11:00 in January
    assert winter.year == 2023


def test_old_format_draft_with_empty_title_and_no_link(old):
    draft = next(p for p in old.posts if p.id == "5003")
    assert (draft.status, draft.title, draft.url) == ("draft", "", None)
    assert [p.id for p in old.posts if p.status == "live"] == ["5001", "5002"]


def test_old_format_pages(old):
    assert [(p.id, p.title, p.status) for p in old.pages] == [
        ("6001", "About INSP!R", "live"),
        ("6002", "Contact (draft)", "draft"),
    ]
    assert old.pages[0].url == "https://rightspasia.blogspot.com/p/about.html"
    assert old.pages[0].content_text == "A network."


def test_old_format_comment_threads_and_removed(old):
    by_id = {c.id: c for c in old.comments}
    assert set(by_id) == {"9001", "9002", "9003"}
    assert {c.post_id for c in old.comments} == {"5001"}
    assert by_id["9001"].in_reply_to is None
    assert by_id["9002"].in_reply_to == "9001"
    assert by_id["9003"].removed is True and by_id["9002"].removed is False
    assert by_id["9002"].published == "2024-01-01T23:00:00+00:00"
    assert by_id["9002"].url == f"{POST_URL}?showComment=1#c9002"


def test_old_format_empty_archive_is_a_valid_export():
    empty = parse_backup(old_export())
    assert (empty.format, empty.blog.id, empty.posts, empty.comments) == ("old", BLOG, [], [])


def test_old_format_unknown_kind_is_counted_as_other():
    contents = parse_backup(old_export(old_entry("widget", "widget-1"), WINTER_POST))
    assert contents.skipped["other"] == 1
    assert [p.id for p in contents.posts] == ["5002"]


# ----------------------------------------------------------------- new format

NEW_BLOG = "408168245790957392"


def new_export(*entries: str, feed_id: str = f"tag:blogger.com,1999:blog-{NEW_BLOG}") -> bytes:
    return (
        "<?xml version='1.0' encoding='utf-8'?>\n"
        "<feed xmlns='http://www.w3.org/2005/Atom' "
        "xmlns:blogger='http://schemas.google.com/blogger/2018'>\n"
        f"  <id>{feed_id}</id>\n  <title>Rights in Asia</title>\n"
        + "\n".join(entries)
        + "\n</feed>\n"
    ).encode()


def new_entry(
    kind: str,
    item: str,
    *,
    status: str = "LIVE",
    title: str = "",
    content: str = "",
    extra: str = "",
    published: str | None = "2021-12-31T20:15:00Z",
    blog: str = NEW_BLOG,
) -> str:
    pub = f"<published>{published}</published>" if published else ""
    return (
        f"<entry><id>tag:blogger.com,1999:blog-{blog}.{item}</id>"
        f"<blogger:type>{kind}</blogger:type><blogger:status>{status}</blogger:status>"
        "<author><name>Nisha</name><uri></uri><blogger:type>BLOGGER</blogger:type></author>"
        f"<title>{escape(title)}</title><content type='html'>{escape(content)}</content>"
        f"<blogger:created>2021-10-08T19:40:53.278Z</blogger:created>{pub}"
        f"<updated>2022-01-02T03:04:05.997Z</updated>{extra}</entry>"
    )


def filename(path: str) -> str:
    return f"<blogger:filename>{path}</blogger:filename>"


REF = f"tag:blogger.com,1999:blog-{NEW_BLOG}.post-"


@pytest.fixture(scope="module")
def new() -> BackupContents:
    return parse_backup(
        new_export(
            new_entry(
                "POST",
                "post-11",
                title="Informal workers in Cambodia",
                content="<p>790 workers <img src='https://x/a.png' alt='chart'></p>",
                extra=filename("/2021/12/informal-workers.html")
                + "<category scheme='tag:blogger.com,1999:blog-408168245790957392' "
                "term='informal workers'/><category term='Cambodia'/>",
            ),
            new_entry(
                "POST",
                "post-12",
                status="DRAFT",
                title="",
                extra=filename("/2022/01/draft.html"),
                published=None,
            ),
            new_entry(
                "POST",
                "post-13",
                status="SOFT_TRASHED",
                title="Old news",
                extra=filename("/2019/05/old-news.html") + "<blogger:trashed>2022-01-01T00:00:00Z"
                "</blogger:trashed>",
            ),
            new_entry("POST", "post-14", status="DELETED", title="Gone"),
            new_entry(
                "PAGE",
                "page-21",
                title="About",
                content="<p>Network</p>",
                extra=filename("/p/about.html"),
            ),
            new_entry(
                "COMMENT",
                "post-31",
                content="First!",
                extra=f"<blogger:parent>{REF}11</blogger:parent><blogger:inReplyTo/>",
            ),
            new_entry(
                "COMMENT",
                "post-32",
                content="A reply",
                extra=f"<blogger:parent>{REF}11</blogger:parent>"
                f"<blogger:inReplyTo>{REF}31</blogger:inReplyTo>",
            ),
            new_entry(
                "COMMENT",
                "post-33",
                status="SPAM_COMMENT",
                content="buy now",
                extra=f"<blogger:parent>{REF}11</blogger:parent>",
            ),
            new_entry("SETTINGS", "settings-1"),
        ),
        blog_url="rightspasia.blogspot.com",
    )


def test_new_format_statuses(new):
    assert new.format == "new"
    assert [(p.id, p.status) for p in new.posts] == [
        ("11", "live"),
        ("12", "draft"),
        ("13", "deleted"),
        ("14", "deleted"),
    ]
    assert {p.body_source for p in new.posts} == {"export"}


def test_new_format_post_fields(new):
    post = new.posts[0]
    assert post.blog_id == NEW_BLOG
    assert post.url == "https://rightspasia.blogspot.com/2021/12/informal-workers.html"
    assert (post.title, post.author) == ("Informal workers in Cambodia", "Nisha")
    assert post.published == "2021-12-31T20:15:00+00:00"
    assert post.updated == "2022-01-02T03:04:05+00:00"
    assert post.year == 2021
    assert post.labels == ["informal workers", "Cambodia"]
    assert post.content_text == "790 workers"
    assert post.images == [("https://x/a.png", "chart")]


def test_new_format_draft_without_published_falls_back_to_created(new):
    draft = new.posts[1]
    assert (draft.title, draft.published, draft.year) == ("", "2021-10-08T19:40:53+00:00", 2021)


def test_new_format_post_without_filename_has_no_url(new):
    assert new.posts[3].url is None


def test_new_format_pages_and_other_types(new):
    assert [(p.id, p.title, p.status, p.url) for p in new.pages] == [
        ("21", "About", "live", "https://rightspasia.blogspot.com/p/about.html")
    ]
    assert new.skipped == {"settings": 1, "template": 0, "other": 0}


def test_new_format_comments(new):
    by_id = {c.id: c for c in new.comments}
    assert {c.post_id for c in new.comments} == {"11"}
    assert by_id["31"].in_reply_to is None  # empty <blogger:inReplyTo/>
    assert by_id["32"].in_reply_to == "31"
    assert by_id["31"].removed is False
    assert by_id["33"].removed is True  # not LIVE: kept, hidden
    assert by_id["32"].content_text == "A reply"


def test_new_format_blog_info(new):
    assert new.blog.id == NEW_BLOG
    assert new.blog.url == "https://rightspasia.blogspot.com/"
    assert new.blog.title == "Rights in Asia"


def test_new_format_without_blog_url_keeps_records_but_no_urls():
    contents = parse_backup(new_export(new_entry("POST", "post-11", extra=filename("/a.html"))))
    assert (contents.posts[0].id, contents.posts[0].url) == ("11", None)


def test_new_format_blog_id_from_entries_when_feed_has_none():
    contents = parse_backup(new_export(new_entry("POST", "post-11", blog="55"), feed_id=""))
    assert contents.blog.id == "55" and contents.posts[0].blog_id == "55"


def test_new_format_blog_id_derived_from_blog_url_is_stable():
    doc = new_export(
        "<entry><id>tag:blogger.com,1999:blog.post-p1</id>"
        "<blogger:type>POST</blogger:type><blogger:status>LIVE</blogger:status>"
        "<title>T</title></entry>",
        feed_id="",
    )
    one = parse_backup(doc, blog_url="https://rightspasia.blogspot.com/")
    two = parse_backup(doc, blog_url="http://rightspasia.blogspot.com")
    other = parse_backup(doc, blog_url="https://another.blogspot.com/")
    assert one.blog.id == two.blog.id != other.blog.id
    assert not one.blog.id.isdigit()  # never mistaken for a Blogger id
    assert one.posts[0].blog_id == one.blog.id and one.posts[0].id == "p1"
    with pytest.raises(InputFileError, match="blog-url"):
        parse_backup(doc)


# ----------------------------------------------------------- not an export


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "empty"),
        (b"  \n", "empty"),
        (b"<!DOCTYPE html><html><body><p>Blog</p></body></html>", "HTML page"),
        (b"<html><head><title>x</title></head></html>", "HTML page"),
        (b"<?xml version='1.0'?><rss version='2.0'><channel/></rss>", "<rss>"),
        (b"<?xml version='1.0'?><config><a>1</a></config>", "<config>"),
        (b"not xml at all", "malformed"),
        (
            b"<feed xmlns='http://www.w3.org/2005/Atom'><id>urn:x</id>"
            b"<entry><id>urn:1</id><title>t</title></entry></feed>",
            "not a Blogger export",
        ),
        (b"<feed xmlns='http://www.w3.org/2005/Atom'><id>urn:x</id></feed>", "no Blogger export"),
    ],
)
def test_not_an_export(data, why):
    with pytest.raises(InputFileError, match=why) as info:
        parse_backup(data)
    assert info.value.exit_code == 2
    assert "\n" not in str(info.value)


def test_blogger_posts_feed_is_refused_with_a_pointer_to_run():
    feed = (
        "<feed xmlns='http://www.w3.org/2005/Atom'>"
        f"<id>tag:blogger.com,1999:blog-{BLOG}</id><title>INSP!R</title>"
        f"<entry><id>tag:blogger.com,1999:blog-{BLOG}.post-5001</id><title>t</title>"
        "<category scheme='http://www.blogger.com/atom/ns#' term='gender'/></entry></feed>"
    ).encode()
    with pytest.raises(InputFileError, match="a Blogger feed.*not an export"):
        parse_backup(feed)


def test_truncated_export_is_refused_before_any_record(tmp_path):
    whole = old_export(*(LIVE_POST for _ in range(3)))
    cut = whole[: len(whole) * 2 // 3]
    with pytest.raises(InputFileError, match="truncated"):
        parse_backup(cut, name="takeout.xml")
    path = tmp_path / "cut.xml"
    path.write_bytes(cut)
    batches = iter_backup(path, name=str(path))
    with pytest.raises(InputFileError, match=f"^{path}: truncated"):
        next(batches)


def test_truncated_stream_that_cannot_seek_still_fails_cleanly():
    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.inner = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buf) -> int:
            chunk = self.inner.read(len(buf))
            buf[: len(chunk)] = chunk
            return len(chunk)

    whole = old_export(LIVE_POST, WINTER_POST)
    with pytest.raises(InputFileError, match="malformed or truncated XML"):
        parse_backup(Pipe(whole[:-40]))
    assert [p.id for p in parse_backup(Pipe(whole)).posts] == ["5001", "5002"]


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputFileError, match="cannot read"):
        parse_backup(tmp_path / "nope.xml")


# ------------------------------------------------------------------ streaming


def test_iter_export_batches_and_final_summary(tmp_path):
    path = tmp_path / "export.xml"
    path.write_bytes(
        old_export(
            TEMPLATE, *(old_entry("post", f"post-{i}", title=f"P{i}") for i in range(7)), PAGE
        )
    )
    batches = list(iter_backup(path, batch_size=3))
    assert [len(b) for b in batches] == [3, 3, 2]
    assert [b.summary is not None for b in batches] == [False, False, True]
    assert [p.id for b in batches for p in b.posts] == [str(i) for i in range(7)]
    assert batches[-1].summary.skipped["template"] == 1
    assert batches[-1].summary.blog.id == BLOG


def write_big_export(path: Path, posts: int) -> None:
    """A realistic old-format export written entry by entry (never whole in memory)."""
    body = (
        "<p>In 2023, 1,250 domestic workers in Kathmandu joined the scheme; "
        "45% were women under 35.</p>" * 30
    )
    with path.open("wb") as f:
        f.write(old_export().removesuffix(b"</feed>"))
        for i in range(posts):
            f.write(
                old_entry(
                    "post",
                    f"post-{i}",
                    title=f"Post {i}",
                    content=body,
                    extra=f"<link rel='alternate' href='https://x.blogspot.com/{i}'/>",
                ).encode()
            )
        f.write(b"</feed>")


PEAK_RSS = """
import resource, sys
from pipeline.blogger.backup import iter_backup
n = sum(len(batch.posts) for batch in iter_backup(sys.argv[1]))
print(n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_rss_kib(path: Path) -> tuple[int, int]:
    """(posts read, peak RSS in KiB) of a fresh interpreter streaming the export.

    RSS, not tracemalloc: libxml2's tree lives outside Python's allocator, and
    a tree that is never cleared is exactly the failure this guards against.
    """
    out = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return int(out[0]), int(out[1])


@pytest.mark.slow
def test_large_export_streams_in_bounded_memory(tmp_path):
    small, large = tmp_path / "small.xml", tmp_path / "large.xml"
    write_big_export(small, 500)
    write_big_export(large, 5000)
    assert large.stat().st_size > 15_000_000
    (n_small, rss_small), (n_large, rss_large) = peak_rss_kib(small), peak_rss_kib(large)
    assert (n_small, n_large) == (500, 5000)
    # 10× the posts (~17 MB more XML) may cost a little, never the file or its tree
    assert rss_large - rss_small < 15 * 1024
