"""Blogger's own conventions, shared by every reader: namespaces, ids, dates and addresses."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit, urlunsplit

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


_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


def http_url(value: str | None) -> str | None:
    """`value` (trimmed) when it is an absolute http(s) address with a host, else None.

    Every address a reader stores (post, page, comment, blog, image) becomes a link
    in staff browsers, so `javascript:`, `data:`, `vbscript:`, `file:`, relative and
    scheme-less values must never get that far. Browsers drop tabs and newlines
    inside an address (`java\tscript:` runs), so a value holding any control
    character is refused rather than cleaned.
    """
    if not value:
        return None
    value = value.strip()
    if _CONTROL_CHARS.search(value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return value


def checked_url(value: str | None, warnings: list[str], what: str) -> str | None:
    """`http_url(value)`, adding a line to `warnings` when a non-empty value is refused,
    so a run can tell the maintainer which record lost its address and why."""
    url = http_url(value)
    if url is None and value and value.strip():
        shown = value.strip()
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        warnings.append(f"{what}: address {shown!r} is not http(s); stored without it")
    return url


def https_upgrade(url: str) -> str:
    """Blogger next links may say `http:`; blogger.com/blogspot.com serve https."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "http" and (
        host == "blogger.com"
        or host.endswith((".blogger.com", ".blogspot.com"))
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


def xml_int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None
