"""A post's own HTML page → its full body, for feeds that are cut or summary-only.

Classic themes (`div.post-body`, `abbr.published`), newer ones (`time.published`), and Dynamic
Views pages, which hold no body (the caller then tries the mobile view).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pipeline.blogger.atom import _COMMENTS_FEED_RE
from pipeline.blogger.common import local_year, to_utc_iso
from pipeline.blogger.content import DEFAULT_IFRAME_HOSTS, html_to_text, image_refs, sanitize_html
from pipeline.model import PostRecord


@dataclass(slots=True)
class PostPage:
    """What a rendered post page gives for a cut or summary-only feed."""

    post_id: str | None
    content_html: str | None  # sanitized; None when the theme drew no body (Dynamic Views)
    published: str | None
    labels: list[str]
    title: str | None
    dynamic_views: bool


def _date_near(body: Any) -> str | None:
    """`.published[datetime]` of the post itself: the nearest one around its body.

    Themes also date the posts of "related"/"popular" widgets, so a page-wide
    search would date a static page by somebody else's post.
    """
    node = body
    for _ in range(4):
        if node is None:
            return None
        dated = node.select_one(".published[datetime]")
        if dated is not None:
            return dated["datetime"]
        node = node.parent
    return None


def parse_post_html(
    data: bytes, *, url: str | None = None, iframe_hosts: Iterable[str] = DEFAULT_IFRAME_HOSTS
) -> PostPage:
    """A Blogger post page → body, date and labels.

    Classic themes: `div.post-body`, `abbr.published[title]`,
    `span.post-labels a[rel=tag]`; newer ones: `time.published[datetime]`.
    Dynamic Views pages carry no body (the caller then tries `?m=1`).
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "lxml")
    body = (
        soup.select_one("div.post-body")
        or soup.select_one("div.entry-content")
        or soup.select_one("[id^=post-body]")
    )
    post_id = None
    meta = soup.select_one("meta[itemprop=postId]")
    if meta and meta.get("content"):
        post_id = meta["content"]
    elif body is not None and re.fullmatch(r"post-body-\d+", body.get("id") or ""):
        post_id = body["id"][len("post-body-") :]
    else:
        # The post's own comments feed link; absent on 404 and static pages.
        m = _COMMENTS_FEED_RE.search(data)
        post_id = m.group(1).decode() if m else None
    abbr = soup.select_one("abbr.published[title]")
    published = abbr["title"] if abbr is not None else _date_near(body)
    labels = (
        [a.get_text(strip=True) for a in soup.select(".post-labels a[rel=tag]")]
        or [a.get_text(strip=True) for a in soup.select(".post-labels a")]
        or [a.get_text(strip=True) for a in soup.select("a[rel=tag]")]
    )
    title_el = soup.select_one(".post-title") or soup.select_one(".entry-title")
    # Dynamic Views names its theme in the page's settings JSON; other themes only
    # carry "dynamicViewsScriptSrc" URLs, so the bare word is not enough.
    dynamic = b"'Dynamic Views'" in data or b'"Dynamic Views"' in data
    html = None
    if body is not None:
        inner = body.decode_contents().strip()
        if inner:
            html = sanitize_html(inner, iframe_hosts)
    return PostPage(
        post_id=post_id,
        content_html=html,
        published=published,
        labels=labels,
        title=title_el.get_text(strip=True) if title_el else None,
        dynamic_views=dynamic and html is None,
    )


def apply_post_page(post: PostRecord, parsed: Any) -> None:
    """Replace a cut/summary body with the full one read from the post's HTML page."""
    if parsed.content_html is None:
        return
    post.content_html = parsed.content_html
    post.content_text = html_to_text(parsed.content_html)
    post.body_source = "html"
    post.partial = False
    post.images = image_refs(post.content_html, post.url)
    if not post.labels and parsed.labels:
        post.labels = parsed.labels
    if not post.published and parsed.published:
        post.published = to_utc_iso(parsed.published)
        post.year = local_year(parsed.published)
