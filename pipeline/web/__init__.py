"""The staff web layer: Datasette with the archive's pages, templates and static files.

Registered as a Datasette plugin through the package's `datasette` entry point, so the
hooks below (and the templates/ and static/ folders beside this file) are active both in
`blogger-archive serve` and in a plain `datasette archive.db`.
"""

from pipeline.web.posts import (
    asgi_wrapper,
    extra_css_urls,
    extra_template_vars,
    forbidden,
    menu_links,
    prepare_jinja2_environment,
    render_cell,
)
from pipeline.web.search import register_routes

__all__ = [
    "asgi_wrapper",
    "extra_css_urls",
    "extra_template_vars",
    "forbidden",
    "menu_links",
    "prepare_jinja2_environment",
    "register_routes",
    "render_cell",
]
