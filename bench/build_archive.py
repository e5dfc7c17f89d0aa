"""Build the 100,000-post archive for the search benchmark, fast.

    python -m bench.build_archive --config C --db D FILE.xml

`blogger-archive import` would also extract figures from every post, which at
100,000 posts costs far more than the whole bench budget. Search needs the
countries and themes (they are filters) but only shows figures, so this loads the
export with the same `import_backup` the command uses and then runs the real
`Extractor` with figure extraction switched off: `post_countries`/`post_themes`
are filled as in production, `figures` stays empty. Prints one JSON line of
timings. Used only by `bench.run`, never on a user's archive.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from pipeline.config import load_config
from pipeline.db import schema
from pipeline.extract import figures
from pipeline.stages.backup import import_backup
from pipeline.stages.extract import Extractor


def no_figures(text: str, countries: object = ()) -> list:
    """Stands in for `extract_figures` (see the module docstring for why)."""
    return []


def build(config_path: Path, db_path: Path, export: Path) -> dict[str, float | int]:
    cfg = load_config(config_path)
    db = schema.open_db(db_path)
    start = time.perf_counter()
    report = import_backup(cfg, db, export)
    imported = time.perf_counter()
    figures.extract_figures = no_figures
    tagged = Extractor(cfg, db).run(blog_ids=[report["blog_id"]])
    return {
        "posts": report["posts"],
        "comments": report["comments"],
        "tagged": tagged,
        "import_seconds": round(imported - start, 2),
        "tag_seconds": round(time.perf_counter() - imported, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.build_archive",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("export", type=Path)
    args = parser.parse_args(argv)
    print(json.dumps(build(args.config, args.db, args.export)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
