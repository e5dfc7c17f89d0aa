"""In-memory model of one Blogger blog, and a seeded factory for synthetic blogs.

The mock server and the export writers render from these objects, and tests compare what
the archiver stored against them, so the model holds exactly what Blogger would know:
ids as digit strings (they exceed 2^53), aware datetimes in the blog's own time zone with
Blogger's millisecond tie-breakers, drafts and trashed posts that feeds never show.
"""

from __future__ import annotations

import html
import inspect
import math
import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from itertools import chain
from random import Random
from zoneinfo import ZoneInfo

from .content import (
    SEED_POST_TITLE,
    UNSAFE_KINDS,
    ContentGenerator,
    GeneratedPost,
    seed_post_html,
)

DEFAULT_BLOG_URL = "https://rightspasia.blogspot.com/"
DEFAULT_MEDIA_URL = "https://blogger.googleusercontent.com/"
DEFAULT_AVATAR = "https://img1.blogblog.com/img/b16-rounded.gif"
REMOVED_COMMENT_TEXT = "This comment has been removed by the author."
# Generated history ends here so that a seed gives the same blog on any day.
REFERENCE_NOW = datetime(2025, 3, 1, tzinfo=UTC)
SEED_POST_PUBLISHED = datetime(2025, 2, 14, 3, 30, tzinfo=UTC)

POST_STATUSES = ("live", "draft", "trashed")


@dataclass
class Author:
    """A Blogger profile; ``kind`` is the 2018 export's ``blogger:type``."""

    name: str
    uri: str = ""
    image: str = DEFAULT_AVATAR
    kind: str = "BLOGGER"


@dataclass
class Image:
    """An image a post shows; ``src`` is the full-size (``s1600``) variant."""

    src: str
    alt: str


@dataclass
class Comment:
    id: str
    post_id: str
    parent_id: str | None
    author: Author
    published: datetime
    content: str
    removed: bool = False

    @property
    def updated(self) -> datetime:
        """Blogger comments cannot be edited, so updated always equals published."""
        return self.published


@dataclass
class Post:
    post_id: str
    title: str
    slug: str
    path: str | None  # /YYYY/MM/slug.html; None for a draft that was never published
    published: datetime
    updated: datetime
    labels: list[str]
    author: Author
    content_html: str
    status: str = "live"  # live | draft | trashed
    images: list[Image] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    created: datetime | None = None  # 2018 export's blogger:created
    countries: list[str] = field(default_factory=list)  # generator's intent (ISO codes)
    themes: list[str] = field(default_factory=list)  # generator's intent (theme ids)
    flags: set[str] = field(default_factory=set)  # unsafe markup kinds present in the body
    rev: int = 0  # bumped on every edit; keys the server's render cache

    @property
    def live(self) -> bool:
        return self.status == "live"


@dataclass
class Page:
    id: str
    title: str
    slug: str
    path: str  # /p/slug.html
    published: datetime
    updated: datetime
    content_html: str
    author: Author
    status: str = "live"


@dataclass
class Settings:
    """Blogger settings and test faults; the server reads them on every request.

    Counters (``fail_429``, ``fail_500``, ``truncate``, ``disconnect``) are consumed one per
    faulted request, so ``settings.fail_429 = 2`` means "the next two feed requests".
    """

    feed_mode: str = "full"  # full | jumpbreak | summary | none
    theme: str = "classic"  # classic | contempo | dynamic
    comments_feed: bool = True  # blog-wide /feeds/comments/default
    per_post_comments_feed: bool = True
    max_results_default: int = 25
    max_results_cap: int = 150
    next_host: str | None = "localhost"  # host name of rel=next links; None = as requested
    robots: str = "default"  # default | allow | disallow_all | disallow_feeds | literal text
    gzip: bool = True
    honor_if_modified_since: bool = False
    fail_429: int = 0
    retry_after: int = 1
    fail_500: int = 0
    error_rate: float = 0.0
    truncate: int = 0
    truncate_rate: float = 0.0
    disconnect: int = 0
    delay: float = 0.0
    fault_paths: str = "feeds"  # feeds | all | a regular expression on the path
    fault_seed: int = 0


class IdAllocator:
    """Unique random Blogger-style ids (18-19 digits, all above 2^53)."""

    def __init__(self, rng: Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def new(self) -> str:
        while True:
            value = str(self.rng.randrange(10**17, 10**19))
            if value not in self.used:
                self.used.add(value)
                return value


AUTHORS = (
    Author("INSP!R Asia", "https://www.blogger.com/profile/04893729285856691511"),
    Author("Maria Santos", "https://www.blogger.com/profile/16377635115790685301"),
    Author("Sokha Chan", "https://www.blogger.com/profile/03236705748240585685"),
    Author("Anjali Rai", "https://www.blogger.com/profile/12521879938038904810"),
)
COMMENTERS = (
    Author("Ram Bahadur", "https://www.blogger.com/profile/08115623280503414099"),
    Author("Nurul Islam", "https://www.blogger.com/profile/11020517704693241828"),
    Author("Lina Dewi", "https://www.blogger.com/profile/09988776655443322110"),
    Author("Anonymous", "", DEFAULT_AVATAR, "ANONYMOUS"),
    Author("Unknown", "", DEFAULT_AVATAR, "ANONYMOUS"),
)


# -- Blogger's wire formats, shared by the feeds and the export writers ------------------


def xml_escape(text: str) -> str:
    """Escape for element text and single- or double-quoted attributes, as Blogger does.

    Chained replace() is several times faster than str.translate on post-sized strings.
    """
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def atom_time(moment: datetime) -> str:
    """2016-03-18T01:04:00.000-07:00: milliseconds and the blog's own offset."""
    return moment.isoformat(timespec="milliseconds")


def utc_time(moment: datetime) -> str:
    """2011-11-11T19:26:59.997Z, the 2018 export's form."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def rfc822(moment: datetime) -> str:
    """RSS pubDate / HTTP date, converted to UTC like Blogger does."""
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0))


def author_xml(author: Author) -> str:
    """<author> as Blogger writes it in feeds and exports (email always hidden)."""
    uri = f"<uri>{xml_escape(author.uri)}</uri>" if author.uri else ""
    return (
        f"<author><name>{xml_escape(author.name)}</name>{uri}"
        "<email>noreply@blogger.com</email><gd:image "
        "rel='http://schemas.google.com/g/2005#thumbnail' width='16' height='16' "
        f"src='{xml_escape(author.image)}'/></author>"
    )


def http_date(moment: datetime) -> str:
    """Last-Modified / Expires form: Fri, 26 Mar 2021 09:05:26 GMT."""
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def epoch(tz: ZoneInfo) -> datetime:
    """What Blogger reports as <updated> of an empty feed: the Unix epoch in the blog's zone."""
    return datetime(1970, 1, 1, tzinfo=UTC).astimezone(tz)


def tag_id(blog_id: str, suffix: str = "") -> str:
    """tag:blogger.com,1999:blog-B plus '.post-P', '.page-P', '.comments', ..."""
    return f"tag:blogger.com,1999:blog-{blog_id}{suffix}"


def plain_text(content_html: str) -> str:
    """Markup-free text, for summaries and comment titles."""
    text = html.unescape(_TAGS.sub(" ", _SCRIPTS.sub(" ", content_html)))
    return " ".join(text.split())


def comment_title(comment: Comment) -> str:
    """A comment's <title>: the first 50 characters of its text plus "...", empty if removed."""
    if comment.removed:
        return ""
    text = plain_text(comment.content)
    return text if len(text) <= 50 else text[:50] + "..."


def comment_links(comment: Comment, post_url: str, api: str) -> tuple[str, str, str]:
    """A comment entry's alternate link, related link (to its parent) and removed marker,
    as the feeds and the old backup format write them; empty strings where absent."""
    millis = int(comment.published.timestamp() * 1000)
    alternate = (
        ""
        if comment.removed
        else (
            f"<link rel='alternate' type='text/html' "
            f"href='{post_url}?showComment={millis}#c{comment.id}' title=''/>"
        )
    )
    related = (
        f"<link rel='related' type='application/atom+xml' href='{api}/{comment.parent_id}'/>"
        if comment.parent_id
        else ""
    )
    removed = (
        "<gd:extendedProperty name='blogger.contentRemoved' value='true'/>"
        if comment.removed
        else ""
    )
    return alternate, related, removed


_SCRIPTS = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
_TAGS = re.compile(r"<[^>]+>")


def slugify(title: str) -> str:
    """Blogger's permalink slug: ASCII words joined by dashes, cut at about 40 characters."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > 40:
            break
        slug = candidate
    return slug or "blog-post"


def truncate_ms(moment: datetime) -> datetime:
    """Blogger keeps milliseconds, not microseconds."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@dataclass(eq=False)
class Blog:
    blog_id: str
    title: str
    subtitle: str
    timezone: str
    url: str
    media_url: str
    author: Author
    posts: list[Post] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
    settings: Settings = field(default_factory=Settings)
    created: datetime = REFERENCE_NOW
    version: int = 0  # bumped on every change; the server's caches key on it
    ids: IdAllocator = field(default_factory=lambda: IdAllocator(Random(0)), repr=False)
    generator: ContentGenerator | None = field(default=None, repr=False)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _paths: set[str] = field(default_factory=set, repr=False)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def comments(self) -> list[Comment]:
        """Every comment of every post, in post order."""
        return [comment for post in self.posts for comment in post.comments]

    @property
    def live_posts(self) -> list[Post]:
        return [post for post in self.posts if post.live]

    @property
    def updated(self) -> datetime:
        """The feed-level <updated>: the newest change to a live post."""
        live = self.live_posts
        return max(p.updated for p in live) if live else epoch(self.tz)

    def post(self, post_id: str) -> Post:
        for post in self.posts:
            if post.post_id == post_id:
                return post
        raise KeyError(post_id)

    def url_of(self, item: Post | Page) -> str:
        """Absolute permalink of a post or page (drafts have none)."""
        if item.path is None:
            raise ValueError(f"{item.title!r} has no permalink (draft)")
        return self.url.rstrip("/") + item.path

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.tz)

    # -- changes used by incremental tests -------------------------------------------------

    def _now(self, when: datetime | None, after: datetime) -> datetime:
        moment = truncate_ms(self.local(when or datetime.now(UTC)))
        return max(moment, after + timedelta(seconds=1))

    def _touch(self) -> None:
        self.version += 1

    def rebase(self, url: str, media_url: str) -> None:
        """Point every permalink and image at a new server (called when a mock starts)."""
        with self.lock:
            old_url, old_media = self.url, self.media_url
            if (old_url, old_media) == (url, media_url):
                return
            for item in [*self.posts, *self.pages]:
                item.content_html = item.content_html.replace(old_media, media_url).replace(
                    old_url, url
                )
            for post in self.posts:
                for image in post.images:
                    image.src = image.src.replace(old_media, media_url)
            self.url, self.media_url = url, media_url
            if self.generator is not None:
                self.generator.blog_url, self.generator.media_url = url, media_url
            self._touch()

    def edit_post(
        self,
        post_id: str,
        *,
        title: str | None = None,
        content_html: str | None = None,
        labels: list[str] | None = None,
        when: datetime | None = None,
    ) -> Post:
        """Change a post the way an author would; ``updated`` moves forward."""
        with self.lock:
            post = self.post(post_id)
            if title is not None:
                post.title = title
            if content_html is not None:
                post.content_html = content_html
                post.images = [img for img in post.images if img.src in content_html]
            if labels is not None:
                post.labels = list(labels)
            post.updated = self._now(when, post.updated)
            post.rev += 1
            self._touch()
            return post

    def delete_post(self, post_id: str) -> Post:
        """Move a post to the trash: gone from feeds, SOFT_TRASHED in the 2018 export."""
        with self.lock:
            post = self.post(post_id)
            post.status = "trashed"
            post.rev += 1
            self._touch()
            return post

    def add_post(
        self,
        title: str | None = None,
        content_html: str | None = None,
        *,
        labels: list[str] | None = None,
        published: datetime | None = None,
        status: str = "live",
        n_comments: int = 0,
    ) -> Post:
        """Publish a new post (generated content unless given); it becomes the newest."""
        if self.generator is None:
            raise RuntimeError("blog has no content generator; build it with make_blog()")
        with self.lock:
            generated = self.generator.post(3000)
            moment = truncate_ms(self.local(published or datetime.now(UTC))).replace(
                second=0, microsecond=0
            )
            post = _new_post(self, generated, moment, status, title, content_html, labels)
            self.posts.insert(0, post)
            for _ in range(n_comments):
                self.add_comment(post.post_id)
            self._touch()
            return post

    def add_comment(
        self,
        post_id: str,
        content: str | None = None,
        *,
        parent_id: str | None = None,
        author: Author | None = None,
        removed: bool = False,
        when: datetime | None = None,
    ) -> Comment:
        """Add a comment (or a reply when ``parent_id`` is given) to a live post."""
        if self.generator is None and content is None:
            raise RuntimeError("no content given and no content generator")
        with self.lock:
            post = self.post(post_id)
            latest = max([post.published, *(c.published for c in post.comments)])
            comment = Comment(
                id=self.ids.new(),
                post_id=post_id,
                parent_id=parent_id,
                author=author or COMMENTERS[len(post.comments) % len(COMMENTERS)],
                published=self._now(when, latest),
                content=REMOVED_COMMENT_TEXT
                if removed
                else (content if content is not None else self.generator.comment()),
                removed=removed,
            )
            post.comments.append(comment)
            post.rev += 1
            self._touch()
            return comment


def _new_post(
    blog: Blog,
    generated: GeneratedPost,
    published: datetime,
    status: str,
    title: str | None = None,
    content_html: str | None = None,
    labels: list[str] | None = None,
) -> Post:
    """Wrap generated content into a Post with a unique id and permalink."""
    rng = blog.ids.rng
    post_title = generated.title if title is None else title
    slug = slugify(post_title)
    path = None if status == "draft" else _unique_path(blog, published, slug, rng)
    updated = truncate_ms(
        published + timedelta(seconds=rng.randint(5, 3600), milliseconds=rng.randint(0, 999))
    )
    return Post(
        post_id=blog.ids.new(),
        title=post_title,
        slug=slug,
        path=path,
        published=published,
        updated=updated,
        labels=list(generated.labels if labels is None else labels),
        author=AUTHORS[rng.randrange(len(AUTHORS))],
        content_html=generated.content_html if content_html is None else content_html,
        status=status,
        images=[Image(src, alt) for src, alt in generated.images],
        created=published
        - timedelta(minutes=rng.randint(5, 600), milliseconds=rng.randint(1, 999)),
        countries=generated.countries,
        themes=generated.themes,
        flags=generated.flags,
    )


def _unique_path(blog: Blog, published: datetime, slug: str, rng: Random) -> str:
    """/YYYY/MM/slug.html, with Blogger's _DD / _NN suffixes when the slug is taken."""
    prefix = f"/{published:%Y/%m}/"
    candidates = chain(
        (slug, f"{slug}_{published:%d}"), (f"{slug}_{rng.randint(10, 99)}" for _ in range(50))
    )
    for candidate in candidates:
        path = f"{prefix}{candidate}.html"
        if path not in blog._paths:
            blog._paths.add(path)
            return path
    raise RuntimeError(f"no free permalink for {slug}")


class BlogBuilder:
    """Deterministic synthetic blog; posts can be streamed for huge exports.

    ``make_blog`` collects everything into a :class:`Blog`; the export writers can instead
    iterate :meth:`iter_posts` so 100,000 posts never sit in memory at once.
    """

    def __init__(
        self,
        n_posts: int,
        *,
        seed: int = 0,
        comments_per_post: float = 2.0,
        tz: str = "Asia/Phnom_Penh",
        body_kb: tuple[float, float] = (2, 6),
        seed_post: bool = True,
        n_drafts: int | None = None,
        n_trashed: int | None = None,
        n_pages: int = 3,
        unsafe_rate: float = 0.01,
        empty_title_rate: float = 0.01,
        collision_rate: float = 0.02,
        start: datetime = datetime(2013, 1, 1, tzinfo=UTC),
        end: datetime = datetime(2025, 2, 1, tzinfo=UTC),
        title: str = "INSP!R – Rights-based social protection in Asia",
        subtitle: str = "",
        url: str = DEFAULT_BLOG_URL,
        media_url: str = DEFAULT_MEDIA_URL,
        settings: Settings | None = None,
    ) -> None:
        self.n_posts = n_posts
        self.seed = seed
        self.comments_per_post = comments_per_post
        self.body_kb = body_kb
        self.seed_post = seed_post and n_posts > 0
        default_drafts = 2 + n_posts // 1000 if n_posts >= 5 else 0
        default_trashed = 1 + n_posts // 2000 if n_posts >= 5 else 0
        self.n_drafts = default_drafts if n_drafts is None else n_drafts
        self.n_trashed = default_trashed if n_trashed is None else n_trashed
        self.n_pages = n_pages
        self.unsafe_rate = unsafe_rate
        self.empty_title_rate = empty_title_rate
        self.collision_rate = collision_rate
        self.start, self.end = start, end
        rng = Random(seed)
        self.blog = Blog(
            blog_id=str(rng.randrange(10**18, 9 * 10**18)),
            title=title,
            subtitle=subtitle,
            timezone=tz,
            url=url,
            media_url=media_url,
            author=AUTHORS[0],
            settings=settings or Settings(),
            created=datetime(2012, 11, 5, 8, 15, 19, 753000, tzinfo=UTC).astimezone(ZoneInfo(tz)),
            ids=IdAllocator(rng),
            generator=ContentGenerator(rng, url, media_url),
        )
        self.blog.pages = self._pages()

    @property
    def rng(self) -> Random:
        return self.blog.ids.rng

    def _pages(self) -> list[Page]:
        blog = self.blog
        specs = [
            (
                "About INSP!R",
                "<p>INSP!R is a network of trade unions, NGOs and social movements "
                "in Asia working for rights-based social protection for all. It brings together "
                "over 40 organisations in 9 countries.</p>",
            ),
            (
                "Contact",
                "<p>Write to the regional coordination in Phnom Penh or use the form below.</p>",
            ),
            (
                "Publications",
                "<p>Our studies on pensions, health care and maternity protection "
                "in Cambodia, Nepal and the Philippines.</p><ul><li>Social protection for informal "
                "workers (2022)</li><li>Youth and social security (2023)</li></ul>",
            ),
            (
                "Members",
                "<p>Member organisations in Bangladesh, India, Indonesia and Sri Lanka.</p>",
            ),
        ]
        pages = []
        for i, (page_title, body) in enumerate(specs[: self.n_pages]):
            published = blog.local(datetime(2014 + i, 4, 19, 11, 58, tzinfo=UTC))
            slug = slugify(page_title)
            pages.append(
                Page(
                    id=blog.ids.new(),
                    title=page_title,
                    slug=slug,
                    path=f"/p/{slug}.html",
                    published=published,
                    updated=published + timedelta(minutes=1, seconds=46, milliseconds=814),
                    content_html=body,
                    author=blog.author,
                )
            )
        return pages

    def _timeline(self, count: int) -> list[datetime]:
        """Minute-precision publication times, newest first, with tie-breakers on collisions."""
        rng = self.rng
        lo, hi = int(self.start.timestamp()) // 60, int(self.end.timestamp()) // 60
        minutes = sorted((rng.randrange(lo, hi) for _ in range(count)), reverse=True)
        for i in range(1, count):
            if rng.random() < self.collision_rate or (i == 2 and count >= 10):
                minutes[i] = minutes[i - 1]
        times, i = [], 0
        while i < count:
            j = i
            while j < count and minutes[j] == minutes[i]:
                j += 1
            for k in range(i, j):  # newest in the listing gets the highest tie-breaker
                moment = datetime.fromtimestamp(minutes[k] * 60, UTC) + timedelta(
                    milliseconds=j - 1 - k
                )
                times.append(moment.astimezone(self.blog.tz))
            i = j
        return times

    def _statuses(self, count: int) -> list[str]:
        statuses = ["live"] * count
        first = 1 if self.seed_post else 0
        others = self.rng.sample(range(first, count), self.n_drafts + self.n_trashed)
        for index in others[: self.n_drafts]:
            statuses[index] = "draft"
        for index in others[self.n_drafts :]:
            statuses[index] = "trashed"
        return statuses

    def _unsafe_kinds(self, index: int) -> tuple[str, ...]:
        """Guarantee each unsafe kind early in the blog, then sprinkle at ``unsafe_rate``."""
        fixed = {3 + 2 * i: kind for i, kind in enumerate(UNSAFE_KINDS)}
        if index in fixed:
            return (fixed[index],)
        if self.rng.random() < self.unsafe_rate:
            return (self.rng.choice(UNSAFE_KINDS),)
        return ()

    def _comments(self, post: Post) -> list[Comment]:
        """Geometric number of comments (mean ``comments_per_post``), some threaded."""
        rng = self.rng
        if self.comments_per_post <= 0:
            return []
        p = 1 / (1 + self.comments_per_post)
        count = int(math.log(1 - rng.random()) / math.log(1 - p))
        comments: list[Comment] = []
        moment = post.published
        limit = REFERENCE_NOW.astimezone(self.blog.tz)
        for _ in range(count):
            moment = min(
                moment
                + timedelta(seconds=rng.randint(60, 6 * 86400), milliseconds=rng.randint(0, 999)),
                limit,
            )
            parent = rng.choice(comments) if comments and rng.random() < 0.3 else None
            removed = rng.random() < 0.03
            comments.append(
                Comment(
                    id=self.blog.ids.new(),
                    post_id=post.post_id,
                    parent_id=parent.id if parent else None,
                    author=COMMENTERS[rng.randrange(len(COMMENTERS))],
                    published=moment,
                    content=REMOVED_COMMENT_TEXT if removed else self.blog.generator.comment(),
                    removed=removed,
                )
            )
        return comments

    def _seed_post(self, published: datetime) -> Post:
        generated = GeneratedPost(
            title=SEED_POST_TITLE,
            content_html=seed_post_html(),
            labels=["Cambodia", "Informal workers", "Youth", "Gender", "INSP!R"],
            images=[],
            countries=["KH"],
            themes=["informal-workers", "youth", "gender", "health-care"],
        )
        return _new_post(self.blog, generated, published, "live")

    def iter_posts(self) -> Iterator[Post]:
        """All posts (live, drafts, trashed), newest first, each with its comments."""
        blog = self.blog
        total = self.n_posts + self.n_drafts + self.n_trashed
        times = self._timeline(total)
        statuses = self._statuses(total)
        lo_kb, hi_kb = self.body_kb
        previous_url: str | None = None
        for index in range(total):
            if index == 0 and self.seed_post:
                post = self._seed_post(SEED_POST_PUBLISHED.astimezone(blog.tz))
            else:
                generated = blog.generator.post(
                    int(self.rng.uniform(lo_kb, hi_kb) * 1024),
                    unsafe=self._unsafe_kinds(index),
                    internal=previous_url,
                    jump_break=self.rng.random() < 0.6,
                )
                empty = index == 11 or self.rng.random() < self.empty_title_rate
                post = _new_post(
                    blog, generated, times[index], statuses[index], title="" if empty else None
                )
            if post.live:
                post.comments = self._comments(post)
                previous_url = blog.url_of(post)
            yield post

    def build(self) -> Blog:
        self.blog.posts = list(self.iter_posts())
        return self.blog


def make_builder(n_posts: int, **options: object) -> BlogBuilder:
    """A :class:`BlogBuilder`; keywords it does not know are taken as :class:`Settings`."""
    builder_keys = set(inspect.signature(BlogBuilder).parameters)
    settings_fields = {k: options.pop(k) for k in list(options) if k not in builder_keys}
    if settings_fields:
        base = options.get("settings") or Settings()
        options["settings"] = replace(base, **settings_fields)  # type: ignore[arg-type]
    return BlogBuilder(n_posts, **options)  # type: ignore[arg-type]


def make_blog(n_posts: int, **options: object) -> Blog:
    """A deterministic synthetic blog of ``n_posts`` live posts (plus drafts and trash).

    Options are those of :class:`BlogBuilder` plus any :class:`Settings` field
    (``make_blog(50, seed=2, feed_mode="summary", theme="dynamic")``).
    """
    return make_builder(n_posts, **options).build()


__all__ = [
    "Author",
    "Blog",
    "BlogBuilder",
    "Comment",
    "Image",
    "Page",
    "Post",
    "Settings",
    "make_blog",
    "make_builder",
    "slugify",
    "REMOVED_COMMENT_TEXT",
]

IMAGE_VARIANT = re.compile(r"^(s\d+(-c)?|w\d+(-h\d+)?(-[a-z]+)*|h\d+|d|s0)$")


def image_key(path: str) -> tuple[str, str] | None:
    """(size-independent key, variant) of a Blogger image URL path, or None."""
    if not path.startswith("/img/"):
        return None
    if "=" in path:
        base, _, variant = path.partition("=")
        return base, variant
    parts = path.split("/")
    for i in range(len(parts) - 2, 2, -1):
        if IMAGE_VARIANT.match(parts[i]):
            return "/".join(parts[:i] + parts[i + 1 :]), parts[i]
    return path, ""


def iso_seconds(moment: datetime) -> str:
    """2019-10-16T14:33:00-07:00, as in abbr.published/@title and time/@datetime."""
    return moment.replace(microsecond=0).isoformat()
