"""Serve a synthetic blog, or write an export of one, from the command line.

    python -m mockblogger --posts 300 --port 8765 [--seed 1] [--tz Europe/Brussels]
                                [--mode full] [--theme classic]
    python -m mockblogger --posts 100000 --backup new --out /tmp/feed.atom

Used by ``make demo`` and the bench, which need a Blogger to talk to without internet.
"""

from __future__ import annotations

import argparse
import sys
import time

from .backups import write_synthetic_backup
from .model import make_blog
from .server import MockBlogger


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m mockblogger",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--posts", type=int, default=300, help="number of live posts")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tz", default="Asia/Phnom_Penh", help="the blog's time zone")
    parser.add_argument("--comments", type=float, default=2.0, help="mean comments per post")
    parser.add_argument(
        "--body-kb",
        type=float,
        nargs=2,
        default=(2, 6),
        metavar=("MIN", "MAX"),
        help="post body size range in KB (smaller makes huge exports quicker)",
    )
    parser.add_argument(
        "--mode",
        default="full",
        choices=["full", "jumpbreak", "summary", "none"],
        help="Blogger's post feed setting",
    )
    parser.add_argument("--theme", default="classic", choices=["classic", "contempo", "dynamic"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument(
        "--backup", choices=["old", "new"], help="write a Blogger backup file instead of serving"
    )
    parser.add_argument("--out", help="backup file path (with --backup)")
    args = parser.parse_args(argv)
    if args.backup and not args.out:
        parser.error("--backup needs --out FILE")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    options = {
        "seed": args.seed,
        "tz": args.tz,
        "comments_per_post": args.comments,
        "body_kb": tuple(args.body_kb),
    }
    if args.backup:
        blog = write_synthetic_backup(args.out, args.backup, args.posts, **options)
        print(
            f"wrote {args.backup} backup of blog {blog.blog_id} ({args.posts} posts) to {args.out}"
        )
        return 0
    blog = make_blog(args.posts, feed_mode=args.mode, theme=args.theme, **options)
    with MockBlogger(blog, host=args.host, port=args.port) as mock:
        print(mock.url, flush=True)
        print(
            f"blog {blog.blog_id}: {len(blog.live_posts)} posts, {len(blog.comments)} "
            f"comments, feed mode {args.mode}, theme {args.theme}; Ctrl-C to stop",
            file=sys.stderr,
            flush=True,
        )
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    sys.exit(main())
