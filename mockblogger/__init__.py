"""A local stand-in for Blogger: synthetic blogs, a mock server and export files.

    from mockblogger import MockBlogger, make_blog

    blog = make_blog(300, seed=1, tz="Europe/Brussels")
    with MockBlogger(blog, feed_mode="jumpbreak") as mock:
        scrape(mock.url)                       # http://127.0.0.1:PORT/
        assert len(mock.requests_to("/feeds/")) <= 5

See API.md in this directory for every setting and helper.
"""

from .model import (
    REMOVED_COMMENT_TEXT,
    Author,
    Blog,
    BlogBuilder,
    Comment,
    Image,
    Page,
    Post,
    Settings,
    make_blog,
)
from .server import MockBlogger, RequestRecord

__all__ = [
    "REMOVED_COMMENT_TEXT",
    "Author",
    "Blog",
    "BlogBuilder",
    "Comment",
    "Image",
    "MockBlogger",
    "Page",
    "Post",
    "RequestRecord",
    "Settings",
    "make_blog",
]
