"""Which database is the archive.

`blogger-archive serve` always registers the archive as `archive`, whatever its file is
called. A plain `datasette FILE.db` (the plugin is active there too, through the
package's entry point) names the database after its file, so the pages look for the
first file database when there is no `archive`.
"""

from __future__ import annotations

from typing import Any

ARCHIVE = "archive"


def archive_name(datasette: Any) -> str:
    """The name under which `datasette` serves the archive."""
    if ARCHIVE in datasette.databases:
        return ARCHIVE
    for name, database in datasette.databases.items():
        if not database.is_memory and name != "_internal":
            return name
    return ARCHIVE
