"""Figures as people read them, for staff pages and downloads.

`readable_value` writes a figure's value the way a report would: "790", "1,709",
"45%", "1.2 million", "9.8 billion", "USD 300", "KHR 1.2 million", "3 acres", never a
float such as "9800000000.0". When the post wrote a lakh or crore amount, the South
Asian reading follows in brackets so the number can be found in the post: "3.4 million
(34 lakh)", "INR 860 billion (86,000 crore)". `figure_phrase` puts a qualifier and a
subject around it: "at least 39 workers", "about 1.2 million people", "45% women".
Pure functions of their arguments; the `raw` text is only read for a unit and for
lakh/crore.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from pipeline.extract.figures.numbers import number_phrases

_LARGE_SCALES = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))
_INDIAN_SCALE_RE = re.compile(r"\b(?:lakhs?|lacs?|crores?|crs?)\b", re.I)


def readable_value(value: float, kind: str, currency: str | None, raw: str = "") -> str:
    """`value` of a figure of `kind` (count | percent | money | other) as a reader
    writes it; `raw` (the figure as written) gives the unit of kind `other` and
    whether to add the lakh/crore reading."""
    if kind == "percent":
        return f"{_decimal(value)}%"
    number = _amount(value, money=kind == "money")
    if _INDIAN_SCALE_RE.search(raw):
        number = f"{number} ({_indian(value)})"
    if kind == "money" and currency:
        return f"{currency} {number}"
    if kind == "other":
        unit = _unit(raw)
        return f"{number} {unit}" if unit else number
    return number


def figure_phrase(qualifier: str | None, readable: str, subject: str | None) -> str:
    """ "at least 39 workers", "about 1.2 million people", "45% women", "at least 39".

    The number is never left out: a qualifier or subject alone ("at least workers")
    says nothing, so an empty `readable` is an error.
    """
    if not readable.strip():
        raise ValueError("a figure phrase needs the figure's readable value")
    return " ".join(
        part.strip() for part in (qualifier, readable, subject) if part and part.strip()
    )


def _amount(value: float, money: bool) -> str:
    """ "1,709", "1.2 million", "3.50" (money keeps its cents)."""
    size = abs(value)
    for scale, word in _LARGE_SCALES:
        if size >= scale:
            return f"{_decimal(value / scale)} {word}"
    if money and value != int(value):
        return f"{value:,.2f}"
    return _decimal(value)


def _indian(value: float) -> str:
    """ "34 lakh", "86,000 crore": crores from ten million up."""
    if abs(value) >= 1e7:
        return f"{_decimal(value / 1e7)} crore"
    return f"{_decimal(value / 1e5)} lakh"


def _decimal(value: float) -> str:
    """Thousands separators and at most two decimals, rounded half up, without
    trailing zeros: 1709 → "1,709", 33.3333 → "33.33", 7.5 → "7.5", 2.0 → "2"."""
    rounded = Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = f"{rounded:,.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _unit(raw: str) -> str:
    """What follows the number in `raw`: "3 acres" → acres, "three-day" → day."""
    spans = list(number_phrases(raw.lower(), []))
    return raw[spans[-1][1] :].strip(" -\u00a0") if spans else ""
