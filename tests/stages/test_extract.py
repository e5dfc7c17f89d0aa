"""The extract stage end to end: figures and tags land in the archive, re-extraction
follows the extractor version and the vocabulary in config."""

from __future__ import annotations

import json

import yaml

from mockblogger import MockBlogger, make_blog
from pipeline.extract.phrases import load_vocabulary
from tests.conftest import Archive


def seed_row(archive: Archive, blog) -> dict:
    return archive.rows("SELECT * FROM posts WHERE id = ?", (blog.posts[0].post_id,))[0]


def test_seed_post_figures_and_tags_are_stored(archive: Archive) -> None:
    blog = make_blog(30, seed=41)
    with MockBlogger(blog) as mock:
        archive.run(mock.url)
    row = seed_row(archive, blog)
    assert json.loads(row["primary_countries"]) == ["Cambodia"]
    # the mock gives this post the labels Gender and Youth: the authors' labels count
    assert {"health-care", "informal-workers", "policy-and-law"} <= set(json.loads(row["themes"]))
    figures = archive.rows(
        "SELECT * FROM figures WHERE post_id = ? ORDER BY char_start", (row["id"],)
    )
    values = {(f["value"], f["kind"], f["currency"]) for f in figures}
    assert {
        (790.0, "count", None),
        (45.0, "percent", None),
        (100000.0, "count", None),
        (1200000.0, "money", "KHR"),
        (300.0, "money", "USD"),
    } <= values
    text = row["content_text"]
    for f in figures:  # offsets index into content_text
        assert text[f["char_start"] : f["char_end"]] == f["raw"]
    assert all(f["extractor_version"] for f in figures)
    codes = {
        r["code"]: r
        for r in archive.rows("SELECT * FROM post_countries WHERE post_id = ?", (row["id"],))
    }
    assert codes["KH"]["is_primary"] == 1


def override_themes(archive: Archive, themes: list[dict]) -> None:
    """Point the archive's config at an edited copy of the theme vocabulary."""
    (archive.root / "themes.yaml").write_text(
        yaml.safe_dump(themes, allow_unicode=True), encoding="utf-8"
    )
    cfg = yaml.safe_load(archive.config.read_text(encoding="utf-8"))
    cfg["vocabularies"] = {"themes": "themes.yaml"}
    archive.config.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")


def test_vocabulary_change_retags_on_extract_all(archive: Archive) -> None:
    blog = make_blog(20, seed=42)
    with MockBlogger(blog) as mock:
        archive.run(mock.url)
    before = set(json.loads(seed_row(archive, blog)["themes"]))
    assert "policy-and-law" in before
    themes = [t for t in load_vocabulary("themes") if t["id"] != "policy-and-law"]
    themes.append(
        {
            "id": "labour-confederations",
            "label": "Union confederations",
            "terms": [{"term": "Cambodian Labour Confederation", "weight": 3}],
        }
    )
    override_themes(archive, themes)
    proc = archive.cli("extract", "--all")
    assert proc.returncode == 0, proc.stderr
    after = set(json.loads(seed_row(archive, blog)["themes"]))
    assert "policy-and-law" not in after and "labour-confederations" in after
    tagged = archive.rows(
        "SELECT theme FROM post_themes WHERE post_id = ?", (blog.posts[0].post_id,)
    )
    assert {t["theme"] for t in tagged} == after


def test_changed_vocabulary_is_picked_up_by_a_plain_run(archive: Archive) -> None:
    blog = make_blog(10, seed=43)
    with MockBlogger(blog) as mock:
        archive.run(mock.url)
        override_themes(archive, [t for t in load_vocabulary("themes") if t["id"] != "health-care"])
        proc = archive.run(mock.url)
    assert "10 extracted" in proc.stdout or "11 extracted" in proc.stdout  # every post redone
    assert not archive.rows("SELECT * FROM post_themes WHERE theme = 'health-care'")


def test_bad_vocabulary_is_a_config_error(archive: Archive) -> None:
    override_themes(archive, [{"id": "x", "terms": [{"weight": 2}]}])
    with MockBlogger(make_blog(3, seed=1)) as mock:
        proc = archive.cli("run", "--blog", mock.url, "--delay", "0")
    assert proc.returncode == 2 and "themes" in proc.stderr and "Traceback" not in proc.stderr
