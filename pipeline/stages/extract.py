"""The extract stage: figures, countries and themes for posts whose findings are stale."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import sqlite_utils

from pipeline.config import Config
from pipeline.db import queries, schema, writes
from pipeline.errors import (
    ConfigError,
)
from pipeline.model import Findings, Progress, no_progress
from pipeline.stages.workers import forked_map, worker_count


def extractor_version(cfg: Config) -> str:
    """Figures + countries + themes versions and the vocabularies in use.

    A new extractor, or an edited `themes:`/`countries:` section, re-extracts
    every post on the next run.
    """
    from pipeline.extract import countries, figures, themes
    from pipeline.extract.phrases import load_vocabulary

    vocab = json.dumps(
        [
            cfg.themes if cfg.themes is not None else load_vocabulary("themes"),
            cfg.countries if cfg.countries is not None else load_vocabulary("countries"),
        ],
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    digest = hashlib.sha256(vocab.encode()).hexdigest()[:8]
    return (
        f"f{figures.EXTRACTOR_VERSION}.c{countries.TAGGER_VERSION}"
        f".t{themes.TAGGER_VERSION}.v{digest}"
    )


class Extractor:
    """Figures, countries and themes for posts whose stored findings are stale."""

    batch_size = 200
    parallel_from = 1000  # below this, starting workers costs more than it saves

    def __init__(
        self, cfg: Config, db: sqlite_utils.Database, *, progress: Progress = no_progress
    ) -> None:
        self.cfg = cfg
        self.db = db
        self.progress = progress
        self.version = extractor_version(cfg)

    def _compile_vocabularies(self) -> None:
        """Compile once before any post (and before forking), so a bad vocabulary is
        a config error, not a crash; skipped when there is nothing to extract."""
        from pipeline.extract.countries import tag_countries
        from pipeline.extract.themes import tag_themes

        try:
            tag_themes("", vocabulary=self.cfg.themes)
            tag_countries("", aliases=self.cfg.countries)
        except (ValueError, TypeError, KeyError) as exc:
            where = self.cfg.path or "config.yaml"
            raise ConfigError(
                f"{where}: a vocabulary (key 'vocabularies') is invalid ({exc})"
            ) from None

    def findings(self, post: dict) -> Findings:
        from pipeline.extract.countries import tag_countries
        from pipeline.extract.figures import EXTRACTOR_VERSION, extract_figures
        from pipeline.extract.themes import tag_themes

        text = post["content_text"] or ""
        title = post["title"] or ""
        labels = json.loads(post["labels"] or "[]")
        countries = tag_countries(text, title=title, labels=labels, aliases=self.cfg.countries)
        themes = tag_themes(text, title=title, labels=labels, vocabulary=self.cfg.themes)
        codes = [c.code for c in countries if c.is_primary] + [
            c.code for c in countries if not c.is_primary
        ]
        figures = extract_figures(text, countries=codes)
        return Findings.from_objects(
            post["id"],
            figures,
            countries,
            themes,
            figures_version=EXTRACTOR_VERSION,
            version=self.version,
        )

    def run(self, *, everything: bool = False, blog_ids: Sequence[str] = ()) -> int:
        """Extract stale posts in batches, one transaction each.

        Extraction is pure CPU work, so large jobs are spread over the cores by
        forked workers (which inherit the compiled vocabularies); the database
        is only ever written by this process, in order.
        """
        ids = queries.post_ids_to_extract(
            self.db, self.version, everything=everything, blog_ids=blog_ids
        )
        if not ids:
            return 0
        self._compile_vocabularies()
        chunks = [ids[i : i + self.batch_size] for i in range(0, len(ids), self.batch_size)]
        batches = forked_map(
            self._findings_for,
            (queries.load_posts_for_extract(self.db, chunk) for chunk in chunks),
            workers=worker_count(len(ids), self.parallel_from),
        )
        done = 0
        for batch in batches:
            with schema.transaction(self.db):
                done += writes.save_findings(self.db, batch)
            self.progress("extract", done, len(ids))
        return done

    def _findings_for(self, posts: list[dict]) -> list[Findings]:
        return [self.findings(p) for p in posts]
