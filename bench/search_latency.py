"""`/search` latency over real HTTP: the archive served by `blogger-archive serve`.

The queries are the kinds staff type, drawn from the archive itself with a fixed
seed (so two runs on the same archive send the same queries): single words and
word pairs from the posts, typed phrases, advanced-mode phrases and OR/prefix
queries, the domain's frequent terms (which match most posts: the worst case for
ranking), each alone or with country/theme/year filters, on page 1 or 2, and
filter-only browsing. One keep-alive client sends them one after another, as a
user's browser would, after a few warm-up queries that are not counted.
"""

from __future__ import annotations

import re
import sqlite3
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from random import Random

import httpx

from bench.procs import background, cli, free_port

WARMUP = 10
SAMPLE_POSTS = 300
COMMON_TERMS = (
    "social protection",
    "workers",
    "women",
    "pension",
    "informal workers",
    "COVID-19",
    "maternity benefit",
    "cash transfer",
    "health insurance",
    "100.000",
)
_WORD = re.compile(r"[A-Za-z]{5,}")
_TOTAL = re.compile(r'data-total="(\d+)"')


@dataclass(frozen=True)
class SearchQuery:
    kind: str
    params: dict[str, str]


@dataclass
class Corpus:
    """Material for queries, sampled from the archive."""

    texts: list[str]
    countries: list[str]
    themes: list[str]
    years: list[str]


def sample_corpus(db_path: Path, seed: int) -> Corpus:
    """Titles and text of a seeded sample of posts, and the filter values in use."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        top = conn.execute("SELECT max(rowid) FROM posts").fetchone()[0] or 0
        rowids = Random(seed).sample(range(1, top + 1), min(SAMPLE_POSTS, top))
        marks = ",".join("?" * len(rowids))
        texts = [
            row[0]
            for row in conn.execute(
                f"SELECT coalesce(title, '') || ' ' || substr(coalesce(content_text, ''), 1, 3000) "
                f"FROM posts WHERE rowid IN ({marks}) ORDER BY rowid",
                rowids,
            )
        ]
        countries = [
            row[0]
            for row in conn.execute(
                "SELECT code FROM post_countries GROUP BY code "
                "ORDER BY count(*) DESC, code LIMIT 12"
            )
        ]
        themes = [
            row[0] for row in conn.execute("SELECT DISTINCT theme FROM post_themes ORDER BY theme")
        ]
        years = [
            str(row[0])
            for row in conn.execute(
                "SELECT DISTINCT year FROM posts WHERE year IS NOT NULL ORDER BY year"
            )
        ]
    finally:
        conn.close()
    return Corpus(texts=texts, countries=countries, themes=themes, years=years)


class QueryMaker:
    """One method per kind of query; each returns the query-string parameters."""

    def __init__(self, corpus: Corpus, rng: Random) -> None:
        self.corpus = corpus
        self.rng = rng
        self.words = sorted({w for text in corpus.texts for w in _WORD.findall(text)})

    def _word(self) -> str:
        return self.rng.choice(self.words)

    def _run_of_words(self, n: int) -> str:
        """`n` consecutive words of one post: what someone remembering a sentence types."""
        tokens = _WORD.findall(self.rng.choice(self.corpus.texts))
        start = self.rng.randrange(max(1, len(tokens) - n))
        return " ".join(tokens[start : start + n])

    def _filter(self, name: str) -> dict[str, str]:
        values = {
            "country": self.corpus.countries,
            "theme": self.corpus.themes,
            "year": self.corpus.years,
        }[name]
        return {name: self.rng.choice(values)} if values else {}

    def word(self) -> dict[str, str]:
        return {"q": self._word()}

    def two_words(self) -> dict[str, str]:
        return {"q": f"{self._word()} {self._word()}"}

    def typed_phrase(self) -> dict[str, str]:
        return {"q": self._run_of_words(3)}

    def advanced_phrase(self) -> dict[str, str]:
        return {"q": f'"{self._run_of_words(2)}"', "mode": "advanced"}

    def advanced_or_prefix(self) -> dict[str, str]:
        return {"q": f"{self._word()[:4]}* OR {self._word()}", "mode": "advanced"}

    def common(self) -> dict[str, str]:
        return {"q": self.rng.choice(COMMON_TERMS)}

    def word_country(self) -> dict[str, str]:
        return {**self.word(), **self._filter("country")}

    def word_theme(self) -> dict[str, str]:
        return {**self.word(), **self._filter("theme")}

    def common_year(self) -> dict[str, str]:
        return {**self.common(), **self._filter("year")}

    def common_country_theme_year(self) -> dict[str, str]:
        return {
            **self.common(),
            **self._filter("country"),
            **self._filter("theme"),
            **self._filter("year"),
        }

    def word_page2(self) -> dict[str, str]:
        return {**self.word(), "page": "2"}

    def common_page2(self) -> dict[str, str]:
        return {**self.common(), "page": "2"}

    def filters_only(self) -> dict[str, str]:
        return {**self._filter("country"), **self._filter("theme")}

    def kinds(self) -> list[Callable[[], dict[str, str]]]:
        return [
            self.word,
            self.two_words,
            self.typed_phrase,
            self.advanced_phrase,
            self.advanced_or_prefix,
            self.common,
            self.word_country,
            self.word_theme,
            self.common_year,
            self.common_country_theme_year,
            self.word_page2,
            self.common_page2,
            self.filters_only,
        ]


def build_queries(db_path: Path, n: int, *, seed: int = 7) -> list[SearchQuery]:
    """`n` queries cycling through every kind (deterministic for a given archive)."""
    maker = QueryMaker(sample_corpus(db_path, seed), Random(seed))
    kinds = maker.kinds()
    return [SearchQuery(kinds[i % len(kinds)].__name__, kinds[i % len(kinds)]()) for i in range(n)]


def percentile(values: list[float], pct: int) -> float:
    """Inclusive percentile (the value below which `pct`% of the samples fall)."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def latency_stats(ms: list[float]) -> dict[str, float]:
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "max_ms": round(max(ms), 2),
        "mean_ms": round(statistics.fmean(ms), 2),
    }


def measure(base_url: str, queries: list[SearchQuery], warmup: list[SearchQuery]) -> dict:
    """Send every query once over one keep-alive connection, after the `warmup` ones
    (not counted: first-request costs such as template compilation); latencies in ms."""
    timings: list[tuple[float, SearchQuery, int, int | None]] = []
    with httpx.Client(base_url=base_url, timeout=60, follow_redirects=True) as client:
        for query in warmup:
            client.get("/search", params=query.params)
        for query in queries:
            start = time.perf_counter()
            response = client.get("/search", params=query.params)
            elapsed = (time.perf_counter() - start) * 1000
            found = _TOTAL.search(response.text)
            timings.append(
                (elapsed, query, response.status_code, int(found.group(1)) if found else None)
            )
    all_ms = [t[0] for t in timings]
    by_kind: dict[str, list[float]] = {}
    for elapsed, query, _, _ in timings:
        by_kind.setdefault(query.kind, []).append(elapsed)
    slowest = sorted(timings, key=lambda t: t[0], reverse=True)[:5]
    return {
        **latency_stats(all_ms),
        "errors": sum(t[2] != 200 for t in timings),
        "with_results": sum(bool(t[3]) for t in timings),
        "by_kind": {kind: latency_stats(ms) for kind, ms in by_kind.items()},
        "slowest": [{"ms": round(t[0], 1), "params": t[1].params, "total": t[3]} for t in slowest],
    }


def serve_and_measure(config: Path, db: Path, n_queries: int) -> dict:
    """Start `blogger-archive serve` on a free port, measure, stop it."""
    queries = build_queries(db, WARMUP + n_queries)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with background(
        cli(config, db, "serve", "--port", str(port)), ready_url=f"{base}/-/versions.json"
    ):
        return measure(base, queries[WARMUP:], warmup=queries[:WARMUP])
