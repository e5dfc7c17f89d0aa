"""`make demo`: the whole tool offline, against the bundled mock Blogger blog.

Starts a mock blog with a few hundred realistic posts, archives it with the real
CLI into archive/demo.db (raw WARCs in archive/demo-raw/), then serves Datasette
and prints the URL. Ctrl-C stops both.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from mockblogger import MockBlogger, make_blog

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--port", type=int, default=8765, help="mock Blogger port")
    parser.add_argument("--serve-port", type=int, default=8001, help="Datasette port")
    args = parser.parse_args()

    archive = REPO / "archive"
    config = archive / "demo-config.yaml"
    config.write_text(
        "# written by `make demo`\nblogs: []\n"
        f"database: {archive / 'demo.db'}\nraw_dir: {archive / 'demo-raw'}\n",
        encoding="utf-8",
    )
    cli = [sys.executable, "-m", "pipeline", "--config", str(config)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    blog = make_blog(args.posts, seed=2024, tz="Asia/Phnom_Penh")
    with MockBlogger(blog, port=args.port) as mock:
        print(f"mock Blogger blog: {mock.url} ({args.posts} posts)", flush=True)
        subprocess.run([*cli, "run", "--blog", mock.url, "--delay", "0"], check=True, env=env)
        subprocess.run([*cli, "status"], check=True, env=env)
        print(
            f"\nsearch the archive: http://127.0.0.1:{args.serve_port}/search "
            f"(Datasette: http://127.0.0.1:{args.serve_port}/archive)\nCtrl-C to stop.",
            flush=True,
        )
        try:
            return subprocess.run(
                [*cli, "serve", "--port", str(args.serve_port)], env=env
            ).returncode
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    sys.exit(main())
