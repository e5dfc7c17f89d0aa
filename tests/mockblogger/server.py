"""A local HTTP server that answers like Blogger for one synthetic blog.

The real blog cannot be reached from tests or the bench, so this server reproduces the
Blogger behaviours the archiver depends on (see shared/samples/PROVENANCE.md): Atom and
RSS feeds with openSearch paging and a ``rel=next`` link to another host name, the
comment feeds with their odd ids, feed modes, themed post pages, images in size
variants, robots.txt, Last-Modified without ETag, gzip, and injectable faults.

Entries are rendered once per post revision and cached, so a page of 150 entries is a
join of cached strings: the bench pulls 10,000 posts through it at several hundred
posts a second.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from random import Random
from typing import NamedTuple
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from .model import (
    Blog,
    Comment,
    Page,
    Post,
    Settings,
    atom_time,
    author_xml,
    comment_title,
    epoch,
    http_date,
    plain_text,
    rfc822,
    tag_id,
    xml_escape,
)

ATOM_TYPE = "application/atom+xml; charset=UTF-8"
RSS_TYPE = "application/rss+xml; charset=UTF-8"
HTML_TYPE = "text/html; charset=UTF-8"
API = "https://www.blogger.com/feeds"
STYLESHEET = ('<?xml version=\'1.0\' encoding=\'UTF-8\'?><?xml-stylesheet '
              'href="http://www.blogger.com/styles/atom.css" type="text/css"?>')
POSTS_NS = ("xmlns='http://www.w3.org/2005/Atom' "
            "xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/' "
            "xmlns:blogger='http://schemas.google.com/blogger/2008' "
            "xmlns:georss='http://www.georss.org/georss' "
            'xmlns:gd="http://schemas.google.com/g/2005" '
            "xmlns:thr='http://purl.org/syndication/thread/1.0'")
COMMENTS_NS = ("xmlns='http://www.w3.org/2005/Atom' "
               "xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/' "
               'xmlns:gd="http://schemas.google.com/g/2005"')
RSS_NS = ('xmlns:atom="http://www.w3.org/2005/Atom" '
          'xmlns:openSearch="http://a9.com/-/spec/opensearchrss/1.0/" '
          'xmlns:blogger="http://schemas.google.com/blogger/2008" '
          'xmlns:georss="http://www.georss.org/georss" '
          'xmlns:gd="http://schemas.google.com/g/2005" '
          'xmlns:thr="http://purl.org/syndication/thread/1.0"')
LABEL_SCHEME = "http://www.blogger.com/atom/ns#"
SUMMARY_CHARS = 400
CACHE_CONTROL = "public, must-revalidate, proxy-revalidate, max-age=1"
ROBOTS = {
    "allow": "User-agent: *\nAllow: /\n",
    "disallow_all": "User-agent: *\nDisallow: /\n",
    "disallow_feeds": "User-agent: *\nDisallow: /feeds\nAllow: /\n",
}
IMAGE_VARIANT = re.compile(r"^(s\d+(-c)?|w\d+(-h\d+)?(-[a-z]+)*|h\d+|d|s0)$")


class RequestRecord(NamedTuple):
    """One logged request: what a test asserts on (counts, headers sent, statuses)."""

    method: str
    path: str  # path + query as requested
    headers: dict[str, str]
    status: int
    time: float


class Response(NamedTuple):
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = {}


class FeedQuery(NamedTuple):
    start: int
    size: int
    orderby: str
    extra: list[tuple[str, str]]  # parameters repeated in the next link
    filters: dict[str, datetime]


class BadQuery(ValueError):
    """A query parameter Blogger would answer with 400."""


# -- small helpers ----------------------------------------------------------------------


def _parse_time(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise BadQuery(f"Invalid date: {value}")
    return moment


def parse_feed_query(query: str, settings: Settings) -> FeedQuery:
    """Blogger's paging and filter parameters, validated the way the GData API did."""
    params = dict(parse_qsl(query, keep_blank_values=True))
    try:
        start = int(params.get("start-index", "1"))
        requested = int(params.get("max-results", str(settings.max_results_default)))
    except ValueError as exc:
        raise BadQuery(str(exc)) from exc
    if start < 1:
        raise BadQuery("start-index must be >= 1")
    size = min(requested if requested > 0 else settings.max_results_default,
               settings.max_results_cap)
    orderby = params.get("orderby", "published")
    if orderby not in ("published", "updated"):
        raise BadQuery(f"Invalid orderby: {orderby}")
    filters = {name: _parse_time(params[name]) for name in
               ("published-min", "published-max", "updated-min", "updated-max")
               if name in params}
    extra = [(k, v) for k, v in params.items()
             if k in ("alt", "orderby", "published-min", "published-max", "updated-min",
                      "updated-max")]
    return FeedQuery(start, size, orderby, extra, filters)


def _matches(item: Post | Comment, filters: dict[str, datetime]) -> bool:
    for name, bound in filters.items():
        value = item.published if name.startswith("published") else item.updated
        if (name.endswith("min") and value < bound) or (name.endswith("max") and value >= bound):
            return False
    return True


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour PNG; tiny, valid and deterministic."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    row = b"\x00" + bytes(rgb) * width
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height, 9)) + chunk(b"IEND", b""))


def image_key(path: str) -> tuple[str, str] | None:
    """(size-independent key, variant) of a Blogger image URL path, or None."""
    if not path.startswith("/img/"):
        return None
    if "=" in path:
        base, _, variant = path.partition("=")
        return base, variant
    parts = path.split("/")
    for i in range(len(parts) - 2, 2, -1):
        if IMAGE_VARIANT.match(parts[i]):
            return "/".join(parts[:i] + parts[i + 1:]), parts[i]
    return path, ""


def _variant_size(variant: str) -> tuple[int, int]:
    digits = re.match(r"[swh](\d+)", variant)
    full = not digits or digits.group(1) in ("0", "1600", "16000")
    if full:
        return 24, 16
    return (6, 4) if int(digits.group(1)) <= 100 else (12, 8)


# -- rendering --------------------------------------------------------------------------


class Renderer:
    """Atom/RSS/HTML for one blog, with per-revision caches of the expensive parts."""

    def __init__(self, blog: Blog) -> None:
        self.blog = blog
        self._entries: dict[tuple, str] = {}
        self._indexes: dict[tuple, object] = {}

    # caches ------------------------------------------------------------------------------

    def index(self, name: str, build: Callable[[], object]) -> object:
        """A derived structure (sorted listings, lookups) cached per blog version."""
        key = (self.blog.version, name)
        value = self._indexes.get(key)
        if value is None:
            with self.blog.lock:
                value = build()
            if len(self._indexes) > 64:
                self._indexes.clear()
            self._indexes[key] = value
        return value

    def live_posts(self, orderby: str) -> list[Post]:
        def build() -> list[Post]:
            posts = [p for p in self.blog.posts if p.live]
            posts.sort(key=lambda p: getattr(p, orderby), reverse=True)
            return posts
        return self.index(f"posts-{orderby}", build)  # type: ignore[return-value]

    def live_comments(self) -> list[tuple[Post, Comment]]:
        def build() -> list[tuple[Post, Comment]]:
            pairs = [(p, c) for p in self.blog.posts if p.live for c in p.comments]
            pairs.sort(key=lambda pc: pc[1].published, reverse=True)
            return pairs
        return self.index("comments", build)  # type: ignore[return-value]

    def labels(self) -> list[str]:
        def build() -> list[str]:
            seen: dict[str, None] = {}
            for post in self.blog.posts:
                if post.live:
                    seen.update(dict.fromkeys(post.labels))
            return list(seen)
        return self.index("labels", build)  # type: ignore[return-value]

    def images(self) -> set[str]:
        def build() -> set[str]:
            keys = set()
            for post in self.blog.posts:
                for image in post.images:
                    key = image_key(urlsplit(image.src).path)
                    if key:
                        keys.add(key[0])
            return keys
        return self.index("images", build)  # type: ignore[return-value]

    def _cached(self, key: tuple, build: Callable[[], str]) -> str:
        text = self._entries.get(key)
        if text is None:
            text = self._entries[key] = build()
        return text

    # entries -----------------------------------------------------------------------------

    def body_for(self, post: Post, mode: str) -> str:
        """The entry body for a feed mode: whole, cut at the jump break, or a summary."""
        if mode == "jumpbreak" and "<a name='more'></a>" in post.content_html:
            head = post.content_html.split("<a name='more'></a>", 1)[0]
            url = self.blog.url_of(post)
            return (f"{head}<div class='jump-link'><a href='{url}#more' "
                    f"title='{xml_escape(post.title)}'>Read more \u00bb</a></div>")
        return post.content_html

    def summary(self, post: Post) -> str:
        text = plain_text(post.content_html)
        if len(text) <= SUMMARY_CHARS:
            return text
        return text[:SUMMARY_CHARS].rsplit(" ", 1)[0]

    def post_entry(self, post: Post, mode: str) -> str:
        return self._cached((post.post_id, post.rev, "atom", mode),
                            lambda: self._post_entry(post, mode))

    def _post_entry(self, post: Post, mode: str) -> str:
        blog = self.blog
        url = blog.url_of(post)
        title = xml_escape(post.title)
        api = f"{API}/{blog.blog_id}/posts/default/{post.post_id}"
        cats = "".join(f'<category scheme="{LABEL_SCHEME}" term="{xml_escape(label)}"/>'
                       for label in post.labels)
        if mode == "summary":
            body = f"<summary type='text'>{xml_escape(self.summary(post))}</summary>"
        else:
            body = f"<content type='html'>{xml_escape(self.body_for(post, mode))}</content>"
        count = len(post.comments)
        thumb = ""
        if post.images:
            src = post.images[0].src.replace("/s1600/", "/s72-c/").replace("=s1600", "=s72-c")
            thumb = ('<media:thumbnail xmlns:media="http://search.yahoo.com/mrss/" '
                     f'url="{xml_escape(src)}" height="72" width="72"/>')
        return (
            f"<entry><id>{tag_id(blog.blog_id, '.post-' + post.post_id)}</id>"
            f"<published>{atom_time(post.published)}</published>"
            f"<updated>{atom_time(post.updated)}</updated>{cats}"
            f"<title type='text'>{title}</title>{body}"
            f"<link rel='replies' type='application/atom+xml' "
            f"href='{blog.url}feeds/{post.post_id}/comments/default' title='Post Comments'/>"
            f"<link rel='replies' type='text/html' href='{url}#comment-form' "
            f"title='{count} Comments'/>"
            f"<link rel='edit' type='application/atom+xml' href='{api}'/>"
            f"<link rel='self' type='application/atom+xml' href='{api}'/>"
            f"<link rel='alternate' type='text/html' href='{url}' title='{title}'/>"
            f"{author_xml(post.author)}"
            f"{thumb}<thr:total>{count}</thr:total></entry>"
        )

    def rss_item(self, post: Post, mode: str) -> str:
        return self._cached((post.post_id, post.rev, "rss", mode),
                            lambda: self._rss_item(post, mode))

    def _rss_item(self, post: Post, mode: str) -> str:
        blog = self.blog
        cats = "".join(f'<category domain="{LABEL_SCHEME}">{xml_escape(label)}</category>'
                       for label in post.labels)
        text = self.summary(post) if mode == "summary" else self.body_for(post, mode)
        return (
            f'<item><guid isPermaLink="false">{tag_id(blog.blog_id, ".post-" + post.post_id)}'
            f"</guid><pubDate>{rfc822(post.published)}</pubDate>"
            f"<atom:updated>{atom_time(post.updated)}</atom:updated>{cats}"
            f"<title>{xml_escape(post.title)}</title>"
            f"<description>{xml_escape(text)}</description>"
            f"<link>{blog.url_of(post)}</link>"
            f"<author>noreply@blogger.com ({xml_escape(post.author.name)})</author>"
            f"<thr:total>{len(post.comments)}</thr:total></item>"
        )

    def comment_entry(self, post: Post, comment: Comment) -> str:
        return self._cached((comment.id, post.rev, "comment"),
                            lambda: self._comment_entry(post, comment))

    def _comment_entry(self, post: Post, comment: Comment) -> str:
        blog = self.blog
        url = blog.url_of(post)
        api = f"{API}/{blog.blog_id}/{post.post_id}/comments/default"
        title = comment_title(comment)
        millis = int(comment.published.timestamp() * 1000)
        alternate = "" if comment.removed else (
            f"<link rel='alternate' type='text/html' "
            f"href='{url}?showComment={millis}#c{comment.id}' title=''/>")
        related = (f"<link rel='related' type='application/atom+xml' "
                   f"href='{api}/{comment.parent_id}'/>" if comment.parent_id else "")
        removed = ("<gd:extendedProperty name='blogger.contentRemoved' value='true'/>"
                   if comment.removed else "")
        display = comment.published.strftime("%B %-d, %Y at %-I:%M\u202f%p")
        return (
            f"<entry><id>{tag_id(blog.blog_id, '.post-' + comment.id)}</id>"
            f"<published>{atom_time(comment.published)}</published>"
            f"<updated>{atom_time(comment.updated)}</updated>"
            f"<title type='text'>{xml_escape(title)}</title>"
            f"<content type='html'>{xml_escape(comment.content)}</content>"
            f"<link rel='edit' type='application/atom+xml' href='{api}/{comment.id}'/>"
            f"<link rel='self' type='application/atom+xml' href='{api}/{comment.id}'/>"
            f"{alternate}{related}"
            f"{author_xml(comment.author)}"
            "<thr:in-reply-to xmlns:thr='http://purl.org/syndication/thread/1.0' "
            f"href='{url}' ref='{tag_id(blog.blog_id, '.post-' + post.post_id)}' "
            f"source='http://www.blogger.com/feeds/{blog.blog_id}/posts/default/{post.post_id}'"
            f" type='text/html'/>{removed}"
            "<gd:extendedProperty name=\"blogger.itemClass\" value=\"pid-1423736593\"/>"
            f"<gd:extendedProperty name=\"blogger.displayTime\" value=\"{display}\"/></entry>"
        )

    def page_entry(self, page: Page) -> str:
        blog = self.blog
        api = f"{API}/{blog.blog_id}/pages/default/{page.id}"
        url = blog.url_of(page)
        title = xml_escape(page.title)
        return (
            f"<entry><id>{tag_id(blog.blog_id, '.page-' + page.id)}</id>"
            f"<published>{atom_time(page.published)}</published>"
            f"<updated>{atom_time(page.updated)}</updated>"
            f"<title type='text'>{title}</title>"
            f"<content type='html'>{xml_escape(page.content_html)}</content>"
            f"<link rel='edit' type='application/atom+xml' href='{api}'/>"
            f"<link rel='self' type='application/atom+xml' href='{api}'/>"
            f"<link rel='alternate' type='text/html' href='{url}' title='{title}'/>"
            f"{author_xml(page.author)}</entry>"
        )

    # feeds -------------------------------------------------------------------------------

    def feed_head(self, *, feed_id: str, updated: datetime, title: str, feed_href: str,
                  self_href: str, alternate: str, total: int, start: int, size: int,
                  next_href: str | None, namespaces: str, with_labels: bool) -> str:
        blog = self.blog
        cats = ("".join(f'<category term="{xml_escape(label)}"/>' for label in self.labels())
                if with_labels else "")
        subtitle = (f"<subtitle type='html'>{xml_escape(blog.subtitle)}</subtitle>"
                    if with_labels else "")
        next_link = (f"<link rel='next' type='application/atom+xml' "
                     f"href='{xml_escape(next_href)}'/>" if next_href else "")
        return (
            f"{STYLESHEET}<feed {namespaces}><id>{feed_id}</id>"
            f"<updated>{atom_time(updated)}</updated>{cats}"
            f"<title type='text'>{xml_escape(title)}</title>{subtitle}"
            f"<link rel='http://schemas.google.com/g/2005#feed' type='application/atom+xml' "
            f"href='{feed_href}'/>"
            f"<link rel='self' type='application/atom+xml' href='{self_href}'/>"
            f"<link rel='alternate' type='text/html' href='{alternate}'/>"
            f"<link rel='hub' href='http://pubsubhubbub.appspot.com/'/>{next_link}"
            f"{author_xml(blog.author)}"
            "<generator version='7.00' uri='http://www.blogger.com'>Blogger</generator>"
            f"<openSearch:totalResults>{total}</openSearch:totalResults>"
            f"<openSearch:startIndex>{start}</openSearch:startIndex>"
            f"<openSearch:itemsPerPage>{size}</openSearch:itemsPerPage>"
        )

    def rss_head(self, *, total: int, start: int, size: int) -> str:
        blog = self.blog
        cats = "".join(f"<category>{xml_escape(label)}</category>" for label in self.labels())
        return (
            f"<?xml version='1.0' encoding='UTF-8'?><rss {RSS_NS} version=\"2.0\"><channel>"
            f"<atom:id>{tag_id(blog.blog_id)}</atom:id>"
            f"<lastBuildDate>{rfc822(blog.updated)}</lastBuildDate>{cats}"
            f"<title>{xml_escape(blog.title)}</title>"
            f"<description>{xml_escape(blog.subtitle)}</description><link>{blog.url}</link>"
            f"<managingEditor>noreply@blogger.com ({xml_escape(blog.author.name)})"
            "</managingEditor><generator>Blogger</generator>"
            f"<openSearch:totalResults>{total}</openSearch:totalResults>"
            f"<openSearch:startIndex>{start}</openSearch:startIndex>"
            f"<openSearch:itemsPerPage>{size}</openSearch:itemsPerPage>"
        )


def _page_slice(items: list, query: FeedQuery) -> list:
    return items[query.start - 1: query.start - 1 + query.size]


def _next_href(base: str, path: str, query: FeedQuery, total: int) -> str | None:
    """Blogger's rel=next: the blog-id form of the feed, only when more entries exist."""
    if query.start - 1 + query.size >= total:
        return None
    params = [(k, v) for k, v in query.extra if k != "alt"]
    params += [("start-index", str(query.start + query.size)),
               ("max-results", str(query.size))]
    return f"{base}{path}?{urlencode(params)}"


# -- HTML pages -------------------------------------------------------------------------


def _iso_seconds(moment: datetime) -> str:
    """2019-10-16T14:33:00-07:00, as in abbr.published/@title and time/@datetime."""
    return moment.replace(microsecond=0).isoformat()


def _head(blog: Blog, title: str, canonical: str, extra: str = "") -> str:
    name = xml_escape(blog.title)
    return (
        "<!DOCTYPE html>\n<html class='v2' dir='ltr' lang='en'>\n<head>\n"
        "<meta content='width=1100' name='viewport'/>\n"
        "<meta content='text/html; charset=UTF-8' http-equiv='Content-Type'/>\n"
        "<meta content='blogger' name='generator'/>\n"
        f"<link href='{blog.url}favicon.ico' rel='icon' type='image/x-icon'/>\n"
        f"<link href='{xml_escape(canonical)}' rel='canonical'/>\n"
        f'<link rel="alternate" type="application/atom+xml" title="{name} - Atom" '
        f'href="{blog.url}feeds/posts/default" />\n'
        f'<link rel="alternate" type="application/rss+xml" title="{name} - RSS" '
        f'href="{blog.url}feeds/posts/default?alt=rss" />\n'
        f'<link rel="service.post" type="application/atom+xml" title="{name} - Atom" '
        f'href="https://www.blogger.com/feeds/{blog.blog_id}/posts/default" />\n'
        f"{extra}<title>{xml_escape(title)}</title>\n</head>\n"
    )


def _blog_header(blog: Blog) -> str:
    return (f"<div class='header-outer'><div class='Header widget' id='Header1'>"
            f"<h1 class='title'><a href='{blog.url}'>{xml_escape(blog.title)}</a></h1>"
            f"<p class='description'><span>{xml_escape(blog.subtitle)}</span></p></div></div>\n")


def _label_links(blog: Blog, post: Post, separator: str) -> str:
    return separator.join(
        f"<a href='{blog.url}search/label/{quote(label)}' rel='tag'>{xml_escape(label)}</a>"
        for label in post.labels)


def _comment_threads(blog: Blog, post: Post) -> str:
    """Threaded comments as Blogger renders them: li.comment#cID, replies nested."""
    children: dict[str | None, list[Comment]] = {}
    for comment in sorted(post.comments, key=lambda c: c.published):
        children.setdefault(comment.parent_id, []).append(comment)
    url = blog.url_of(post)

    def render(comment: Comment) -> str:
        millis = int(comment.published.timestamp() * 1000)
        text = (f"<span class='deleted-comment'>{comment.content}</span>" if comment.removed
                else comment.content)
        replies = children.get(comment.id, [])
        nested = ("<div class='comment-replies'><div class='comment-thread inline-thread'><ol>"
                  + "".join(map(render, replies)) + "</ol></div></div>") if replies else ""
        return (
            f"<li class='comment' id='c{comment.id}'><div class='avatar-image-container'>"
            f"<img src='{xml_escape(comment.author.image)}'/></div><div class='comment-block'>"
            f"<div class='comment-header'><cite class='user'>"
            f"<a href='{xml_escape(comment.author.uri)}' rel='nofollow'>"
            f"{xml_escape(comment.author.name)}</a></cite><span class='datetime secondary-text'>"
            f"<a rel='nofollow' href='{url}?showComment={millis}#c{comment.id}'>"
            f"{comment.published:%B %-d, %Y at %-I:%M %p}</a></span></div>"
            f"<p class='comment-content'>{text}</p></div>{nested}</li>"
        )

    roots = children.get(None, [])
    return ("<div class='comment-thread'><ol>" + "".join(map(render, roots)) + "</ol></div>"
            if roots else "")


def _classic_post(blog: Blog, post: Post, *, mobile: bool) -> str:
    url = blog.url_of(post)
    local = post.published
    author = post.author
    title = (f"<h3 class='post-title entry-title' itemprop='name'>\n{xml_escape(post.title)}\n"
             "</h3>\n" if post.title else "")
    n = len(post.comments)
    return (
        f"<body class='{'mobile variant-mobile' if mobile else 'loading variant-simplysimple'}'>"
        f"\n<div class='content'>{_blog_header(blog)}"
        "<div class='main section' id='main' name='Main'><div class='widget Blog' "
        "data-version='1' id='Blog1'>\n<div class='blog-posts hfeed'>\n"
        f"<div class=\"date-outer\">\n<h2 class='date-header'><span>"
        f"{local:%A, %B %-d, %Y}</span></h2>\n<div class=\"date-posts\">\n"
        "<div class='post-outer'>\n<div class='post hentry uncustomized-post-template' "
        "itemprop='blogPost' itemscope='itemscope' itemtype='http://schema.org/BlogPosting'>\n"
        f"<meta content='{blog.blog_id}' itemprop='blogId'/>\n"
        f"<meta content='{post.post_id}' itemprop='postId'/>\n"
        f"<a name='{post.post_id}'></a>\n{title}"
        "<div class='post-header'>\n<div class='post-header-line-1'></div>\n</div>\n"
        f"<div class='post-body entry-content' id='post-body-{post.post_id}' "
        f"itemprop='description articleBody'>\n{post.content_html}\n"
        "<div style='clear: both;'></div>\n</div>\n<div class='post-footer'>\n"
        "<div class='post-footer-line post-footer-line-1'>\n<span class='post-author vcard'>\n"
        "Posted by\n<span class='fn' itemprop='author' itemscope='itemscope' "
        "itemtype='http://schema.org/Person'>\n"
        f"<meta content='{author.uri}' itemprop='url'/>\n"
        f"<a class='g-profile' href='{author.uri}' rel='author' title='author profile'>\n"
        f"<span itemprop='name'>{xml_escape(author.name)}</span>\n</a>\n</span>\n</span>\n"
        "<span class='post-timestamp'>\nat\n"
        f"<meta content='{url}' itemprop='url'/>\n<a class='timestamp-link' href='{url}' "
        "rel='bookmark' title='permanent link'><abbr class='published' "
        f"itemprop='datePublished' title='{_iso_seconds(local)}'>{local:%-I:%M %p}</abbr></a>\n"
        "</span>\n</div>\n<div class='post-footer-line post-footer-line-2'>\n"
        f"<span class='post-labels'>\n{'Labels:' + chr(10) if post.labels else ''}"
        f"{_label_links(blog, post, ',' + chr(10))}\n</span>\n</div>\n</div>\n</div>\n"
        f"<div class='comments' id='comments'>\n<a name='comments'></a>\n"
        f"<h4>{n} comments:</h4>\n<div class='comments-content'><div id='comment-holder'>"
        f"{_comment_threads(blog, post)}</div></div>\n</div>\n</div>\n"
        "</div></div>\n</div>\n<div class='blog-pager' id='blog-pager'>\n"
        f"<a class='home-link' href='{blog.url}'>Home</a>\n</div>\n</div></div>\n</div>\n"
        "<script type='text/javascript'>\n    window.setTimeout(function() {\n"
        "        document.body.className = document.body.className.replace('loading', '');\n"
        "      }, 10);\n</script>\n</body>\n</html>"
    )


def _contempo_post(blog: Blog, post: Post) -> str:
    url = blog.url_of(post)
    local = post.published
    ld = json.dumps({
        "@context": "http://schema.org", "@type": "BlogPosting",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "headline": post.title, "datePublished": _iso_seconds(local),
        "dateModified": _iso_seconds(post.updated),
        "author": {"@type": "Person", "name": post.author.name},
    }, indent=2).replace("&", "\\u0026").replace("<", "\\u003c")
    return (
        "<body class='item-view version-1-3-3 variant-indie_light'>\n<div class='page'>"
        f"<header class='centered-top-container' role='banner'>{_blog_header(blog)}</header>\n"
        "<main class='centered-bottom' id='main' role='main' tabindex='-1'>\n"
        "<div class='main section' id='page_body' name='Page body'>"
        "<div class='widget Blog' data-version='2' id='Blog1'>\n"
        "<div class='blog-posts hfeed container'>\n<article class='post-outer-container'>\n"
        f"<div class='post-outer'>\n<div class='post'>\n"
        f"<script type='application/ld+json'>{ld}</script>\n"
        f"<a name='{post.post_id}'></a>\n"
        f"<h3 class='post-title entry-title'>\n{xml_escape(post.title)}\n</h3>\n"
        "<div class='post-header'>\n<div class='post-header-line-1'>\n"
        f"<span class='byline post-timestamp'>\n<meta content='{url}'/>\n"
        f"<a class='timestamp-link' href='{url}' rel='bookmark' title='permanent link'>\n"
        f"<time class='published' datetime='{_iso_seconds(local)}' "
        f"title='{_iso_seconds(local)}'>\n{local:%B %-d, %Y}\n</time>\n</a>\n</span>\n"
        "</div>\n</div>\n"
        f"<div class='post-body entry-content float-container' id='post-body-{post.post_id}'>"
        f"\n{post.content_html}\n</div>\n"
        "<div class='post-footer container'>\n<div class='post-footer-line post-footer-line-1'>"
        "\n<span class='byline post-author vcard'>\n<span class='byline-label'>By</span>\n"
        f"<span class='fn'>\n<meta content='{post.author.uri}'/>\n<a class='g-profile' "
        f"href='{post.author.uri}' rel='author' title='author profile'>\n"
        f"<span>{xml_escape(post.author.name)}</span>\n</a>\n</span>\n</span>\n</div>\n"
        "<div class='post-footer-line post-footer-line-2'>\n<span class='byline post-labels'>\n"
        f"<span class='byline-label'>\n</span>\n{_label_links(blog, post, chr(10))}\n</span>\n"
        "</div>\n</div>\n</div>\n</div>\n"
        f"<section class='comments threaded' data-embed='true' "
        f"data-num-comments='{len(post.comments)}' id='comments'>\n<a name='comments'></a>\n"
        "<h3 class='title'>Comments</h3>\n<div class='comments-content'>"
        f"{_comment_threads(blog, post)}</div>\n</section>\n</article>\n"
        "</div>\n</div></div>\n</main>\n</div>\n</body>\n</html>"
    )


def _dynamic_post(blog: Blog, post: Post) -> str:
    """Dynamic Views: the body is drawn by JavaScript, so the HTML holds no post text."""
    return (
        "<body class='variant-magazine'>\n<div id='header'></div>\n<div id='main'></div>\n"
        "<script type='text/javascript'>\n"
        f"blogger.ui().configure().view();\n_WidgetManager._Init('//www.blogger.com/"
        f"rearrange?blogID={blog.blog_id}', '//{urlsplit(blog.url).netloc}/', "
        f"'{blog.blog_id}');\n</script>\n</body>\n</html>"
    )


def post_page(blog: Blog, post: Post, theme: str) -> str:
    """A post permalink page in the blog's theme ("mobile" is the ?m=1 view)."""
    url = blog.url_of(post)
    extra = (f'<link rel="alternate" type="application/atom+xml" '
             f'title="{xml_escape(blog.title)} - Atom" '
             f'href="{blog.url}feeds/{post.post_id}/comments/default" />\n'
             f"<meta content='{url}' property='og:url'/>\n"
             f"<meta content='{xml_escape(post.title)}' property='og:title'/>\n")
    if theme == "dynamic":
        extra += "<meta content='dynamic' name='blogger-template'/>\n"
    head = _head(blog, f"{blog.title}: {post.title}" if post.title else blog.title,
                 url + ("?m=1" if theme == "mobile" else ""), extra)
    if theme == "contempo":
        return head + _contempo_post(blog, post)
    if theme == "dynamic":
        return head + _dynamic_post(blog, post)
    return head + _classic_post(blog, post, mobile=theme == "mobile")


def static_page(blog: Blog, page: Page, theme: str) -> str:
    url = blog.url_of(page)
    body_class = ("item-view static_page item version-1-3-3" if theme == "contempo"
                  else "loading variant-simplysimple static_page item")
    return (
        _head(blog, f"{blog.title}: {page.title}", url)
        + f"<body class='{body_class}'>\n<div class='content'>{_blog_header(blog)}"
        "<div class='main section' id='main'><div class='widget Blog' id='Blog1'>\n"
        "<div class='blog-posts hfeed'>\n<div class='post-outer'>\n<div class='post hentry'>\n"
        f"<meta content='{page.id}' itemprop='postId'/>\n"
        f"<h3 class='post-title entry-title'>\n{xml_escape(page.title)}\n</h3>\n"
        f"<div class='post-body entry-content' id='post-body-{page.id}'>\n{page.content_html}\n"
        "<div style='clear: both;'></div>\n</div>\n</div>\n</div>\n</div>\n</div></div>\n"
        "</div>\n</body>\n</html>"
    )


def home_page(blog: Blog, posts: list[Post]) -> str:
    """The blog's front page: newest posts cut at the jump break, like the Simple theme."""
    items = []
    for post in posts:
        url = blog.url_of(post)
        head = post.content_html.split("<a name='more'></a>", 1)[0]
        items.append(
            "<div class='post-outer'>\n<div class='post hentry'>\n"
            f"<h3 class='post-title entry-title'>\n<a href='{url}'>{xml_escape(post.title)}</a>\n"
            f"</h3>\n<div class='post-body entry-content' id='post-body-{post.post_id}'>\n"
            f"{head}\n<div class='jump-link'><a href='{url}#more'>Read more \u00bb</a></div>\n"
            f"</div>\n<abbr class='published' title='{_iso_seconds(post.published)}'>"
            f"{post.published:%-I:%M %p}</abbr>\n</div>\n</div>\n")
    return (_head(blog, blog.title, blog.url)
            + f"<body class='loading variant-simplysimple'>\n<div class='content'>"
            f"{_blog_header(blog)}<div class='main section' id='main'>"
            f"<div class='widget Blog' data-version='1' id='Blog1'>\n"
            f"<div class='blog-posts hfeed'>\n{''.join(items)}</div>\n"
            f"<div class='blog-pager' id='blog-pager'><a class='blog-pager-older-link' "
            f"href='{blog.url}search?updated-max=2000-01-01T00:00:00%2B00:00&amp;max-results=10'>"
            "Older Posts</a></div>\n</div></div>\n</div>\n</body>\n</html>")


def not_found_page(blog: Blog, path: str) -> str:
    return (_head(blog, blog.title, blog.url.rstrip("/") + path)
            + "<body class='loading variant-simplysimple'>\n<div class='content'>"
            f"{_blog_header(blog)}<div class='main section' id='main'>"
            "<div class='widget Blog' data-version='1' id='Blog1'>\n"
            "<div class='status-msg-wrap'>\n<div class='status-msg-body'>\n"
            "Sorry, the page you were looking for in this blog does not exist.\n</div>\n"
            "<div class='status-msg-border'>\n<div class='status-msg-bg'>\n"
            "<div class='status-msg-hidden'>Sorry, the page you were looking for in this blog "
            "does not exist.</div>\n</div>\n</div>\n</div>\n</div></div>\n</div>\n</body>\n</html>")


def error_page(status: int, reason: str) -> str:
    """Google's bare error page (429/500 answers come from the front end, not the blog)."""
    return (f"<!DOCTYPE html>\n<html lang=en>\n<meta charset=utf-8>\n"
            f"<title>Error {status} ({reason})!!1</title>\n"
            f"<p><b>{status}.</b> <ins>That\u2019s an error.</ins>\n"
            f"<p>{reason}. <ins>That\u2019s all we know.</ins>\n")


# -- the server -------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, keep-alive clients
    # stall 40 ms per response waiting for a delayed ACK.
    disable_nagle_algorithm = True
    server: _Server

    def version_string(self) -> str:
        return "blogger-renderd"

    def log_message(self, format: str, *args: object) -> None:
        """Silence the per-request stderr line; requests are logged in ``mock.requests``."""

    def do_GET(self) -> None:
        self.server.mock.handle(self, head=False)

    def do_HEAD(self) -> None:
        self.server.mock.handle(self, head=True)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    mock: MockBlogger


class MockBlogger:
    """Serve ``blog`` like Blogger on a local port.

    Use as a context manager (or ``start()``/``stop()``).  Keyword arguments override
    fields of ``blog.settings``; ``mock.settings`` is that same object and can be changed
    while the server runs.  Starting the server points the blog's permalinks at
    ``mock.url`` and its images at ``mock.media_url`` (the ``next_host`` name).
    """

    def __init__(self, blog: Blog, *, host: str = "127.0.0.1", port: int = 0,
                 **settings: object) -> None:
        known = {f.name for f in fields(Settings)}
        unknown = set(settings) - known
        if unknown:
            raise TypeError(f"unknown settings: {sorted(unknown)}")
        for name, value in settings.items():
            setattr(blog.settings, name, value)
        self.blog = blog
        self.settings = blog.settings
        self.host = host
        self._server = _Server((host, port), _Handler)
        self._server.mock = self
        self.port = self._server.server_address[1]
        self.url = f"http://{host}:{self.port}/"
        self.media_url = f"http://{self.settings.next_host or host}:{self.port}/"
        self.requests: list[RequestRecord] = []
        self._log_lock = threading.Lock()
        self._fault_lock = threading.Lock()
        self._fault_rng = Random(self.settings.fault_seed)
        self._thread: threading.Thread | None = None
        self.renderer = Renderer(blog)
        blog.rebase(self.url, self.media_url)

    # lifecycle ---------------------------------------------------------------------------

    def start(self) -> MockBlogger:
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name=f"mockblogger:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> MockBlogger:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # helpers for tests -------------------------------------------------------------------

    def url_for(self, item: Post | Page) -> str:
        return self.blog.url_of(item)

    def feed_url(self, path: str = "feeds/posts/default", **params: object) -> str:
        query = f"?{urlencode(params)}" if params else ""
        return f"{self.url}{path}{query}"

    def reset_log(self) -> None:
        with self._log_lock:
            self.requests.clear()

    def requests_to(self, prefix: str) -> list[RequestRecord]:
        """Logged requests whose path starts with ``prefix`` (e.g. "/feeds/")."""
        with self._log_lock:
            return [r for r in self.requests if r.path.startswith(prefix)]

    # request handling --------------------------------------------------------------------

    def handle(self, handler: _Handler, *, head: bool) -> None:
        target = handler.path
        split = urlsplit(target)
        path, query = split.path, split.query
        headers = dict(handler.headers.items())
        faulted = self._fault_applies(path)
        response = self._early_fault(faulted)
        if response is None:
            try:
                response = self.route(path, query, headers)
            except BadQuery as exc:
                response = Response(400, "text/plain; charset=UTF-8", str(exc).encode())
        status = self._send(handler, response, headers, head=head, faulted=faulted)
        with self._log_lock:
            self.requests.append(RequestRecord(handler.command, target, headers, status,
                                               time.time()))

    def _fault_applies(self, path: str) -> bool:
        scope = self.settings.fault_paths
        if scope == "all":
            return True
        if scope == "feeds":
            return path.startswith("/feeds/")
        return re.search(scope, path) is not None

    def _take(self, counter: str) -> bool:
        """Consume one unit of a fault counter in the settings."""
        with self._fault_lock:
            remaining = getattr(self.settings, counter)
            if remaining > 0:
                setattr(self.settings, counter, remaining - 1)
                return True
            return False

    def _roll(self, rate: float) -> bool:
        with self._fault_lock:
            return rate > 0 and self._fault_rng.random() < rate

    def _early_fault(self, faulted: bool) -> Response | None:
        if not faulted:
            return None
        if self.settings.delay:
            time.sleep(self.settings.delay)
        if self._take("fail_429"):
            return Response(429, HTML_TYPE, error_page(429, "Too Many Requests").encode(),
                            {"Retry-After": str(self.settings.retry_after)})
        if self._take("fail_500") or self._roll(self.settings.error_rate):
            return Response(500, HTML_TYPE, error_page(500, "Internal Server Error").encode())
        return None

    def _send(self, handler: _Handler, response: Response, request_headers: dict[str, str],
              *, head: bool, faulted: bool) -> int:
        status, content_type, body, extra = response
        if (status == 200 and self.settings.honor_if_modified_since
                and "Last-Modified" in extra and self._not_modified(request_headers, extra)):
            status, body = 304, b""
        cut = status == 200 and faulted and (self._take("truncate")
                                             or self._roll(self.settings.truncate_rate))
        if cut:
            body = body[: len(body) // 2]
        encoded = body
        accept = request_headers.get("Accept-Encoding", "")
        gzipped = self.settings.gzip and "gzip" in accept and len(body) > 0
        if gzipped:
            encoded = gzip.compress(body, compresslevel=3, mtime=0)
        disconnect = status == 200 and faulted and self._take("disconnect")
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        for name, value in extra.items():
            handler.send_header(name, value)
        if gzipped:
            handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Vary", "Accept-Encoding")
        handler.send_header("X-Content-Type-Options", "nosniff")
        handler.send_header("Content-Length", str(len(encoded)))
        if disconnect:
            handler.send_header("Connection", "close")
        handler.end_headers()
        if head:
            return status
        if disconnect:
            handler.wfile.write(encoded[: len(encoded) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            return status
        handler.wfile.write(encoded)
        return status

    @staticmethod
    def _not_modified(request_headers: dict[str, str], extra: dict[str, str]) -> bool:
        since = request_headers.get("If-Modified-Since")
        if not since:
            return False
        try:
            return parsedate_to_datetime(since) >= parsedate_to_datetime(extra["Last-Modified"])
        except (TypeError, ValueError):
            return False

    # routing -----------------------------------------------------------------------------

    def route(self, path: str, query: str, headers: dict[str, str]) -> Response:
        """Dispatch one GET; unknown paths get Blogger's themed 404 page."""
        blog = self.blog
        host = headers.get("Host", f"{self.host}:{self.port}")
        if path == "/robots.txt":
            return Response(200, "text/plain; charset=UTF-8", self._robots().encode())
        if path.startswith("/feeds/"):
            return self._feed(path, query, host)
        if path.startswith("/img/"):
            return self._image(path)
        params = dict(parse_qsl(query))
        if path == "/":
            return self._html(home_page(blog, self.renderer.live_posts("published")[:10]))
        match = re.fullmatch(r"/(\d{4})/(\d{2})/[^/]+\.html", path)
        if match:
            post = self._live_post(path=path)
            if post is not None:
                theme = "mobile" if params.get("m") == "1" else self.settings.theme
                return self._html(post_page(blog, post, theme))
        if path.startswith("/p/"):
            page = next((p for p in blog.pages if p.path == path and p.status == "live"), None)
            if page is not None:
                return self._html(static_page(blog, page, self.settings.theme))
        return self._html(not_found_page(blog, path), 404)

    def _html(self, text: str, status: int = 200) -> Response:
        return Response(status, HTML_TYPE, text.encode(), {"Cache-Control": "private, max-age=0"})

    def _live_post(self, *, path: str | None = None, post_id: str | None = None) -> Post | None:
        """A live post by permalink path or id (lookups rebuilt when the blog changes)."""
        by_key = self.renderer.index("live-by-key", lambda: {
            key: p for p in self.blog.posts if p.live for key in (p.path, p.post_id)})
        return by_key.get(path or post_id)  # type: ignore[attr-defined]

    def _robots(self) -> str:
        mode = self.settings.robots
        if mode == "default":
            return (f"User-agent: Mediapartners-Google\nDisallow: \n\nUser-agent: *\n"
                    f"Disallow: /search\nAllow: /\n\nSitemap: {self.blog.url}sitemap.xml\n")
        return ROBOTS.get(mode, mode)

    def _image(self, path: str) -> Response:
        key = image_key(path)
        if key is None or key[0] not in self.renderer.images():
            return Response(404, HTML_TYPE, error_page(404, "Not Found").encode())
        digest = hashlib.sha256(key[0].encode()).digest()
        width, height = _variant_size(key[1])
        return Response(200, "image/png", _png(width, height, (digest[0], digest[1], digest[2])),
                        {"Cache-Control": "public, max-age=86400",
                         "Last-Modified": http_date(self.blog.created)})

    # feeds -------------------------------------------------------------------------------

    def _feed(self, path: str, query: str, host: str) -> Response:
        blog = self.blog
        parts = path.strip("/").split("/")[1:]  # drop "feeds"
        if parts and parts[0] == blog.blog_id and len(parts) > 1:
            parts = parts[1:]  # /feeds/BLOGID/... is the same feed as /feeds/...
        label = None
        if "-" in parts:
            dash = parts.index("-")
            parts, label = parts[:dash], "/".join(parts[dash + 1:])
        if parts in (["posts", "default"], ["posts", "summary"]):
            return self._posts_feed(parts[1], query, host, label)
        if len(parts) == 3 and parts[:2] == ["posts", "default"]:
            return self._single_entry(parts[2])
        if parts == ["comments", "default"]:
            if not self.settings.comments_feed:
                return Response(404, "text/plain; charset=UTF-8", b"Comments feed disabled")
            return self._comments_feed(None, query, host)
        if len(parts) == 3 and parts[1:] == ["comments", "default"]:
            if not self.settings.per_post_comments_feed:
                return Response(404, "text/plain; charset=UTF-8", b"Comments feed disabled")
            post = self._live_post(post_id=parts[0])
            if post is not None:
                return self._comments_feed(post, query, host)
        if parts == ["pages", "default"]:
            return self._pages_feed()
        return Response(404, "text/plain; charset=UTF-8", b"Not Found")

    def _next_base(self, host: str) -> str:
        name = self.settings.next_host
        return f"http://{name}:{self.port}/" if name else f"http://{host}/"

    def _atom(self, head: str, entries: Iterable[str], last_modified: datetime) -> Response:
        body = "".join([head, *entries, "</feed>"]).encode()
        return Response(200, ATOM_TYPE, body, self._cache_headers(last_modified))

    def _cache_headers(self, last_modified: datetime) -> dict[str, str]:
        return {"Last-Modified": http_date(last_modified), "Cache-Control": CACHE_CONTROL,
                "Expires": http_date(datetime.now(UTC) + timedelta(seconds=1))}

    def _posts_feed(self, flavour: str, query: str, host: str, label: str | None) -> Response:
        blog, renderer = self.blog, self.renderer
        mode = self.settings.feed_mode
        if mode == "none":
            return Response(404, "text/plain; charset=UTF-8", b"Feed disabled")
        if flavour == "summary":
            mode = "summary"
        q = parse_feed_query(query, self.settings)
        posts = renderer.live_posts(q.orderby)
        if q.filters or label:
            posts = [p for p in posts if _matches(p, q.filters) and (
                label is None or label in p.labels)]
        chunk = _page_slice(posts, q)
        if dict(q.extra).get("alt") == "rss":
            head = renderer.rss_head(total=len(posts), start=q.start, size=q.size)
            body = "".join([head, *(renderer.rss_item(p, mode) for p in chunk),
                            "</channel></rss>"]).encode()
            return Response(200, RSS_TYPE, body, self._cache_headers(blog.updated))
        feed_path = f"feeds/{blog.blog_id}/posts/{flavour}" + (
            f"/-/{quote(label)}" if label else "")
        head = renderer.feed_head(
            feed_id=tag_id(blog.blog_id), updated=blog.updated, title=blog.title,
            feed_href=f"{blog.url}feeds/posts/{flavour}",
            self_href=f"{API}/{blog.blog_id}/posts/{flavour}", alternate=blog.url,
            total=len(posts), start=q.start, size=q.size,
            next_href=_next_href(self._next_base(host), feed_path, q, len(posts)),
            namespaces=POSTS_NS, with_labels=True)
        return self._atom(head, (renderer.post_entry(p, mode) for p in chunk), blog.updated)

    def _single_entry(self, post_id: str) -> Response:
        """/feeds/posts/default/POSTID: one entry as its own Atom document."""
        post = self._live_post(post_id=post_id)
        if post is None:
            return Response(404, "text/plain; charset=UTF-8", b"Not Found")
        entry = self.renderer.post_entry(post, "full").replace("<entry>", f"<entry {POSTS_NS}>", 1)
        return Response(200, ATOM_TYPE, (STYLESHEET + entry).encode(),
                        self._cache_headers(post.updated))

    def _comments_feed(self, post: Post | None, query: str, host: str) -> Response:
        blog, renderer = self.blog, self.renderer
        q = parse_feed_query(query, self.settings)
        if post is None:
            pairs = renderer.live_comments()
        else:
            pairs = [(post, c) for c in sorted(post.comments, key=lambda c: c.published,
                                                reverse=True)]
        if q.filters:
            pairs = [(p, c) for p, c in pairs if _matches(c, q.filters)]
        chunk = _page_slice(pairs, q)
        # An empty per-post feed answers with the blog-wide feed's id, title and date.
        dated = renderer.live_comments() if post is not None and not pairs else pairs
        updated = dated[0][1].published if dated else epoch(blog.tz)  # newest first
        if post is None or not pairs:
            feed_id, title, alternate = tag_id(blog.blog_id, ".comments"), blog.title, blog.url
        else:
            feed_id = tag_id(blog.blog_id, f".post{post.post_id}..comments")
            title = f"Comments on {blog.title}: {post.title}"
            alternate = blog.url_of(post)
        api_path = (f"feeds/{blog.blog_id}/comments/default" if post is None
                    else f"feeds/{blog.blog_id}/{post.post_id}/comments/default")
        head = renderer.feed_head(
            feed_id=feed_id, updated=updated, title=title,
            feed_href=f"{blog.url}feeds/comments/default",
            self_href=f"https://www.blogger.com/{api_path}", alternate=alternate,
            total=len(pairs), start=q.start, size=q.size,
            next_href=_next_href(self._next_base(host), api_path, q, len(pairs)),
            namespaces=COMMENTS_NS, with_labels=False)
        return self._atom(head, (renderer.comment_entry(p, c) for p, c in chunk), updated)

    def _pages_feed(self) -> Response:
        blog, renderer = self.blog, self.renderer
        live = [p for p in blog.pages if p.status == "live"]
        updated = max((p.updated for p in live), default=epoch(blog.tz))
        head = renderer.feed_head(
            feed_id=tag_id(blog.blog_id), updated=updated, title=blog.title,
            feed_href=f"{blog.url}feeds/pages/default",
            self_href=f"{API}/{blog.blog_id}/pages/default", alternate=blog.url,
            total=len(live), start=1, size=self.settings.max_results_default, next_href=None,
            namespaces=POSTS_NS, with_labels=False)
        return self._atom(head, (renderer.page_entry(p) for p in live), updated)
