"""What every response of the staff site carries, and how requests it cannot answer end.

- Every response sends a Content-Security-Policy as strict as Datasette's own pages
  allow. Post HTML is sanitized twice already; the policy is the net under both: a
  script that slipped through could not load code from elsewhere, send data away
  (`default-src 'self'`), frame the site or be framed. Datasette's pages use inline
  scripts and styles, so those stay allowed; `eval` does not (nothing here needs it).
  Images may come from anywhere (posts show the blog's own images); frames only from
  the iframe allowlist the sanitizer keeps.
- The archive is read-only: a POST/PUT/DELETE anywhere but Datasette's own forms
  (`/-/login`…) and canned queries declared `write: true` is answered 405 before
  Datasette sees it (Datasette 0.65 fails with a 500 on a POST to a read-only canned
  query or a table).
- Errors caused by the request (unknown pages, bad parameters, an unknown sort column)
  get their 4xx page here instead of Datasette's default handler, which answers some
  of them 500 and, with `rich` installed, logs a traceback for every one, or fails
  outright when a page is not found outside an exception handler (`/a/b/c/d`).
  Anything else is a real bug and still reaches Datasette's handler and the log.
"""

import os
import re
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from datasette import hookimpl
from datasette.utils import add_cors_headers
from datasette.utils.asgi import Base400, Response
from datasette.views.base import DatasetteError
from markupsafe import Markup

from pipeline.blogger.content import DEFAULT_IFRAME_HOSTS

PLUGIN_CONFIG_KEY = "blogger-archive"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A host name (and port) and nothing else: a value from the config cannot add directives.
_HOST = re.compile(r"^[A-Za-z0-9.-]+(?::\d+)?$")
# Code of this package: an exception raised through it is our bug, never the request's.
_OUR_CODE = str(Path(__file__).parents[1]) + os.sep


def content_security_policy(frame_hosts: Iterable[str]) -> str:
    """The policy for every page; `frame_hosts` are the hosts post iframes may show."""
    frames = " ".join(f"https://{h}" for h in sorted(set(frame_hosts)) if _HOST.match(h))
    frames = frames or "'none'"
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self' 'unsafe-inline'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: https: http:",
            "media-src 'self' https: http:",
            f"frame-src {frames}",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def security_headers(datasette: Any) -> list[tuple[bytes, bytes]]:
    """The headers every response gets, unless it already sets its own (Datasette sends a
    stricter `Referrer-Policy: no-referrer` on pages whose address may hold SQL)."""
    config = datasette.plugin_config(PLUGIN_CONFIG_KEY) or {}
    csp = content_security_policy(config.get("iframe_hosts", DEFAULT_IFRAME_HOSTS))
    return [
        (b"content-security-policy", csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
    ]


async def accepts_writes(datasette: Any, path: str) -> bool:
    """Datasette's own forms (login, logout…) and canned queries declared `write: true`."""
    if path.startswith(datasette.urls.path("/-/")):
        return True
    for database in datasette.databases:
        queries = await datasette.get_canned_queries(database, None)
        for name, query in queries.items():
            if query.get("write") and path == datasette.urls.table(database, name):
                return True
    return False


@hookimpl(specname="asgi_wrapper")
def security_asgi_wrapper(datasette):
    """Security headers on every response; 405 for writes to the read-only archive.

    Named apart from the post pages' `asgi_wrapper`: both are hooks of one plugin module.
    """

    headers = security_headers(datasette)

    def wrap(app):
        async def secured(scope, receive, send):
            if scope["type"] != "http":
                await app(scope, receive, send)
                return

            async def send_with_headers(message):
                if message["type"] == "http.response.start":
                    names = {k.lower() for k, _ in message.get("headers", [])}
                    extra = [(k, v) for k, v in headers if k not in names]
                    message = {**message, "headers": [*message.get("headers", []), *extra]}
                await send(message)

            if scope["method"] not in READ_METHODS and not await accepts_writes(
                datasette, scope["path"]
            ):
                response = Response.text(
                    "405 Method Not Allowed: the archive is read-only; use GET.",
                    status=405,
                    headers={"allow": "GET, HEAD"},
                )
                await response.asgi_send(send_with_headers)
                return
            await app(scope, receive, send_with_headers)

        return secured

    return wrap


def client_error_status(exception: BaseException) -> int | None:
    """The 4xx status for an error the request caused, None for a real bug.

    Datasette raises DatasetteError for requests it cannot answer (an unknown sort
    column, SQL it cannot run) and leaves most of them at status 500. It also reads
    several parameters with a bare `int()` or `json.loads()` (`_timelimit`,
    `_facet_size`, `_through`, `year__gt`…), so a malformed value escapes as a
    ValueError, KeyError or TypeError: raised by Datasette alone, with none of our
    code on the way, that is a bad request too.
    """
    if isinstance(exception, Base400):
        return exception.status
    if isinstance(exception, DatasetteError):
        return exception.status if 400 <= exception.status < 500 else 400
    if isinstance(exception, ValueError | LookupError | TypeError) and not _through_our_code(
        exception
    ):
        return 400
    return None


def _through_our_code(exception: BaseException) -> bool:
    return any(
        frame.f_code.co_filename.startswith(_OUR_CODE)
        for frame, _ in traceback.walk_tb(exception.__traceback__)
    )


@hookimpl(wrapper=True)
def handle_exception(datasette, request, exception):
    """Answer request errors with our own page; leave real bugs to Datasette's handler.

    A wrapper, because Datasette runs every handler it is given: replacing the list
    is the only way to keep its default one from logging the error as a crash.
    """
    handlers = yield
    status = client_error_status(exception)
    if status is None:
        return handlers

    async def error_page() -> Response:
        if isinstance(exception, DatasetteError):
            title = exception.title
            message = Markup(exception.message) if exception.message_is_html else exception.message
        else:
            title, message = None, str(exception.args[0]) if exception.args else ""
        headers: dict[str, str] = {}
        if datasette.cors:
            add_cors_headers(headers)
        context = {"ok": False, "error": message, "status": status, "title": title}
        if request.path.endswith(".json"):
            return Response.json({**context, "error": str(message)}, status=status, headers=headers)
        html = await datasette.render_template(
            [f"{status}.html", "error.html"], context, request=request
        )
        return Response.html(html, status=status, headers=headers)

    return [error_page]
