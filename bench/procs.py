"""Subprocess plumbing for the bench: run a command and measure it, or keep a server up.

Every measured stage is a separate process so its peak memory is its own. CPU time
and the peak RSS of the largest single process come from `os.wait4()` on that one
child (`RUSAGE_CHILDREN` would mix in the mock server and every earlier stage).
A command that forks workers uses the sum of its processes, which no rusage field
gives, so the process tree is also sampled with psutil; the larger of the two is
the command's peak memory.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import psutil
import yaml

REPO = Path(__file__).resolve().parents[1]
KIB = 1024
SAMPLE_INTERVAL_S = 0.05


class BenchError(RuntimeError):
    """A stage could not be measured (the command failed, a server did not start)."""


@dataclass
class Measured:
    """One finished command: how long it took and how much it used."""

    args: list[str]
    returncode: int
    seconds: float
    peak_rss_mb: float  # process and workers together (see the module docstring)
    largest_process_mb: float  # exact, from wait4
    cpu_seconds: float  # workers included
    stdout: str
    stderr: str

    def checked(self) -> Measured:
        """Self, or BenchError naming the command and the end of its stderr."""
        if self.returncode != 0:
            tail = self.stderr.strip().splitlines()[-3:]
            raise BenchError(
                f"{' '.join(self.args[2:])} exited {self.returncode}: " + " | ".join(tail)
            )
        return self

    def summary(self) -> dict[str, float]:
        return {
            "seconds": round(self.seconds, 3),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "largest_process_mb": round(self.largest_process_mb, 1),
            "cpu_seconds": round(self.cpu_seconds, 3),
        }


def run_measured(args: list[str], *, timeout: float = 1800) -> Measured:
    """Run `args` from the repository root to completion and measure it.

    Output goes to temporary files rather than pipes, so a chatty command can
    never block on a full pipe while we wait for it.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=err, cwd=REPO)
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        sampler = TreeSampler(proc.pid)
        sampler.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            killer.cancel()
            sampler.stop()
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        largest = usage.ru_maxrss * KIB / 1e6  # Linux reports KiB
        return Measured(
            args=args,
            returncode=proc.returncode,
            seconds=seconds,
            peak_rss_mb=max(largest, sampler.peak_bytes / 1e6),
            largest_process_mb=largest,
            cpu_seconds=usage.ru_utime + usage.ru_stime,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


class TreeSampler(threading.Thread):
    """Largest sum of RSS over a process and its descendants, sampled every 50 ms."""

    def __init__(self, pid: int) -> None:
        super().__init__(name=f"rss-sampler-{pid}", daemon=True)
        self.pid = pid
        self.peak_bytes = 0
        self._done = threading.Event()

    def run(self) -> None:
        with contextlib.suppress(psutil.Error):
            root = psutil.Process(self.pid)
            while not self._done.wait(SAMPLE_INTERVAL_S):
                self.peak_bytes = max(self.peak_bytes, _tree_rss(root))

    def stop(self) -> None:
        self._done.set()
        self.join()


def _tree_rss(root: psutil.Process) -> int:
    total = 0
    for proc in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):  # a worker may exit between the two calls
            total += proc.memory_info().rss
    return total


def cli(config: Path, db: Path, *command: str) -> list[str]:
    """The real `blogger-archive` command line, run by this interpreter (the venv's)."""
    return [sys.executable, "-m", "pipeline", "--config", str(config), "--db", str(db), *command]


def write_config(workdir: Path) -> Path:
    """A config for one bench archive: no blogs, paths inside `workdir`.

    The iframe allowlist is copied from the shipped config.yaml and the shipped
    vocabularies are used, so the extract stage does the work it does for users.
    """
    shipped = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8")) or {}
    config = {key: shipped[key] for key in ("iframe_allowlist",) if key in shipped}
    # No images: the request-count targets count feed pages only.
    config.update(
        blogs=[],
        database=str(workdir / "archive.db"),
        raw_dir=str(workdir / "raw"),
        capture_images=False,
    )
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def background(args: list[str], *, ready_url: str, timeout: float = 120) -> Iterator[None]:
    """Run a server command until the block ends; ready once `ready_url` answers 200."""
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err, cwd=REPO)
        try:
            _wait_ready(proc, ready_url, timeout, err)
            yield
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_ready(proc: subprocess.Popen, url: str, timeout: float, err: IO[bytes]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err.seek(0)
            tail = err.read().decode("utf-8", "replace").strip()[-500:]
            raise BenchError(f"server exited {proc.returncode} before answering: {tail}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise BenchError(f"server did not answer {url} within {timeout:.0f} s")
