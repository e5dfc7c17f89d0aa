"""Blogger export files for a synthetic blog, in both formats the importer must read.

* the old "Back up content" Atom file (``…blog-ID.archive``, kind categories, drafts
  as ``app:control/app:draft``, comments last), modelled on the two real exports in
  shared/samples/export-old;
* the 2018 Takeout ``feed.atom`` (``blogger:type`` / ``blogger:status`` /
  ``blogger:filename`` …, UTC ``Z`` times), modelled on the transcribed excerpt.

Both are generated as streams of byte chunks: the bench imports a 100,000-post export,
which is written without holding the blog in memory (see :func:`write_synthetic_backup`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

from .model import (
    Author,
    Blog,
    Comment,
    Page,
    Post,
    atom_time,
    author_xml,
    comment_links,
    comment_title,
    make_builder,
    tag_id,
    utc_time,
    xml_escape,
)

API = "https://www.blogger.com/feeds"
KIND = (
    "<category scheme='http://schemas.google.com/g/2005#kind' "
    "term='http://schemas.google.com/blogger/2008/kind#{}'/>"
)
LABEL = "<category scheme='http://www.blogger.com/atom/ns#' term='{}'/>"
FEED_MODES = {"full": "FULL", "jumpbreak": "UNTIL_JUMP_BREAK", "summary": "SHORT", "none": "NONE"}
NEW_STATUS = {"live": "LIVE", "draft": "DRAFT", "trashed": "SOFT_TRASHED"}
TEMPLATE = """<?xml version="1.0" encoding="UTF-8" ?>
<!DOCTYPE html>
<html b:version='2' class='v2' expr:dir='data:blog.languageDirection' xmlns='http://www.w3.org/1999/xhtml' xmlns:b='http://www.google.com/2005/gml/b' xmlns:data='http://www.google.com/2005/gml/data' xmlns:expr='http://www.google.com/2005/gml/expr'>
  <head>
    <b:include data='blog' name='all-head-content'/>
    <title><data:blog.pageTitle/></title>
    <b:skin><![CDATA[/* Blogger Template Style
Name:     Simple
Designer: Blogger
URL:      www.blogger.com */
body { font: normal normal 12px Arial, Tahoma, Helvetica, FreeSans, sans-serif; }
]]></b:skin>
  </head>
  <body>
    <b:section class='main' id='main' showaddelement='no'>
      <b:widget id='Blog1' locked='true' title='Blog Posts' type='Blog'/>
    </b:section>
  </body>
</html>"""  # noqa: E501 - Blogger writes the root element on one line


def _display_time(comment: Comment) -> str:
    """blogger.displayTime as an en_GB account shows it: '5 November 2012 at 00:15'."""
    return f"{comment.published:%-d %B %Y at %H:%M}"


def _export_time(blog: Blog) -> str:
    return atom_time(blog.updated if blog.live_posts else blog.local(blog.created))


# -- old format ---------------------------------------------------------------------------


def _old_head(blog: Blog) -> str:
    archive = f"{API}/{blog.blog_id}/archive"
    return (
        "<?xml version='1.0' encoding='UTF-8'?><?xml-stylesheet "
        'href="https://www.blogger.com/styles/atom.css" type="text/css"?>'
        "<feed xmlns='http://www.w3.org/2005/Atom' "
        "xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/' "
        "xmlns:gd='http://schemas.google.com/g/2005' "
        "xmlns:thr='http://purl.org/syndication/thread/1.0' "
        "xmlns:georss='http://www.georss.org/georss'>"
        f"<id>{tag_id(blog.blog_id, '.archive')}</id><updated>{_export_time(blog)}</updated>"
        f"<title type='text'>{xml_escape(blog.title)}</title>"
        f"<link rel='http://schemas.google.com/g/2005#feed' type='application/atom+xml' "
        f"href='{archive}'/><link rel='self' type='application/atom+xml' href='{archive}'/>"
        f"<link rel='http://schemas.google.com/g/2005#post' type='application/atom+xml' "
        f"href='{archive}'/><link rel='alternate' type='text/html' href='{blog.url}'/>"
        f"{author_xml(blog.author)}"
        "<generator version='7.00' uri='https://www.blogger.com'>Blogger</generator>"
    )


def _old_settings(blog: Blog) -> Iterator[str]:
    """The template entry and a representative set of settings entries."""
    created, updated = atom_time(blog.local(blog.created)), _export_time(blog)
    subdomain = blog.url.split("//", 1)[-1].split(".", 1)[0]
    yield (
        f"<entry><id>{tag_id(blog.blog_id, '.layout')}</id><published>{created}</published>"
        f"<updated>{updated}</updated>{KIND.format('template')}"
        f"<title type='text'>Template: {xml_escape(blog.title)}</title>"
        f"<content type='text'>{xml_escape(TEMPLATE)}</content>"
        f"{author_xml(blog.author)}</entry>"
    )
    settings = [
        ("BLOG_NAME", "The name of the blog.", blog.title),
        ("BLOG_DESCRIPTION", "A description of the blog.", blog.subtitle),
        ("BLOG_TIME_ZONE", "The time zone for this blog", blog.timezone),
        ("BLOG_LOCALE", "Language for this blog", "en_GB"),
        (
            "BLOG_POST_FEED",
            "The type of feed to use for blog posts",
            FEED_MODES[blog.settings.feed_mode],
        ),
        (
            "BLOG_COMMENT_FEED",
            "The type of feed to use for blog comments",
            "FULL" if blog.settings.comments_feed else "NONE",
        ),
        (
            "BLOG_PER_POST_FEED",
            "The type of feed to use for per-post comments",
            "FULL" if blog.settings.per_post_comments_feed else "NONE",
        ),
        ("BLOG_SUBDOMAIN", "The subdomain of the blog.", subdomain),
        (
            "BLOG_PUBLISHING_MODE",
            "The type of publishing done for this blog.",
            "PUBLISH_MODE_BLOGSPOT",
        ),
    ]
    for name, title, value in settings:
        href = f"{API}/{blog.blog_id}/settings/{name}"
        yield (
            f"<entry><id>{tag_id(blog.blog_id, '.settings.' + name)}</id>"
            f"<published>{created}</published><updated>{updated}</updated>"
            f"{KIND.format('settings')}<title type='text'>{title}</title>"
            f"<content type='text'>{xml_escape(value)}</content>"
            f"<link rel='edit' type='application/atom+xml' href='{href}'/>"
            f"<link rel='self' type='application/atom+xml' href='{href}'/>"
            f"{author_xml(blog.author)}</entry>"
        )


def _old_post(blog: Blog, post: Post) -> str:
    api = f"{API}/{blog.blog_id}/posts/default/{post.post_id}"
    draft = (
        "<app:control xmlns:app='http://purl.org/atom/app#'><app:draft>yes</app:draft>"
        "</app:control>"
        if post.status == "draft"
        else ""
    )
    alternate = (
        ""
        if post.path is None
        else f"<link rel='alternate' type='text/html' href='{blog.url_of(post)}' "
        f"title='{xml_escape(post.title)}'/>"
    )
    thumb = (
        ""
        if not post.images
        else "<media:thumbnail xmlns:media='http://search.yahoo.com/mrss/' "
        f"url='{xml_escape(post.images[0].src.replace('/s1600/', '/s72-c/'))}' "
        "height='72' width='72'/>"
    )
    labels = "".join(LABEL.format(xml_escape(label)) for label in post.labels)
    return (
        f"<entry><id>{tag_id(blog.blog_id, '.post-' + post.post_id)}</id>"
        f"<published>{atom_time(post.published)}</published>"
        f"<updated>{atom_time(post.updated)}</updated>{draft}{KIND.format('post')}{labels}"
        f"<title type='text'>{xml_escape(post.title)}</title>"
        f"<content type='html'>{xml_escape(post.content_html)}</content>"
        f"<link rel='edit' type='application/atom+xml' href='{api}'/>"
        f"<link rel='self' type='application/atom+xml' href='{api}'/>{alternate}"
        f"{author_xml(post.author)}{thumb}</entry>"
    )


def _old_page(blog: Blog, page: Page) -> str:
    api = f"{API}/{blog.blog_id}/pages/default/{page.id}"
    return (
        f"<entry><id>{tag_id(blog.blog_id, '.page-' + page.id)}</id>"
        f"<published>{atom_time(page.published)}</published>"
        f"<updated>{atom_time(page.updated)}</updated>{KIND.format('page')}"
        f"<title type='text'>{xml_escape(page.title)}</title>"
        f"<content type='html'>{xml_escape(page.content_html)}</content>"
        f"<link rel='edit' type='application/atom+xml' href='{api}'/>"
        f"<link rel='self' type='application/atom+xml' href='{api}'/>"
        f"<link rel='alternate' type='text/html' href='{blog.url_of(page)}' "
        f"title='{xml_escape(page.title)}'/>{author_xml(page.author)}</entry>"
    )


def _old_comment(blog: Blog, post: Post, comment: Comment) -> str:
    api = f"{API}/{blog.blog_id}/{post.post_id}/comments/default"
    url = blog.url_of(post)
    title = comment_title(comment)
    alternate, related, removed = comment_links(comment, url, api)
    return (
        f"<entry><id>{tag_id(blog.blog_id, '.post-' + comment.id)}</id>"
        f"<published>{atom_time(comment.published)}</published>"
        f"<updated>{atom_time(comment.updated)}</updated>{KIND.format('comment')}"
        f"<title type='text'>{xml_escape(title)}</title>"
        f"<content type='html'>{xml_escape(comment.content)}</content>"
        f"<link rel='edit' type='application/atom+xml' href='{api}/{comment.id}'/>"
        f"<link rel='self' type='application/atom+xml' href='{api}/{comment.id}'/>"
        f"{alternate}{related}{author_xml(comment.author)}"
        f"<thr:in-reply-to href='{url}' ref='{tag_id(blog.blog_id, '.post-' + post.post_id)}' "
        f"source='{API}/{blog.blog_id}/posts/default/{post.post_id}' type='text/html'/>"
        f"{removed}<gd:extendedProperty name='blogger.itemClass' value='pid-1423736593'/>"
        f"<gd:extendedProperty name='blogger.displayTime' value='{_display_time(comment)}'/>"
        "</entry>"
    )


def iter_export_old(blog: Blog, posts: Iterable[Post] | None = None) -> Iterator[bytes]:
    """The old export as byte chunks: template, settings, posts, pages, then comments.

    Comments come last in the real file, so while posts stream by, their comment entries
    are spooled to a temporary file (memory first, disk when large).
    """
    yield (_old_head(blog) + "".join(_old_settings(blog))).encode()
    with tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024) as spool:
        for post in blog.posts if posts is None else posts:
            if post.status == "trashed":
                continue
            yield _old_post(blog, post).encode()
            if post.live:
                spool.write("".join(_old_comment(blog, post, c) for c in post.comments).encode())
        yield "".join(_old_page(blog, page) for page in blog.pages).encode()
        spool.seek(0)
        while chunk := spool.read(1024 * 1024):
            yield chunk
    yield b"</feed>"


# -- new (2018 Takeout) format ------------------------------------------------------------


def _new_author(author: Author) -> str:
    return (
        f"<author><name>{xml_escape(author.name)}</name><uri>{xml_escape(author.uri)}</uri>"
        f"<blogger:type>{author.kind}</blogger:type></author>"
    )


def _new_item(blog: Blog, item: Post | Page, kind: str) -> str:
    prefix = ".post-" if kind == "POST" else ".page-"
    item_id = item.post_id if isinstance(item, Post) else item.id
    created = getattr(item, "created", None) or item.published
    labels = "".join(LABEL.format(xml_escape(label)) for label in getattr(item, "labels", ()))
    filename = f"<blogger:filename>{item.path}</blogger:filename>" if item.path else ""
    return (
        f"<entry><id>{tag_id(blog.blog_id, prefix + item_id)}</id>"
        f"<blogger:type>{kind}</blogger:type>"
        f"<blogger:status>{NEW_STATUS[item.status]}</blogger:status>"
        f"{_new_author(item.author)}<title>{xml_escape(item.title)}</title>"
        f"<content type='html'>{xml_escape(item.content_html)}</content>{labels}"
        f"<blogger:created>{utc_time(created)}</blogger:created>"
        f"<published>{utc_time(item.published)}</published>"
        f"<updated>{utc_time(item.updated)}</updated>{filename}</entry>"
    )


def _new_comment(blog: Blog, post: Post, comment: Comment) -> str:
    reply = (
        f"<blogger:inReplyTo>{tag_id(blog.blog_id, '.post-' + comment.parent_id)}"
        "</blogger:inReplyTo>"
        if comment.parent_id
        else ""
    )
    return (
        f"<entry><id>{tag_id(blog.blog_id, '.post-' + comment.id)}</id>"
        f"<blogger:parent>{tag_id(blog.blog_id, '.post-' + post.post_id)}</blogger:parent>"
        f"{reply}<blogger:type>COMMENT</blogger:type><blogger:status>LIVE</blogger:status>"
        f"{_new_author(comment.author)}<title></title>"
        f"<content type='html'>{xml_escape(comment.content)}</content>"
        f"<blogger:created>{utc_time(comment.published)}</blogger:created>"
        f"<published>{utc_time(comment.published)}</published>"
        f"<updated>{utc_time(comment.updated)}</updated></entry>"
    )


def iter_export_new(blog: Blog, posts: Iterable[Post] | None = None) -> Iterator[bytes]:
    """The 2018 Takeout feed.atom as byte chunks: each post followed by its comments."""
    yield (
        "<?xml version='1.0' encoding='utf-8'?>\n<feed xmlns='http://www.w3.org/2005/Atom' "
        "xmlns:blogger='http://schemas.google.com/blogger/2018'>"
        f"<id>{tag_id(blog.blog_id)}</id><title>{xml_escape(blog.title)}</title>"
    ).encode()
    for post in blog.posts if posts is None else posts:
        comments = (
            "".join(_new_comment(blog, post, c) for c in post.comments)
            if (post.status != "draft")
            else ""
        )
        yield (_new_item(blog, post, "POST") + comments).encode()
    yield "".join(_new_item(blog, page, "PAGE") for page in blog.pages).encode()
    yield b"</feed>\n"


# -- entry points -------------------------------------------------------------------------

WRITERS = {"old": iter_export_old, "new": iter_export_new}


def backup_old(blog: Blog) -> bytes:
    return b"".join(iter_export_old(blog))


def backup_new(blog: Blog) -> bytes:
    return b"".join(iter_export_new(blog))


def write_export(
    out: str | Path | IO[bytes], fmt: str, blog: Blog, posts: Iterable[Post] | None = None
) -> None:
    """Stream an export (``fmt`` "old" or "new") to a path or binary file object."""
    chunks = WRITERS[fmt](blog, posts)
    if isinstance(out, str | Path):
        with open(out, "wb") as handle:
            handle.writelines(chunks)
    else:
        out.writelines(chunks)


def write_synthetic_backup(
    out: str | Path | IO[bytes], fmt: str, n_posts: int, **options: object
) -> Blog:
    """Generate and write a blog of ``n_posts`` without keeping its posts in memory.

    Returns the blog shell (id, title, pages; ``posts`` empty) for the caller's checks.
    """
    builder = make_builder(n_posts, **options)
    write_export(out, fmt, builder.blog, builder.iter_posts())
    return builder.blog
