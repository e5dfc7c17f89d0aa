"""Blogger's HTML as the mock serves it: post pages in classic, contempo and Dynamic Views
themes, static pages, the home page, error pages and image bytes."""

from __future__ import annotations

import json
import re
import struct
import zlib
from urllib.parse import quote, urlsplit

from .model import (
    Blog,
    Comment,
    Page,
    Post,
    iso_seconds,
    xml_escape,
)

HTML_TYPE = "text/html; charset=UTF-8"


def png_bytes(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour PNG; tiny, valid and deterministic."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height, 9))
        + chunk(b"IEND", b"")
    )


def variant_size(variant: str) -> tuple[int, int]:
    digits = re.match(r"[swh](\d+)", variant)
    full = not digits or digits.group(1) in ("0", "1600", "16000")
    if full:
        return 24, 16
    return (6, 4) if int(digits.group(1)) <= 100 else (12, 8)


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
    return (
        f"<div class='header-outer'><div class='Header widget' id='Header1'>"
        f"<h1 class='title'><a href='{blog.url}'>{xml_escape(blog.title)}</a></h1>"
        f"<p class='description'><span>{xml_escape(blog.subtitle)}</span></p></div></div>\n"
    )


def _label_links(blog: Blog, post: Post, separator: str) -> str:
    return separator.join(
        f"<a href='{blog.url}search/label/{quote(label)}' rel='tag'>{xml_escape(label)}</a>"
        for label in post.labels
    )


def _comment_threads(blog: Blog, post: Post) -> str:
    """Threaded comments as Blogger renders them: li.comment#cID, replies nested."""
    children: dict[str | None, list[Comment]] = {}
    for comment in sorted(post.comments, key=lambda c: c.published):
        children.setdefault(comment.parent_id, []).append(comment)
    url = blog.url_of(post)

    def render(comment: Comment) -> str:
        millis = int(comment.published.timestamp() * 1000)
        text = (
            f"<span class='deleted-comment'>{comment.content}</span>"
            if comment.removed
            else comment.content
        )
        replies = children.get(comment.id, [])
        nested = (
            (
                "<div class='comment-replies'><div class='comment-thread inline-thread'><ol>"
                + "".join(map(render, replies))
                + "</ol></div></div>"
            )
            if replies
            else ""
        )
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
    return (
        "<div class='comment-thread'><ol>" + "".join(map(render, roots)) + "</ol></div>"
        if roots
        else ""
    )


def _classic_post(blog: Blog, post: Post, *, mobile: bool) -> str:
    url = blog.url_of(post)
    local = post.published
    author = post.author
    title = (
        f"<h3 class='post-title entry-title' itemprop='name'>\n{xml_escape(post.title)}\n</h3>\n"
        if post.title
        else ""
    )
    n = len(post.comments)
    return (
        f"<body class='{'mobile variant-mobile' if mobile else 'loading variant-simplysimple'}'>"
        f"\n<div class='content'>{_blog_header(blog)}"
        "<div class='main section' id='main' name='Main'><div class='widget Blog' "
        "data-version='1' id='Blog1'>\n<div class='blog-posts hfeed'>\n"
        f"<div class=\"date-outer\">\n<h2 class='date-header'><span>"
        f'{local:%A, %B %-d, %Y}</span></h2>\n<div class="date-posts">\n'
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
        f"itemprop='datePublished' title='{iso_seconds(local)}'>{local:%-I:%M %p}</abbr></a>\n"
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
    ld = (
        json.dumps(
            {
                "@context": "http://schema.org",
                "@type": "BlogPosting",
                "mainEntityOfPage": {"@type": "WebPage", "@id": url},
                "headline": post.title,
                "datePublished": iso_seconds(local),
                "dateModified": iso_seconds(post.updated),
                "author": {"@type": "Person", "name": post.author.name},
            },
            indent=2,
        )
        .replace("&", "\\u0026")
        .replace("<", "\\u003c")
    )
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
        f"<time class='published' datetime='{iso_seconds(local)}' "
        f"title='{iso_seconds(local)}'>\n{local:%B %-d, %Y}\n</time>\n</a>\n</span>\n"
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
    extra = (
        f'<link rel="alternate" type="application/atom+xml" '
        f'title="{xml_escape(blog.title)} - Atom" '
        f'href="{blog.url}feeds/{post.post_id}/comments/default" />\n'
        f"<meta content='{url}' property='og:url'/>\n"
        f"<meta content='{xml_escape(post.title)}' property='og:title'/>\n"
    )
    if theme == "dynamic":
        extra += "<meta content='dynamic' name='blogger-template'/>\n"
    head = _head(
        blog,
        f"{blog.title}: {post.title}" if post.title else blog.title,
        url + ("?m=1" if theme == "mobile" else ""),
        extra,
    )
    if theme == "contempo":
        return head + _contempo_post(blog, post)
    if theme == "dynamic":
        return head + _dynamic_post(blog, post)
    return head + _classic_post(blog, post, mobile=theme == "mobile")


def static_page(blog: Blog, page: Page, theme: str) -> str:
    url = blog.url_of(page)
    body_class = (
        "item-view static_page item version-1-3-3"
        if theme == "contempo"
        else "loading variant-simplysimple static_page item"
    )
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
            f"</div>\n<abbr class='published' title='{iso_seconds(post.published)}'>"
            f"{post.published:%-I:%M %p}</abbr>\n</div>\n</div>\n"
        )
    return (
        _head(blog, blog.title, blog.url)
        + f"<body class='loading variant-simplysimple'>\n<div class='content'>"
        f"{_blog_header(blog)}<div class='main section' id='main'>"
        f"<div class='widget Blog' data-version='1' id='Blog1'>\n"
        f"<div class='blog-posts hfeed'>\n{''.join(items)}</div>\n"
        f"<div class='blog-pager' id='blog-pager'><a class='blog-pager-older-link' "
        f"href='{blog.url}search?updated-max=2000-01-01T00:00:00%2B00:00&amp;max-results=10'>"
        "Older Posts</a></div>\n</div></div>\n</div>\n</body>\n</html>"
    )


def not_found_page(blog: Blog, path: str) -> str:
    return (
        _head(blog, blog.title, blog.url.rstrip("/") + path)
        + "<body class='loading variant-simplysimple'>\n<div class='content'>"
        f"{_blog_header(blog)}<div class='main section' id='main'>"
        "<div class='widget Blog' data-version='1' id='Blog1'>\n"
        "<div class='status-msg-wrap'>\n<div class='status-msg-body'>\n"
        "Sorry, the page you were looking for in this blog does not exist.\n</div>\n"
        "<div class='status-msg-border'>\n<div class='status-msg-bg'>\n"
        "<div class='status-msg-hidden'>Sorry, the page you were looking for in this blog "
        "does not exist.</div>\n</div>\n</div>\n</div>\n</div></div>\n</div>\n</body>\n</html>"
    )


def error_page(status: int, reason: str) -> str:
    """Google's bare error page (429/500 answers come from the front end, not the blog)."""
    return (
        f"<!DOCTYPE html>\n<html lang=en>\n<meta charset=utf-8>\n"
        f"<title>Error {status} ({reason})!!1</title>\n"
        f"<p><b>{status}.</b> <ins>That\u2019s an error.</ins>\n"
        f"<p>{reason}. <ins>That\u2019s all we know.</ins>\n"
    )
