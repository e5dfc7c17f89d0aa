"""`/figures` and `/overview` latency over real HTTP (target: p95 ≤ 100 ms at 10,000 posts).

    python -m bench.figures_latency                   # builds a 10,000-post archive once
    python -m bench.figures_latency --db ARCHIVE.db   # any archive with figures

Without `--db`, a synthetic blog of `--posts` posts is written as a Blogger export and
loaded with `blogger-archive import`, which extracts figures and tags exactly as for
users (about 30 s for 10,000 posts; kept in bench/work/ and reused). The archive is
then served by `blogger-archive serve` and one keep-alive client sends the questions
staff ask, drawn from the archive with a fixed seed: the landing page, a country
(primary, or with mentions), country + theme + year, a theme, a year range, one kind,
money in one currency sorted by value, a subject, words, later pages, a CSV download
of a page, and the overview. Filter combinations rarely repeat, so most requests
miss the per-query cache of counts; the filter choices and the overview are read
once per database state, as in production, and the warm-up requests pay for that.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from random import Random

import httpx

from bench.procs import REPO, background, cli, free_port, write_config
from bench.search_latency import latency_stats
from mockblogger.backups import write_synthetic_backup

WARMUP = 10
SEED = 11
TARGET_P95_MS = 100


class Questions:
    """One method per kind of request; each returns (path, query parameters)."""

    def __init__(self, db: Path, rng: Random) -> None:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:

            def column(sql: str) -> list:
                return [r[0] for r in conn.execute(sql)]

            self.countries = column(
                "SELECT code FROM post_countries WHERE is_primary = 1 GROUP BY code "
                "ORDER BY count(*) DESC LIMIT 12"
            )
            self.names = dict(
                conn.execute("SELECT code, max(name) FROM post_countries GROUP BY code")
            )
            self.themes = column("SELECT DISTINCT theme FROM post_themes ORDER BY theme")
            self.years = column("SELECT DISTINCT year FROM posts WHERE year IS NOT NULL ORDER BY 1")
            self.currencies = column(
                "SELECT currency FROM figures WHERE currency IS NOT NULL GROUP BY currency "
                "ORDER BY count(*) DESC LIMIT 8"
            )
            self.subjects = column(
                "SELECT subject FROM figures WHERE subject IS NOT NULL GROUP BY subject "
                "ORDER BY count(*) DESC LIMIT 40"
            )
        finally:
            conn.close()
        self.rng = rng

    def _pick(self, values: list) -> str:
        return str(self.rng.choice(values))

    def landing(self) -> tuple[str, dict]:
        return "/figures", {}

    def country(self) -> tuple[str, dict]:
        code = self._pick(self.countries)
        return "/figures", {"country": self.rng.choice([code, self.names.get(code, code)])}

    def country_mentions(self) -> tuple[str, dict]:
        return "/figures", {"country": self._pick(self.countries), "mentions": "1"}

    def country_theme_year(self) -> tuple[str, dict]:
        return "/figures", {
            "country": self._pick(self.countries),
            "theme": self._pick(self.themes),
            "year": self._pick(self.years),
        }

    def theme(self) -> tuple[str, dict]:
        return "/figures", {"theme": self._pick(self.themes)}

    def year_range(self) -> tuple[str, dict]:
        first = self.rng.randrange(len(self.years))
        last = min(len(self.years) - 1, first + self.rng.randrange(4))
        return "/figures", {"year": str(self.years[first]), "year_to": str(self.years[last])}

    def kind(self) -> tuple[str, dict]:
        return "/figures", {"kind": self.rng.choice(["count", "percent", "other"])}

    def largest_counts(self) -> tuple[str, dict]:
        return "/figures", {
            "kind": "count",
            "sort": "largest",
            **self.rng.choice([{}, self.theme()[1]]),
        }

    def money_by_value(self) -> tuple[str, dict]:
        return "/figures", {
            "currency": self._pick(self.currencies),
            "sort": self.rng.choice(["largest", "smallest"]),
        }

    def subject(self) -> tuple[str, dict]:
        return "/figures", {"subject": self._pick(self.subjects)}

    def words(self) -> tuple[str, dict]:
        return "/figures", {
            "q": self.rng.choice(["pension", "workers", "maternity benefit", "cash transfer"])
        }

    def later_page(self) -> tuple[str, dict]:
        _, params = self.rng.choice([self.landing, self.country, self.theme])()
        return "/figures", {**params, "page": str(self.rng.randint(2, 6))}

    def csv_page(self) -> tuple[str, dict]:
        return "/figures.csv", self.country_theme_year()[1]

    def overview(self) -> tuple[str, dict]:
        return "/overview", {}

    def kinds(self) -> list[Callable[[], tuple[str, dict]]]:
        return [
            self.landing,
            self.country,
            self.country_mentions,
            self.country_theme_year,
            self.theme,
            self.year_range,
            self.kind,
            self.largest_counts,
            self.money_by_value,
            self.subject,
            self.words,
            self.later_page,
            self.csv_page,
            self.overview,
        ]


def build_archive(posts: int) -> Path:
    """A `posts`-post archive with figures, built once through `blogger-archive import`."""
    work = REPO / "bench" / "work" / f"figures-{posts}"
    db = work / "archive.db"
    if db.exists():
        return db
    config = write_config(work)
    export = work / "blog.xml"
    write_synthetic_backup(export, "new", posts, seed=SEED, tz="Asia/Phnom_Penh")
    subprocess.run([*cli(config, db, "--quiet", "import", str(export))], check=True, cwd=REPO)
    return db


def measure(db: Path, n_queries: int) -> dict:
    maker = Questions(db, Random(SEED))
    kinds = maker.kinds()
    requests = [
        (kinds[i % len(kinds)].__name__, *kinds[i % len(kinds)]()) for i in range(n_queries)
    ]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    timings: list[tuple[str, float, int, dict]] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        background(
            cli(write_config(Path(tmp)), db, "serve", "--port", str(port)),
            ready_url=f"{base}/-/versions.json",
        ),
        httpx.Client(base_url=base, timeout=60) as client,
    ):
        for _, path, params in requests[:WARMUP]:
            client.get(path, params=params)
        for kind, path, params in requests[WARMUP:]:
            start = time.perf_counter()
            response = client.get(path, params=params)
            timings.append(
                (kind, (time.perf_counter() - start) * 1000, response.status_code, params)
            )
    by_kind: dict[str, list[float]] = {}
    for kind, ms, _, _ in timings:
        by_kind.setdefault(kind, []).append(ms)
    stats = latency_stats([t[1] for t in timings])
    return {
        **stats,
        "target_p95_ms": TARGET_P95_MS,
        "met": stats["p95_ms"] <= TARGET_P95_MS,
        "errors": sum(t[2] != 200 for t in timings),
        "by_kind": {kind: latency_stats(ms) for kind, ms in by_kind.items()},
        "slowest": [
            {"ms": round(t[1], 1), "kind": t[0], "params": t[3]}
            for t in sorted(timings, key=lambda t: t[1], reverse=True)[:5]
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.figures_latency",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", type=Path, help="an archive with figures (default: build one)")
    parser.add_argument("--posts", type=int, default=10_000, help="size of the built archive")
    parser.add_argument("--queries", type=int, default=280)
    args = parser.parse_args(argv)
    db = args.db or build_archive(args.posts)
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        counts = {
            t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("posts", "figures")
        }
    print(
        json.dumps({"archive": str(db), **counts, **measure(db, WARMUP + args.queries)}, indent=2)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
