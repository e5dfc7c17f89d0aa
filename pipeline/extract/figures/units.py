"""What is written right after a number and says what it measures.

In this order: a scale abbreviation ("175M", "$1.2bn", "Rp 75,6 juta"), a percent sign
or word ("45%", "15 per cent", "3 percentage points"), or a unit of measure ("3 acres",
"12 hours", "2,000 hectares", "5m"). A figure with a unit is of kind `other`, and a
duration unit opens the age and relative-time rules: "a 27-year-old" and "two years
ago" are not figures, "26 weeks of maternity leave" is.
"""

from __future__ import annotations

import re

from pipeline.extract.figures.candidate import Candidate, Document
from pipeline.extract.figures.money import CUR_SUFFIX_RE
from pipeline.extract.figures.numbers import (
    GLUED_ONLY_ABBREVIATIONS,
    MONEY_ONLY_ABBREVIATIONS,
    SCALE_ABBREVIATIONS,
)
from pipeline.extract.figures.patterns import SP, trie, words

# Unit words whose figures are durations: needed for the relative-time and age rules.
TIME_UNITS = frozenset(
    words("""year years yr yrs month months week weeks day days hour hours hr hrs minute minutes
    min mins second seconds sec secs decade decades century centuries night nights
    semester semesters""")
)

_COUNTED_HYPHEN_WORDS = frozenset(
    words("member members strong person people seat seats bed beds storey story household plus")
)
_SCALE_ABBR_RE = re.compile(rf"(?P<sep>{SP}?)(?P<abbr>{trie(SCALE_ABBREVIATIONS)})(?![A-Za-z0-9])")
PERCENT_RE = re.compile(
    rf"{SP}?(?:%|(?i:per{SP}?cents?|percent(?:age)?s?)\b|pct\b|pc\b)(?:{SP}points?\b)?"
)
_PLUS_MINUS_RE = re.compile(rf"{SP}*±{SP}*[0-9][0-9.,]*")
_METRE_UNITS = [
    f"{prefix}{name}{plural}"
    for prefix in ("", "kilo", "centi", "milli", "nano")
    for name in ("meter", "metre")
    for plural in ("", "s")
]
MEASURE_WORDS = [  # matched case-insensitively; "Days" is still told apart in `_accept_unit`
    *words("""year years yr yrs month months week weeks day days hour hours hr hrs minute
    minutes min mins second seconds sec secs decade decades century centuries night nights
    semester semesters mile miles feet foot inch inches yard yards acre acres hectare
    hectares decimal decimals bigha bighas katha kathas ropani ropanis litre litres liter
    liters gallon gallons barrel barrels kilogram kilograms kilo kilos gram grams tonne
    tonnes ton tons quintal quintals maund maunds pound pounds ounce ounces lb lbs degree
    degrees celsius fahrenheit watt watts kilowatt kilowatts megawatt megawatts volt volts
    joule joules calories kilocalories btu byte bytes kilobyte kilobytes megabyte megabytes
    gigabyte gigabytes terabyte terabytes exabyte exabytes"""),
    *_METRE_UNITS,
    *(
        f"{square} {name}"
        for square in ("square", "sq", "sq.")
        for name in (*_METRE_UNITS, "feet", "foot", "mile", "miles", "km", "m", "ft", "mi")
    ),
    *(f"cubic {name}" for name in (*_METRE_UNITS, "feet", "foot")),
    "metric ton", "metric tons", "kilometres per hour", "kilometers per hour",
    "degrees celsius", "degrees fahrenheit", "british thermal unit", "british thermal units",
]  # fmt: skip
MEASURE_SYMBOLS = words(
    """km km2 km² km³ km3 km^2 km^3 kms m2 m² m³ m3 m^2 m^3 cm mm mi ft ha kg kgs mg ml cl tpd
    kWh MWh GWh Wh kW MW GW eV keV MeV GeV TeV Hz kHz MHz GHz KB MB GB TB kb Mb Gb Gy mGy Sv
    mSv l/km"""
)
_UNIT_RE = re.compile(
    rf"(?P<sep>{SP}?|-)(?P<unit>(?i:{trie(MEASURE_WORDS)})|{trie(MEASURE_SYMBOLS)}"
    rf"|°{SP}?[CF]?|[CF](?=[ \u00a0]|$|[.,;:!?)]))(?![A-Za-z])"
)
_GLUED_UNIT_RE = re.compile(r"(?P<unit>[mglt]|[VWJ])(?![A-Za-z0-9])")  # "5m", "10l", "20W"
_INCH_RE = re.compile(rf"{SP}in(?={SP}+(?:thick|long|wide|tall|high|deep)\b|\.?{SP}*$)")
_TIMES_RE = re.compile(
    rf"{SP}times(?P<per>{SP}+(?:a|per|each|every){SP}+(?:day|week|month|year))?\b", re.I
)
_HYPHEN_WORD_RE = re.compile(r"-(?P<w>[A-Za-z]+)")
_AGE_AFTER_UNIT_RE = re.compile(
    rf"(?:-|{SP})?olds?\b|{SP}+of{SP}+age\b|{SP}+pregnant\b"
    rf"|(?:{SP}+(?:and|or){SP}+(?:above|over|older|below|under|younger|more|less))",
    re.I,
)
_RELATIVE_AFTER_RE = re.compile(
    rf"{SP}+(?:ago|later|earlier|after|before|back|hence|from{SP}+now)\b", re.I
)


def read_scale_abbreviation(doc: Document, cand: Candidate, pos: int) -> int:
    """ "175M", "$1.2bn", "75K", "Rs 2 cr": multiply the value; returns the new end.
    Letters that are also units ("5m" metres) count only when the figure is money."""
    match = _SCALE_ABBR_RE.match(doc.text, pos)
    if not match:
        return pos
    abbr = match["abbr"]
    if match["sep"] and abbr in GLUED_ONLY_ABBREVIATIONS:
        return pos
    money = cand.kind == "money" or bool(CUR_SUFFIX_RE.match(doc.text, match.end()))
    if abbr in MONEY_ONLY_ABBREVIATIONS and not money:
        return pos
    if abbr == "b" and abs(cand.value) >= 1000:  # "1500b" is bits, not 1.5 trillion
        return pos
    if cand.parsed.alternative is not None:
        cand.value = cand.parsed.alternative  # "2.125M" is two million, not 2125 M
    cand.scale = SCALE_ABBREVIATIONS[abbr]
    cand.value *= cand.scale
    return match.end()


def read_percent_or_unit(doc: Document, cand: Candidate, pos: int) -> int:
    """A percent sign or word, else a unit of measure; returns where the figure ends."""
    percent = PERCENT_RE.match(doc.text, pos)
    if percent is None:
        return _read_unit(doc, cand, pos)
    cand.kind = "percent"
    if cand.parsed.alternative is not None:
        cand.value = cand.parsed.alternative  # "12.375%" is not 12,375 %
    return percent.end()


def _read_unit(doc: Document, cand: Candidate, pos: int) -> int:
    text = doc.text
    plus_minus = _PLUS_MINUS_RE.match(text, pos)  # "2,000.45±0.01 pounds"
    unit = _UNIT_RE.match(text, plus_minus.end() if plus_minus else pos)
    if unit is None and not cand.words:
        unit = _GLUED_UNIT_RE.match(text, pos)
    if unit and not (plus_minus and unit["sep"] == "-"):
        return _accept_unit(doc, cand, unit)
    inch = None if cand.words else _INCH_RE.match(text, pos)
    if inch:
        cand.kind, cand.unit = "other", "in"
        return inch.end()
    times = _TIMES_RE.match(text, pos)
    if times:
        if times["per"]:  # "four times per week" is a frequency; "3 times" a count
            cand.kind, cand.unit = "other", "times"
            return times.start("per")
        return pos
    hyphen = _HYPHEN_WORD_RE.match(text, pos)
    if hyphen and hyphen["w"].lower() not in _COUNTED_HYPHEN_WORDS:
        cand.reject("compound", from_right=True)  # "two-way", "one-stop", "3-point"
    return pos


def _accept_unit(doc: Document, cand: Candidate, unit: re.Match[str]) -> int:
    word = unit["unit"]
    if word[0].isupper() and word.lower() in TIME_UNITS:
        cand.reject("name", from_right=True)  # "16 Days of Activism", "Five-Year Plan"
        return unit.end()
    cand.kind, cand.unit = "other", word.lower()
    if cand.unit in TIME_UNITS:
        if _AGE_AFTER_UNIT_RE.match(doc.text, unit.end()):
            cand.reject("age", from_right=True)  # "27-year-old", "8 months pregnant"
        elif _RELATIVE_AFTER_RE.match(doc.text, unit.end()):
            cand.reject("relative", from_right=True)  # "two years ago"
    return unit.end()
