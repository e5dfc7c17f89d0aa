"""Blogger export files → the same records the feeds give. Pure: bytes (or a file) in.

Two formats exist:

* old "Back up content" (`…blog-ID.archive`): feed entries of every kind told
  apart by a `…/blogger/2008/kind#post|comment|page|settings|template` category,
  drafts marked by `app:control/app:draft`. Entries are exactly the feed's, so
  they are read by parse.py's own entry readers (one reader, one behaviour).
* new Google Takeout `feed.atom` (namespace `…/blogger/2018`): no kinds and no
  links, but `blogger:type`, `blogger:status`, `blogger:filename`,
  `blogger:parent` and `blogger:inReplyTo`, with UTC `Z` times.

A 100,000-post export is ~500 MB, so the file is streamed with
`etree.iterparse` and each entry is dropped once read: `iter_backup()` yields
records in batches in bounded memory; `parse_backup()` collects them for the
common case of a blog that fits in memory.

Anything that is not an export (HTML, an ordinary Atom feed, other XML, a
truncated file) raises `InputFileError` (exit 2) with a one-line reason, before
any record is produced where that can be known up front.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO, NoReturn
from urllib.parse import urljoin

import lxml.etree as etree

from pipeline.blogger.atom import (
    comment_from_entry,
    entry_author,
    entry_content,
    page_from_entry,
    post_from_entry,
    xml_text,
)
from pipeline.blogger.common import (
    ATOM,
    KIND_SCHEME,
    LABEL_SCHEME,
    NS,
    blogger_ids,
    checked_url,
    local_year,
    normalize_blog_url,
    to_utc_iso,
    utc_offset,
)
from pipeline.blogger.content import DEFAULT_IFRAME_HOSTS, html_to_text, image_refs, sanitize_html
from pipeline.errors import InputFileError
from pipeline.model import BlogInfo, CommentRecord, PageRecord, PostRecord

Source = bytes | bytearray | memoryview | str | os.PathLike | BinaryIO


B18 = NS["b18"]


_ENTRY = f"{{{ATOM}}}entry"


_FEED = f"{{{ATOM}}}feed"


_KIND_PREFIX = "http://schemas.google.com/blogger/2008/kind#"


_SKIPPED_KINDS = ("settings", "template", "other")


_NEW_STATUS = {"LIVE": "live", "DRAFT": "draft"}  # anything else (SOFT_TRASHED…) = deleted


_FEED_END_RE = re.compile(rb"</(?:[\w.-]+:)?feed\s*>\s*$")


_REF_RE = re.compile(r"(?:\.(?:post|page)-)?([^./:\s]+)$")


_TAIL_BYTES = 1024


DEFAULT_BATCH_SIZE = 500


@dataclass(slots=True)
class BackupSummary:
    """What is known only once the whole file has been read."""

    blog: BlogInfo
    format: str  # "old" / "new"
    skipped: dict[str, int]  # settings / template / other
    settings: dict[str, str] = field(default_factory=dict)  # old format: BLOG_TIME_ZONE…


@dataclass(slots=True)
class BackupBatch:
    """Records read since the previous batch; the last batch carries the summary."""

    posts: list[PostRecord] = field(default_factory=list)
    comments: list[CommentRecord] = field(default_factory=list)
    pages: list[PageRecord] = field(default_factory=list)
    summary: BackupSummary | None = None
    warnings: list[str] = field(default_factory=list)  # e.g. addresses refused; logged by import

    def __len__(self) -> int:
        return len(self.posts) + len(self.comments) + len(self.pages)


@dataclass(slots=True)
class BackupContents:
    """A whole export in memory (see `iter_backup` for large files)."""

    blog: BlogInfo
    format: str
    posts: list[PostRecord]
    comments: list[CommentRecord]
    pages: list[PageRecord]
    skipped: dict[str, int]
    settings: dict[str, str]
    warnings: list[str]


def parse_backup(
    data: Source,
    *,
    blog_url: str | None = None,
    iframe_hosts: Iterable[str] = DEFAULT_IFRAME_HOSTS,
    name: str | None = None,
) -> BackupContents:
    """Read a whole Blogger export (old or new format) into memory.

    `blog_url` gives new-format posts their URL (`blog_url` + `blogger:filename`)
    and names the blog when the file carries no blog id. `name` (the file name)
    prefixes error messages. Raises `InputFileError` for anything not an export.
    """
    posts: list[PostRecord] = []
    comments: list[CommentRecord] = []
    pages: list[PageRecord] = []
    warnings: list[str] = []
    summary = None
    for batch in iter_backup(data, blog_url=blog_url, iframe_hosts=iframe_hosts, name=name):
        posts += batch.posts
        comments += batch.comments
        pages += batch.pages
        warnings += batch.warnings
        summary = batch.summary or summary
    assert summary is not None  # iter_backup always ends with a summary batch
    return BackupContents(
        blog=summary.blog,
        format=summary.format,
        posts=posts,
        comments=comments,
        pages=pages,
        skipped=summary.skipped,
        settings=summary.settings,
        warnings=warnings,
    )


def iter_backup(
    source: Source,
    *,
    blog_url: str | None = None,
    iframe_hosts: Iterable[str] = DEFAULT_IFRAME_HOSTS,
    name: str | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> Iterator[BackupBatch]:
    """Stream an export as batches of at most `batch_size` records.

    `source` is the file's bytes, its path or an open binary file. Memory stays
    bounded by the batch, not the file: each entry is cleared once read. The
    last batch (possibly empty) has `summary` set. Each batch carries the
    warnings noted while reading it. A truncated file is refused before the
    first batch when the source is seekable (bytes, paths).
    """
    reader = _BackupReader(
        blog_url=blog_url, iframe_hosts=frozenset(iframe_hosts), prefix=f"{name}: " if name else ""
    )
    stream, close = _open(source, reader.prefix)
    try:
        batch = BackupBatch()
        for record in reader.records(stream):
            _add(batch, record)
            if len(batch) >= batch_size:
                batch.warnings, reader.warnings = reader.warnings, []
                yield batch
                batch = BackupBatch()
        batch.summary = reader.summary()
        batch.warnings = reader.warnings
        yield batch
    finally:
        if close:
            stream.close()


def _add(batch: BackupBatch, record: PostRecord | CommentRecord | PageRecord) -> None:
    if isinstance(record, PostRecord):
        batch.posts.append(record)
    elif isinstance(record, CommentRecord):
        batch.comments.append(record)
    else:
        batch.pages.append(record)


def _open(source: Source, prefix: str) -> tuple[BinaryIO, bool]:
    """(binary stream, whether we must close it), refusing empty or truncated input."""
    if isinstance(source, bytes | bytearray | memoryview):
        stream: BinaryIO = io.BytesIO(source)
        close = False
    elif isinstance(source, str | os.PathLike):
        try:
            stream = open(source, "rb")  # noqa: SIM115 - iter_backup closes it
        except OSError as exc:
            raise InputFileError(f"{prefix}cannot read export file ({exc.strerror})") from None
        close = True
    else:
        stream, close = source, False
    if stream.seekable():
        try:
            _check_whole(stream, prefix)
        except InputFileError:
            if close:
                stream.close()
            raise
    return stream, close


def _check_whole(stream: BinaryIO, prefix: str) -> None:
    """Empty files and files cut short never reach the parser.

    The start tells HTML from XML; the tail must close the feed, which catches a
    truncated download before any of its records is stored.
    """
    start = stream.tell()
    head = stream.read(_TAIL_BYTES).lstrip(b"\xef\xbb\xbf \t\r\n")
    end = stream.seek(0, io.SEEK_END)
    stream.seek(max(start, end - _TAIL_BYTES))
    tail = stream.read()
    stream.seek(start)
    if not head:
        raise InputFileError(f"{prefix}empty file, not a Blogger export")
    if head[:14].lower() == b"<!doctype html" or head[:5].lower() == b"<html":
        raise InputFileError(f"{prefix}an HTML page, not a Blogger export (.xml/.atom)")
    if b"<feed" in head and not _FEED_END_RE.search(tail):
        raise InputFileError(
            f"{prefix}truncated Blogger export: the file does not end "
            "with </feed> (download it again)"
        )


class _BackupReader:
    """One pass over an export: feed metadata, then entries turned into records."""

    def __init__(self, *, blog_url: str | None, iframe_hosts: frozenset[str], prefix: str) -> None:
        self.blog_url = normalize_blog_url(blog_url) if blog_url else None
        self.hosts = iframe_hosts
        self.prefix = prefix
        self.format: str | None = None
        self.feed: dict[str, str] = {}  # id, title, subtitle, updated, alternate
        self.settings: dict[str, str] = {}
        self.skipped = dict.fromkeys(_SKIPPED_KINDS, 0)
        self.entry_blog_id: str | None = None  # new format: blog id seen in entry ids
        self.warnings: list[str] = []  # since the last batch

    # ------------------------------------------------------------------ stream

    def records(self, stream: BinaryIO) -> Iterator[PostRecord | CommentRecord | PageRecord]:
        context = etree.iterparse(
            stream,
            events=("start", "end"),
            huge_tree=True,
            resolve_entities=False,
            no_network=True,
            remove_comments=True,
            remove_pis=True,
        )
        root = None
        try:
            for event, el in context:
                if root is None:
                    root = self._check_root(el)
                    continue
                if event != "end" or el.getparent() is not root:
                    continue
                if el.tag == _ENTRY:
                    record = self._entry(el)
                    if record is not None:
                        yield record
                    _drop_read(el, root)
                else:
                    self._feed_child(el)
        except etree.XMLSyntaxError as exc:
            raise InputFileError(
                f"{self.prefix}not a readable Blogger export: malformed or "
                f"truncated XML (line {exc.lineno}: {exc.msg})"
            ) from None
        if root is None:
            raise InputFileError(f"{self.prefix}empty file, not a Blogger export")
        if self.format is None:
            self._refuse(None)

    def _check_root(self, el: etree._Element) -> etree._Element:
        if el.tag != _FEED:
            local = etree.QName(el).localname if isinstance(el.tag, str) else "?"
            raise InputFileError(
                f"{self.prefix}not a Blogger export: the document is <{local}>, not an Atom <feed>"
            )
        if B18 in el.nsmap.values():
            self.format = "new"
        return el

    def _feed_child(self, el: etree._Element) -> None:
        """Feed-level metadata, read as it streams past (it precedes the entries)."""
        local = etree.QName(el).localname
        if el.tag == f"{{{ATOM}}}link" and el.get("rel") == "alternate":
            self.feed["alternate"] = el.get("href") or ""
        elif el.tag.startswith(f"{{{ATOM}}}") and local in ("id", "title", "subtitle", "updated"):
            self.feed[local] = (el.text or "").strip()
        if self.feed.get("id", "").endswith(".archive"):
            self.format = "old"

    def _refuse(self, entry: etree._Element | None) -> NoReturn:
        """An Atom document that is not an export: say what it looks like instead."""
        feed_id = self.feed.get("id", "")
        if blogger_ids(feed_id)[0]:
            what = "a Blogger feed (posts/comments/pages), not an export; `run` reads feeds"
        elif entry is None:
            what = "an Atom feed with no Blogger export entries"
        else:
            what = "an Atom feed, not a Blogger export (no kind categories or blogger:type)"
        raise InputFileError(f"{self.prefix}{what}")

    # ----------------------------------------------------------------- entries

    def _entry(self, entry: etree._Element) -> PostRecord | CommentRecord | PageRecord | None:
        if self.format is None:
            self.format = (
                "new"
                if entry.find("b18:type", NS) is not None
                else "old"
                if _old_kind(entry)
                else self._refuse(entry)
            )
        try:
            if self.format == "old":
                return self._old_entry(entry)
            return self._new_entry(entry)
        except (ValueError, TypeError, AttributeError):
            self.skipped["other"] += 1  # an entry we cannot read: counted, not fatal
            return None

    def _old_entry(self, entry: etree._Element) -> PostRecord | CommentRecord | PageRecord | None:
        kind = _old_kind(entry)
        draft = (entry.findtext("app:control/app:draft", namespaces=NS) or "").strip() == "yes"
        status = "draft" if draft else "live"
        if kind == "post":
            post, _mode = post_from_entry(entry, self.hosts, self.warnings)
            post.body_source, post.status, post.partial = "export", status, False
            return post
        if kind == "comment":
            return comment_from_entry(entry, self.hosts, None, self.warnings)
        if kind == "page":
            page = page_from_entry(entry, self.hosts, self.warnings)
            page.status = status
            return page
        if kind == "settings":
            setting = (xml_text(entry, "a:id") or "").rpartition(".settings.")[2]
            if setting:
                self.settings[setting] = (xml_text(entry, "a:content") or "").strip()
        self._skip(kind)
        return None

    def _new_entry(self, entry: etree._Element) -> PostRecord | CommentRecord | PageRecord | None:
        kind = (entry.findtext("b18:type", namespaces=NS) or "").strip().upper()
        if kind not in ("POST", "COMMENT", "PAGE"):
            self._skip(kind.lower())
            return None
        blog_id, item_id = self._new_ids(entry)
        raw_status = (entry.findtext("b18:status", namespaces=NS) or "").strip().upper()
        published_raw = xml_text(entry, "a:published") or xml_text(entry, "b18:created")
        html, _summary = entry_content(entry)
        clean = sanitize_html(html, self.hosts)
        text = html_to_text(clean)
        if kind == "COMMENT":
            return CommentRecord(
                id=item_id,
                post_id=_id_ref(entry.findtext("b18:parent", namespaces=NS)),
                blog_id=blog_id,
                url=None,
                author=entry_author(entry),
                published=to_utc_iso(published_raw),
                updated=to_utc_iso(xml_text(entry, "a:updated")),
                content_html=clean,
                content_text=text,
                in_reply_to=_id_ref(entry.findtext("b18:inReplyTo", namespaces=NS)),
                removed=raw_status != "LIVE",
            )
        url = self._url(entry.findtext("b18:filename", namespaces=NS), f"{kind.lower()} {item_id}")
        status = _NEW_STATUS.get(raw_status, "deleted")
        if kind == "PAGE":
            return PageRecord(
                id=item_id,
                blog_id=blog_id,
                url=url,
                title=xml_text(entry, "a:title") or "",
                published=to_utc_iso(published_raw),
                updated=to_utc_iso(xml_text(entry, "a:updated")),
                content_html=clean,
                content_text=text,
                status=status,
            )
        return PostRecord(
            id=item_id,
            blog_id=blog_id,
            url=url,
            title=xml_text(entry, "a:title") or "",
            author=entry_author(entry),
            published=to_utc_iso(published_raw),
            updated=to_utc_iso(xml_text(entry, "a:updated")),
            year=local_year(published_raw),
            labels=_new_labels(entry),
            content_html=clean,
            content_text=text,
            body_source="export",
            status=status,
            images=image_refs(clean, url),
        )

    def _new_ids(self, entry: etree._Element) -> tuple[str, str]:
        """(blog id, item id): Blogger's ids when the entry has them, else derived."""
        atom_id = xml_text(entry, "a:id") or ""
        blog_id, item_id = blogger_ids(atom_id)
        item_id = item_id or _id_ref(atom_id)
        if not item_id:
            raise ValueError("entry without an id")
        if blog_id and not self.entry_blog_id:
            self.entry_blog_id = blog_id
        return self.blog_id(), item_id

    def _url(self, filename: str | None, what: str) -> str | None:
        """The item's address: `blogger:filename` on the blog, if it makes an http(s) one."""
        filename = (filename or "").strip()
        if not filename or not self.blog_url:
            return None
        try:
            joined = urljoin(self.blog_url, filename.lstrip("/"))
        except ValueError:  # unparsable (an unclosed IPv6 bracket): refused like any other
            joined = filename
        return checked_url(joined, self.warnings, what)

    def _skip(self, kind: str | None) -> None:
        self.skipped[kind if kind in self.skipped else "other"] += 1

    # ----------------------------------------------------------------- summary

    def blog_id(self) -> str:
        """The feed's blog id, else one from an entry id, else one derived from the URL.

        A derived id (`u` + 16 hex digits of the normalised blog URL) is stable
        across re-imports of the same blog and never collides with Blogger's
        all-digit ids.
        """
        found = blogger_ids(self.feed.get("id"))[0] or self.entry_blog_id
        if found:
            return found
        if self.blog_url:
            return "u" + hashlib.sha256(self.blog_url.encode()).hexdigest()[:16]
        raise InputFileError(
            f"{self.prefix}the export names no blog id; pass the blog's "
            "address (--blog-url) to import it"
        )

    def summary(self) -> BackupSummary:
        assert self.format is not None  # records() has run to the end
        subtitle = self.feed.get("subtitle") or self.settings.get("BLOG_DESCRIPTION") or None
        blog = BlogInfo(
            id=self.blog_id(),
            url=self.blog_url or checked_url(self.feed.get("alternate"), self.warnings, "blog"),
            title=self.feed.get("title") or self.settings.get("BLOG_NAME") or None,
            subtitle=subtitle,
            timezone_offset=utc_offset(self.feed.get("updated")),
        )
        return BackupSummary(
            blog=blog, format=self.format, skipped=dict(self.skipped), settings=dict(self.settings)
        )


def _drop_read(entry: etree._Element, root: etree._Element) -> None:
    """Free an entry and everything before it, so the tree never grows."""
    entry.clear(keep_tail=False)
    while entry.getprevious() is not None:
        del root[0]


def _old_kind(entry: etree._Element) -> str | None:
    for cat in entry.iterfind("a:category", NS):
        term = cat.get("term") or ""
        if cat.get("scheme") == KIND_SCHEME and term.startswith(_KIND_PREFIX):
            return term[len(_KIND_PREFIX) :]
    return None


def _new_labels(entry: etree._Element) -> list[str]:
    """Takeout labels: `<category term>` with Blogger's label scheme, the blog's tag, or none."""
    labels = []
    for cat in entry.iterfind("a:category", NS):
        scheme = cat.get("scheme") or ""
        term = cat.get("term")
        if term and (
            not scheme or scheme == LABEL_SCHEME or scheme.startswith("tag:blogger.com,1999:blog-")
        ):
            labels.append(term)
    return labels


def _id_ref(value: str | None) -> str | None:
    """An id from `…blog-B.post-P`, a bare id or an API URL; an empty element → None."""
    value = (value or "").strip()
    if not value:
        return None
    item = blogger_ids(value)[1]
    if item:
        return item
    m = _REF_RE.search(value)
    return m.group(1) if m else None
