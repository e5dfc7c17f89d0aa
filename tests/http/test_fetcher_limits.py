"""Hostile bodies: gzip bombs, endless and trickling bodies, huge Content-Lengths."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from pipeline.config import HttpConfig, parse_config
from pipeline.errors import ConfigError, FetchError, ResponseTooLarge
from pipeline.http.fetcher import Fetcher
from pipeline.http.warc import WarcLog
from tests.hostile import HostileServer, endless, gzip_bomb, huge_length, static, trickle

REPO = Path(__file__).resolve().parents[2]
MB = 1 << 20

# Fetches one URL with the default caps in a fresh interpreter, so its peak RSS is the fetch's.
MEASURE = textwrap.dedent(
    """
    import json, resource, sys, time
    from pipeline.config import HttpConfig
    from pipeline.http.fetcher import Fetcher
    from pipeline.errors import FetchError
    fetcher = Fetcher(HttpConfig(delay_seconds=0, max_retries=0), None)
    start = time.monotonic()
    try:
        fetcher.get(sys.argv[1], kind=sys.argv[2])
        outcome = "ok"
    except FetchError as exc:
        outcome = f"{type(exc).__name__}: {exc}"
    print(json.dumps({
        "outcome": outcome,
        "seconds": time.monotonic() - start,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))
    """
)


@pytest.fixture
def evil() -> Iterator[HostileServer]:
    with HostileServer() as server:
        server.route("/robots.txt", static(b"User-agent: *\nAllow: /\n", "text/plain"))
        yield server


def measure(url: str, kind: str = "feed") -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, url, kind],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize(
    ("path", "behaviour", "kind", "cause"),
    [
        ("/bomb", gzip_bomb(), "feed", "once decompressed"),
        ("/bomb.png", gzip_bomb(content_type="image/png"), "image", "once decompressed"),
        ("/endless", endless(), "feed", "as received"),
    ],
)
def test_oversized_bodies_are_refused_in_bounded_time_and_memory(
    evil: HostileServer, path: str, behaviour, kind: str, cause: str
) -> None:
    evil.route(path, behaviour)
    result = measure(evil.url + path.lstrip("/"), kind)
    setting = "max_image_bytes" if kind == "image" else "max_page_bytes"
    assert result["outcome"].startswith("ResponseTooLarge"), result
    assert f"http.{setting}" in result["outcome"] and cause in result["outcome"]
    assert result["peak_mb"] <= 300, result
    assert result["seconds"] <= 30, result


def test_a_huge_content_length_is_refused_before_reading(evil: HostileServer, tmp_path) -> None:
    evil.route("/huge", huge_length())
    fetcher = Fetcher(HttpConfig(delay_seconds=0, max_retries=0), WarcLog(tmp_path, "run"))
    start = time.monotonic()
    with pytest.raises(ResponseTooLarge, match="Content-Length: 8589934592"):
        fetcher.get(evil.url + "huge", kind="feed")
    assert time.monotonic() - start < 5
    [record] = truncated_records(tmp_path)
    assert record == (evil.url + "huge", 0)


def test_the_warc_keeps_a_refused_body_up_to_the_cap_marked_truncated(
    evil: HostileServer, tmp_path
) -> None:
    evil.route("/endless", endless())
    warc = WarcLog(tmp_path, "run")
    fetcher = Fetcher(HttpConfig(delay_seconds=0, max_retries=0, max_page_bytes=MB), warc)
    with pytest.raises(
        ResponseTooLarge, match=r"larger than http.max_page_bytes \(1048576 bytes\)"
    ):
        fetcher.get(evil.url + "endless", kind="feed")
    assert truncated_records(tmp_path) == [(evil.url + "endless", MB)]
    assert [c.kind for c in fetcher.drain()] == ["robots"]  # the cut body is never parsed


def test_a_body_within_the_caps_is_decoded_and_stored_as_sent(evil: HostileServer, tmp_path):
    evil.route("/small-bomb", gzip_bomb(size=4 * MB))
    fetcher = Fetcher(HttpConfig(delay_seconds=0, max_page_bytes=5 * MB), WarcLog(tmp_path, "run"))
    resp = fetcher.get(evil.url + "small-bomb", kind="feed")
    assert resp.body == bytes(4 * MB)
    assert resp.capture is not None and truncated_records(tmp_path) == []


def test_a_trickling_body_times_out_within_timeout_seconds(evil: HostileServer) -> None:
    evil.route("/slow", trickle())
    fetcher = Fetcher(HttpConfig(delay_seconds=0, max_retries=0, timeout_seconds=5), None)
    start = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        fetcher.get(evil.url + "slow", kind="feed")
    assert 4.5 <= time.monotonic() - start <= 10


def truncated_records(warc_dir: Path) -> list[tuple[str, int]]:
    """(URL, payload length) of every response record marked truncated."""
    found = []
    for path in warc_dir.glob("*.warc.gz*"):
        with open(path, "rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_headers.get_header("WARC-Truncated") == "length":
                    url = record.rec_headers.get_header("WARC-Target-URI")
                    found.append((url, len(record.raw_stream.read())))
    return found


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"http": {"max_page_bytes": 0}}, "http.max_page_bytes' must be at least 1"),
        ({"http": {"max_image_bytes": "25MB"}}, "http.max_image_bytes' must be a whole number"),
        ({"max_run_minutes": -1}, "'max_run_minutes' must be a whole number of minutes"),
        ({"max_run_minutes": True}, "'max_run_minutes' must be a whole number of minutes"),
    ],
)
def test_size_and_run_limits_are_validated(raw: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(raw, None)


def test_limits_have_safe_defaults() -> None:
    cfg = parse_config({}, None)
    assert (cfg.http.max_page_bytes, cfg.http.max_image_bytes) == (50 * MB, 25 * MB)
    assert cfg.max_run_minutes == 240
    assert parse_config({"max_run_minutes": 0}, None).max_run_minutes == 0
