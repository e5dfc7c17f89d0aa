"""The value of a number: digit separators, scale words, number words and fractions.

Union and NGO reports from South and Southeast Asia mix conventions within one post
("100.000 people" next to "103,000 participants", "12,34,567", "3 lakh"), so the
separators of each number are read from the number itself and what follows it, never
from a locale. Ambiguous shapes keep their other reading (`Value.alternative`) for
the caller to use once it knows what follows ("12.375%" is a decimal).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.extract.figures.numbers import Group, Token

_SEPARATOR_RE = re.compile(r"[.,']")


@dataclass(slots=True)
class Value:
    """What `evaluate` reads from a group."""

    value: float
    alternative: float | None = None  # decimal reading of an ambiguous "1.170"
    scale: float = 1.0  # largest scale word (for ranges: "5-10 million")
    fraction: bool = False  # "half", "two thirds": a share, not an amount
    vague: bool = False  # "thousands", "hundreds"
    bare_scale: bool = False  # "thousand" with no number before it
    ordinal: bool = False  # "twenty-fifth"
    invalid: bool = False  # "192.168.1.2", "22,24,26", "44/13"


def _valid_grouping(parts: list[str], indian: bool) -> bool:
    """Thousands groups: 1,234,567 everywhere; 12,34,567 only with commas (lakh style)."""
    if 1 <= len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:]):
        return True
    return (
        indian
        and 1 <= len(parts[0]) <= 2
        and all(len(p) == 2 for p in parts[1:-1])
        and len(parts[-1]) == 3
    )


def _digits_value(raw: str, decimal_hint: bool) -> tuple[float, float | None] | None:
    """Value of a digit string, its decimal alternative, or None when not one number.

    One separator followed by exactly three digits is read as a thousands separator
    ("103,000", "1.170", "100.000"), except a dot before a scale word ("2.125 million");
    the decimal reading is kept as the alternative for the caller to use when the
    number turns out to be a percentage or takes a scale abbreviation ("2.125M"). Any
    other single separator is decimal ("86,8", "1,17 million"); several must form valid
    thousands groups.
    """
    if len(raw) > 15 and sum(c.isdigit() for c in raw) > 15:
        return None  # an identifier (account, card, document number), not a quantity
    if raw.isdigit():
        return float(raw), None
    raw = raw.replace("\u00a0", " ").replace("\u202f", " ").replace("’", "'")
    if " " in raw:
        return float(raw.replace(" ", "")), None
    if raw.startswith("."):
        return float("0" + raw), None
    seps = [c for c in raw if not c.isdigit()]
    if not seps:
        return float(raw), None
    parts = _SEPARATOR_RE.split(raw)
    if len(set(seps)) > 1:
        decimal = seps[-1]
        grouping = set(seps[:-1])
        if decimal == "'" or len(grouping) != 1 or decimal in grouping:
            return None
        if not _valid_grouping(parts[:-1], indian=grouping == {","}):
            return None
        return float("".join(parts[:-1]) + "." + parts[-1]), None
    if len(seps) > 1:
        if not _valid_grouping(parts, indian=seps[0] == ","):
            return None
        return float("".join(parts)), None
    head, tail = parts
    if seps[0] == "'":
        return (float(head + tail), None) if len(tail) == 3 else None
    decimal_value = float(f"{head}.{tail}")
    if len(tail) != 3 or len(head) > 3 or int(head) == 0:
        return decimal_value, None
    if seps[0] == ",":
        return float(head + tail), None
    return (decimal_value, None) if decimal_hint else (float(head + tail), decimal_value)


def _digit_fraction(raw: str) -> float | None:
    """ "1/4" → 0.25; None for "44/13", "24/7", "1/0" (resolutions, slogans, nonsense)."""
    numerator, denominator = (int(p) for p in raw.split("/"))
    if 0 < numerator < denominator and denominator in (2, 3, 4, 5, 8, 10, 16):
        return numerator / denominator
    return None


@dataclass(slots=True)
class _Accumulator:
    """Running state of `evaluate`: total of finished scales plus the current part."""

    total: float = 0.0
    current: float = 0.0
    last_scale: float = 0.0
    numerator_after_and: bool = False


def evaluate(group: Group) -> Value:
    """Value of a group of atoms ("two hundred and six", "1.5 million", "two thirds")."""
    tokens = group.tokens
    if len(tokens) == 1 and tokens[0].kind == "dig":  # the common case, without the machinery
        parsed = _digits_value(tokens[0].text, decimal_hint=False)
        if parsed is None:
            return Value(0.0, invalid=True)
        return Value(parsed[0], alternative=parsed[1])
    acc, result = _Accumulator(), Value(0.0)
    for index, (token, connector) in enumerate(zip(tokens, group.connectors, strict=True)):
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if token.kind in ("dig", "dfrac", "num"):
            _add_number(acc, result, token, connector, following)
        elif token.kind == "scale":
            _apply_scale(acc, result, token, first=index == 0 and connector != "a")
        else:
            _apply_fraction(acc, result, token, connector, tokens[index - 1] if index else None)
    result.value = acc.total + acc.current
    has_fraction_word = any(t.kind in ("fword", "dfrac") for t in tokens)
    result.fraction = has_fraction_word and result.scale == 1.0 and 0 < result.value < 1
    return result


def _add_number(
    acc: _Accumulator, result: Value, token: Token, connector: str | None, following: object
) -> None:
    if connector == "and" and acc.last_scale >= 1e3 and acc.current == 0:
        acc.numerator_after_and = True
    if token.kind == "num":
        acc.current += token.value
        return
    if token.kind == "dfrac":
        value = _digit_fraction(token.text)
        result.invalid = result.invalid or value is None
        acc.current += value or 0.0
        return
    big_scale_next = isinstance(following, Token) and following.kind == "scale"
    parsed = _digits_value(token.text, decimal_hint=big_scale_next)
    if parsed is None:
        result.invalid = True
        return
    acc.current += parsed[0]
    result.alternative = parsed[1]


def _apply_scale(acc: _Accumulator, result: Value, token: Token, first: bool) -> None:
    scale = token.value
    if first:
        result.vague = token.plural
        result.bare_scale = not token.plural
    if scale == 100:
        acc.current = (acc.current or 1) * 100
    elif acc.current:
        acc.total += acc.current * scale
        acc.current, acc.last_scale = 0.0, scale
    elif acc.total:  # "three lakh crore"
        acc.total *= scale
        acc.last_scale = scale
    else:
        acc.total, acc.last_scale = scale, scale
    result.scale = max(result.scale, scale)


def _apply_fraction(
    acc: _Accumulator, result: Value, token: Token, connector: str | None, prev: object
) -> None:
    denominator = token.value
    if connector == "and a":  # "five and a half", "one million and a half"
        if acc.current:
            acc.current += 1 / denominator
        else:
            acc.total += acc.last_scale / denominator
    elif acc.numerator_after_and:  # "two million and three fifths"
        acc.total += acc.last_scale * acc.current / denominator
        acc.current, acc.numerator_after_and = 0.0, False
    elif acc.current == 0 and acc.total == 0:  # "half", "a third"
        acc.current = 1 / denominator
    elif (
        isinstance(prev, Token)
        and prev.kind == "num"
        and acc.current == prev.value < denominator
        and not (acc.current == 1 and token.plural)
    ):  # "two thirds", "one-half"
        acc.current /= denominator
    else:  # "twenty-fifth", "one hundred twenty fifth"
        result.ordinal = True
