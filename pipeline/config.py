"""Load and validate `config.yaml`.

Every problem is a `ConfigError` (exit 2) naming the file and the key, so a
maintainer editing the file on a server sees exactly what to fix. Defaults live
here, in one place, and are documented in the shipped config.yaml.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from pipeline.blogger.common import normalize_blog_url
from pipeline.errors import ConfigError

# libyaml's C loader when present: 8x faster on the vocabulary-heavy config
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DEFAULT_USER_AGENT = "blogger-archive/0.1 (+https://github.com/insp-r/blogger-archive)"


@dataclass(slots=True)
class HttpConfig:
    user_agent: str = DEFAULT_USER_AGENT
    delay_seconds: float = 1.0
    timeout_seconds: float = 30.0
    max_retries: int = 5
    backoff_factor: float = 1.0
    page_size: int = 150
    overlap_minutes: int = 1440
    respect_robots_txt: bool = True
    # caps on one response, as received and once decompressed (a gzip bomb is tiny on the wire)
    max_page_bytes: int = 50 * 1024 * 1024
    max_image_bytes: int = 25 * 1024 * 1024


@dataclass(slots=True)
class BlogConfig:
    url: str
    name: str | None = None


@dataclass(slots=True)
class Config:
    path: Path | None
    blogs: list[BlogConfig] = field(default_factory=list)
    database: Path = Path("archive/archive.db")
    raw_dir: Path = Path("archive/raw")
    http: HttpConfig = field(default_factory=HttpConfig)
    # a run stops (as interrupted) after this long, so a stuck run cannot block the next cron run
    max_run_minutes: int = 240  # 0: no limit
    # `run` also captures the posts' images, so the archive shows them when the blog is gone
    capture_images: bool = True
    iframe_allowlist: list[str] = field(default_factory=list)
    # override vocabularies (`vocabularies:` files); None: the ones shipped in the package
    countries: dict[str, Any] | None = None
    themes: list[dict[str, Any]] | None = None


# key → (expected type(s), human name) for the scalar keys under `http:`
_HTTP_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "user_agent": ((str,), "a string"),
    "delay_seconds": ((int, float), "a number of seconds"),
    "timeout_seconds": ((int, float), "a number of seconds"),
    "max_retries": ((int,), "a whole number"),
    "backoff_factor": ((int, float), "a number"),
    "page_size": ((int,), "a whole number"),
    "overlap_minutes": ((int,), "a whole number"),
    "respect_robots_txt": ((bool,), "true or false"),
    "max_page_bytes": ((int,), "a whole number of bytes"),
    "max_image_bytes": ((int,), "a whole number of bytes"),
}


def load_config(path: str | Path | None = None, *, required: bool = False) -> Config:
    """Read the config at `path` (or $BLOGGER_ARCHIVE_CONFIG, or ./config.yaml).

    A missing default file is fine (built-in defaults) unless `required`; a
    missing file that was named explicitly is an error.
    """
    explicit = path is not None or "BLOGGER_ARCHIVE_CONFIG" in os.environ
    path = Path(path or os.environ.get("BLOGGER_ARCHIVE_CONFIG") or "config.yaml")
    if not path.exists():
        if explicit or required:
            raise ConfigError(f"config file not found: {path}")
        return Config(path=None)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SafeLoader) or {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config ({exc})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}: invalid YAML{where}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the config must be a mapping of keys, not {type(raw).__name__}")
    return parse_config(raw, path)


def parse_config(raw: dict[str, Any], path: Path | None) -> Config:
    where = str(path or "config")

    def fail(key: str, problem: str) -> ConfigError:
        return ConfigError(f"{where}: key '{key}' {problem}")

    known = {
        "blogs",
        "database",
        "raw_dir",
        "http",
        "max_run_minutes",
        "capture_images",
        "iframe_allowlist",
        "vocabularies",
    }
    unknown = sorted(set(raw) - known)
    if unknown:
        raise fail(unknown[0], f"is not a known setting (known: {', '.join(sorted(known))})")
    cfg = Config(path=path)
    blogs = raw.get("blogs") or []
    if not isinstance(blogs, list):
        raise fail("blogs", "must be a list of {url: ...} entries")
    for i, item in enumerate(blogs):
        if isinstance(item, str):
            item = {"url": item}
        if not isinstance(item, dict) or not isinstance(item.get("url"), str):
            raise fail(f"blogs[{i}].url", "must be a blog URL string")
        cfg.blogs.append(BlogConfig(url=normalize_blog_url(item["url"]), name=item.get("name")))
    for key in ("database", "raw_dir"):
        if key in raw:
            if not isinstance(raw[key], str) or not raw[key]:
                raise fail(key, "must be a file path string")
            setattr(cfg, key, Path(raw[key]))
    http = raw.get("http") or {}
    if not isinstance(http, dict):
        raise fail("http", "must be a mapping")
    for key, value in http.items():
        if key not in _HTTP_TYPES:
            raise fail(f"http.{key}", f"is not a known setting (known: {', '.join(_HTTP_TYPES)})")
        types, name = _HTTP_TYPES[key]
        if isinstance(value, bool) and bool not in types or not isinstance(value, types):
            raise fail(f"http.{key}", f"must be {name}, got {value!r}")
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
            raise fail(f"http.{key}", f"must not be negative, got {value!r}")
        setattr(cfg.http, key, value)
    for key in ("page_size", "max_page_bytes", "max_image_bytes"):
        if getattr(cfg.http, key) < 1:
            raise fail(f"http.{key}", "must be at least 1")
    minutes = raw.get("max_run_minutes", cfg.max_run_minutes)
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 0:
        raise fail(
            "max_run_minutes", f"must be a whole number of minutes (0: no limit), got {minutes!r}"
        )
    cfg.max_run_minutes = minutes
    capture = raw.get("capture_images", cfg.capture_images)
    if not isinstance(capture, bool):
        raise fail("capture_images", f"must be true or false, got {capture!r}")
    cfg.capture_images = capture
    allow = raw.get("iframe_allowlist", [])
    if not isinstance(allow, list) or not all(isinstance(h, str) for h in allow):
        raise fail("iframe_allowlist", "must be a list of host names")
    cfg.iframe_allowlist = list(allow)
    vocab = raw.get("vocabularies") or {}
    if not isinstance(vocab, dict):
        raise fail("vocabularies", "must be a mapping of countries/themes to file paths")
    for key, value in vocab.items():
        if key not in ("countries", "themes"):
            raise fail(f"vocabularies.{key}", "is not a vocabulary (known: countries, themes)")
        if not isinstance(value, str) or not value:
            raise fail(f"vocabularies.{key}", "must be a file path string")
        setattr(cfg, key, _load_vocabulary_file(Path(value), path, f"vocabularies.{key}", fail))
    if cfg.countries is not None and not isinstance(cfg.countries, dict):
        raise fail("vocabularies.countries", "must name a file holding a mapping")
    if cfg.themes is not None and not (
        isinstance(cfg.themes, list)
        and all(isinstance(t, dict) and isinstance(t.get("id"), str) for t in cfg.themes)
    ):
        raise fail("vocabularies.themes", "must name a file holding a list of {id, label, terms}")
    return cfg


def _load_vocabulary_file(
    file: Path, config_path: Path | None, key: str, fail: Callable[[str, str], ConfigError]
) -> Any:
    """An override vocabulary; a relative path is read beside the config file."""
    if not file.is_absolute() and config_path is not None:
        file = config_path.parent / file
    try:
        return yaml.load(file.read_text(encoding="utf-8"), Loader=SafeLoader)
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(key, f"names a file that cannot be read ({exc})") from None
    except yaml.YAMLError:
        raise fail(key, f"names a file that is not valid YAML ({file})") from None


def database_path(cfg: Config, override: str | Path | None) -> Path:
    """--db, then $BLOGGER_ARCHIVE_DB, then the config's `database`."""
    return Path(override or os.environ.get("BLOGGER_ARCHIVE_DB") or cfg.database)


DEFAULT_BLOG = "https://rightspasia.blogspot.com/"


def starter_config(blogs: list[str], *, vocabularies: bool = False) -> str:
    """The commented starter config.yaml, listing `blogs` (the shipped template).

    With `vocabularies`, the config points at copies of the vocabularies beside it.
    """
    template = (
        resources.files("pipeline").joinpath("starter-config.yaml").read_text(encoding="utf-8")
    )
    listed = "".join(f"  - url: {url}\n" for url in blogs)
    text = template.replace("  - url: https://rightspasia.blogspot.com/\n", listed, 1)
    if vocabularies:
        text = text.replace(
            "# vocabularies:\n#   countries: countries.yaml\n#   themes: themes.yaml\n",
            "vocabularies:\n  countries: countries.yaml\n  themes: themes.yaml\n",
        )
    return text


def write_starter_config(
    directory: Path, blogs: list[str], *, vocabularies: bool, force: bool
) -> list[Path]:
    """Write config.yaml (and the vocabularies) into `directory`; never overwrite unless `force`."""
    files = {directory / "config.yaml": starter_config(blogs, vocabularies=vocabularies)}
    if vocabularies:
        vocab = resources.files("pipeline.extract").joinpath("vocab")
        for name in ("countries", "themes"):
            files[directory / f"{name}.yaml"] = vocab.joinpath(f"{name}.yaml").read_text(
                encoding="utf-8"
            )
    existing = [str(path) for path in files if path.exists()]
    if existing and not force:
        raise ConfigError(f"{', '.join(existing)} already exists (use --force to overwrite)")
    directory.mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    return list(files)
