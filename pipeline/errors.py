"""Small named exceptions, and the one place that maps them to exit codes.

The CLI catches `ArchiveError` subclasses and prints `str(error)` as one line on
stderr, then exits with `error.exit_code`: 1 a blog or stage failed,
2 bad usage/config/input, 3 the archive is locked by another run.
"""

from __future__ import annotations


class ArchiveError(Exception):
    """Base class: an expected failure with a one-line message for the user."""

    exit_code = 1


class ConfigError(ArchiveError):
    """The configuration file is missing, unreadable or has a bad key/value."""

    exit_code = 2


class InputFileError(ArchiveError):
    """A file given on the command line is not what the command needs."""

    exit_code = 2


class LockedError(ArchiveError):
    """Another run holds the archive lock."""

    exit_code = 3


class FetchError(ArchiveError):
    """HTTP failed for good (after retries): connection refused, 404, gave up on 5xx.

    `status` is the HTTP status when the server answered, so callers decide on it
    rather than on the message text.
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RobotsDisallowed(FetchError):
    """robots.txt forbids fetching the URL; we never fetch it."""


class RefusedUrl(FetchError):
    """The URL (or a redirect to it) is outside what the run may fetch; no request was sent."""


class ResponseTooLarge(FetchError):
    """The response (as received or once decompressed) is larger than the configured cap."""


class FeedError(ArchiveError):
    """A response is not a usable Blogger feed (malformed XML, wrong document)."""


class FeedsOffError(FeedError):
    """The blog serves no feeds at all: the only way in is a Blogger export file."""


class IncompleteListing(FeedError):
    """Paging ended before every post id in `totalResults` was seen."""


class Interrupted(ArchiveError):
    """The user pressed Ctrl-C; the run stopped after a whole page."""

    exit_code = 1
