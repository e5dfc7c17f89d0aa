"""`make bench` end to end at a toy size, plus its pure helpers.

No timing is asserted (speed belongs in bench/): these tests check that the bench
runs every stage, counts what it claims to count and writes well-formed results.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bench import run as bench_run
from bench.mockserver import request_kind
from bench.report import Target
from bench.search_latency import percentile

BLOG_ID = "4553260803050964941"
POSTS = 30
QUERIES = 26


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        ("/robots.txt", "robots"),
        ("/feeds/posts/default?max-results=150", "posts"),
        (f"/feeds/{BLOG_ID}/posts/default?start-index=151&max-results=150", "posts"),
        ("/feeds/comments/default?max-results=150", "comments"),
        (f"/feeds/{BLOG_ID}/comments/default?start-index=151", "comments"),
        ("/feeds/7412345678901234567/comments/default", "post-comments"),
        ("/feeds/pages/default", "pages"),
        ("/2024/05/some-post.html?m=1", "html"),
        ("/img/abc/s1600/photo.png", "image"),
    ],
)
def test_request_kinds_match_the_archivers_capture_kinds(target: str, kind: str) -> None:
    assert request_kind(target, BLOG_ID) == kind


def test_target_verdict_and_ratio() -> None:
    faster = Target("k", "what", 300.0, "posts/s", ">=", 250, baseline=600.0)
    assert faster.passed is True
    assert faster.ratio == 0.5
    assert Target("k", "what", 60.0, "ms", "<=", 50).passed is False
    assert Target("k", "what", None, "ms", "<=", 50).passed is None
    assert Target("k", "what", math.nan, "ms", "<=", 50).as_dict()["pass"] is None


def test_percentile_is_inclusive() -> None:
    samples = [float(x) for x in range(1, 101)]
    assert percentile(samples, 50) == pytest.approx(50.5)
    assert percentile(samples, 95) == pytest.approx(95.05)
    assert percentile([7.0], 95) == 7.0


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("bench")
    code = bench_run.main(
        [
            "--sizes",
            str(POSTS),
            "--big",
            "0",
            "--no-figures",
            "--queries",
            str(QUERIES),
            "--work",
            str(out / "work"),
            "--out",
            str(out),
        ]
    )
    assert code == 0, (out / "results.json").read_text(encoding="utf-8")
    return json.loads((out / "results.json").read_text(encoding="utf-8")), out


def test_results_describe_the_machine(results: tuple[dict, Path]) -> None:
    data, _ = results
    assert data["errors"] == []
    meta = data["meta"]
    for key in ("date", "cpu_count", "python", "sqlite", "platform", "commit"):
        assert meta[key], key
    assert data["bench_seconds"] > 0


def test_every_target_of_a_small_run_is_measured(results: tuple[dict, Path]) -> None:
    data, _ = results
    targets = {t["key"]: t for t in data["targets"]}
    assert set(targets) == {
        f"full_{POSTS}.posts_per_s",
        f"full_{POSTS}.requests",
        f"full_{POSTS}.peak_rss_mb",
        f"incremental_{POSTS}.requests",
        f"incremental_{POSTS}.seconds",
        f"offline_{POSTS}.posts_per_s",
        f"search_{POSTS}.p95_ms",
        f"figures_pages_{POSTS}.p95_ms",
    }
    for t in targets.values():
        assert t["measured"] > 0, t
        assert isinstance(t["pass"], bool), t
    assert targets[f"full_{POSTS}.posts_per_s"]["baseline"] > 0  # the naive archiver ran


def test_requests_are_counted_by_the_server(results: tuple[dict, Path]) -> None:
    data, _ = results
    run = data["runs"][f"blog_{POSTS}"]
    targets = {t["key"]: t for t in data["targets"]}
    full, incremental = run["full"]["requests"], run["incremental"]["requests"]
    assert full["posts"] >= 1 and full["comments"] >= 1 and full["robots"] >= 1
    assert targets[f"full_{POSTS}.requests"]["measured"] == sum(full.values())
    assert targets[f"incremental_{POSTS}.requests"]["measured"] == sum(incremental.values())
    blog, archived = run["blog"], run["archived"]
    assert (archived["posts"], archived["comments"]) == (blog["posts"], blog["comments"])
    assert archived["figures"] > 0  # the full run includes extraction
    assert blog["posts"] == POSTS
    assert run["naive"]["posts"] == POSTS


def test_search_sends_varied_queries_that_find_posts(results: tuple[dict, Path]) -> None:
    data, _ = results
    search = data["runs"][f"search_{POSTS}"]
    assert search["n"] == QUERIES
    assert search["errors"] == 0
    assert search["with_results"] > QUERIES // 2
    assert len(search["by_kind"]) == 13
    assert search["p50_ms"] <= search["p95_ms"] <= search["max_ms"]


def test_markdown_has_one_row_per_target(results: tuple[dict, Path]) -> None:
    data, out = results
    text = (out / "RESULTS.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 1 + len(data["targets"])  # header + targets
    assert text.count(" pass |") + text.count("**FAIL** |") == len(data["targets"])
