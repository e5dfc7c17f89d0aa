"""Theme tags: which themes of the controlled vocabulary a post is substantially about.

The vocabulary (`vocab/themes.yaml`, documented there) gives each theme weighted terms. A
post gets a theme when the weighted mentions reach the theme's `min_score`: one passing word is
not enough, a sentence or list item of substance is. Two kinds of mentions say little and are
discounted, because reports of results are full of them: an item of an enumeration ("covers
health care, maternity and pensions") or a row of a table, and the counted noun of a figure
("790 workers, 45% women and 43% under 35" is not a post about gender or youth). The authors'
own labels are the strongest evidence and give the theme outright.

All terms of all themes are compiled once into one PhraseMatcher over the lower-cased text.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pipeline.extract.phrases import PhraseMatcher, compiled_for, load_vocabulary, phrase_key

# Bump when the same input can give different tags (rules or default vocabulary changed).
TAGGER_VERSION = "3"

DEFAULT_MIN_SCORE = 2.5
TITLE_FACTOR = 2.0  # a title states what the post is about
LIST_FACTOR = 0.5  # a term named as one item of an enumeration ("health care, maternity and")
LIST_MIN_ITEMS = 3
# Terms weighing less only support a theme ("women", "policy"): however often they are repeated,
# a theme also needs one term of at least this weight, or a label.
CORE_WEIGHT = 1.0


@dataclass(frozen=True)
class ThemeTag:
    theme: str
    score: float
    evidence: tuple[str, ...]  # the vocabulary terms that added to the score, strongest first


@dataclass(frozen=True)
class _Theme:
    id: str
    min_score: float
    figures: bool  # False: a term that is the counted noun of a figure does not count


@dataclass(frozen=True)
class _Use:
    """One theme that a matched phrase counts for."""

    theme: int
    term: str
    weight: float
    capitals: str  # the capitals the text must have ("OSH"), empty for lower-case terms


@dataclass(frozen=True)
class _Vocabulary:
    themes: tuple[_Theme, ...]
    matcher: PhraseMatcher
    uses: Mapping[str, tuple[_Use, ...]]  # by phrase_key
    cased: frozenset[str]  # keys with a use written in capitals
    core_terms: frozenset[tuple[int, str]]  # (theme, term) weighing at least CORE_WEIGHT


@dataclass(slots=True)
class _Hit:
    start: int
    end: int
    uses: tuple[_Use, ...]


def _capitals(text: str) -> str:
    return "".join(c for c in text if c.isupper())


def _build_themes(raw: Sequence[Mapping[str, Any]] | None) -> _Vocabulary:
    themes: list[_Theme] = []
    phrases: list[str] = []  # lower-cased: the text is lower-cased before matching
    uses: dict[str, list[_Use]] = defaultdict(list)  # by phrase_key
    for index, entry in enumerate(raw or ()):
        try:
            themes.append(
                _Theme(
                    str(entry["id"]),
                    float(entry.get("min_score", DEFAULT_MIN_SCORE)),
                    bool(entry.get("figures", True)),
                )
            )
            for item in entry.get("terms") or ():
                term, weight = (
                    (item, 1.0) if isinstance(item, str) else (item["term"], item["weight"])
                )
                term = str(term)
                use = _Use(index, term.rstrip("*"), float(weight), _capitals(term))
                phrases.append(term.lower())
                uses[phrase_key(term)].append(use)
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"themes: bad entry #{index + 1} in config: {error!r}") from error
        for phrase in entry.get("exclude") or ():
            phrases.append(str(phrase).lower())
            uses.setdefault(phrase_key(str(phrase)), [])
    return _Vocabulary(
        tuple(themes),
        PhraseMatcher(phrases),
        {key: tuple(found) for key, found in uses.items()},
        frozenset(key for key, found in uses.items() if any(use.capitals for use in found)),
        frozenset(
            (use.theme, use.term)
            for found in uses.values()
            for use in found
            if use.weight >= CORE_WEIGHT
        ),
    )


def _lower(text: str) -> str:
    """Lower-case without changing string length, so offsets stay valid ("İ" lowers to 2 chars)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _hits(vocabulary: _Vocabulary, text: str) -> Iterator[_Hit]:
    for start, end, key in vocabulary.matcher.finditer(_lower(text)):
        found = vocabulary.uses[key]
        if key in vocabulary.cased:
            written = _capitals(text[start:end])
            found = tuple(use for use in found if written.startswith(use.capitals))
        if found:
            yield _Hit(start, end, found)


# Between two items of an enumeration: a separator and at most three words ("benefits, ").
_LIST_GAP_CHARS = 40
_LIST_GAP_WORDS = re.compile(r"\W*(?:\w+\W+){0,3}")
_LIST_SEPARATOR = re.compile(r"[,;/\n\u2022]|\b(?:and|or)\b")
# A number (not a year) or a fraction right before a term: "45% women", "half of them young".
_FIGURE_BEFORE = re.compile(
    r"(?:(?<![\d.,])(?!(?:19|20)\d\d\b)\d[\d.,]*\s*(?:%|percent\b|per\s+cent\b)?|\bhalf\b"
    r"|\bthirds?\b|\bquarters?\b|\bmajority\b)"
    r"\s*(?:(?:of\s+(?:them|whom|those|the\s+\w+)|were|are|being)\s+){0,2}(?:\w+\s+)?$",
    re.IGNORECASE,
)
_FIGURE_AFTER = re.compile(r"\s*[(:=\u2014-]?\s*\d")


def _is_list_gap(text: str, start: int, end: int) -> bool:
    return (
        end - start <= _LIST_GAP_CHARS
        and _LIST_GAP_WORDS.fullmatch(text, start, end) is not None
        and _LIST_SEPARATOR.search(text, start, end) is not None
    )


def _listed(text: str, hits: Sequence[_Hit]) -> set[int]:
    """Indexes of hits that are items of an enumeration ("tuk-tuk drivers, vendors and maids")."""
    listed: set[int] = set()
    run = [0]
    for index in range(1, len(hits) + 1):
        if index < len(hits) and _is_list_gap(text, hits[index - 1].end, hits[index].start):
            run.append(index)
            continue
        if len(run) >= LIST_MIN_ITEMS:
            listed.update(run)
        run = [index]
    return listed


def _in_table_rows(text: str, hits: Sequence[_Hit]) -> set[int]:
    """Indexes of hits on a line with a tab: a row of a table ("Claims for health care\t38%").

    A table names its rows as an enumeration names its items, so they count as list items."""
    if "\t" not in text:
        return set()
    rows: set[int] = set()
    for index, hit in enumerate(hits):
        line_start = text.rfind("\n", 0, hit.start) + 1
        line_end = text.find("\n", hit.end)
        if "\t" in text[line_start : line_end if line_end >= 0 else len(text)]:
            rows.add(index)
    return rows


def _is_figure_subject(text: str, hit: _Hit) -> bool:
    return bool(
        _FIGURE_BEFORE.search(text, max(0, hit.start - 40), hit.start)
        or _FIGURE_AFTER.match(text, hit.end)
    )


def _add_mentions(
    vocabulary: _Vocabulary,
    text: str,
    factor: float,
    scores: dict[int, dict[str, float]],
) -> None:
    """Add the weighted mentions of one text (body or title) to scores[theme][term]."""
    hits = list(_hits(vocabulary, text))
    listed = _listed(text, hits) | _in_table_rows(text, hits)
    for index, hit in enumerate(hits):
        hit_factor = factor * (LIST_FACTOR if index in listed else 1.0)
        figure: bool | None = None  # computed only for themes that need it
        for use in hit.uses:
            if not vocabulary.themes[use.theme].figures:
                figure = _is_figure_subject(text, hit) if figure is None else figure
                if figure:
                    continue
            scores[use.theme][use.term] += use.weight * hit_factor


def tag_themes(
    text: str,
    title: str = "",
    labels: Iterable[str] = (),
    vocabulary: Sequence[Mapping[str, Any]] | None = None,
) -> list[ThemeTag]:
    """Themes the post is substantially about, highest score first.

    `vocabulary` is the `themes:` list of a config (None: the shipped vocabulary),
    compiled once and then treated as immutable. A label that contains a term of a theme gives
    that theme; the score is the weighted sum described in vocab/themes.yaml.
    """
    raw = load_vocabulary("themes") if vocabulary is None else vocabulary
    compiled = compiled_for("themes", raw, _build_themes)
    scores: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    _add_mentions(compiled, text, 1.0, scores)
    if title:
        _add_mentions(compiled, title, TITLE_FACTOR, scores)
    labelled = {
        use.theme: use.term
        for label in labels
        for hit in _hits(compiled, label)
        for use in hit.uses
    }
    for theme, term in labelled.items():
        scores[theme][term] += compiled.themes[theme].min_score
    cores = compiled.core_terms

    tags = []
    for theme, by_term in scores.items():
        total = sum(by_term.values())
        has_core = theme in labelled or any((theme, term) in cores for term in by_term)
        if has_core and total >= compiled.themes[theme].min_score:
            evidence = sorted(by_term, key=lambda term: (-by_term[term], term))
            tags.append(ThemeTag(compiled.themes[theme].id, round(total, 2), tuple(evidence)))
    tags.sort(key=lambda tag: (-tag.score, tag.theme))
    return tags
