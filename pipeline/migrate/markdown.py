"""Markdown output: one file per post with front matter that both Hugo and Jekyll accept."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

import markdownify
import nh3
import yaml

from pipeline.blogger.content import image_refs
from pipeline.migrate.media import MediaStore
from pipeline.migrate.output import ExportReport, write_file

Layout = Literal["hugo", "jekyll"]


_FALLBACK_DATE = "1970-01-01T00:00:00+00:00"


# libyaml's dumper is ~7x faster and emits the same text for these plain mappings.
_YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


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


def write_markdown_tree(
    out_dir: Path,
    layout: Layout,
    report: ExportReport,
    tick: Callable[[], None],
    posts: Iterator[dict],
    pages: Iterator[dict],
    images: MediaStore | None,
) -> None:
    """A Markdown file per post and page, then `urlmap.csv` (old URL → new file)."""
    urlmap: list[tuple[str, str]] = []
    slugs: dict[str, set[str]] = {"post": set(), "page": set()}
    docs = chain((_Doc("post", r) for r in posts), (_Doc("page", r) for r in pages))
    for doc in docs:
        slug = _unique(_doc_slug(doc), slugs[doc.kind])
        rel = _doc_path(doc, slug, layout)
        body = _markdown_body(doc, images)
        write_file(out_dir, rel, _front_matter(doc, layout) + body, report)
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
    write_file(out_dir, "urlmap.csv", buf.getvalue().encode("utf-8"), report)


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
    meta.update(
        original_url=doc.url or "", draft=draft, aliases=old_path, redirect_from=list(old_path)
    )
    if draft and layout == "jekyll":
        # Jekyll ignores `draft`; Hugo reads `published` as a date, so Jekyll only.
        meta["published"] = False
    text = yaml.dump(
        meta,
        Dumper=_YAML_DUMPER,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=1_000_000,
    )
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


_MARKDOWN = _Converter(
    heading_style="ATX", bullets="-", table_infer_header=True, keep_inline_images_in=_IMAGE_PARENTS
)


def _markdown_body(doc: _Doc, images: MediaStore | None) -> bytes:
    content = doc.row["content_html"] or ""
    if images:
        for url, _alt in image_refs(content, doc.url):
            images.save(url)
        content = rewrite_links(content, doc.url, images.local_path)
    return (_MARKDOWN.convert(content).strip() + "\n").encode("utf-8")


_LINK_ATTR_RE = re.compile(r'\b(src|href)="([^"]*)"')


def rewrite_links(
    content: str, base_url: str | None, local_path: Callable[[str], str | None]
) -> str:
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
