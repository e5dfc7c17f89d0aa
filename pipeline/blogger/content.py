"""Post bodies: sanitized HTML, the plain text every extractor reads, and image references.

`html_to_text` is the one function that derives `content_text`: block elements and `<br>` end a
line, paragraphs are separated by a blank line, one `<li>` per line, table cells separated by tabs,
runs of spaces collapsed, Unicode NFC. Figure offsets index into its output, so it must not change
lightly.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

import lxml.etree as etree
import lxml.html
import nh3

from pipeline.blogger.common import http_url

DEFAULT_IFRAME_HOSTS = frozenset(
    {"www.youtube.com", "www.youtube-nocookie.com", "player.vimeo.com"}
)


_BLOCK_PARA = frozenset(
    {
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "ul",
        "ol",
        "table",
        "pre",
        "figure",
        "hr",
        "dl",
    }
)


_BLOCK_LINE = frozenset(
    {
        "div",
        "li",
        "tr",
        "dt",
        "dd",
        "section",
        "article",
        "header",
        "footer",
        "figcaption",
        "address",
        "center",
        "caption",
        "main",
        "aside",
        "nav",
        "thead",
        "tbody",
        "tfoot",
        "details",
        "summary",
    }
)


_SKIP = frozenset({"script", "style", "noscript", "template", "head", "title"})


_CELL = frozenset({"td", "th"})


_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


# libxml2 stops at a text node over 10 MB unless told otherwise, and silently: a huge
# post would be stored with no text at all, neither searchable nor extracted.
_HTML_PARSER = lxml.html.HTMLParser(huge_tree=True)


def html_fragment(html: str) -> lxml.html.HtmlElement:
    """An HTML fragment under one `<div>`, parsed whatever the size of its text.

    Every reader of post HTML parses through here so that none of them loses the text
    of a huge post. Raises `etree.ParserError` for input with no content.
    """
    return lxml.html.fragment_fromstring(html, create_parent="div", parser=_HTML_PARSER)


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
        root = html_fragment(html)
    except (etree.ParserError, ValueError):
        return unicodedata.normalize("NFC", _SPACES.sub(" ", html)).strip()
    tokens: list[str | int] = [root.text or ""]
    _walk(root, tokens)
    return unicodedata.normalize("NFC", _render(tokens))


def _walk(el: etree._Element, out: list[str | int]) -> None:
    for child in el:
        tag = child.tag.lower() if isinstance(child.tag, str) else ""
        if tag and tag not in _SKIP:
            opener = (
                _PARA
                if tag in _BLOCK_PARA
                else _LINE
                if tag in _BLOCK_LINE
                else _BR
                if tag == "br"
                else _CELL_SEP
                if tag in _CELL
                else 0
            )
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
    newlines = 2  # the start behaves like after a paragraph: no leading breaks
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


_ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) | {
    "iframe",
    "figure",
    "figcaption",
    "video",
    "source",
    "audio",
    "s",
    "u",
    "center",
    "font",
}


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


_IFRAME_RE = re.compile(
    r"<iframe\b[^>]*?(?:\ssrc\s*=\s*(['\"]?)([^'\"\s>]*)\1)?[^>]*>"
    r"(?:.*?</iframe\s*>)?",
    re.I | re.S,
)


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
    """(url, alt) of every `<img>` in sanitized HTML, first occurrence wins.

    Only absolute http(s) addresses are kept (relative ones are resolved against
    `base_url` first): the list is stored, fetched and shown as links.
    """
    seen: dict[str, str] = {}
    for tag in _IMG_RE.findall(html):
        attrs = {}
        for name, dq, sq in _ATTR_RE.findall(tag):
            attrs[name.lower()] = dq if dq or not sq else sq
        src = _unescape(attrs.get("src", "")).strip()
        if not src:
            continue
        if src.startswith("//"):
            src = "https:" + src
        elif base_url:
            try:
                src = urljoin(base_url, src)
            except ValueError:  # unparsable (an unclosed IPv6 bracket): not an address
                continue
        src = http_url(src)
        if src:
            seen.setdefault(src, _unescape(attrs.get("alt", "")))
    return list(seen.items())


def _unescape(s: str) -> str:
    return (
        s.replace("&amp;", "&")
        .replace("&quot;", '"')
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
    )
