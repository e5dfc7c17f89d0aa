"""`/overview`: the archive at a glance, for a first look and for a funder's question
"what has the network written about, where and when".

Posts per theme and year (by theme label), posts and figures per primary country,
and the newest posts. The same for every visitor, so it is read once per change of
the database file (`pipeline.web.cache`); the SQL is in `pipeline.db.browse`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import Response

from pipeline.db.browse import overview
from pipeline.web.cache import cached
from pipeline.web.figures import allowed, theme_label
from pipeline.web.names import archive_name
from pipeline.web.posts import json_list, readable_date, theme_labels


async def overview_page(datasette: Any, request: Any) -> Response:
    await allowed(datasette, request)
    db = datasette.get_database(archive_name(datasette))
    data = await cached(db, ("overview",), overview)
    labels = theme_labels(datasette)
    newest = [
        {
            **post,
            "href": datasette.urls.row(archive_name(datasette), "posts", post["id"]),
            "date": readable_date(post["published"]),
            "iso_date": (post["published"] or "")[:10],
            "primary": json_list(post["primary_countries"]),
            "theme_labels": [theme_label(t, labels) for t in json_list(post["themes"])],
        }
        for post in data["newest"]
    ]
    context = {
        "metadata": datasette.metadata(),
        "totals": data["totals"],
        "theme_years": [
            {**row, "theme": theme_label(row["theme"], labels)} for row in data["theme_years"]
        ],
        "countries": data["countries"],
        "newest": newest,
        "figures_url": datasette.urls.path("/figures"),
    }
    return Response.html(await datasette.render_template("overview.html", context, request=request))


@hookimpl(specname="register_routes")
def overview_routes() -> list[tuple[str, Callable[[Any, Any], Awaitable[Response]]]]:
    """Named apart from the other pages' route hooks: all are hooks of one plugin."""
    return [(r"^/overview$", overview_page)]
