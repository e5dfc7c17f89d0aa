"""Datasette over the archive, the way staff search it.

Datasette is built through its Python API rather than CLI flags because the
database must be called `archive` whatever its file is named (the CLI names a
database after its file stem) and must stay *mutable*: cron writes to the file
while it is served, so Datasette opens read-only connections and re-reads the
schema, instead of the `--immutable` mode that would cache counts and hashes.

Everything staff see — metadata, templates, static files, settings — ships in this
package (`pipeline/web/`), and the plugin hooks are registered through the package's
`datasette` entry point, so a plain `datasette archive.db` has `/search` too.

Binding anywhere but loopback requires the staff password (datasette-auth-passwords,
hash from `BLOGGER_ARCHIVE_PASSWORD_HASH`). The hash stays an `$env` reference in
the metadata, so `/-/metadata` never shows it.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
import socket
import sqlite3
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import uvicorn
import yaml
from datasette.app import DEFAULT_SETTINGS, Datasette
from datasette.database import Database

from pipeline.blogger.content import DEFAULT_IFRAME_HOSTS
from pipeline.db.pages import archived_blog_urls
from pipeline.db.schema import open_db
from pipeline.errors import ConfigError
from pipeline.web.names import ARCHIVE

WEB_DIR = Path(str(resources.files("pipeline.web")))
DB_NAME = ARCHIVE
PASSWORD_HASH_ENV = "BLOGGER_ARCHIVE_PASSWORD_HASH"
SECRET_ENV = "DATASETTE_SECRET"
STAFF_ACCOUNT = "staff"
# Our own plugins read this block (iframe allowlist for render-time sanitising).
PLUGIN_CONFIG_KEY = "blogger-archive"


def make_app(
    db_path: str | Path,
    *,
    web_dir: str | Path = WEB_DIR,
    require_password: bool = False,
    iframe_hosts: Iterable[str] = DEFAULT_IFRAME_HOSTS,
    raw_dir: str | Path | None = None,
    blog_urls: Sequence[str] = (),
    themes: list[dict[str, Any]] | None = None,
) -> Datasette:
    """A Datasette serving `db_path` as `archive`, with the assets of `web_dir`.

    `raw_dir` (the WARC files) lets post pages show archived images; `blog_urls` name
    the data source (the archive's own blogs when empty); `themes` is the configured
    theme vocabulary, whose labels the pages show (the shipped one when None).

    The staff password is used whenever `BLOGGER_ARCHIVE_PASSWORD_HASH` is set (also
    on loopback: behind a reverse proxy the socket is local but the users are not);
    `require_password=True` makes it mandatory. Raises ConfigError for a missing or
    unreadable database, missing assets or a bad password hash.
    """
    metadata = _load_metadata(Path(web_dir))
    metadata.setdefault("plugins", {})[PLUGIN_CONFIG_KEY] = {
        "iframe_hosts": sorted(iframe_hosts),
        "raw_dir": str(raw_dir) if raw_dir else None,
        "theme_labels": {t["id"]: t.get("label") or t["id"] for t in themes} if themes else None,
    }
    password_hash = os.environ.get(PASSWORD_HASH_ENV, "").strip()
    if password_hash:
        _check_password_hash(password_hash)
        _require_staff_login(metadata)
    elif require_password:
        raise ConfigError(
            f"{PASSWORD_HASH_ENV} is not set: serving beyond 127.0.0.1 needs a staff password "
            "hash (make one with `datasette hash-password`)"
        )
    # Only once the configuration is known to be good: this may create the file.
    db_path = Path(db_path)
    _ensure_database(db_path)
    _name_source(metadata, list(blog_urls) or _archived_blogs(db_path))
    web_dir = Path(web_dir)
    ds = Datasette(
        files=[],
        metadata=metadata,
        settings=_load_settings(web_dir),
        secret=os.environ.get(SECRET_ENV) or None,
    )
    # files=[] makes Datasette add an empty `_memory` database; staff have no use for it.
    ds.remove_database("_memory")
    ds.add_database(Database(ds, path=str(db_path), is_mutable=True), name=DB_NAME)
    return ds


def serve(
    db_path: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8001,
    web_dir: str | Path = WEB_DIR,
    reload: bool = False,
    iframe_hosts: Iterable[str] = DEFAULT_IFRAME_HOSTS,
    raw_dir: str | Path | None = None,
    blog_urls: Sequence[str] = (),
    themes: list[dict[str, Any]] | None = None,
) -> None:
    """Serve the archive until interrupted (blocks). Raises ConfigError for bad input.

    Every check runs before the (optional) reloader starts, so a mistake is one
    clear error instead of a worker that dies and waits for file changes.
    `reload=True` restarts the server when a file under `web_dir` changes.
    """
    if not 0 < port < 65536:
        raise ConfigError(f"port must be between 1 and 65535, not {port}")
    ds = make_app(
        db_path,
        web_dir=web_dir,
        require_password=not is_loopback(host),
        iframe_hosts=iframe_hosts,
        raw_dir=raw_dir,
        blog_urls=blog_urls,
        themes=themes,
    )
    if reload:
        _start_reloader(
            db_path,
            host=host,
            port=port,
            web_dir=web_dir,
            iframe_hosts=iframe_hosts,
            raw_dir=str(raw_dir) if raw_dir else None,
            blog_urls=tuple(blog_urls),
            themes=themes,
        )
    sock = bind_socket(host, port)
    server = make_server(ds)
    # uvicorn announces the address only for sockets it binds itself.
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    logging.getLogger("uvicorn.error").info(
        "Serving the archive on http://%s:%d/ (search: /search; Ctrl-C to stop)", shown, port
    )
    server.run(sockets=[sock])


def is_loopback(host: str) -> bool:
    """True for localhost / 127.x / ::1: only this machine can connect."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind before handing over to uvicorn, so "address in use" is our one-line error
    (uvicorn would log it and `sys.exit(1)`). Port 0 picks a free port (tests)."""
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        raise ConfigError(f"cannot resolve host {host!r}: {e.strerror}") from None
    family, kind, proto, _, address = infos[0]
    # proto must be IPPROTO_TCP (not 0): asyncio only sets TCP_NODELAY on accepted
    # sockets that say so, and without it keep-alive responses stall 40 ms (Nagle).
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as e:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {e.strerror}") from None
    sock.set_inheritable(True)
    return sock


def make_server(ds: Datasette, *, log_level: str = "info") -> uvicorn.Server:
    """A uvicorn server for `ds`; run it with `.run(sockets=[bind_socket(...)])`."""
    return uvicorn.Server(uvicorn.Config(ds.app(), lifespan="on", log_level=log_level))


# --------------------------------------------------------------------- helpers


def _ensure_database(db_path: Path) -> None:
    """Create or migrate the file (created on first use) so every table the
    metadata and canned queries name exists; anything not SQLite is a ConfigError."""
    if db_path.is_dir():
        raise ConfigError(f"database path is a directory: {db_path}")
    try:
        open_db(db_path).conn.close()
    except sqlite3.DatabaseError as e:
        raise ConfigError(f"cannot open database {db_path}: {e}") from None


def _archived_blogs(db_path: Path) -> list[str]:
    db = open_db(db_path)
    try:
        return archived_blog_urls(db.conn)
    finally:
        db.conn.close()


def _name_source(metadata: dict[str, Any], blog_urls: list[str]) -> None:
    """The data source is the archived blogs: their host names, linking to the first."""
    if blog_urls:
        metadata["source"] = ", ".join(urlsplit(u).netloc or u for u in blog_urls)
        metadata["source_url"] = blog_urls[0]


def _load_metadata(web_dir: Path) -> dict[str, Any]:
    path = web_dir / "metadata.yml"
    try:
        metadata = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(f"cannot read Datasette metadata {path}: {e.strerror}") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"{path} is not valid YAML: {e}") from None
    if not isinstance(metadata, dict):
        raise ConfigError(f"{path} must be a mapping")
    return metadata


def _load_settings(web_dir: Path) -> dict[str, Any]:
    path = web_dir / "settings.json"
    if not path.exists():
        return {}
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ConfigError(f"cannot read Datasette settings {path}: {e}") from None
    unknown = sorted(set(settings) - set(DEFAULT_SETTINGS))
    if unknown:
        raise ConfigError(f"{path}: unknown Datasette setting {unknown[0]!r}")
    return settings


def _check_password_hash(value: str) -> None:
    """datasette-auth-passwords hashes look like `pbkdf2_sha256$ITER$SALT$HASH`; a
    plain password pasted by mistake would otherwise just make every login fail."""
    parts = value.split("$")
    if len(parts) != 4 or parts[0] != "pbkdf2_sha256" or not parts[1].isdigit():
        raise ConfigError(
            f"{PASSWORD_HASH_ENV} is not a password hash (expected pbkdf2_sha256$…, "
            "made with `datasette hash-password`)"
        )


def _require_staff_login(metadata: dict[str, Any]) -> None:
    """One `staff` account; the instance-wide `allow` block makes login required for
    every page, JSON and CSV included (the login page itself is always reachable)."""
    metadata["plugins"]["datasette-auth-passwords"] = {
        f"{STAFF_ACCOUNT}_password_hash": {"$env": PASSWORD_HASH_ENV},
    }
    metadata["allow"] = {"id": STAFF_ACCOUNT}


def _start_reloader(db_path: str | Path, **kwargs: Any) -> None:
    """Re-run `serve` in a hupper worker that restarts when `archive/` changes.

    In the monitoring process this call never returns; in the worker it returns
    and the caller goes on to serve.
    """
    import hupper

    reloader = hupper.start_reloader(
        "pipeline.serve.serve",
        worker_args=[str(db_path)],
        worker_kwargs={
            **kwargs,
            "web_dir": str(kwargs["web_dir"]),
            "iframe_hosts": tuple(kwargs["iframe_hosts"]),
            "reload": True,
        },
    )
    web_dir = Path(kwargs["web_dir"])
    reloader.watch_files(
        [
            str(p)
            for p in web_dir.rglob("*")
            if p.is_file() and p.suffix in {".py", ".yml", ".json", ".html", ".css"}
        ]
    )
