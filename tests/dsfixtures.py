"""A small, varied archive for the Datasette and browser tests.

Built through the real store functions (`save_posts`, `save_comments`,
`save_findings`) so the tests see the schema and FTS triggers exactly as the
pipeline leaves them. Figures, countries and themes are written as given here
rather than extracted, so these tests do not depend on the extractors.

Known posts the tests look for are exposed as constants; the rest is generated
deterministically (countries × themes × years) so filters have something to narrow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from pipeline.blogger.content import html_to_text, sanitize_html
from pipeline.db.schema import open_db, transaction
from pipeline.db.writes import (
    refresh_comment_counts,
    save_blog,
    save_comments,
    save_findings,
    save_pages,
    save_posts,
)
from pipeline.model import BlogInfo, CommentRecord, Findings, PageRecord, PostRecord

BLOG_ID = "7000000000000000001"
BLOG_URL = "https://rightspasia.blogspot.com/"
SEEN_AT = "2024-06-01T00:00:00+00:00"
LATER = "2024-07-01T00:00:00+00:00"

# Posts the tests refer to by id.
TUKTUK_ID = "1000000000000000001"  # title word "drivers", Cambodia, has comments + 2 versions
COVID_ID = "1000000000000000002"  # COVID-19, 100.000 families, Indonesia
QUOTES_ID = "1000000000000000003"  # it's, "quoted" words
SCRIPT_ID = "1000000000000000004"  # content_html overwritten with a <script> through SQL
DELETED_ID = "1000000000000000005"
DRAFT_ID = "1000000000000000006"
PAGE_ID = "2000000000000000001"
SCRIPT_MARKER = "alert('stored-xss')"

COUNTRIES = {
    "KH": "Cambodia",
    "BD": "Bangladesh",
    "IN": "India",
    "NP": "Nepal",
    "ID": "Indonesia",
    "PH": "Philippines",
}
THEMES = ["informal-workers", "gender", "youth", "pensions", "maternity"]
SUBJECTS = ["workers", "women", "households", "members", "vendors"]


@dataclass
class FigureSpec:
    raw: str
    value: float
    kind: str
    subject: str | None = None
    currency: str | None = None
    qualifier: str | None = None


@dataclass
class PostSpec:
    id: str
    title: str
    html: str
    year: int
    countries: list[str]  # ISO codes, first = primary
    themes: list[str]
    labels: list[str] = field(default_factory=list)
    figures: list[FigureSpec] = field(default_factory=list)
    status: str = "live"


def known_posts() -> list[PostSpec]:
    return [
        PostSpec(
            TUKTUK_ID,
            "Tuk-tuk drivers in Phnom Penh win health cover",
            "<p>After two years of campaigning, 790 workers who drive motorcycle taxis are now "
            "covered by the national health scheme.</p>"
            "<p>The union of tuk-tuk operators says over 45% of its members are women.</p>",
            2023,
            ["KH"],
            ["informal-workers", "health-care"],
            ["Cambodia", "informal economy"],
            [
                FigureSpec("790", 790, "count", "workers"),
                FigureSpec("45%", 45, "percent", "members", qualifier="over"),
            ],
        ),
        PostSpec(
            COVID_ID,
            "COVID-19 cash transfers in Indonesia",
            "<p>During COVID-19 the emergency cash transfer reached 100.000 families in Java, "
            "each paid IDR 600.000 a month.</p>",
            2021,
            ["ID"],
            ["covid-19", "cash-transfers"],
            ["COVID-19", "Indonesia"],
            [
                FigureSpec("100.000", 100000, "count", "families"),
                FigureSpec("IDR 600.000", 600000, "money", None, "IDR"),
            ],
        ),
        PostSpec(
            QUOTES_ID,
            "Youth voices from Dhaka",
            "<p>“It's our future,” said one organiser; the banner read \"no social protection, "
            'no future" AND (nobody) disagreed.</p>',
            2022,
            ["BD"],
            ["youth"],
            ["youth"],
        ),
        PostSpec(
            SCRIPT_ID,
            "Statement on domestic workers in Manila",
            "<p>Domestic workers in Manila demand coverage.</p>",
            2020,
            ["PH"],
            ["domestic-workers"],
            ["statement"],
        ),
        PostSpec(
            DELETED_ID,
            "Withdrawn announcement about pensions in Nepal",
            "<p>This announcement about pensions in Kathmandu was withdrawn.</p>",
            2019,
            ["NP"],
            ["pensions"],
            status="deleted",
        ),
        PostSpec(
            DRAFT_ID,
            "Draft: maternity benefits in India",
            "<p>Unfinished notes on maternity benefits for 2 crore women.</p>",
            2024,
            ["IN"],
            ["maternity"],
            status="draft",
            figures=[FigureSpec("2 crore", 20000000, "count", "women")],
        ),
    ]


def generated_posts(n: int) -> list[PostSpec]:
    """`n` varied posts about drivers, workers, countries and themes."""
    specs = []
    codes = list(COUNTRIES)
    for i in range(n):
        code = codes[i % len(codes)]
        theme = THEMES[i % len(THEMES)]
        subject = SUBJECTS[i % len(SUBJECTS)]
        year = 2018 + i % 7
        count = 150 + 37 * i
        other = COUNTRIES[codes[(i + 1) % len(codes)]]
        # Many bodies mention drivers repeatedly, but only the tuk-tuk post has it in its title.
        drivers = " Drivers, drivers and more drivers joined." if i % 4 == 0 else ""
        html = (
            f"<p>Social protection for {subject} in {COUNTRIES[code]}: {count:,} {subject} "
            f"joined the scheme in {year}, and {10 + i % 50}% of them were women.{drivers}</p>"
            f"<p>Network members from {other} shared lessons on {theme.replace('-', ' ')} and "
            f"informal workers' rights (report no. {i}).</p>"
        )
        specs.append(
            PostSpec(
                id=str(3000000000000000000 + i),
                title=f"{theme.replace('-', ' ').capitalize()} in {COUNTRIES[code]}: update {i}",
                html=html,
                year=year,
                countries=[code],
                themes=[theme],
                labels=[COUNTRIES[code], theme],
                figures=[
                    FigureSpec(f"{count:,}", count, "count", subject),
                    FigureSpec(f"{10 + i % 50}%", 10 + i % 50, "percent", "women"),
                ],
            )
        )
    return specs


def build_archive(path: str | Path, *, extra_posts: int = 24) -> Path:
    """Write the fixture archive to `path` (6 known posts + `extra_posts` generated)."""
    path = Path(path)
    db = open_db(path)
    specs = known_posts() + generated_posts(extra_posts)
    with transaction(db):
        save_blog(db, BlogInfo(id=BLOG_ID, url=BLOG_URL, title="INSP!R", timezone_offset="+07:00"))
        save_posts(db, [_record(s) for s in specs], seen_at=SEEN_AT, origin="feed")
        save_findings(db, [_findings(s) for s in specs])
    with transaction(db):
        # A later capture with edited text: the tuk-tuk post gets a second version.
        edited = _record(known_posts()[0])
        edited.content_html += "<p>Update: the scheme now includes their families.</p>"
        edited.content_text = html_to_text(edited.content_html)
        edited.updated = "2023-12-02T10:00:00+00:00"
        save_posts(db, [edited], seen_at=LATER, origin="feed")
        save_findings(db, [_findings(known_posts()[0])])
        save_comments(db, _comments(), seen_at=SEEN_AT)
        refresh_comment_counts(db, BLOG_ID)
        save_pages(
            db,
            [
                PageRecord(
                    id=PAGE_ID,
                    blog_id=BLOG_ID,
                    url=BLOG_URL + "p/about.html",
                    title="About INSP!R",
                    published="2018-01-01T00:00:00+00:00",
                    updated="2018-01-01T00:00:00+00:00",
                    content_html="<p><b>About</b> the network</p>",
                    content_text="About the network",
                )
            ],
            seen_at=SEEN_AT,
        )
        # Raw SQL on purpose: the pipeline would have sanitized this away. The page
        # must still not run it.
        db.execute(
            "UPDATE posts SET content_html = ? WHERE id = ?",
            [
                "<p>Domestic workers in Manila demand coverage.</p>"
                f"<script>{SCRIPT_MARKER}</script>"
                '<img src=x onerror="alert(\'img\')"><a href="javascript:alert(1)">link</a>',
                SCRIPT_ID,
            ],
        )
    db.conn.close()
    return path


def _record(spec: PostSpec) -> PostRecord:
    html = sanitize_html(spec.html)
    n = int(spec.id)
    day = f"{spec.year}-{n % 12 + 1:02d}-{n % 28 + 1:02d}"
    return PostRecord(
        id=spec.id,
        blog_id=BLOG_ID,
        url=f"{BLOG_URL}{spec.year}/01/post-{spec.id[-4:]}.html",
        title=spec.title,
        author="INSP!R secretariat",
        published=f"{day}T08:00:00+00:00",
        updated=f"{day}T09:00:00+00:00",
        year=spec.year,
        labels=spec.labels,
        content_html=html,
        content_text=html_to_text(html),
        status=spec.status,
    )


def _findings(spec: PostSpec) -> Findings:
    text = html_to_text(sanitize_html(spec.html))
    figures = []
    for f in spec.figures:
        start = text.index(f.raw)
        figures.append(
            SimpleNamespace(
                raw=f.raw,
                value=f.value,
                kind=f.kind,
                currency=f.currency,
                qualifier=f.qualifier,
                subject=f.subject,
                sentence=text.split("\n")[text[:start].count("\n")],
                char_start=start,
                char_end=start + len(f.raw),
            )
        )
    countries = [
        SimpleNamespace(code=c, name=COUNTRIES[c], mentions=2 - bool(i), is_primary=i == 0)
        for i, c in enumerate(spec.countries)
    ]
    themes = [SimpleNamespace(theme=t, score=1.0, evidence=[t.split("-")[0]]) for t in spec.themes]
    return Findings.from_objects(
        spec.id, figures, countries, themes, figures_version="test", version="test"
    )


def _comments() -> list[CommentRecord]:
    def comment(
        n: int, text: str, *, reply_to: str | None = None, removed: bool = False
    ) -> CommentRecord:
        return CommentRecord(
            id=f"900000000000000000{n}",
            post_id=TUKTUK_ID,
            blog_id=BLOG_ID,
            url=None,
            author=f"Reader {n}",
            published=f"2023-05-0{n}T12:00:00+00:00",
            updated=None,
            content_html=f"<p>{text}</p>",
            content_text=text,
            in_reply_to=f"900000000000000000{reply_to}" if reply_to else None,
            removed=removed,
        )

    return [
        comment(1, "Congratulations to the drivers' union!"),
        comment(2, "Does this include their children?", reply_to="1"),
        comment(3, "Spam that the author removed", removed=True),
    ]
