"""Country tags: which countries a post mentions, and the one or two it is mainly about.

Countries are found from pycountry's names plus the `countries:` section of config.yaml (other
names, demonyms, capitals and cities, organisation acronyms), all compiled once into a single
trie-shaped regular expression, because the pipeline tags hundreds of posts per second and a scan
per country would be far too slow. Matching is case-sensitive so that common words ("turkey",
"chad") do not tag; false friends ("Indian Ocean") are phrases that win over the country name
inside them because the longest phrase at a position is the one matched.

This module also holds the phrase machinery shared with `themes.py` (PhraseMatcher, the default
config loader and the cache of compiled vocabularies), so both taggers match text the same way.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import pycountry
import yaml

# Bump when the same input can give different tags (rules or default vocabulary changed).
TAGGER_VERSION = "1"

DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "config.yaml"

# --- shared phrase machinery -------------------------------------------------------------------

_SEPARATOR = r"[\s\-\u2010\u2011]+"  # a space in a phrase: any run of spaces or hyphens
_HYPHEN = r"[\s\-\u2010\u2011]?"  # a hyphen in a phrase: hyphen, space or nothing
_APOSTROPHE = "['\u2019]"
_WILDCARD, _PLURAL, _PLURAL_Y, _WORD_END = r"\w*", "(?:s|es)?", "(?:y|ies)", r"(?!\w)"
_ENDINGS = frozenset((_WILDCARD, _PLURAL, _PLURAL_Y, _WORD_END))


class _Node:
    __slots__ = ("children", "phrase")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.phrase: str | None = None


def _phrase_tokens(phrase: str) -> list[str]:
    """Split a phrase into regex tokens, one per character, so phrases can share a trie.

    A final "*" matches any word ending; otherwise a plural ("s", "es", or "y" → "ies") is
    accepted, because vocabularies list words in the singular.
    """
    wildcard = phrase.endswith("*")
    body = phrase.rstrip("*")
    tokens = []
    for char in body:
        if char == " ":
            tokens.append(_SEPARATOR)
        elif char == "-":
            tokens.append(_HYPHEN)
        elif char in "'\u2019":
            tokens.append(_APOSTROPHE)
        else:
            tokens.append(re.escape(char))
    if wildcard:
        tokens.append(_WILDCARD)
    elif len(body) > 2 and body[-1] == "y" and body[-2] not in "aeiou":
        tokens[-1] = _PLURAL_Y
    elif body[-1].isalpha():
        tokens.append(_PLURAL)
    if body[-1].isalnum() or wildcard:
        tokens.append(_WORD_END)
    return tokens


class PhraseMatcher:
    """Finds many phrases in one pass of one compiled regex.

    The phrases form a trie (shared prefixes are matched once), and an empty capturing group
    after each phrase tells which one matched (`lastindex`). At a given position the longest
    phrase wins, so "Indian Ocean" hides "Indian" and "Papua New Guinea" hides "New Guinea".
    Phrases start at a word start; see `_phrase_tokens` for the syntax.
    """

    def __init__(self, phrases: Iterable[str]) -> None:
        root = _Node()
        for phrase in dict.fromkeys(p for p in phrases if p.rstrip("*")):
            node = root
            for token in _phrase_tokens(phrase):
                node = node.children.setdefault(token, _Node())
            node.phrase = phrase
        self._by_group: list[str] = []
        firsts = "".join(sorted({re.escape(token[0]) for token in root.children}))
        trie = self._emit(root) if root.children else "(?!)"
        self._pattern = re.compile(rf"(?<!\w)(?=[{firsts or 'x'}]){trie}")

    def _emit(self, node: _Node) -> str:
        # Endings (plural, wildcard, word end) go after literal continuations: the regex takes
        # the first alternative that matches, and the longest phrase must win.
        children = sorted(node.children.items(), key=lambda item: item[0] in _ENDINGS)
        alternatives = [token + self._emit(child) for token, child in children]
        if node.phrase is not None:  # after the longer continuations: longest match first
            self._by_group.append(node.phrase)
            alternatives.append("()")
        if len(alternatives) == 1:
            return alternatives[0]
        return "(?:" + "|".join(alternatives) + ")"

    def finditer(self, text: str) -> Iterator[tuple[int, int, str]]:
        """Yield (start, end, phrase) for each non-overlapping match, left to right."""
        by_group = self._by_group
        for match in self._pattern.finditer(text):
            yield match.start(), match.end(), by_group[match.lastindex - 1]


@lru_cache(maxsize=4)
def load_config_section(key: str, path: Path = DEFAULT_CONFIG) -> Any:
    """One section of the repository's config.yaml, read once per process."""
    with path.open(encoding="utf-8") as handle:
        return (yaml.safe_load(handle) or {}).get(key)


T = TypeVar("T")
_compiled: dict[tuple[str, Hashable], Any] = {}


def compiled_for(kind: str, raw: Any, build: Callable[[Any], T]) -> T:
    """Compile a raw config section once and reuse it for every post.

    Callers pass the same dict for every post, so the identity check is the fast path; a
    different object with equal content is found by its JSON form (no recompiling).
    """
    by_identity = _compiled.get((kind, id(raw)))
    if by_identity is not None and by_identity[0] is raw:
        return by_identity[1]
    content_key = (kind, json.dumps(raw, sort_keys=True, ensure_ascii=False))
    if content_key not in _compiled:
        if len(_compiled) > 64:  # vocabularies are few; this only stops unbounded growth
            _compiled.clear()
        _compiled[content_key] = build(raw)
    result = _compiled[content_key]
    _compiled[(kind, id(raw))] = (raw, result)
    return result


def ascii_fold(text: str) -> str:
    """"Genève" → "Geneve": posts are written with and without accents."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# --- countries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountryTag:
    code: str  # ISO 3166-1 alpha-2
    name: str
    mentions: int
    is_primary: bool


# How much a country in the title or in the authors' labels says about the post, in body mentions.
TITLE_WEIGHT = 3
LABEL_WEIGHT = 3
# A primary country needs this score, unless it is the only country of a short text.
MIN_PRIMARY_SCORE = 2
SHORT_TEXT_CHARS = 600
# The leader must be this many times ahead of the next country (or share the lead with it and
# both be this far ahead of the third), and hold this share of all country mentions.
LEAD_RATIO = 1.5
MIN_LEADER_SHARE = 0.4
MIN_SECOND_SHARE = 0.25

# A preceding word that makes an ambiguous form ("Jordan", "Georgia") a place.
_PLACE_WORDS = frozenset(
    "in from to into across throughout within visited visiting via between".split()
)
_PREVIOUS_WORD = re.compile(r"(\w+)\W*$")
_NEXT_CAPITALISED = re.compile(r"[ \t]+[A-Z]")
_LIST_GAP = re.compile(r"\s*(?:,|&|/|\band\b|\bor\b|,\s*and\b)\s*")


@dataclass(frozen=True)
class _Entry:
    code: str | None  # None: a phrase that hides a country name ("Indian Ocean")
    ambiguous: bool = False


@dataclass
class _CountryVocabulary:
    matcher: PhraseMatcher
    entries: dict[str, _Entry]
    names: dict[str, str] = field(default_factory=dict)


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
    for code, extra in (section.get("forms") or {}).items():
        for form in extra:
            forms[str(form)] = _known_code(code, names)
    organisations = {
        str(alias): _known_code(code, names)
        for alias, code in (section.get("organisations") or {}).items()
    }
    ambiguous = {str(form) for form in section.get("ambiguous") or ()}

    entries: dict[str, _Entry] = {}
    for form, code in forms.items():
        for variant in _with_variants(form):
            entries[variant] = _Entry(code, ambiguous=form in ambiguous)
    for alias, code in organisations.items():  # acronyms: as written, no ALL-CAPS copy needed
        entries[alias] = _Entry(code)
    for phrase in section.get("not_countries") or ():
        for variant in _with_variants(str(phrase)):
            entries[variant] = _Entry(None)
    return _CountryVocabulary(PhraseMatcher(entries), entries, names)


def _known_code(code: str, names: Mapping[str, str]) -> str:
    code = str(code).upper()
    if code not in names:
        raise ValueError(f"countries: unknown ISO alpha-2 code {code!r} in config")
    return code


def _find(vocabulary: _CountryVocabulary, text: str) -> Counter[str]:
    """Mentions per country code in one text."""
    found = [
        (start, end, vocabulary.entries[phrase])
        for start, end, phrase in vocabulary.matcher.finditer(text)
    ]
    counts: Counter[str] = Counter()
    for index, (start, end, entry) in enumerate(found):
        if entry.code is None:
            continue
        if entry.ambiguous and not _is_place(text, found, index):
            continue
        counts[entry.code] += 1
    return counts


def _is_place(text: str, found: Sequence[tuple[int, int, _Entry]], index: int) -> bool:
    """Whether an ambiguous form ("Jordan", "Georgia") is used as a country here."""
    start, end, _ = found[index]
    if _NEXT_CAPITALISED.match(text, end):  # "Jordan Henderson", "Georgia Tech"
        return False
    previous = _PREVIOUS_WORD.search(text, max(0, start - 30), start)
    if previous and previous.group(1).lower() in _PLACE_WORDS:
        return True
    return any(
        0 <= other < len(found)
        and found[other][2].code is not None
        and not found[other][2].ambiguous
        and _LIST_GAP.fullmatch(
            text[found[other][1] : start] if other < index else text[end : found[other][0]]
        )
        for other in (index - 1, index + 1)
    )


def _primaries(scores: Counter[str], text_length: int) -> set[str]:
    """The one or two countries a post is mainly about; none when no country leads."""
    ranked = scores.most_common()
    if not ranked:
        return set()
    total = sum(scores.values())
    (first, s1), (second, s2), s3 = (
        ranked[0],
        ranked[1] if len(ranked) > 1 else ("", 0),
        ranked[2][1] if len(ranked) > 2 else 0,
    )
    if len(ranked) == 1 and text_length <= SHORT_TEXT_CHARS:
        return {first}
    second_leads = (
        s2 >= MIN_PRIMARY_SCORE
        and s2 * 2 >= s1
        and s2 >= LEAD_RATIO * s3
        and s2 >= MIN_SECOND_SHARE * total
    )
    first_leads = s1 >= MIN_PRIMARY_SCORE and s1 >= MIN_LEADER_SHARE * total
    if not first_leads or not (second_leads or s1 >= LEAD_RATIO * s2):
        return set()
    return {first, second} if second_leads else {first}


def tag_countries(
    text: str,
    title: str = "",
    labels: Iterable[str] = (),
    aliases: Mapping[str, Any] | None = None,
) -> list[CountryTag]:
    """Countries mentioned in a post, primaries first, then by mentions and name.

    `aliases` is the `countries:` section of a config (None: the repository's config.yaml).
    Mentions count the body, the title and the labels; the primary choice weighs a country in
    the title or labels as TITLE_WEIGHT / LABEL_WEIGHT body mentions.
    """
    raw = load_config_section("countries") if aliases is None else aliases
    vocabulary = compiled_for("countries", raw, _build_countries)
    body = _find(vocabulary, text)
    in_title = _find(vocabulary, title) if title else Counter()
    in_labels: Counter[str] = Counter()
    for label in labels:
        in_labels.update(_find(vocabulary, label))

    mentions = body + in_title + in_labels
    scores = Counter(
        {
            code: body[code]
            + TITLE_WEIGHT * bool(in_title[code])
            + LABEL_WEIGHT * bool(in_labels[code])
            for code in mentions
        }
    )
    primaries = _primaries(scores, len(text))
    names = vocabulary.names
    tags = [
        CountryTag(code, names[code], count, code in primaries) for code, count in mentions.items()
    ]
    tags.sort(key=lambda t: (not t.is_primary, -scores[t.code] if t.is_primary else 0,
                             -t.mentions, t.name))
    return tags
