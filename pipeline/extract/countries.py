"""Country tags: which countries a post mentions, and the one or two it is mainly about.

Countries are found from pycountry's names plus the country vocabulary (`vocab/countries.yaml`, or
a config's override file: other names, demonyms, capitals and cities, organisation acronyms), all
compiled once into a single
trie-shaped regular expression, because the pipeline tags hundreds of posts per second and a scan
per country would be far too slow. Matching is case-sensitive so that common words ("turkey",
"chad") do not tag; false friends ("Indian Ocean") are phrases that win over the country name
inside them because the longest phrase at a position is the one matched.

The primary country is what a filter on the archive relies on, so it is chosen from the mentions
that say what a post is about: a country named only as the place of an international meeting
("the regional workshop held in Bangkok"), as the home of visitors, partners or donors ("Flemish
visitors", "Swiss-funded") or as where migrants go does not compete, nor does a country
that is one of a regional list ("in Bangladesh, Cambodia, India and Nepal") unless it clearly
dominates; see `_counted_for_primary` and `_primaries`.

The phrase machinery is shared with `themes.py` (`phrases.py`), so both taggers match text the
same way.
"""

from __future__ import annotations

import itertools
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
TAGGER_VERSION = "3"

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
# A leading country that is one item of an enumeration of this many countries ("in Bangladesh,
# Cambodia, India and Nepal") leads a regional post: it needs this share of the total to be
# primary. (Lists of other countries, such as migrants' destinations, do not count.)
REGIONAL_LIST = 4
REGIONAL_LEADER_SHARE = 0.5
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

# Side roles of a mention for the primary choice (see _counted_for_primary). The cues are looked
# for in the _CUE_WINDOW characters before a mention, or right after it.
_CUE_WINDOW = 80
# "held in", "the regional workshop in", "met in", "hosted by", also before "City, Country"; not
# "met to plan the work in", "a workshop on pensions in": there the place is the topic.
_MEETING_BEFORE = re.compile(
    r"(?i:\b(?:held|took\s+place|taking\s+place|convened|met|meets|gathered|meetings?|workshops?"
    r"|conferences?|forums?|seminars?|summits?|congress|webinars?|sessions?|camps?|dialogues?"
    r"|consultations?|events?|assembly|trainings?)\b(?:(?!\b(?:to|on|about)\b)[^.?\n]){0,40}?"
    r"\b(?:in|at)|\bhosted\s+by)"
    r"\s+(?:the\s+)?(?:[A-Z][\w'\u2019-]*(?:\s+[A-Z][\w'\u2019-]*)*,\s+)?$"
)
# "Bangkok hosted", "in Manila for the regional youth camp".
_MEETING_AFTER = re.compile(
    r"\s+host(?:s|ed)\b|(?i:[^.?\n]{0,30}?\bfor\s+(?:the|a|an|its|our)\s+[^.?\n]{0,30}?\b"
    r"(?:meetings?|workshops?|conferences?|forums?|seminars?|summits?|congress|camps?"
    r"|assembly|consultations?)\b)"
)
# A document named after the place of the meeting that adopted it: "the Singapore Declaration".
_DOCUMENT_AFTER = re.compile(
    r"\s+(?:Declaration|Process|Consensus|Protocol|Compact|Statement|Accord|Principles"
    r"|Call\s+to\s+Action|Plan\s+of\s+Action|Action\s+Plan)\b"
)
# Where visitors, partners and donors come from, or where migrants go: "partners from",
# "a delegation of", "funded by", "with the support of our", "the embassy of", "back home in";
# "left for", "to work in", "cross into". ("our Cambodian partners" is left alone: the blog's
# partners are as often local as foreign.)
_SIDE_BEFORE = re.compile(
    r"(?i:(?:\b(?:partners?|delegat(?:es|ions?)|visitors?|guests?|speakers?|trainers?|experts?"
    r"|participants?|members?|colleagues|organi[sz]ations?|teams?|unions?)\s+from"
    r"|\b(?:delegat(?:es|ions?)|visitors?)\s+of(?:\s+(?:\d+|one|two|three|four|five|six"
    r"|seven|eight|nine|ten|twelve|fifteen|twenty))?"
    r"|\b(?:funded|financed|supported|sponsored)\s+by|\bsupport\s+(?:of|from)"
    r"|\bembass(?:y|ies)\s+of|\bback\s+(?:home\s+)?in)\s+(?:(?:the|our|its|their)\s+)?"
    r"|(?:\bto\s+work|\bleft|\bleav(?:e|es|ing)|\bmigrat(?:e|es|ed|ing)|\bcross(?:es|ed|ing)?"
    r"|\bwent|\bgo(?:es|ne|ing)?)\s+(?:abroad\s+)?(?:to|for|into|in)\s+(?:the\s+)?)$"
)
# Every cue before a mention ends with one of these words, or a comma or a digit ("a delegation
# of 16 Flemish"): the other mentions, most of them, skip the cue searches.
_CUE_ENDINGS = (
    *(f" {word}" for word in ("in", "at", "by", "of", "from", "to", "for", "into", "the", "our")),
    *(f" {word}" for word in ("its", "their", "one", "two", "three", "four", "five", "six")),
    *(f" {word}" for word in ("seven", "eight", "nine", "ten", "twelve", "fifteen", "twenty")),
    *",0123456789",
)
# "Swiss-funded", "the Belgian development NGO", "the Swiss Agency", "Flemish visitors".
_ORIGIN_AFTER = re.compile(
    r"(?i:-(?:funded|financed|supported|sponsored)\b|\s+(?:(?!and\b|or\b)[\w'\u2019]+\s+)?"
    r"(?:embass(?:y|ies)|donors?|mutualities|agency|development\s+(?:cooperation|NGOs?)"
    r"|visitors?|delegat(?:es|ions?)|guests?)\b)"
)
# What makes a meeting international besides a second country in its sentence.
_INTERNATIONAL = re.compile(
    r"\b(?:Asia|Asian|Asia-Pacific|Pacific|ASEAN|SAARC|ILO|UN|United Nations|EU|European"
    r"|[Rr]egional|[Ii]nternational|[Gg]lobal|[Ww]orld|[Cc]ontinental)\b"
)
# Between two items of a list, which share a role: ", ", " and the ", " & ", "/".
_ROLE_LIST_GAP = re.compile(r"\s*(?:,|&|/|\band\b|\bor\b|,\s*and\b)\s*(?:the\s+)?")


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


def _sentence_ends(text: str) -> list[int]:
    """Offsets where the sentences of a text end (the last sentence may run to the end)."""
    stripped = text.lstrip()
    offset = len(text) - len(stripped)
    return [match.end() + offset for match in _SENTENCE_END.finditer(stripped)]


def _counted_for_primary(
    text: str, mentions: Sequence[_Mention], ends: Sequence[int], several: bool
) -> list[bool]:
    """Per mention: whether it names a country the text is about, rather than a side role.

    Two roles are left out: the seat of international bodies (`venues`) or the place of an
    international meeting ("the regional workshop held in Bangkok", "Belgium hosted"), and the
    home of visitors, partners and donors ("partners from Nepal", "supported by our Belgian",
    "Swiss-funded") or the destination of migrants ("left for Thailand") when the post names
    several countries. A meeting is international when its sentence names another country or an
    international body or scope ("Asian", "ILO", "global"); a training "held in Dhaka" with
    nobody from elsewhere is still news from Bangladesh. A list continues the role of its first
    item: "partners from Cambodia, Nepal and India".
    """
    sentences = [bisect_right(ends, mention.start) for mention in mentions]
    counted: list[bool] = []
    for index, mention in enumerate(mentions):
        window = max(0, mention.start - _CUE_WINDOW)
        cue_before = (
            text[max(0, mention.start - 8) : mention.start].rstrip().lower().endswith(_CUE_ENDINGS)
        )
        if mention.entry.venue or _DOCUMENT_AFTER.match(text, mention.end):
            side_role = True
        elif (
            cue_before and _MEETING_BEFORE.search(text, window, mention.start)
        ) or _MEETING_AFTER.match(text, mention.end):
            side_role = _is_international(text, mentions, sentences, ends, index)
        elif several and (
            (cue_before and _SIDE_BEFORE.search(text, window, mention.start))
            or _ORIGIN_AFTER.match(text, mention.end)
        ):
            side_role = True
        else:
            side_role = (
                index > 0
                and not counted[index - 1]
                and _ROLE_LIST_GAP.fullmatch(text, mentions[index - 1].end, mention.start)
                is not None
            )
        counted.append(not side_role)
    return counted


def _is_international(
    text: str,
    mentions: Sequence[_Mention],
    sentences: Sequence[int],
    ends: Sequence[int],
    index: int,
) -> bool:
    """Whether the sentence of mentions[index] names another country or an international scope."""
    sentence, code = sentences[index], mentions[index].entry.code
    if any(
        sentences[other] == sentence and mentions[other].entry.code != code
        for other in range(len(mentions))
    ):
        return True
    start = ends[sentence - 1] if sentence > 0 else 0
    end = ends[sentence] if sentence < len(ends) else len(text)
    return _INTERNATIONAL.search(text, start, end) is not None


def _primary_scores(
    text: str,
    title: str,
    body: Sequence[_Mention],
    in_title: Sequence[_Mention],
    labels: Sequence[_Mention],
) -> dict[str, int]:
    """Per country: the body sentences naming it in a counted role (`_counted_for_primary`), the
    first one weighing 1 + LEAD_WEIGHT, plus TITLE_WEIGHT if the title names it and LABEL_WEIGHT
    if a label does. The title adds nothing to a country that the body names only in a side role
    ("CLC takes its demands to Bangkok"): the body tells what the title's place is; the labels
    are the authors' own choice and always count."""
    ends = _sentence_ends(text)
    several = len({mention.entry.code for mention in (*body, *in_title, *labels)}) > 1
    counted = _counted_for_primary(text, body, ends, several)
    scores: dict[str, int] = {}
    for code, sentence in {
        (mention.entry.code, bisect_right(ends, mention.start))
        for mention, keep in zip(body, counted, strict=True)
        if keep
    }:
        scores[code] = scores.get(code, 0) + 1 + (LEAD_WEIGHT if sentence == 0 else 0)
    side_only = {mention.entry.code for mention in body} - scores.keys()
    title_counted = [
        mention
        for mention, keep in zip(
            in_title, _counted_for_primary(title, in_title, [], several), strict=True
        )
        if keep and mention.entry.code not in side_only
    ]
    for mentions, weight in ((title_counted, TITLE_WEIGHT), (labels, LABEL_WEIGHT)):
        for code in {mention.entry.code for mention in mentions if not mention.entry.venue}:
            scores[code] = scores.get(code, 0) + weight
    return scores


def _listed_regionally(text: str, mentions: Sequence[_Mention]) -> set[str]:
    """The countries of the enumerations of at least REGIONAL_LIST countries in a text."""
    found: set[str] = set()
    listed: set[str] = set()
    for previous, mention in itertools.pairwise(mentions):
        if _ROLE_LIST_GAP.fullmatch(text, previous.end, mention.start) is None:
            listed = {mention.entry.code}
            continue
        listed |= {previous.entry.code, mention.entry.code}
        if len(listed) >= REGIONAL_LIST:
            found |= listed
    return found


def _primaries(scores: Mapping[str, int], text_length: int, listed: set[str]) -> set[str]:
    """The one or two countries a post is mainly about; none when no country leads.

    `listed` holds the countries of long enumerations: a leader among them needs
    REGIONAL_LEADER_SHARE, since a post that lists the network's countries is regional."""
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    if not ranked:
        return set()
    if len(ranked) == 1 and text_length <= SHORT_TEXT_CHARS:
        return {ranked[0][0]}
    total = sum(scores.values())
    s1, s2, s3 = (ranked[i][1] if i < len(ranked) else 0 for i in range(3))
    share = REGIONAL_LEADER_SHARE if ranked[0][0] in listed else MIN_LEADER_SHARE
    if s1 < MIN_PRIMARY_SCORE or s1 < share * total:
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
    scores = _primary_scores(text, title, body, in_title, in_labels)
    primaries = _primaries(scores, len(text), _listed_regionally(text, body))
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
