"""Migration export (SPEC §8): the archive as JSON Lines or as a Hugo/Jekyll Markdown tree.

The point is leaving Blogger without breaking the web: every post keeps its old
path as a Hugo `aliases` / Jekyll `redirect_from` entry and `urlmap.csv` lists old
URL → new file, so redirects can be generated on any host. Output is a pure
function of the database (sorted keys, stable order, no "now"), so a re-export
diffs cleanly in git and an unchanged archive gives byte-identical files.

Images (`media=True`) are saved under `DIR/media/` named by a hash of their
original-size URL: Blogger serves the same picture at many sizes, and the post
usually shows a thumbnail while linking the big one, so both resolve to one file.
Bytes come from the WARC when the scraper captured the image, else from the
caller's polite fetcher; a failed image is reported, never fatal, and a second
run resumes by skipping files already on disk.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit, urlunsplit

import markdownify
import nh3
import sqlite_utils
import yaml

from pipeline import store
from pipeline.parse import image_refs

Format = Literal["jsonl", "markdown"]
Layout = Literal["hugo", "jekyll"]
FetchImage = Callable[[str], bytes]
LoadCapture = Callable[[int], bytes | None]
Progress = Callable[[int, int], None]

MEDIA_DIR = "media"
_JSON_ARRAY_COLUMNS = ("labels", "countries", "primary_countries", "themes")
_FALLBACK_DATE = "1970-01-01T00:00:00+00:00"
# libyaml's dumper is ~7x faster and emits the same text for these plain mappings.
_YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@dataclass
class ExportReport:
    """What an export wrote; `files` are paths relative to the output folder, in write order."""

    posts: int = 0
    pages: int = 0
    images_saved: int = 0       # downloaded or taken from the WARC by this run
    images_present: int = 0     # already in media/ from an earlier (interrupted) run
    images_failed: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    files: list[str] = field(default_factory=list)


def export_archive(
    db: sqlite_utils.Database,
    out_dir: Path,
    *,
    fmt: Format,
    layout: Layout = "hugo",
    include_deleted: bool = False,
    media: bool = False,
    fetch_image: FetchImage | None = None,
    load_capture: LoadCapture | None = None,
    progress: Progress | None = None,
) -> ExportReport:
    """Write the archive to `out_dir` as `fmt`; see the module docstring for the contract.

    `include_deleted` adds deleted posts and drafts (marked as drafts in Markdown);
    by default only what readers can see on the blog today is exported.
    `progress(done, total)` is called after each post and page.
    """
    if fmt not in ("jsonl", "markdown"):
        raise ValueError(f"unknown export format {fmt!r}")
    if layout not in ("hugo", "jekyll"):
        raise ValueError(f"unknown export layout {layout!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    statuses = store.EXPORT_ALL_STATUSES if include_deleted else store.EXPORT_LIVE
    report = ExportReport()
    images = (
        _MediaStore(out_dir, report, _captures_by_original(db), fetch_image, load_capture)
        if media else None
    )
    total = sum(store.export_counts(db, statuses))
    tick = _ticker(progress, total)
    posts = store.iter_export_posts(db, statuses)
    pages = store.iter_export_pages(db, statuses)
    if fmt == "jsonl":
        report.posts = _write_jsonl(out_dir, "posts.jsonl", report, tick,
                                    (_post_object(db, row, images) for row in posts))
        report.pages = _write_jsonl(out_dir, "pages.jsonl", report, tick,
                                    (_page_object(row, images) for row in pages))
    else:
        _write_markdown_tree(out_dir, layout, report, tick, posts, pages, images)
    return report


def _ticker(progress: Progress | None, total: int) -> Callable[[], None]:
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total)

    return tick


def _write_file(out_dir: Path, rel: str, data: bytes, report: ExportReport) -> None:
    path = out_dir / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    report.files.append(rel)


# ------------------------------------------------------------------------ JSON Lines


def _write_jsonl(out_dir: Path, name: str, report: ExportReport, tick: Callable[[], None],
                 objects: Iterable[dict]) -> int:
    """One sorted-keys JSON object per line; returns how many were written."""
    path = out_dir / name
    n = 0
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for obj in objects:
            f.write(json.dumps(obj, ensure_ascii=False, sort_keys=True) + "\n")
            n += 1
            tick()
    report.files.append(name)
    return n


def _post_object(db: sqlite_utils.Database, row: dict,
                 images: _MediaStore | None) -> dict[str, Any]:
    """Every posts column (JSON columns as arrays) plus comments, figures, tags, images."""
    obj = dict(row)
    for column in _JSON_ARRAY_COLUMNS:
        obj[column] = json.loads(obj[column]) if obj[column] else []
    details = store.export_post_details(db, row["id"])
    obj["comments"] = thread_comments(details["comments"])
    obj["figures"] = [_without(f, "post_id") for f in details["figures"]]
    obj["country_tags"] = details["country_tags"]
    obj["theme_tags"] = [
        {**t, "evidence": json.loads(t["evidence"]) if t["evidence"] else []}
        for t in details["theme_tags"]
    ]
    obj["images"] = _image_list(row["content_html"], row["url"], images)
    return obj


def _page_object(row: dict, images: _MediaStore | None) -> dict[str, Any]:
    return {**row, "images": _image_list(row["content_html"], row["url"], images)}


def _without(row: dict, key: str) -> dict:
    return {k: v for k, v in row.items() if k != key}


def thread_comments(comments: list[dict]) -> list[dict]:
    """Nest replies under their parent (`replies`), keeping the given order at every level.

    A reply whose parent is not stored (deleted upstream, or in another post) stays at
    the top level with its `in_reply_to`, so no comment is ever dropped.
    """
    nodes = {c["id"]: {**_without(c, "post_id"), "replies": []} for c in comments}
    roots = []
    for c in comments:
        parent = nodes.get(c["in_reply_to"])
        (parent["replies"] if parent else roots).append(nodes[c["id"]])
    return roots


def _image_list(content_html: str | None, base_url: str | None,
                images: _MediaStore | None) -> list[dict[str, str]]:
    """The images the current body shows; with media, where each one was saved."""
    out = []
    for url, alt in image_refs(content_html or "", base_url):
        item = {"url": url, "alt": alt}
        local = images.save(url) if images else None
        if local:
            item["local_path"] = local
        out.append(item)
    return out


# -------------------------------------------------------------------------- Markdown


@dataclass(frozen=True, slots=True)
class _Doc:
    """A post or page as the Markdown writer needs it."""

    kind: Literal["post", "page"]
    row: dict

    @property
    def url(self) -> str | None:
        return self.row["url"]

    @property
    def date(self) -> str:
        """Published, else updated, else first seen: drafts may lack the first two."""
        r = self.row
        return r["published"] or r["updated"] or r["first_seen"] or _FALLBACK_DATE


def _write_markdown_tree(out_dir: Path, layout: Layout, report: ExportReport,
                         tick: Callable[[], None], posts: Iterator[dict], pages: Iterator[dict],
                         images: _MediaStore | None) -> None:
    """A Markdown file per post and page, then `urlmap.csv` (old URL → new file)."""
    urlmap: list[tuple[str, str]] = []
    slugs: dict[str, set[str]] = {"post": set(), "page": set()}
    docs = chain((_Doc("post", r) for r in posts), (_Doc("page", r) for r in pages))
    for doc in docs:
        slug = _unique(_doc_slug(doc), slugs[doc.kind])
        rel = _doc_path(doc, slug, layout)
        body = _markdown_body(doc, images)
        _write_file(out_dir, rel, _front_matter(doc, layout) + body, report)
        urlmap.append((doc.url or "", rel))
        if doc.kind == "post":
            report.posts += 1
        else:
            report.pages += 1
        tick()
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["old_url", "new_path"])
    writer.writerows(urlmap)
    _write_file(out_dir, "urlmap.csv", buf.getvalue().encode("utf-8"), report)


def _doc_slug(doc: _Doc) -> str:
    """The Blogger URL's file name (so links stay recognisable), else the title, else the id."""
    stem = urlsplit(doc.url).path.rsplit("/", 1)[-1].removesuffix(".html") if doc.url else ""
    return slugify(stem) or slugify(doc.row["title"] or "") or slugify(doc.row["id"])


def slugify(text: str) -> str:
    """ASCII, lower case, words joined by `-`; at most 80 characters."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = re.sub(r"['’]", "", ascii_text.lower())
    return re.sub(r"[^a-z0-9_]+", "-", ascii_text)[:80].strip("-_")


def _unique(slug: str, taken: set[str]) -> str:
    """`slug`, or `slug-2`, `slug-3`… in export order, so the result is stable."""
    candidate, n = slug, 1
    while candidate in taken:
        n += 1
        candidate = f"{slug}-{n}"
    taken.add(candidate)
    return candidate


def _doc_path(doc: _Doc, slug: str, layout: Layout) -> str:
    if doc.kind == "page":
        return f"_pages/{slug}.md" if layout == "jekyll" else f"content/pages/{slug}.md"
    if layout == "jekyll":
        return f"_posts/{doc.date[:10]}-{slug}.md"
    # Hugo: the Blogger URL's year/month (the blog's own time zone) when it has them.
    m = re.match(r"/(\d{4})/(\d{2})/", urlsplit(doc.url).path if doc.url else "")
    year, month = m.groups() if m else (doc.date[:4], doc.date[5:7])
    return f"content/posts/{year}/{month}/{slug}.md"


def _front_matter(doc: _Doc, layout: Layout) -> bytes:
    """YAML both Hugo and Jekyll read; the old path is in `aliases` and `redirect_from`."""
    r = doc.row
    old_path = [urlsplit(doc.url).path] if doc.url else []
    draft = (r["status"] or "live") != "live"
    meta: dict[str, Any] = {"title": r["title"] or "", "date": doc.date}
    if r["updated"]:
        meta["lastmod"] = r["updated"]
    if doc.kind == "post":
        if r["author"]:
            meta["author"] = r["author"]
        meta["tags"] = _json_list(r["labels"])
        meta["countries"] = _json_list(r["countries"])
        meta["themes"] = _json_list(r["themes"])
    # Two list objects: a shared one would be dumped as a YAML anchor/alias pair,
    # which strict loaders (Ruby Psych 4 `safe_load`, used by Jekyll) reject.
    meta.update(original_url=doc.url or "", draft=draft, aliases=old_path,
                redirect_from=list(old_path))
    if draft and layout == "jekyll":
        # Jekyll ignores `draft`; Hugo reads `published` as a date, so Jekyll only.
        meta["published"] = False
    text = yaml.dump(meta, Dumper=_YAML_DUMPER, allow_unicode=True, sort_keys=False,
                     default_flow_style=False, width=1_000_000)
    return f"---\n{text}---\n\n".encode()


def _json_list(value: str | None) -> list:
    return json.loads(value) if value else []


class _Converter(markdownify.MarkdownConverter):
    """markdownify, but embedded players become links instead of vanishing."""

    def convert_iframe(self, el: Any, text: str, parent_tags: Any) -> str:
        src = el.get("src")
        return f"\n\n<{src}>\n\n" if src else text


# Keep every image, whatever it sits in: Blogger wraps photos in links and caption
# tables, where markdownify would otherwise keep only the alt text.
_IMAGE_PARENTS = sorted(nh3.ALLOWED_TAGS | {"center", "figure", "figcaption", "font", "s", "u"})
_MARKDOWN = _Converter(heading_style="ATX", bullets="-", table_infer_header=True,
                       keep_inline_images_in=_IMAGE_PARENTS)


def _markdown_body(doc: _Doc, images: _MediaStore | None) -> bytes:
    content = doc.row["content_html"] or ""
    if images:
        for url, _alt in image_refs(content, doc.url):
            images.save(url)
        content = _rewrite_links(content, doc.url, images.local_path)
    return (_MARKDOWN.convert(content).strip() + "\n").encode("utf-8")


_LINK_ATTR_RE = re.compile(r'\b(src|href)="([^"]*)"')


def _rewrite_links(content: str, base_url: str | None,
                   local_path: Callable[[str], str | None]) -> str:
    """Point `src`/`href` at saved media: the thumbnail and the link to its big version both.

    Sanitized HTML (nh3) always double-quotes attributes and escapes `&`, so a
    regex over attributes is exact here.
    """
    def swap(m: re.Match) -> str:
        url = html.unescape(m.group(2))
        url = "https:" + url if url.startswith("//") else urljoin(base_url or "", url)
        local = local_path(url)
        return f'{m.group(1)}="/{local}"' if local else m.group(0)

    return _LINK_ATTR_RE.sub(swap, content)


# ----------------------------------------------------------------------------- media

_IMAGE_HOST_SUFFIXES = (".bp.blogspot.com", ".googleusercontent.com", ".ggpht.com")
# A size request: `s1600`, `w640-h400`, `s320-c`, `w72-h72-p-nu`, `s0-d`…
_SIZE = r"[swh]\d+(?:-[a-z0-9]+)*"
_SIZE_SEGMENT_RE = re.compile(rf"/{_SIZE}(/[^/]*)$")
_SIZE_SUFFIX_RE = re.compile(rf"={_SIZE}$")
_IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".bmp", ".avif",
                     ".tif", ".tiff", ".ico", ".heic"}
_MAGIC = [(b"\x89PNG", ".png"), (b"\xff\xd8\xff", ".jpg"), (b"GIF8", ".gif"),
          (b"<svg", ".svg"), (b"<?xml", ".svg"), (b"BM", ".bmp")]


def original_image_url(url: str) -> str:
    """The full-size version of a Blogger/Google-hosted image; other URLs unchanged.

    Blogger puts the size in a path segment (`…/s1600/x.jpg`, `…/w640-h400/x.jpg`)
    or a suffix (`…=s1600`, `…=w640-h400`); `s0` asks for the original upload.
    These hosts also serve https, so `http:` is upgraded (one file per picture).
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host.endswith(_IMAGE_HOST_SUFFIXES):
        return url
    path = _SIZE_SEGMENT_RE.sub(r"/s0\1", parts.path)
    path = _SIZE_SUFFIX_RE.sub("=s0", path)
    scheme = "https" if parts.scheme == "http" else parts.scheme
    return urlunsplit((scheme, parts.netloc, path, parts.query, parts.fragment))


def media_stem(url: str) -> str:
    """Stable file name (without extension) of a resolved image URL."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:24]


def _extension(url: str, data: bytes) -> str:
    """From the URL when it names an image type, else sniffed (`…=s0` URLs have none)."""
    suffix = Path(urlsplit(url).path.split("=", 1)[0]).suffix.lower()
    if suffix in _IMAGE_EXTENSIONS:
        return ".jpg" if suffix == ".jpeg" else suffix
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return next((ext for magic, ext in _MAGIC if data.lstrip().startswith(magic)), ".bin")


def _captures_by_original(db: sqlite_utils.Database) -> dict[str, list[tuple[str, int]]]:
    """(captured URL, capture id) per resolved URL: every archived size of each picture."""
    out: dict[str, list[tuple[str, int]]] = {}
    for url, capture_id in store.image_capture_ids(db):
        out.setdefault(original_image_url(url), []).append((url, capture_id))
    return out


class _MediaStore:
    """Saves each picture once under `media/`, remembering where it went or why it failed."""

    def __init__(self, out_dir: Path, report: ExportReport,
                 captures: dict[str, list[tuple[str, int]]],
                 fetch_image: FetchImage | None, load_capture: LoadCapture | None) -> None:
        self.dir = out_dir / MEDIA_DIR
        self.report = report
        self.captures = captures
        self.fetch_image = fetch_image
        self.load_capture = load_capture
        self.done: dict[str, str | None] = {}   # resolved URL → relative path or None
        # Files of an earlier run, by stem: listed once, as globbing per image is O(n²).
        # Dot-files are unfinished writes of a killed run and get written again.
        self.on_disk = {
            p.name.split(".", 1)[0]: p.name
            for p in (self.dir.iterdir() if self.dir.is_dir() else ())
            if not p.name.startswith(".")
        }

    def local_path(self, url: str) -> str | None:
        """Where `url` (any size of it) was saved, if it was."""
        return self.done.get(original_image_url(url))

    def save(self, url: str) -> str | None:
        """Save the picture once; returns its path relative to the output folder."""
        resolved = original_image_url(url)
        if resolved not in self.done:
            self.done[resolved] = self._save(resolved)
        return self.done[resolved]

    def _save(self, url: str) -> str | None:
        stem = media_stem(url)
        if stem in self.on_disk:
            self.report.images_present += 1
            return self._record(self.on_disk[stem])
        try:
            data = self._bytes(url)
        except Exception as exc:  # whatever the fetcher raises is reported, never fatal
            self.report.images_failed.append((url, f"{type(exc).__name__}: {exc}"))
            return None
        name = stem + _extension(url, data)
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.dir / f".{name}.part"   # not taken for a finished file by a resumed run
        tmp.write_bytes(data)
        tmp.replace(self.dir / name)
        self.report.images_saved += 1
        return self._record(name)

    def _bytes(self, url: str) -> bytes:
        """The original from the WARC, else from the fetcher, else a smaller archived size.

        The scraper archives the size a post displays (often a thumbnail): the full
        size is worth one request, but when the fetch fails (blog gone, offline) an
        archived smaller copy is better than a hole in the page.
        """
        full, smaller = [], []
        for captured_url, capture_id in self.captures.get(url, ()):
            same_size = urlsplit(captured_url).path == urlsplit(url).path
            (full if same_size else smaller).append(capture_id)
        data = self._from_warc(full)
        error: Exception = LookupError("not captured, and no fetcher given")
        if not data and self.fetch_image:
            try:
                data = self.fetch_image(url)
                error = LookupError("empty response")
            except Exception as exc:  # kept to report if no archived copy exists either
                error = exc
        data = data or self._from_warc(smaller)
        if not data:
            raise error
        return data

    def _from_warc(self, capture_ids: list[int]) -> bytes | None:
        if self.load_capture is None:
            return None
        for capture_id in capture_ids:
            data = self.load_capture(capture_id)
            if data:
                return data
        return None

    def _record(self, name: str) -> str:
        rel = f"{MEDIA_DIR}/{name}"
        self.report.files.append(rel)
        return rel
