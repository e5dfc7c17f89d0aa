"""Country tags: which countries a post mentions, and the one or two it is mainly about.

Countries are found from pycountry's names plus the country vocabulary (`vocab/countries.yaml`, or
a config's override file: other names, demonyms, capitals and cities, organisation acronyms), all
compiled once into a single
trie-shaped regular expression, because the pipeline tags hundreds of posts per second and a scan
per country would be far too slow. Matching is case-sensitive so that common words ("turkey",
"chad") do not tag; false friends ("Indian Ocean") are phrases that win over the country name
inside them because the longest phrase at a position is the one matched.

The phrase machinery is shared with `themes.py` (`phrases.py`), so both taggers match text the
same way.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pycountry

from pipeline.extract.phrases import (
    PhraseMatcher,
    ascii_fold,
    compiled_for,
    load_vocabulary,
    phrase_key,
)

# Bump when the same input can give different tags (rules or default vocabulary changed).
TAGGER_VERSION = "2"

# --- countries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountryTag:
    code: str  # ISO 3166-1 alpha-2
    name: str
    mentions: int
    is_primary: bool


# The primary choice scores each country by the number of body sentences that name it (a list
# of ten cities in one sentence is one mention of the setting), plus these for the title, the
# authors' labels, and the first sentence, which usually says where the story happens.
TITLE_WEIGHT = 3
LABEL_WEIGHT = 3
LEAD_WEIGHT = 1
# A primary country needs this score, unless it is the only country of a short text.
MIN_PRIMARY_SCORE = 2
SHORT_TEXT_CHARS = 300
# The leader must be this many times ahead of the next country and hold this share of the total.
LEAD_RATIO = 1.5
MIN_LEADER_SHARE = 0.35
# A second primary country: at least this score and half the leader's, clearly ahead of the third.
MIN_SECOND_SCORE = 3
MIN_SECOND_SHARE = 0.25
# A sentence ends at a line break or at . ! ? before a space; the pattern starts with a plain
# character set so that the engine can scan for it quickly.
_SENTENCE_END = re.compile(r"[.!?\n](?:(?<=\n)|[.!?]*[\"'\u201d)]*\s)")

# A preceding word that makes an ambiguous form ("Jordan", "Georgia") a place.
_PLACE_WORDS = frozenset(
    ("in", "from", "to", "into", "across", "throughout", "within", "via", "between", "visited")
)
_PREVIOUS_WORD = re.compile(r"(\w+)\W*$")
_NEXT_CAPITALISED = re.compile(r"[ \t]+[A-Z]")
_LIST_GAP = re.compile(r"\s*(?:,|&|/|\band\b|\bor\b|,\s*and\b)\s*")
# A form that is also a language ("Dutch", "Khmer") names the language, not the country, when
# a language word follows it ("French version") or when it follows "in"/"into" as a noun, i.e.
# before a punctuation mark or a function word, not before a word that it qualifies or a name it
# is part of: "known in Dutch or in French", "translated into Khmer." but "funds in Dutch cities",
# "in Lao PDR".
_LANGUAGE_WORDS = frozenset(("language", "languages", "version", "translation", "subtitles"))
_LANGUAGE_BEFORE = frozenset(("in", "into"))
_FUNCTION_WORDS = frozenset(
    ("and", "or", "but", "by", "with", "for", "from", "to", "of", "on", "at", "as", "is", "was",
     "are", "were", "too", "also", "only", "so", "the", "a", "an")
)  # fmt: skip
_NEXT_WORD = re.compile(r"[ \t]*(\w*)")


@dataclass(frozen=True)
class _Entry:
    code: str | None  # None: a phrase that hides a country name ("Indian Ocean")
    ambiguous: bool = False  # counts only as a place ("in Jordan"), see _is_place
    is_name: bool = False  # the country's own name: lists of these make an ambiguous one a place
    venue: bool = False  # a seat of international bodies: no weight for the primary choice
    language: bool = False  # also the name of a language: see _is_language


@dataclass(slots=True)
class _Mention:
    start: int
    end: int
    entry: _Entry


@dataclass(frozen=True)
class _CountryVocabulary:
    matcher: PhraseMatcher
    entries: dict[str, _Entry]  # by phrase_key
    names: dict[str, str]  # display name by code


def _pycountry_forms(country: Any) -> Iterator[str]:
    for attribute in ("name", "common_name", "official_name"):
        value = getattr(country, attribute, None)
        if value and "," not in value and "(" not in value:
            yield value.removeprefix("the ")


def _with_variants(form: str) -> set[str]:
    """The form, without accents, and ALL CAPS for headings (not for short acronyms)."""
    variants = {form, ascii_fold(form)}
    if sum(c.isalpha() for c in form) >= 4 and not form.isupper():
        variants |= {v.upper() for v in variants}
    return variants


def _build_countries(section: Mapping[str, Any] | None) -> _CountryVocabulary:
    section = section or {}
    display = dict(section.get("display_names") or {})
    names: dict[str, str] = {}
    forms: dict[str, str] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        names[code] = display.get(code) or getattr(country, "common_name", None) or country.name
        for form in [*_pycountry_forms(country), names[code]]:
            forms[form] = code
    country_names = set(forms)
    for code, extra in (section.get("forms") or {}).items():
        for form in extra:
            forms[str(form)] = _known_code(code, names)
    organisations = {
        str(alias): _known_code(code, names)
        for alias, code in (section.get("organisations") or {}).items()
    }
    ambiguous = {str(form) for form in section.get("ambiguous") or ()}
    venues = {str(form) for form in section.get("venues") or ()}
    languages = {str(form) for form in section.get("languages") or ()}

    entries: dict[str, _Entry] = {}
    for form, code in forms.items():
        entry = _Entry(
            code,
            ambiguous=form in ambiguous,
            is_name=form in country_names,
            venue=form in venues,
            language=form in languages,
        )
        for variant in _with_variants(form):
            entries[variant] = entry
    for alias, code in organisations.items():  # acronyms: as written, no ALL-CAPS copy needed
        entries[alias] = _Entry(code)
    for phrase in section.get("not_countries") or ():
        for variant in _with_variants(str(phrase)):
            entries[variant] = _Entry(None)
    by_key = {phrase_key(phrase): entry for phrase, entry in entries.items()}
    return _CountryVocabulary(PhraseMatcher(entries), by_key, names)


def _known_code(code: str, names: Mapping[str, str]) -> str:
    code = str(code).upper()
    if code not in names:
        raise ValueError(f"countries: unknown ISO alpha-2 code {code!r} in config")
    return code


def _find(vocabulary: _CountryVocabulary, text: str) -> list[_Mention]:
    """The country mentions in one text, in order."""
    found = [
        _Mention(start, end, vocabulary.entries[key])
        for start, end, key in vocabulary.matcher.finditer(text)
    ]
    kept: list[_Mention] = []
    language_end = -1  # end of the last form used as a language: a list may continue it
    for index, mention in enumerate(found):
        if mention.entry.language and _is_language(text, mention, language_end):
            language_end = mention.end
        elif mention.entry.code is not None and (
            not mention.entry.ambiguous or _is_place(text, found, index)
        ):
            kept.append(mention)
    return kept


def _is_language(text: str, mention: _Mention, language_end: int) -> bool:
    """Whether a form that is also a language ("Dutch", "Khmer") names the language here.

    `language_end` is where the previous language use ended: "into Khmer, Nepali and Thai"
    lists three languages."""
    next_word = _NEXT_WORD.match(text, mention.end).group(1)  # "" before punctuation
    if next_word.lower() in _LANGUAGE_WORDS:
        return True
    if next_word and next_word not in _FUNCTION_WORDS:
        return False
    if language_end >= 0 and _LIST_GAP.fullmatch(text, language_end, mention.start):
        return True
    previous = _PREVIOUS_WORD.search(text, max(0, mention.start - 30), mention.start)
    return previous is not None and previous.group(1).lower() in _LANGUAGE_BEFORE


def _is_place(text: str, found: Sequence[_Mention], index: int) -> bool:
    """Whether an ambiguous form ("Jordan", "Georgia") is used as a country here."""
    mention = found[index]
    if _NEXT_CAPITALISED.match(text, mention.end):  # "Jordan Henderson", "Georgia Tech"
        return False
    previous = _PREVIOUS_WORD.search(text, max(0, mention.start - 30), mention.start)
    if previous and previous.group(1).lower() in _PLACE_WORDS:
        return True
    neighbours = [found[i] for i in (index - 1, index + 1) if 0 <= i < len(found)]
    return any(
        other.entry.is_name
        and not other.entry.ambiguous
        and _LIST_GAP.fullmatch(
            text,
            min(other.end, mention.end),
            max(other.start, mention.start),
        )
        for other in neighbours
    )


def _primary_scores(
    text: str, body: Sequence[_Mention], in_title: Sequence[_Mention], labels: Sequence[_Mention]
) -> dict[str, int]:
    """Per country: the body sentences naming it (not as a venue), the first one weighing
    1 + LEAD_WEIGHT, plus TITLE_WEIGHT if the title names it and LABEL_WEIGHT if a label does."""
    stripped = text.lstrip()
    offset = len(text) - len(stripped)
    ends = [match.end() + offset for match in _SENTENCE_END.finditer(stripped)]
    scores: dict[str, int] = {}
    for code, sentence in {
        (mention.entry.code, bisect_right(ends, mention.start))
        for mention in body
        if not mention.entry.venue
    }:
        scores[code] = scores.get(code, 0) + 1 + (LEAD_WEIGHT if sentence == 0 else 0)
    for mentions, weight in ((in_title, TITLE_WEIGHT), (labels, LABEL_WEIGHT)):
        for code in {mention.entry.code for mention in mentions if not mention.entry.venue}:
            scores[code] = scores.get(code, 0) + weight
    return scores


def _primaries(scores: Mapping[str, int], text_length: int) -> set[str]:
    """The one or two countries a post is mainly about; none when no country leads."""
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    if not ranked:
        return set()
    if len(ranked) == 1 and text_length <= SHORT_TEXT_CHARS:
        return {ranked[0][0]}
    total = sum(scores.values())
    s1, s2, s3 = (ranked[i][1] if i < len(ranked) else 0 for i in range(3))
    if s1 < MIN_PRIMARY_SCORE or s1 < MIN_LEADER_SHARE * total:
        return set()
    second_leads = (
        s2 >= MIN_SECOND_SCORE
        and 2 * s2 >= s1
        and s2 >= LEAD_RATIO * s3
        and s2 >= MIN_SECOND_SHARE * total
    )
    if second_leads:
        return {ranked[0][0], ranked[1][0]}
    return {ranked[0][0]} if s1 >= LEAD_RATIO * s2 else set()


def tag_countries(
    text: str,
    title: str = "",
    labels: Iterable[str] = (),
    aliases: Mapping[str, Any] | None = None,
) -> list[CountryTag]:
    """Countries mentioned in a post, primaries first, then by mentions and name.

    `aliases` is the `countries:` section of a config (None: the shipped vocabulary),
    compiled once and then treated as immutable.
    Mentions count the body, the title and the labels; the primary choice weighs a country in
    the title or labels as TITLE_WEIGHT / LABEL_WEIGHT body mentions.
    """
    raw = load_vocabulary("countries") if aliases is None else aliases
    vocabulary = compiled_for("countries", raw, _build_countries)
    body = _find(vocabulary, text)
    in_title = _find(vocabulary, title) if title else []
    in_labels = [mention for label in labels for mention in _find(vocabulary, label)]

    mentions: dict[str, int] = {}
    for mention in (*body, *in_title, *in_labels):
        mentions[mention.entry.code] = mentions.get(mention.entry.code, 0) + 1
    scores = _primary_scores(text, body, in_title, in_labels)
    primaries = _primaries(scores, len(text))
    names = vocabulary.names
    tags = [
        CountryTag(code, names[code], count, code in primaries) for code, count in mentions.items()
    ]
    tags.sort(  # the leading primary first
        key=lambda tag: (
            not tag.is_primary,
            -scores[tag.code] if tag.is_primary else 0,
            -tag.mentions,
            tag.name,
        )
    )
    return tags
