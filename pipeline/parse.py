"""Pure parsing: bytes as Blogger served them → records. No I/O, no database.

Blogger Atom is parsed with lxml (the hot path: feedparser costs ~2.6 ms an
entry); RSS and anything odd falls back to feedparser. HTML post pages (for cut
or summary-only feeds) are read with BeautifulSoup. Every record carries
sanitized HTML and the `content_text` made from it by `html_to_text()`, the one
function whose output figure offsets index into.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import lxml.etree as etree
import lxml.html
import nh3

from pipeline.errors import FeedError

ATOM = "http://www.w3.org/2005/Atom"
NS = {
    "a": ATOM,
    "os": "http://a9.com/-/spec/opensearchrss/1.0/",
    "os11": "http://a9.com/-/spec/opensearch/1.1/",
    "thr": "http://purl.org/syndication/thread/1.0",
    "gd": "http://schemas.google.com/g/2005",
    "app": "http://purl.org/atom/app#",
    "app2": "http://www.w3.org/2007/app",
    "fb": "http://rssnamespace.org/feedburner/ext/1.0",
    "b18": "http://schemas.google.com/blogger/2018",
}
LABEL_SCHEME = "http://www.blogger.com/atom/ns#"
KIND_SCHEME = "http://schemas.google.com/g/2005#kind"

_ID_RE = re.compile(r"blog-(\d+)(?:\.(post|page)-?(\d+))?")
_TRAILING_ID_RE = re.compile(r"(\d+)/?$")
DEFAULT_IFRAME_HOSTS = frozenset(
    {"www.youtube.com", "www.youtube-nocookie.com", "player.vimeo.com"}
)
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True,
                              remove_blank_text=False)


# ----------------------------------------------------------------------- records


@dataclass(slots=True)
class BlogInfo:
    """The blog as a feed or export describes it."""

    id: str
    url: str | None = None
    title: str | None = None
    subtitle: str | None = None
    timezone_offset: str | None = None


@dataclass(slots=True)
class PostRecord:
    id: str
    blog_id: str
    url: str | None
    title: str
    author: str | None
    published: str | None
    updated: str | None
    year: int | None
    labels: list[str]
    content_html: str
    content_text: str
    body_source: str = "feed"          # feed / html / export
    status: str = "live"               # live / draft / deleted
    comment_total: int | None = None   # thr:total
    partial: bool = False              # body is a summary or cut at the jump break
    images: list[tuple[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class CommentRecord:
    id: str
    post_id: str | None
    blog_id: str
    url: str | None
    author: str | None
    published: str | None
    updated: str | None
    content_html: str
    content_text: str
    in_reply_to: str | None
    removed: bool


@dataclass(slots=True)
class PageRecord:
    id: str
    blog_id: str
    url: str | None
    title: str
    published: str | None
    updated: str | None
    content_html: str
    content_text: str
    status: str = "live"


@dataclass(slots=True)
class FeedPage:
    """One page of a Blogger feed, with what paging needs."""

    blog: BlogInfo | None
    total_results: int | None
    start_index: int | None
    items_per_page: int | None
    next_url: str | None
    updated: str | None
    posts: list[PostRecord] = field(default_factory=list)
    comments: list[CommentRecord] = field(default_factory=list)
    pages: list[PageRecord] = field(default_factory=list)
    feed_mode: str = "full"            # full / jumpbreak / summary (of the posts in it)
    skipped: int = 0                   # entries we could not read (flagged, not fatal)


# ------------------------------------------------------------------ shared helpers


def to_utc_iso(value: str | None) -> str | None:
    """Blogger date → `YYYY-MM-DDTHH:MM:SS+00:00` (UTC, seconds).

    Blogger's milliseconds are tie-breakers (`…:00.001`), not real time, so they
    are dropped; the raw value stays in the WARC. Accepts ISO 8601 (with offset
    or `Z`) and RFC 822 (RSS). Returns None for empty or unreadable input.
    """
    if not value:
        return None
    value = value.strip()
    try:
        if value[:4].isdigit():
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        else:
            dt = parsedate_to_datetime(value)
    except (ValueError, TypeError):
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).replace(microsecond=0).isoformat()


def local_year(value: str | None) -> int | None:
    """Year of a timestamp in the offset it was written in (the blog's own)."""
    if value and value[:4].isdigit():
        return int(value[:4])
    return None


def utc_offset(value: str | None) -> str | None:
    """The `+HH:MM` offset of an ISO timestamp, or None."""
    m = re.search(r"([+-]\d\d:\d\d|Z)$", value or "")
    if not m:
        return None
    return "+00:00" if m.group(1) == "Z" else m.group(1)


def blogger_ids(atom_id: str | None) -> tuple[str | None, str | None]:
    """`tag:blogger.com,1999:blog-B.post-P` → (B, P); pages likewise; ids stay text."""
    m = _ID_RE.search(atom_id or "")
    if not m:
        return None, None
    return m.group(1), m.group(3)


def https_upgrade(url: str) -> str:
    """Blogger next links may say `http:`; blogger.com/blogspot.com serve https."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "http" and (
        host == "blogger.com" or host.endswith((".blogger.com", ".blogspot.com"))
        or ".blogspot." in host
    ):
        return urlunsplit(("https", *parts[1:]))
    return url


def normalize_blog_url(url: str) -> str:
    """`rightspasia.blogspot.com` / `http://…/` → `https://rightspasia.blogspot.com/`."""
    url = url.strip()
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    m = re.match(r"^(.*\.blogspot)\.[a-z.]+$", host)
    if m and not host.endswith(".blogspot.com"):
        host = m.group(1) + ".com"  # ccTLD variants (.blogspot.tw) are the same blog
    netloc = host + (f":{parts.port}" if parts.port else "")
    return https_upgrade(urlunsplit((parts.scheme, netloc, parts.path.rstrip("/") + "/", "", "")))


# --------------------------------------------------------------------- HTML → text

_BLOCK_PARA = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol",
                         "table", "pre", "figure", "hr", "dl"})
_BLOCK_LINE = frozenset({"div", "li", "tr", "dt", "dd", "section", "article", "header",
                         "footer", "figcaption", "address", "center", "caption", "main",
                         "aside", "nav", "thead", "tbody", "tfoot", "details", "summary"})
_SKIP = frozenset({"script", "style", "noscript", "template", "head", "title"})
_CELL = frozenset({"td", "th"})
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
# Layout tokens between text pieces: "end the line", "blank line", a <br>, a table cell.
_LINE, _PARA, _BR, _CELL_SEP = 1, 2, 3, 4


def html_to_text(html: str) -> str:
    """Sanitized HTML → the plain text that is searched and that figures index into.

    Block elements and `<br>` end a line, paragraphs (p, headings, lists, tables,
    blockquotes) are separated by a blank line, one `<li>` per line, table cells
    separated by tabs, runs of spaces collapsed (no-break spaces included), NFC.
    Rendered like a browser would: block boundaries never stack into more than
    one blank line, but `<div><br></div>` (Blogger's empty line) is one.
    """
    if not html or not html.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return unicodedata.normalize("NFC", _SPACES.sub(" ", html)).strip()
    tokens: list[str | int] = [root.text or ""]
    _walk(root, tokens)
    return unicodedata.normalize("NFC", _render(tokens))


def _walk(el: etree._Element, out: list[str | int]) -> None:
    for child in el:
        tag = child.tag.lower() if isinstance(child.tag, str) else ""
        if tag and tag not in _SKIP:
            opener = (_PARA if tag in _BLOCK_PARA else _LINE if tag in _BLOCK_LINE
                      else _BR if tag == "br" else _CELL_SEP if tag in _CELL else 0)
            if opener:
                out.append(opener)
            if tag == "pre":
                out.extend(_pre_lines(child.text_content()))
            else:
                out.append(child.text or "")
                _walk(child, out)
            if opener in (_PARA, _LINE):
                out.append(opener)
        out.append(child.tail or "")


def _pre_lines(text: str) -> list[str | int]:
    """Preformatted text keeps its line breaks (as <br>s); spaces still collapse."""
    pieces: list[str | int] = []
    for i, line in enumerate(text.split("\n")):
        if i:
            pieces.append(_BR)
        pieces.append(line)
    return pieces


def _render(tokens: list[str | int]) -> str:
    """Lay out text and layout tokens; `newlines` is how many end the output so far."""
    out: list[str] = []
    newlines = 2          # the start behaves like after a paragraph: no leading breaks
    cell = False
    for tok in tokens:
        if isinstance(tok, str):
            text = _SPACES.sub(" ", tok)
            if newlines:
                text = text.lstrip(" ")
            if not text:
                continue
            if cell:
                out.append("\t")
                text = text.lstrip(" ")
                cell = False
            elif out and out[-1].endswith(" ") and text.startswith(" "):
                text = text[1:]
            out.append(text)
            newlines = 0
        elif tok == _CELL_SEP:
            cell = newlines == 0
        elif not out:
            continue
        else:
            cell = False
            want = {_LINE: 1, _PARA: 2}.get(tok, newlines + 1)
            if newlines == 0 and out[-1].endswith(" "):
                out[-1] = out[-1].rstrip(" ")
            if want > newlines:
                out.append("\n" * (min(want, 2) - newlines))
                newlines = min(want, 2)
    return "".join(out).rstrip()


# ----------------------------------------------------------------------- sanitizer

_ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) | {"iframe", "figure", "figcaption", "video", "source",
                                          "audio", "s", "u", "center", "font"}
_ALLOWED_TAGS -= {"script", "style"}
_ALLOWED_ATTRS = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
for _tag, _attrs in {
    "a": {"href", "name", "title", "target"},
    "img": {"src", "alt", "title", "width", "height"},
    "iframe": {"src", "width", "height", "allowfullscreen", "frameborder", "title"},
    "video": {"src", "controls", "width", "height", "poster"},
    "audio": {"src", "controls"},
    "source": {"src", "type"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "span": set(),
    "div": set(),
}.items():
    _ALLOWED_ATTRS.setdefault(_tag, set()).update(_attrs)
_IFRAME_RE = re.compile(r"<iframe\b[^>]*?(?:\ssrc\s*=\s*(['\"]?)([^'\"\s>]*)\1)?[^>]*>"
                        r"(?:.*?</iframe\s*>)?", re.I | re.S)


def sanitize_html(html: str, iframe_hosts: Iterable[str] = DEFAULT_IFRAME_HOSTS) -> str:
    """nh3-clean post HTML: no scripts, event handlers, `javascript:` URLs.

    Iframes survive only when their `src` host is in the allowlist (YouTube…);
    others are dropped whole before nh3 sees them, so no empty frame remains.
    """
    if not html:
        return ""
    hosts = frozenset(iframe_hosts)
    if "<iframe" in html.lower():
        html = _IFRAME_RE.sub(lambda m: _keep_iframe(m, hosts), html)
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRS,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel=None,
        strip_comments=True,
    )


def _keep_iframe(m: re.Match, hosts: frozenset[str]) -> str:
    src = m.group(2) or ""
    if src.startswith("//"):
        src = "https:" + src
    host = urlsplit(src).hostname or ""
    return m.group(0) if src.startswith("https://") and host in hosts else ""


_IMG_RE = re.compile(r"<img\b[^>]*>", re.I)
_ATTR_RE = re.compile(r"""\b(src|alt)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)


def image_refs(html: str, base_url: str | None = None) -> list[tuple[str, str]]:
    """(url, alt) of every `<img>` in sanitized HTML, first occurrence wins."""
    seen: dict[str, str] = {}
    for tag in _IMG_RE.findall(html):
        attrs = {}
        for name, dq, sq in _ATTR_RE.findall(tag):
            attrs[name.lower()] = dq if dq or not sq else sq
        src = _unescape(attrs.get("src", "")).strip()
        if not src or src.startswith("data:"):
            continue
        if src.startswith("//"):
            src = "https:" + src
        elif base_url:
            src = urljoin(base_url, src)
        seen.setdefault(src, _unescape(attrs.get("alt", "")))
    return list(seen.items())


def _unescape(s: str) -> str:
    return (s.replace("&amp;", "&").replace("&quot;", '"').replace("&#39;", "'")
            .replace("&lt;", "<").replace("&gt;", ">"))


# -------------------------------------------------------------------- Atom feeds


def parse_feed(data: bytes, *, iframe_hosts: Iterable[str] = DEFAULT_IFRAME_HOSTS,
               post_id: str | None = None) -> FeedPage:
    """A Blogger posts, comments or pages feed page → `FeedPage`.

    Which records an entry becomes is decided by the feed, not the id (comments
    use the `.post-` id form too): a feed whose id ends in `.comments` or whose
    entries carry `thr:in-reply-to` holds comments, `.pages`/`.page-` ids are
    pages. `post_id` is the post a per-post comments feed belongs to.
    Raises FeedError for bytes that are not a feed (truncated, HTML, empty).
    """
    root = _xml_root(data)
    tag = etree.QName(root).localname if isinstance(root.tag, str) else ""
    if tag == "rss" or tag == "RDF":
        return parse_rss(data, iframe_hosts=iframe_hosts)
    if root.tag != f"{{{ATOM}}}feed":
        raise FeedError(f"not an Atom feed (root element <{tag}>)")
    hosts = frozenset(iframe_hosts)
    feed_id = _text(root, "a:id")
    blog_id, _ = blogger_ids(feed_id)
    updated_raw = _text(root, "a:updated")
    blog = None
    if blog_id:
        blog = BlogInfo(
            id=blog_id,
            url=_link(root, "alternate"),
            title=_text(root, "a:title"),
            subtitle=_text(root, "a:subtitle"),
            timezone_offset=utc_offset(updated_raw),
        )
    page = FeedPage(
        blog=blog,
        total_results=_int(_text(root, "os:totalResults") or _text(root, "os11:totalResults")),
        start_index=_int(_text(root, "os:startIndex") or _text(root, "os11:startIndex")),
        items_per_page=_int(_text(root, "os:itemsPerPage") or _text(root, "os11:itemsPerPage")),
        next_url=_link(root, "next"),
        updated=to_utc_iso(updated_raw),
    )
    if page.next_url:
        page.next_url = https_upgrade(page.next_url)
    is_comments = bool(feed_id and (feed_id.endswith(".comments") or ".comments" in feed_id
                                    or post_id))
    modes = set()
    for entry in root.iterfind("a:entry", NS):
        try:
            eid = _text(entry, "a:id") or ""
            if ".page-" in eid:
                page.pages.append(_page_from_entry(entry, hosts))
            elif is_comments or entry.find("thr:in-reply-to", NS) is not None:
                page.comments.append(_comment_from_entry(entry, hosts, post_id))
            else:
                post, mode = _post_from_entry(entry, hosts)
                page.posts.append(post)
                modes.add(mode)
        except (ValueError, TypeError, AttributeError):
            page.skipped += 1  # flag and continue, feedparser-style
    for mode in ("summary", "jumpbreak"):
        if mode in modes:
            page.feed_mode = mode
            break
    return page


def _xml_root(data: bytes) -> etree._Element:
    if not data or not data.strip():
        raise FeedError("empty response where a feed was expected")
    try:
        return etree.fromstring(data, _XML_PARSER)
    except etree.XMLSyntaxError as exc:
        raise FeedError(f"malformed or truncated feed XML ({exc.msg})") from None


def _text(el: etree._Element, path: str) -> str | None:
    found = el.find(path, NS)
    if found is None:
        return None
    return found.text or ""


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _link(el: etree._Element, rel: str, type_: str | None = None) -> str | None:
    for link in el.iterfind("a:link", NS):
        if link.get("rel") == rel and (type_ is None or link.get("type") == type_):
            return link.get("href")
    return None


def _author(entry: etree._Element) -> str | None:
    name = entry.find("a:author/a:name", NS)
    return name.text if name is not None else None


def _labels(entry: etree._Element) -> list[str]:
    return [c.get("term", "") for c in entry.iterfind("a:category", NS)
            if c.get("scheme") == LABEL_SCHEME and c.get("term")]


def _content(entry: etree._Element) -> tuple[str, bool]:
    """(HTML, is_summary): `<content>` when present, else `<summary>`."""
    content = entry.find("a:content", NS)
    if content is not None:
        return _element_html(content), False
    summary = entry.find("a:summary", NS)
    if summary is not None:
        return _element_html(summary), True
    return "", False


def _element_html(el: etree._Element) -> str:
    if el.get("type") == "xhtml":
        return "".join(etree.tostring(c, encoding="unicode") for c in el)
    text = el.text or ""
    if el.get("type") in (None, "text"):
        return _escape(text)
    return text


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_COMMENTS_FEED_RE = re.compile(rb"/feeds/(\d+)/comments/default")
_JUMP_RE = re.compile(r"<a\b[^>]*href=['\"][^'\"]*#more['\"][^>]*>", re.I)


def _post_from_entry(entry: etree._Element, hosts: frozenset[str]) -> tuple[PostRecord, str]:
    blog_id, post_id = blogger_ids(_text(entry, "a:id"))
    if not post_id or not blog_id:
        raise ValueError("entry without a Blogger post id")
    published_raw = _text(entry, "a:published")
    url = _text(entry, "fb:origLink") or _link(entry, "alternate")
    html, is_summary = _content(entry)
    mode = "summary" if is_summary else ("jumpbreak" if _JUMP_RE.search(html) else "full")
    clean = sanitize_html(html, hosts)
    total = _int(_text(entry, "thr:total"))
    return PostRecord(
        id=post_id,
        blog_id=blog_id,
        url=url,
        title=_text(entry, "a:title") or "",
        author=_author(entry),
        published=to_utc_iso(published_raw),
        updated=to_utc_iso(_text(entry, "a:updated")),
        year=local_year(published_raw),
        labels=_labels(entry),
        content_html=clean,
        content_text=html_to_text(clean),
        comment_total=total,
        partial=mode != "full",
        images=image_refs(clean, url),
    ), mode


def _comment_from_entry(entry: etree._Element, hosts: frozenset[str],
                        post_id: str | None) -> CommentRecord:
    blog_id, comment_id = blogger_ids(_text(entry, "a:id"))
    if not comment_id or not blog_id:
        raise ValueError("comment without an id")
    reply = entry.find("thr:in-reply-to", NS)
    if reply is not None:
        post_id = blogger_ids(reply.get("ref"))[1] or _trailing_id(reply.get("source")) or post_id
    related = _link(entry, "related")
    removed = any(
        p.get("name") == "blogger.contentRemoved" and p.get("value") == "true"
        for p in entry.iterfind("gd:extendedProperty", NS)
    )
    html, _ = _content(entry)
    clean = sanitize_html(html, hosts)
    return CommentRecord(
        id=comment_id,
        post_id=post_id,
        blog_id=blog_id,
        url=_link(entry, "alternate"),
        author=_author(entry),
        published=to_utc_iso(_text(entry, "a:published")),
        updated=to_utc_iso(_text(entry, "a:updated")),
        content_html=clean,
        content_text=html_to_text(clean),
        in_reply_to=_trailing_id(related) if related else None,
        removed=removed,
    )


def _trailing_id(url: str | None) -> str | None:
    m = _TRAILING_ID_RE.search(urlsplit(url or "").path)
    return m.group(1) if m else None


def _page_from_entry(entry: etree._Element, hosts: frozenset[str]) -> PageRecord:
    blog_id, page_id = blogger_ids(_text(entry, "a:id"))
    if not page_id or not blog_id:
        raise ValueError("page without an id")
    html, _ = _content(entry)
    clean = sanitize_html(html, hosts)
    return PageRecord(
        id=page_id,
        blog_id=blog_id,
        url=_link(entry, "alternate"),
        title=_text(entry, "a:title") or "",
        published=to_utc_iso(_text(entry, "a:published")),
        updated=to_utc_iso(_text(entry, "a:updated")),
        content_html=clean,
        content_text=html_to_text(clean),
    )


# ---------------------------------------------------------------- RSS (fallback)


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
    page = FeedPage(
        blog=BlogInfo(id=blog_id, url=feed.get("link"), title=feed.get("title"),
                      subtitle=feed.get("subtitle")) if blog_id else None,
        total_results=_int(feed.get("opensearch_totalresults")),
        start_index=_int(feed.get("opensearch_startindex")),
        items_per_page=_int(feed.get("opensearch_itemsperpage")),
        next_url=None,
        updated=to_utc_iso(feed.get("updated") or feed.get("lastbuilddate")),
    )
    for item in parsed.entries:
        b_id, p_id = blogger_ids(item.get("id") or item.get("guid"))
        if not p_id:
            page.skipped += 1
            continue
        html = item.get("content", [{}])[0].get("value") if item.get("content") else None
        html = html or item.get("summary", "")
        clean = sanitize_html(html, hosts)
        published_raw = item.get("published")
        page.posts.append(PostRecord(
            id=p_id, blog_id=b_id or "", url=item.get("link"), title=item.get("title", ""),
            author=_rss_author(item.get("author")), published=to_utc_iso(published_raw),
            updated=to_utc_iso(item.get("updated") or published_raw),
            year=_rss_year(published_raw),
            labels=[t["term"] for t in item.get("tags", []) if t.get("term")],
            content_html=clean, content_text=html_to_text(clean),
            comment_total=_int(item.get("thr_total")), images=image_refs(clean, item.get("link")),
        ))
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


# ------------------------------------------------------------------- post HTML


@dataclass(slots=True)
class PostPage:
    """What a rendered post page gives for a cut or summary-only feed."""

    post_id: str | None
    content_html: str | None       # sanitized; None when the theme drew no body (Dynamic Views)
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


def parse_post_html(data: bytes, *, url: str | None = None,
                    iframe_hosts: Iterable[str] = DEFAULT_IFRAME_HOSTS) -> PostPage:
    """A Blogger post page → body, date and labels.

    Classic themes: `div.post-body`, `abbr.published[title]`,
    `span.post-labels a[rel=tag]`; newer ones: `time.published[datetime]`.
    Dynamic Views pages carry no body (the caller then tries `?m=1`).
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "lxml")
    body = soup.select_one("div.post-body") or soup.select_one("div.entry-content") \
        or soup.select_one("[id^=post-body]")
    post_id = None
    meta = soup.select_one("meta[itemprop=postId]")
    if meta and meta.get("content"):
        post_id = meta["content"]
    elif body is not None and re.fullmatch(r"post-body-\d+", body.get("id") or ""):
        post_id = body["id"][len("post-body-"):]
    else:
        # The post's own comments feed link; absent on 404 and static pages.
        m = _COMMENTS_FEED_RE.search(data)
        post_id = m.group(1).decode() if m else None
    abbr = soup.select_one("abbr.published[title]")
    published = abbr["title"] if abbr is not None else _date_near(body)
    labels = [a.get_text(strip=True) for a in soup.select(".post-labels a[rel=tag]")] \
        or [a.get_text(strip=True) for a in soup.select(".post-labels a")] \
        or [a.get_text(strip=True) for a in soup.select("a[rel=tag]")]
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
