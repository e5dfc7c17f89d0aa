"""Command line: thin click commands over the pipeline's stages.

Errors are one line on stderr with these exit codes (0 ok, 1 a blog or
stage failed, 2 bad usage/config/input, 3 locked); `--debug` shows tracebacks.
On a terminal long work shows a progress bar; under cron each blog gets one
summary line on stdout and errors go to stderr.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from pipeline.blogger.common import normalize_blog_url
from pipeline.config import DEFAULT_BLOG, Config, database_path, load_config, write_starter_config
from pipeline.db import queries, schema, writes
from pipeline.errors import ArchiveError, InputFileError
from pipeline.http.fetcher import utc_now
from pipeline.http.warc import finalize_leftovers
from pipeline.lock import archive_lock
from pipeline.migrate.export import export_archive
from pipeline.stages.backup import import_backup
from pipeline.stages.extract import Extractor
from pipeline.stages.media import export_media_sources
from pipeline.stages.replay import Replayer
from pipeline.stages.run import BlogRun, RunResult, StopFlag
from pipeline.stages.verify import repairs, verify_archive

log = logging.getLogger("blogger_archive")

# problems `verify` lists one by one; the rest are counted
VERIFY_SHOWN = 50


@dataclass
class Ctx:
    config_path: str | None
    db_override: str | None
    debug: bool
    quiet: bool
    _cfg: Config | None = None

    @property
    def cfg(self) -> Config:
        if self._cfg is None:
            self._cfg = load_config(self.config_path)
        return self._cfg

    @property
    def db_path(self) -> Path:
        return database_path(self.cfg, self.db_override)

    def open_db(self) -> Any:
        return schema.open_db(self.db_path)

    def say(self, line: str) -> None:
        if not self.quiet:
            click.echo(line)


pass_ctx = click.make_pass_decorator(Ctx)


class Progress:
    """A rich progress bar on a terminal, nothing otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._bar: Any = None
        self._tasks: dict[str, Any] = {}

    @contextmanager
    def active(self) -> Iterator[Callable[[str, int, int | None], None]]:
        if not self.enabled:
            yield lambda phase, done, total: None
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            transient=True,
            console=Console(stderr=True),
        ) as bar:
            self._bar = bar

            def update(phase: str, done: int, total: int | None) -> None:
                task = self._tasks.get(phase)
                if task is None:
                    task = self._tasks[phase] = bar.add_task(phase, total=total)
                bar.update(task, completed=done, total=total)

            yield update
        self._tasks.clear()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    metavar="PATH",
    default=None,
    help="Config file (default: $BLOGGER_ARCHIVE_CONFIG, else ./config.yaml if present, "
    "else built-in defaults; `init` writes one).",
)
@click.option(
    "--db",
    "db_override",
    metavar="PATH",
    default=None,
    help="SQLite archive (default: the config's `database`, or $BLOGGER_ARCHIVE_DB).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks and HTTP details.")
@click.option("--quiet", "-q", is_flag=True, help="Only errors.")
@click.option(
    "--log-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also append log lines to this file.",
)
@click.version_option(package_name="blogger-archive")
@click.pass_context
def cli(
    ctx: click.Context,
    config_path: str | None,
    db_override: str | None,
    debug: bool,
    quiet: bool,
    log_file: str | None,
) -> None:
    """Archive Blogger blogs into a searchable SQLite archive.

    Start with `blogger-archive init` (writes a commented config.yaml), then
    `blogger-archive run`, and `blogger-archive serve` to search the archive.
    """
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file:
        handlers.append(logging.FileHandler(log_file, encoding="utf-8"))
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        handlers=handlers,
        format="%(asctime)s %(levelname)s %(message)s",
        force=True,
    )
    # urllib3 logs every retry as a WARNING; the final FetchError already says what failed
    logging.getLogger("urllib3").setLevel(logging.DEBUG if debug else logging.ERROR)
    ctx.obj = Ctx(config_path, db_override, debug, quiet)


def blog_option(f: Callable) -> Callable:
    return click.option(
        "--blog",
        "blogs",
        multiple=True,
        metavar="URL",
        help="Only this blog (repeatable; need not be in the config).",
    )(f)


def _blog_url(value: str) -> str:
    """A blog address as given on the command line → its normal form, or exit 2.

    The host must be a dotted name, `localhost` or an IP address: a bare word such
    as `not-a-url` would otherwise become `https://not-a-url/` and fail only later,
    as a network error under cron.
    """
    try:
        url = normalize_blog_url(value)
        parts = urlsplit(url)
        host = parts.hostname or ""
        ok = parts.scheme in ("http", "https") and _is_host(host) and parts.port != 0
    except ValueError:  # an unparsable port or bracketed address
        ok = False
    if not ok:
        raise click.BadParameter(
            f"{value!r} is not a blog address such as https://rightspasia.blogspot.com/",
            param_hint="--blog",
        )
    return url


_DNS_NAME = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z](?:[a-z0-9-]*[a-z0-9])?")


def _is_host(host: str) -> bool:
    """A dotted DNS name, `localhost`, or an IPv4/IPv6 address."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost" or _DNS_NAME.fullmatch(host) is not None
    return True


def _blog_urls(c: Ctx, blogs: tuple[str, ...]) -> list[str]:
    urls = [_blog_url(b) for b in blogs] or [b.url for b in c.cfg.blogs]
    if not urls:
        raise InputFileError(
            f"no blogs configured in {c.cfg.path or 'config.yaml'} "
            "(key 'blogs') and no --blog given"
        )
    return urls


def _summary(result: RunResult) -> str:
    """The one stdout line per blog for cron; the cause of a failure goes to stderr."""
    r = result
    return (
        f"{r.blog_url}: {r.status} — {r.counts.new} new, {r.counts.updated} updated, "
        f"{r.deleted} deleted posts; {r.comments_new} new comments; {r.pages} pages; "
        f"{r.extracted} extracted; {r.requests} requests"
        + (f"; {r.refused} off-site URLs refused" if r.refused else "")
    )


def _failure(result: RunResult) -> str:
    """The one stderr line of a blog that did not finish: the cause, then what to do."""
    hint = f" — {result.hint}" if result.hint else ""
    return f"error: {result.blog_url}: {result.error}{hint}"


def _scrape_blogs(
    c: Ctx,
    blogs: tuple[str, ...],
    *,
    full: bool,
    delay: float | None,
    media: bool | None,
    extract: bool,
    command: str,
) -> int:
    """Run every blog; Ctrl-C or `max_run_minutes` stops after the page being stored.

    Each blog that fails or stops prints exactly one line on stderr; the summary
    line goes to stdout. A stop ends the whole command (exit 1), after recording
    the blog's run as `partial`.
    """
    cfg = c.cfg
    if delay is not None:
        if delay < 0:
            raise click.BadParameter("must not be negative", param_hint="--delay")
        cfg.http.delay_seconds = delay
    urls = _blog_urls(c, blogs)
    failures = 0
    with archive_lock(c.db_path):
        db = c.open_db()
        writes.close_stale_runs(db, _now())

        for old, new in finalize_leftovers(Path(cfg.raw_dir)):
            writes.rename_warc_file(db, old, new)
        progress = Progress(sys.stderr.isatty() and not c.quiet)
        with StopFlag(cfg.max_run_minutes) as stop, progress.active() as update:
            for url in urls:
                result = BlogRun(
                    cfg,
                    db,
                    url,
                    full=full,
                    stop=stop,
                    progress=update,
                    media=cfg.capture_images if media is None else media,
                    all_media=bool(media),
                    command=command,
                ).execute()
                if extract and result.blog_id and not stop.stopped:
                    result.extracted = Extractor(cfg, db, progress=update).run(
                        blog_ids=[result.blog_id]
                    )
                log.debug("%s: requests by kind %s", result.blog_url, result.requests_by_kind)
                c.say(_summary(result))
                if result.status != "ok":
                    failures += 1
                    click.echo(_failure(result), err=True)
                if stop.stopped:
                    break
    return 1 if failures else 0


def _now() -> str:

    return utc_now()


@cli.command()
@blog_option
@click.option("--full", is_flag=True, help="Re-list everything and detect deleted posts.")
@click.option(
    "--delay",
    type=float,
    default=None,
    metavar="S",
    help="Seconds between requests to one host (overrides the config).",
)
@click.option(
    "--media/--no-media",
    default=None,
    help="Capture the posts' images into the WARC (default: the config's capture_images, "
    "for new and changed posts); --media also retries every image not yet saved.",
)
@pass_ctx
def run(
    c: Ctx, blogs: tuple[str, ...], full: bool, delay: float | None, media: bool | None
) -> None:
    """Scrape → parse → extract → store, for every configured blog (or --blog)."""
    sys.exit(
        _scrape_blogs(c, blogs, full=full, delay=delay, media=media, extract=True, command="run")
    )


@cli.command()
@blog_option
@click.option("--full", is_flag=True, help="Re-list everything and detect deleted posts.")
@click.option("--delay", type=float, default=None, metavar="S")
@click.option("--media/--no-media", default=None)
@pass_ctx
def scrape(
    c: Ctx, blogs: tuple[str, ...], full: bool, delay: float | None, media: bool | None
) -> None:
    """Fetch and store the raw feeds (and the records parsed from them), no extraction."""
    sys.exit(
        _scrape_blogs(
            c, blogs, full=full, delay=delay, media=media, extract=False, command="scrape"
        )
    )


def _blog_ids(db: Any, blogs: tuple[str, ...]) -> list[str]:
    ids = []
    for url in blogs:
        row = queries.load_blog(db, url=normalize_blog_url(url))
        if row is None:
            raise InputFileError(f"{url} is not in the archive")
        ids.append(row["id"])
    return ids


def _offline_stage(
    c: Ctx, blogs: tuple[str, ...], work: Callable[[Any, list[str], Callable], int]
) -> int:
    """Run a stage that needs no network under the archive lock, with progress."""
    with archive_lock(c.db_path):
        db = c.open_db()
        progress = Progress(sys.stderr.isatty() and not c.quiet)
        with progress.active() as update:
            return work(db, _blog_ids(db, blogs), update)


@cli.command()
@blog_option
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Replay every stored capture, not only the last run's (offline rebuild).",
)
@pass_ctx
def parse(c: Ctx, blogs: tuple[str, ...], everything: bool) -> None:
    """Re-parse stored raw responses into posts, comments and pages (no network)."""

    n = _offline_stage(
        c,
        blogs,
        lambda db, ids, update: Replayer(c.cfg, db, progress=update).run(
            ids, last_run_only=not everything
        ),
    )
    c.say(f"parsed {n} captures")


@cli.command()
@blog_option
@click.option(
    "--all", "everything", is_flag=True, help="Re-extract every post, not only stale ones."
)
@pass_ctx
def extract(c: Ctx, blogs: tuple[str, ...], everything: bool) -> None:
    """Figures, countries and themes for posts (offline)."""

    n = _offline_stage(
        c,
        blogs,
        lambda db, ids, update: Extractor(c.cfg, db, progress=update).run(
            everything=everything, blog_ids=ids
        ),
    )
    c.say(f"extracted {n} posts")


@cli.command(name="import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--blog-url",
    default=None,
    metavar="URL",
    help="The blog's address (needed for new-format Takeout files to build post URLs).",
)
@pass_ctx
def import_(c: Ctx, file: str, blog_url: str | None) -> None:
    """Load a Blogger backup file ("Back up content") or a Takeout feed.atom."""

    path = Path(file)
    if not path.is_file():
        raise InputFileError(f"{file}: no such file")
    with archive_lock(c.db_path):
        db = c.open_db()
        report = import_backup(c.cfg, db, path, blog_url=blog_url)
        report["extracted"] = Extractor(c.cfg, db).run(blog_ids=[report["blog_id"]])
    skipped = ", ".join(f"{n} {k}" for k, n in sorted(report["skipped"].items()) if n) or "none"
    c.say(
        f"imported {file} ({report['format']} format): {report['posts']} posts "
        f"({report['drafts']} drafts, {report['deleted']} deleted), {report['comments']} "
        f"comments, {report['pages']} pages; skipped: {skipped}"
    )


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
@pass_ctx
def serve(c: Ctx, host: str, port: int) -> None:
    """Serve the archive in Datasette (as /archive) with the search page."""

    from pipeline.web.app import serve as serve_datasette

    serve_datasette(
        c.db_path,
        host=host,
        port=port,
        iframe_hosts=frozenset(c.cfg.iframe_allowlist),
        raw_dir=c.cfg.raw_dir,
        blog_urls=[blog.url for blog in c.cfg.blogs],
        themes=c.cfg.themes,
    )


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_ctx
def status(c: Ctx, as_json: bool) -> None:
    """Per blog: posts (live/deleted/draft), comments, figures, last run, last error."""
    db = c.open_db()
    rows = queries.blog_status(db)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo(f"{c.db_path}: empty archive (run `blogger-archive run`)")
    for r in rows:
        p = r["posts"]
        if r["blog_id"] is None:  # its runs failed before the blog's feed was read
            click.echo(f"{r['url']} (nothing archived yet)")
        else:
            click.echo(f"{r['url']} ({r['title'] or 'untitled'}, blog {r['blog_id']})")
            click.echo(
                f"  posts: {p['live']} live, {p['deleted']} deleted, {p['draft']} draft; "
                f"comments: {r['comments']}; figures: {r['figures']}"
            )
        last = r["last_run"]
        if last:
            click.echo(
                f"  last run: #{last['id']} {last['command']} {last['started_at']} → "
                f"{last['status'] or 'running'} ({last['requests']} requests, "
                f"{last['posts_new']} new, {last['posts_updated']} updated, "
                f"{last['posts_deleted']} deleted)"
            )
        if r["last_error"]:
            click.echo(f"  last error: {r['last_error']['at']}: {r['last_error']['error']}")


@cli.command()
@pass_ctx
def verify(c: Ctx) -> None:
    """Integrity checks; exit 1 with the problems found and what repairs each kind."""
    db = c.open_db()
    problems = verify_archive(c.cfg, db)
    if problems:
        for p in problems[:VERIFY_SHOWN]:
            click.echo(f"FAIL {p.detail}", err=True)
        if len(problems) > VERIFY_SHOWN:
            click.echo(f"… {len(problems) - VERIFY_SHOWN} more", err=True)
        for line in repairs(problems, db_path=c.db_path, raw_dir=Path(c.cfg.raw_dir)):
            click.echo(f"repair: {line}", err=True)
        sys.exit(1)
    c.say("ok: all checks passed")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["markdown", "jsonl"]), required=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True)
@click.option(
    "--layout",
    type=click.Choice(["hugo", "jekyll"]),
    default="hugo",
    show_default=True,
    help="Markdown tree layout.",
)
@click.option("--media", is_flag=True, help="Download images and rewrite links.")
@click.option("--include-deleted", is_flag=True, help="Also deleted posts and drafts.")
@pass_ctx
def export(c: Ctx, fmt: str, out_dir: str, layout: str, media: bool, include_deleted: bool) -> None:
    """Migration output: JSONL or Markdown (Hugo/Jekyll) with urlmap.csv."""

    db = c.open_db()
    fetch_image, load_capture, close = (
        export_media_sources(c.cfg, db) if media else (None, None, lambda: None)
    )
    try:
        report = export_archive(
            db,
            Path(out_dir),
            fmt=fmt,
            layout=layout,
            include_deleted=include_deleted,
            media=media,
            fetch_image=fetch_image,
            load_capture=load_capture,
        )
    finally:
        close()
    c.say(
        f"exported {report.posts} posts and {report.pages} pages to {out_dir}"
        + (
            f"; {report.images_saved} images saved, {len(report.images_failed)} failed"
            if media
            else ""
        )
    )
    for url, reason in report.images_failed:
        click.echo(f"warning: image not saved: {url} ({reason})", err=True)


@cli.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option(
    "--blog",
    "blogs",
    multiple=True,
    metavar="URL",
    help=f"A blog to archive (repeatable; default {DEFAULT_BLOG}).",
)
@click.option(
    "--vocabularies",
    is_flag=True,
    help="Also copy the country and theme vocabularies there, to edit them.",
)
@click.option("--force", is_flag=True, help="Overwrite existing files.")
def init(directory: str, blogs: tuple[str, ...], vocabularies: bool, force: bool) -> None:
    """Write a commented starter config.yaml into DIRECTORY (default: here)."""
    written = write_starter_config(
        Path(directory),
        [_blog_url(b) for b in blogs] or [DEFAULT_BLOG],
        vocabularies=vocabularies,
        force=force,
    )
    for path in written:
        click.echo(f"wrote {path}")
    click.echo("next: `blogger-archive run` archives the blogs it lists")


def main() -> None:
    """Entry point: run click, turning expected errors into one line and an exit code."""
    debug = "--debug" in sys.argv
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except ArchiveError as exc:
        if debug:
            raise
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 (last line of defence: one line, no traceback)
        if debug:
            raise
        click.echo(f"error: unexpected {type(exc).__name__}: {exc} (rerun with --debug)", err=True)
        sys.exit(1)
