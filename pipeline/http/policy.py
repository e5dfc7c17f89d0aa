"""Which URLs the fetcher may request at all, so a hostile page cannot steer it.

A feed's `next` link, a redirect or an `<img src>` is data chosen by whoever
serves the blog. Followed blindly, it lets that server make us fetch (and store
in the WARC) internal addresses such as 127.0.0.1:other-port or the cloud
metadata service at 169.254.169.254. `UrlPolicy` gives the two answers the
stages need; `Fetcher.get(policy=...)` applies them to every hop.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
from urllib.parse import urlsplit

WEB_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
# Blogger serves a blog's feeds, pages and images from these domains
BLOGGER_DOMAINS = (".blogspot.com", ".blogger.com")


def _host_port(url: str) -> tuple[str, str, int] | None:
    """(scheme, lower-case host, port) of an http(s) URL; None for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # an unparsable port or bracketed host
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in WEB_SCHEMES or not host:
        return None
    return scheme, host, port or DEFAULT_PORTS[scheme]


def _is_public(address: str) -> bool:
    """False for every address that reaches the machine itself or its network."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


class UrlPolicy:
    """The URLs one blog's run may fetch: its feeds, and images that are not internal."""

    def __init__(self, blog_url: str) -> None:
        own = _host_port(blog_url)
        if own is None:
            raise ValueError(f"not an http(s) blog address: {blog_url}")
        self._scheme, self._host, self._port = own

    def own_origin(self, url: str) -> bool:
        """Same host and port as the blog; an http→https upgrade of it counts too."""
        target = _host_port(url)
        if target is None:
            return False
        scheme, host, port = target
        if host != self._host:
            return False
        if port == self._port:
            return True
        upgraded = self._scheme == "http" and scheme == "https"
        return upgraded and self._port == DEFAULT_PORTS["http"] and port == DEFAULT_PORTS["https"]

    def feed_allowed(self, url: str) -> bool:
        """Feed and page requests stay on the blog's origin or Blogger's own domains."""
        if self.own_origin(url):
            return True
        target = _host_port(url)
        return target is not None and target[1].endswith(BLOGGER_DOMAINS)

    def media_allowed(self, url: str) -> bool:
        """Images may live on any public address; on an internal one only at the blog's own server.

        Every address the name resolves to is checked, so a name that resolves to
        one public and one private address is refused; so is a name that does not
        resolve. The blog's own server is its origin, or another name for it
        (`localhost` for `127.0.0.1`) on the same port.
        """
        if self.own_origin(url):
            return True
        target = _host_port(url)
        if target is None:
            return False
        _, host, port = target
        addresses = _resolve(host, port)
        if not addresses:
            return False
        if all(_is_public(address) for address in addresses):
            return True
        return port == self._port and addresses <= self._own_addresses

    @functools.cached_property
    def _own_addresses(self) -> frozenset[str]:
        return _resolve(self._host, self._port) or frozenset()


def _resolve(host: str, port: int) -> frozenset[str] | None:
    """Every address `host` resolves to; None when it does not resolve."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None
    return frozenset(str(info[4][0]) for info in infos)
