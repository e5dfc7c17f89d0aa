"""Number expressions: where numbers are in a text and which atoms make up each one.

Scanning happens on a lower-cased copy of the text (same offsets, see
`candidate.lower_same_length`) instead of with IGNORECASE, which is several times
slower in `re`. `number_phrases` finds runs of digits, number words, scale and fraction
words and the connectors between them ("two hundred and six", "18-20", "5 and a
half"); `split_groups` cuts each run into the numbers it holds, remembering the
connector between them so that ranges can be linked later. The values themselves
are computed in `values`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.extract.figures.patterns import SP, trie, words

UNIT_WORDS = {
    word: number
    for number, word in enumerate(
        words(
            "one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
            " fifteen sixteen seventeen eighteen nineteen"
        ),
        start=1,
    )
}
TENS_WORDS = {
    word: 10 * number
    for number, word in enumerate(
        words("twenty thirty forty fifty sixty seventy eighty ninety"), start=2
    )
}
SCALE_WORDS = {
    "hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
    "lakh": 1e5, "lac": 1e5, "crore": 1e7, "dozen": 12.0,
}  # fmt: skip
# Plural scale words that still multiply a number before them ("3 lakhs", "3 dozens");
# "2024 thousands" and "in 2024 dozens of" are a year next to a vague quantity.
_PLURAL_SCALES_AFTER_NUMBER = frozenset({"lakhs", "lacs", "crores", "dozens"})
FRACTION_WORDS = {
    "half": 2, "halves": 2, "quarter": 4, "quarters": 4, "third": 3, "thirds": 3,
    "fourth": 4, "fourths": 4, "fifth": 5, "fifths": 5, "sixth": 6, "sixths": 6,
    "seventh": 7, "sevenths": 7, "eighth": 8, "eighths": 8, "ninth": 9, "ninths": 9,
    "tenth": 10, "tenths": 10,
}  # fmt: skip
SCALE_ABBREVIATIONS = {
    "k": 1e3, "K": 1e3, "m": 1e6, "M": 1e6, "MM": 1e6, "mn": 1e6, "mln": 1e6, "mil": 1e6,
    "b": 1e9, "B": 1e9, "bn": 1e9, "bln": 1e9, "T": 1e12, "tn": 1e12, "tln": 1e12,
    "trn": 1e12, "cr": 1e7, "crs": 1e7, "ribu": 1e3, "juta": 1e6, "miliar": 1e9,
    "milyar": 1e9, "triliun": 1e12,
}  # fmt: skip
# Abbreviations that are also units or letters: "5m" is five metres unless it is money.
MONEY_ONLY_ABBREVIATIONS = frozenset({"m", "T"})
GLUED_ONLY_ABBREVIATIONS = frozenset({"m", "T", "b", "B"})

_DIGIT_CORE = (
    r"(?:[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+(?![0-9])(?:\.[0-9]+)?"
    r"|[0-9]+(?:[.,'’][0-9]+)*)"
)
# A number may follow a letter ("Rs500", "USD115": the glue is judged later) but never
# start inside another number ("1.5", "12,000").
_DIGITS = rf"(?:(?<![0-9])(?<![0-9][.,]){_DIGIT_CORE}|(?<![0-9A-Za-z.,])\.[0-9]+)"
_DIGIT_FRACTION = r"(?<![0-9.,/])[0-9]{1,2}/[0-9]{1,2}(?![0-9/])"
SCALE_FORMS = [*SCALE_WORDS, *(w + "s" for w in SCALE_WORDS)]
_WORD_ATOM = rf"\b{trie([*UNIT_WORDS, *TENS_WORDS, *SCALE_FORMS, *FRACTION_WORDS])}\b"
_ATOM = rf"(?:{_DIGIT_FRACTION}|{_DIGITS}|{_WORD_ATOM})"
_JOIN = (
    rf"(?:{SP}*[-–—]{SP}*|{SP}*,?{SP}*(?:and|&){SP}+(?:an?{SP}+)?|,{SP}*"
    rf"|{SP}+(?:(?:to|or|an?){SP}+)?)"
)
_LEAD_A = rf"(?:\ban?{SP}+(?=(?:{trie([*SCALE_FORMS, *FRACTION_WORDS])})\b))?"
# Matched against a lower-cased copy of the text (same offsets), hence no IGNORECASE;
# `_SEED_RE` finds where phrases may start, `_PHRASE_RE` is then anchored there.
_SEED_RE = re.compile(rf"[0-9]+|{_WORD_ATOM}")
_PHRASE_RE = re.compile(rf"{_LEAD_A}{_ATOM}(?:{_JOIN}{_ATOM})*")
_SINGLE_DIGITS_RE = re.compile(_DIGIT_CORE)
_TOKEN_RE = re.compile(
    rf"(?P<dfrac>{_DIGIT_FRACTION})|(?P<dig>{_DIGITS})|(?P<word>{_WORD_ATOM})"
    r"|(?P<conn>[-–—,&]|\band\b|\bto\b|\bor\b|\ban?\b)"
)

# A number word below a hundred ("forty", "seven"), as in "forty-five cents".
NUMBER_WORD = trie([*UNIT_WORDS, *TENS_WORDS])

ORDINAL_WORDS = words(
    """first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth
    thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth
    thirtieth fortieth fiftieth sixtieth seventieth eightieth ninetieth hundredth thousandth
    millionth billionth trillionth"""
)

# Whether a text may hold a number at all: most paragraphs of a post do not.
QUICK_RE = re.compile(rf"[0-9]|\b{trie([*UNIT_WORDS, *TENS_WORDS, *SCALE_FORMS, *FRACTION_WORDS])}")

# ---------------------------------------------------------------------- number atoms


@dataclass(slots=True)
class Token:
    """One atom of a number phrase: digits, a digit fraction or a number word."""

    kind: str  # dig | dfrac | num | scale | fword
    text: str
    start: int
    end: int
    value: float = 0.0  # word value, scale multiplier or fraction denominator
    plural: bool = False


@dataclass(slots=True)
class Group:
    """The atoms of one number, with the connector before each atom."""

    tokens: list[Token]
    connectors: list[str | None]
    link: str | None = None  # connector to the previous number of the same phrase
    phrase: int = 0
    start: int = 0  # includes a leading "a"/"an" ("a quarter", "a million")


def _make_token(match: re.Match[str]) -> Token:
    """Classify one atom of `_TOKEN_RE`."""
    kind, text = match.lastgroup or "", match.group()
    start, end = match.span()
    if kind != "word":
        return Token(kind, text, start, end)
    lower = text.lower()
    if lower in UNIT_WORDS or lower in TENS_WORDS:
        return Token("num", text, start, end, UNIT_WORDS.get(lower) or TENS_WORDS[lower])
    if lower in FRACTION_WORDS:
        return Token("fword", text, start, end, FRACTION_WORDS[lower], lower.endswith("s"))
    singular = lower[:-1] if lower.endswith("s") and lower[:-1] in SCALE_WORDS else lower
    return Token("scale", text, start, end, SCALE_WORDS[singular], singular != lower)


def _is_round_tens(token: Token) -> bool:
    return token.kind == "num" and token.value >= 20 and token.value % 10 == 0


def _joins(prev: Token, connector: str | None, token: Token) -> bool:
    """Whether `token` continues the number that `prev` belongs to."""
    if connector in ("to", "or", "–", "—"):
        return False
    if connector == ",":  # "three million, two hundred"
        return prev.kind == "scale" and prev.value >= 1e3 and token.kind == "num"
    if connector == "-":  # "twenty-one", "two-thirds" (and "twenty-fifth", caught later)
        return prev.kind == "num" and (
            token.kind == "fword" or (_is_round_tens(prev) and token.value < 10)
        )
    if connector == "and":  # "one hundred and six", "two million and one half"
        return prev.kind == "scale" and token.kind in ("num", "dig")
    if connector == "and a":  # "five and a half", "one million and a half"
        return token.kind == "fword" and prev.kind in ("num", "dig", "scale")
    if connector == "a":  # "half a million", "half a dozen"
        return prev.kind == "fword" and token.kind == "scale"
    return connector is None and _joins_by_space(prev, token)


def _joins_by_space(prev: Token, token: Token) -> bool:
    if token.kind == "scale":
        return prev.kind in ("num", "dig", "fword", "scale") and (
            not token.plural
            or (token.text.lower() in _PLURAL_SCALES_AFTER_NUMBER and not _is_year_like(prev))
        )
    if token.kind == "fword":
        return prev.kind == "num"
    if token.kind == "num":
        return prev.kind == "scale" or (_is_round_tens(prev) and token.value < 10)
    if token.kind == "dfrac":
        return prev.kind == "dig"
    return token.kind == "dig" and prev.kind == "scale"


def _is_year_like(token: Token) -> bool:
    text = token.text
    return token.kind == "dig" and len(text) == 4 and text.isdigit() and 1800 <= int(text) <= 2100


def _merge_connector(current: str | None, new: str) -> str:
    new = {"&": "and", "an": "a"}.get(new.lower(), new.lower())
    if current == "and" and new == "a":
        return "and a"
    return new if current in (None, ",") else current


def split_groups(text: str, start: int, end: int, phrase: int) -> list[Group]:
    """Cut one phrase into numbers, remembering the connector between them."""
    if _SINGLE_DIGITS_RE.fullmatch(text, start, end):  # the common case: "790", "1,170"
        token = Token("dig", text[start:end], start, end)
        return [Group([token], [None], None, phrase, start)]
    groups: list[Group] = []
    connector: str | None = None
    connector_start = start
    prev: Token | None = None
    for match in _TOKEN_RE.finditer(text, start, end):
        if match.lastgroup == "conn":
            if connector is None:
                connector_start = match.start()
            connector = _merge_connector(connector, match.group())
            continue
        token = _make_token(match)
        if prev is not None and _joins(prev, connector, token):
            groups[-1].tokens.append(token)
            groups[-1].connectors.append(connector)
        else:
            lead = connector if not groups else None
            link = (connector or " ") if groups else None
            group_start = connector_start if lead == "a" else token.start
            groups.append(Group([token], [lead], link, phrase, group_start))
        prev, connector = token, None
    return groups


def number_phrases(lower: str, protected: list[tuple[int, int]]) -> Iterable[tuple[int, int]]:
    """Spans of number phrases: `_PHRASE_RE` anchored at each `_SEED_RE` hit outside the
    protected spans (numbers in URLs, dates and phone numbers are never parsed)."""
    end = 0
    spans = iter(protected)
    span = next(spans, None)
    for seed in _SEED_RE.finditer(lower):
        start = seed.start()
        if start < end:
            continue
        while span is not None and span[1] <= start:
            span = next(spans, None)
        if span is not None and span[0] <= start:
            end = span[1]
            continue
        match = None
        if lower[start].isalpha():  # "a million", "an eighth"
            head = lower[max(0, start - 3) : start]
            article = start - (3 if head == "an " else 2 if head.endswith("a ") else 0)
            if article < start and not lower[article - 1 : article].isalnum():
                match = _PHRASE_RE.match(lower, article)
        elif lower[start - 1 : start] == "." and not lower[start - 2 : start - 1].isalnum():
            start -= 1  # ".25ml"
        match = match or _PHRASE_RE.match(lower, start)
        if match:
            end = match.end()
            yield match.start(), end
