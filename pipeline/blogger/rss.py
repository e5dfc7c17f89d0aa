"""RSS and odd feeds through feedparser: the slow but forgiving fallback of the Atom reader."""

from __future__ import annotations

import re
from collections.abc import Iterable

from pipeline.blogger.common import blogger_ids, checked_url, to_utc_iso, xml_int
from pipeline.blogger.content import DEFAULT_IFRAME_HOSTS, html_to_text, image_refs, sanitize_html
from pipeline.errors import FeedError
from pipeline.model import BlogInfo, FeedPage, PostRecord


def parse_rss(data: bytes, *, iframe_hosts: Iterable[str] = DEFAULT_IFRAME_HOSTS) -> FeedPage:
    """RSS 2.0 (`?alt=rss`) and other odd feeds, through feedparser.

    RSS `pubDate` is in UTC, so `year` may differ from the blog's local year
    near New Year; Atom is always preferred by the scraper.
    """
    import feedparser

    parsed = feedparser.parse(data)
    if parsed.bozo and not parsed.entries and not parsed.feed:
        raise FeedError(f"unreadable feed ({parsed.bozo_exception})")
    hosts = frozenset(iframe_hosts)
    feed = parsed.feed
    blog_id, _ = blogger_ids(feed.get("id") or feed.get("guid"))
    warnings: list[str] = []
    page = FeedPage(
        blog=BlogInfo(
            id=blog_id,
            url=checked_url(feed.get("link"), warnings, f"blog {blog_id}"),
            title=feed.get("title"),
            subtitle=feed.get("subtitle"),
        )
        if blog_id
        else None,
        total_results=xml_int(feed.get("opensearch_totalresults")),
        start_index=xml_int(feed.get("opensearch_startindex")),
        items_per_page=xml_int(feed.get("opensearch_itemsperpage")),
        next_url=None,
        updated=to_utc_iso(feed.get("updated") or feed.get("lastbuilddate")),
        warnings=warnings,
    )
    for item in parsed.entries:
        b_id, p_id = blogger_ids(item.get("id") or item.get("guid"))
        if not p_id:
            page.skipped += 1
            continue
        html = item.get("content", [{}])[0].get("value") if item.get("content") else None
        html = html or item.get("summary", "")
        clean = sanitize_html(html, hosts)
        url = checked_url(item.get("link"), warnings, f"post {p_id}")
        published_raw = item.get("published")
        page.posts.append(
            PostRecord(
                id=p_id,
                blog_id=b_id or "",
                url=url,
                title=item.get("title", ""),
                author=_rss_author(item.get("author")),
                published=to_utc_iso(published_raw),
                updated=to_utc_iso(item.get("updated") or published_raw),
                year=_rss_year(published_raw),
                labels=[t["term"] for t in item.get("tags", []) if t.get("term")],
                content_html=clean,
                content_text=html_to_text(clean),
                comment_total=xml_int(item.get("thr_total")),
                images=image_refs(clean, url),
            )
        )
    return page


def _rss_author(value: str | None) -> str | None:
    """`noreply@blogger.com (Name)` → `Name`."""
    if not value:
        return None
    m = re.search(r"\(([^)]*)\)\s*$", value)
    return m.group(1) if m else value


def _rss_year(value: str | None) -> int | None:
    iso = to_utc_iso(value)
    return int(iso[:4]) if iso else None
