"""The staff web layer: Datasette with the archive's pages, templates and static files.

Registered as a Datasette plugin through the package's `datasette` entry point, so the
hooks below (and the templates/ and static/ folders beside this file) are active both in
`blogger-archive serve` and in a plain `datasette archive.db`.
"""

from pipeline.web.figures import figures_routes
from pipeline.web.media import media_routes
from pipeline.web.overview import overview_routes
from pipeline.web.posts import (
    asgi_wrapper,
    extra_css_urls,
    extra_template_vars,
    forbidden,
    menu_links,
    prepare_connection,
    prepare_jinja2_environment,
    render_cell,
)
from pipeline.web.search import register_routes
from pipeline.web.security import handle_exception, security_asgi_wrapper

__all__ = [
    "asgi_wrapper",
    "extra_css_urls",
    "extra_template_vars",
    "figures_routes",
    "forbidden",
    "handle_exception",
    "media_routes",
    "menu_links",
    "overview_routes",
    "prepare_connection",
    "prepare_jinja2_environment",
    "register_routes",
    "render_cell",
    "security_asgi_wrapper",
]
