"""Blogger's feeds as the mock serves them: Atom and RSS for posts, comments and pages,
with Blogger's paging, query parameters and next links."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit

from .model import (
    Blog,
    Comment,
    Page,
    Post,
    Settings,
    atom_time,
    author_xml,
    comment_links,
    comment_title,
    image_key,
    plain_text,
    rfc822,
    tag_id,
    xml_escape,
)

ATOM_TYPE = "application/atom+xml; charset=UTF-8"


RSS_TYPE = "application/rss+xml; charset=UTF-8"


API = "https://www.blogger.com/feeds"


STYLESHEET = (
    "<?xml version='1.0' encoding='UTF-8'?><?xml-stylesheet "
    'href="http://www.blogger.com/styles/atom.css" type="text/css"?>'
)


POSTS_NS = (
    "xmlns='http://www.w3.org/2005/Atom' "
    "xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/' "
    "xmlns:blogger='http://schemas.google.com/blogger/2008' "
    "xmlns:georss='http://www.georss.org/georss' "
    'xmlns:gd="http://schemas.google.com/g/2005" '
    "xmlns:thr='http://purl.org/syndication/thread/1.0'"
)


COMMENTS_NS = (
    "xmlns='http://www.w3.org/2005/Atom' "
    "xmlns:openSearch='http://a9.com/-/spec/opensearchrss/1.0/' "
    'xmlns:gd="http://schemas.google.com/g/2005"'
)


RSS_NS = (
    'xmlns:atom="http://www.w3.org/2005/Atom" '
    'xmlns:openSearch="http://a9.com/-/spec/opensearchrss/1.0/" '
    'xmlns:blogger="http://schemas.google.com/blogger/2008" '
    'xmlns:georss="http://www.georss.org/georss" '
    'xmlns:gd="http://schemas.google.com/g/2005" '
    'xmlns:thr="http://purl.org/syndication/thread/1.0"'
)


LABEL_SCHEME = "http://www.blogger.com/atom/ns#"


SUMMARY_CHARS = 400


class FeedQuery(NamedTuple):
    start: int
    size: int
    orderby: str
    extra: list[tuple[str, str]]  # parameters repeated in the next link
    filters: dict[str, datetime]


class BadQuery(ValueError):
    """A query parameter Blogger would answer with 400."""


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
    size = min(
        requested if requested > 0 else settings.max_results_default, settings.max_results_cap
    )
    orderby = params.get("orderby", "published")
    if orderby not in ("published", "updated"):
        raise BadQuery(f"Invalid orderby: {orderby}")
    filters = {
        name: _parse_time(params[name])
        for name in ("published-min", "published-max", "updated-min", "updated-max")
        if name in params
    }
    extra = [
        (k, v)
        for k, v in params.items()
        if k in ("alt", "orderby", "published-min", "published-max", "updated-min", "updated-max")
    ]
    return FeedQuery(start, size, orderby, extra, filters)


def matches_filters(item: Post | Comment, filters: dict[str, datetime]) -> bool:
    for name, bound in filters.items():
        value = item.published if name.startswith("published") else item.updated
        if (name.endswith("min") and value < bound) or (name.endswith("max") and value >= bound):
            return False
    return True


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
            return (
                f"{head}<div class='jump-link'><a href='{url}#more' "
                f"title='{xml_escape(post.title)}'>Read more \u00bb</a></div>"
            )
        return post.content_html

    def summary(self, post: Post) -> str:
        text = plain_text(post.content_html)
        if len(text) <= SUMMARY_CHARS:
            return text
        return text[:SUMMARY_CHARS].rsplit(" ", 1)[0]

    def post_entry(self, post: Post, mode: str) -> str:
        return self._cached(
            (post.post_id, post.rev, "atom", mode), lambda: self._post_entry(post, mode)
        )

    def _post_entry(self, post: Post, mode: str) -> str:
        blog = self.blog
        url = blog.url_of(post)
        title = xml_escape(post.title)
        api = f"{API}/{blog.blog_id}/posts/default/{post.post_id}"
        cats = "".join(
            f'<category scheme="{LABEL_SCHEME}" term="{xml_escape(label)}"/>'
            for label in post.labels
        )
        if mode == "summary":
            body = f"<summary type='text'>{xml_escape(self.summary(post))}</summary>"
        else:
            body = f"<content type='html'>{xml_escape(self.body_for(post, mode))}</content>"
        count = len(post.comments)
        thumb = ""
        if post.images:
            src = post.images[0].src.replace("/s1600/", "/s72-c/").replace("=s1600", "=s72-c")
            thumb = (
                '<media:thumbnail xmlns:media="http://search.yahoo.com/mrss/" '
                f'url="{xml_escape(src)}" height="72" width="72"/>'
            )
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
        return self._cached(
            (post.post_id, post.rev, "rss", mode), lambda: self._rss_item(post, mode)
        )

    def _rss_item(self, post: Post, mode: str) -> str:
        blog = self.blog
        cats = "".join(
            f'<category domain="{LABEL_SCHEME}">{xml_escape(label)}</category>'
            for label in post.labels
        )
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
        return self._cached(
            (comment.id, post.rev, "comment"), lambda: self._comment_entry(post, comment)
        )

    def _comment_entry(self, post: Post, comment: Comment) -> str:
        blog = self.blog
        url = blog.url_of(post)
        api = f"{API}/{blog.blog_id}/{post.post_id}/comments/default"
        title = comment_title(comment)
        alternate, related, removed = comment_links(comment, url, api)
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
            '<gd:extendedProperty name="blogger.itemClass" value="pid-1423736593"/>'
            f'<gd:extendedProperty name="blogger.displayTime" value="{display}"/></entry>'
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

    def feed_head(
        self,
        *,
        feed_id: str,
        updated: datetime,
        title: str,
        feed_href: str,
        self_href: str,
        alternate: str,
        total: int,
        start: int,
        size: int,
        next_href: str | None,
        namespaces: str,
        with_labels: bool,
    ) -> str:
        blog = self.blog
        cats = (
            "".join(f'<category term="{xml_escape(label)}"/>' for label in self.labels())
            if with_labels
            else ""
        )
        subtitle = (
            f"<subtitle type='html'>{xml_escape(blog.subtitle)}</subtitle>" if with_labels else ""
        )
        next_link = (
            f"<link rel='next' type='application/atom+xml' href='{xml_escape(next_href)}'/>"
            if next_href
            else ""
        )
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


def page_slice(items: list, query: FeedQuery) -> list:
    return items[query.start - 1 : query.start - 1 + query.size]


def next_href(base: str, path: str, query: FeedQuery, total: int) -> str | None:
    """Blogger's rel=next: the blog-id form of the feed, only when more entries exist."""
    if query.start - 1 + query.size >= total:
        return None
    params = [(k, v) for k, v in query.extra if k != "alt"]
    params += [("start-index", str(query.start + query.size)), ("max-results", str(query.size))]
    return f"{base}{path}?{urlencode(params)}"
