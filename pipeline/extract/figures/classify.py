"""Number by number, in text order: what each number of a text is.

For each number `read_left` looks for a currency prefix, a minus sign or letters that
make it part of a name; `read_right` for what is glued after it (scale abbreviation,
currency, percent, unit) and for ordinals, clock times and days; `apply_ratio` turns
"one in three" into a percentage; `apply_rules` applies the non-figure rules and reads
the qualifier and subject. `link_pair` then lets the two ends of a range share what
only one of them carries ("18-20 percent", "from 14 to 25 districts", "$5-10 million",
"Provinces 2 and 6").
"""

from __future__ import annotations

import re

from pipeline.extract.figures import context, money, nonfigures, units
from pipeline.extract.figures.candidate import Candidate, Document
from pipeline.extract.figures.context import Before, is_counted_noun, read_before
from pipeline.extract.figures.numbers import (
    ORDINAL_WORDS,
    SCALE_ABBREVIATIONS,
    number_phrases,
    split_groups,
)
from pipeline.extract.figures.patterns import SP, trie, words
from pipeline.extract.figures.values import evaluate

# Drops decided from the left of a number carry over to the next number of a list
# ("Provinces 2 and 6", "aged 15 to 24"); those decided from the right carry back
# ("15-24 years old", "two to three years ago").
_LEFT_DROPS = frozenset({"label", "age", "page", "phone"})
_RANGE_LINKS = frozenset({"-", "–", "—", "to", "and", "or"})
_FORWARD_MONEY_LINKS = frozenset({"-", "–", "—", "to"})

# The words that can follow a number and change what it is. `read_right` tries its dozen
# suffix patterns only when the next word is one of them or a sign is glued to the number:
# most numbers have none ("790 workers"), and this probe costs one fast regex match.
_SUFFIX_WORDS = frozenset(
    word.split()[0].lower() + plural
    for plural in ("", "s", "es")
    for word in (
        *units.MEASURE_WORDS, *units.MEASURE_SYMBOLS, *money.CURRENCY_NAMES, *money.ISO_CODES,
        *money.CASELESS_CODES, *SCALE_ABBREVIATIONS, *nonfigures.MONTHS, *ORDINAL_WORDS,
        *words("""may march percent percents percentage percentages per pct pc am pm a.m. p.m.
        o'clock times in to and or of musd meur mgbp maud mchf mcad c f"""),
    )
)  # fmt: skip
_SUFFIX_PROBE_RE = re.compile(  # matched against the lower-cased text
    rf"[^\s,.;:!?)\]'\"’”]"
    rf"|{SP}(?:[^\sa-z0-9,.;:!?(\[\]'\"‘’“”]|{trie(_SUFFIX_WORDS)}(?![a-z]))"
)
_RATIO_GAP_RE = re.compile(rf"{SP}+(?:in|out{SP}+of){SP}+(?:every{SP}+)?", re.I)


def candidates(doc: Document) -> list[Candidate]:
    """Every number of the text, in order, with its parsed value."""
    found: list[Candidate] = []
    lower = doc.lower
    for phrase_index, (phrase_start, phrase_end) in enumerate(number_phrases(lower, doc.protected)):
        for group in split_groups(lower, phrase_start, phrase_end, phrase_index):
            start, end = group.start, group.tokens[-1].end
            parsed = evaluate(group)
            tokens = group.tokens
            in_words = len(tokens) > 1 or tokens[0].kind not in ("dig", "dfrac")
            in_words = in_words and any(t.kind in ("num", "scale", "fword") for t in tokens)
            cand = Candidate(group, start, end, parsed.value, parsed, in_words)
            if parsed.invalid:
                cand.reject("invalid")  # "192.168.1.2", "22,24,26", "44/13"
            elif doc.is_protected(start, end):
                cand.reject("protected")
            found.append(cand)
    return found


def classify(doc: Document, found: list[Candidate]) -> None:
    """Classify in text order; a number inside the raw text of the previous one
    ("3 dollars 50 cents", "one in three", "75 USD million") is part of it."""
    frontier = 0
    for index, cand in enumerate(found):
        if cand.start < frontier:
            cand.reject("consumed")
        if cand.drop:
            continue
        before = read_left(doc, cand)
        if before is None or cand.drop:
            continue
        read_right(doc, cand)
        following = found[index + 1] if index + 1 < len(found) else None
        apply_ratio(doc, cand, following)
        apply_rules(doc, cand, before)
        if not cand.drop:
            frontier = cand.end
    for first, second in zip(found, found[1:], strict=False):
        if second.group.link is not None and first.group.phrase == second.group.phrase:
            link_pair(first, second)


def read_left(doc: Document, cand: Candidate) -> Before | None:
    """Currency prefix, minus sign, or glue that makes the number part of a name.

    Returns the words before the figure (before its currency, if it has one); None
    when letters glued to the number make it part of a name (then nothing else is read).
    """
    text, start = doc.text, cand.start
    if start and text[start - 1].isalpha() and not money.glued_currency(doc, start):
        cand.reject("glued")  # SP4ALL, Labor20, CSW68, s1600 in an image URL
        return None
    before = read_before(text, start, doc.cells)
    prefix = (
        money.CUR_PREFIX_RE.fullmatch(before.words[-1])
        if before.words and before.gap <= 2
        else None
    )
    currency = money.prefix_currency(doc, prefix, before.gap) if prefix else None
    if prefix and currency:
        cand.kind, cand.currency = "money", currency
        cand.start = start - before.gap - len(before.words[-1]) + len(prefix["open"])
        if prefix["open"]:  # "(USD 300)": nothing before the figure but the bracket
            return Before([], [], 0)
        return Before(before.words[:-1], before.low[:-1], 1)
    char = text[start - 1] if start else " "
    two_before = text[start - 2] if start >= 2 else " "
    if char in "-−" and two_before in " (\t\n[" and cand.group.link is None:
        cand.value, cand.start = -cand.value, start - 1
    elif (
        char in "#^_@/"
        or (char == "+" and two_before not in " (\t\n")
        or (char == "." and two_before.isalpha())
        or (char in "-‐" and two_before.isalnum() and cand.group.link is None)
    ):
        cand.reject("glued")  # COVID-19, No.17, CLC/2024, Beijing+30, #1
    return before


def read_right(doc: Document, cand: Candidate) -> None:
    """Scale abbreviation, currency, percent or unit after the number, in that order."""
    pos = cand.end
    if not _SUFFIX_PROBE_RE.match(doc.lower, pos):
        return
    if nonfigures.rejects_ordinal_time_or_day(doc, cand, pos):
        return
    pos = units.read_scale_abbreviation(doc, cand, pos)
    pos = money.read_currency_suffix(doc, cand, pos)
    if cand.kind != "money":
        pos = units.read_percent_or_unit(doc, cand, pos)
    cand.end = pos
    if cand.group.tokens[-1].kind in ("dig", "dfrac") and pos == cand.group.tokens[-1].end:
        nonfigures.reject_glued_letters(doc, cand, pos)


def apply_ratio(doc: Document, cand: Candidate, following: Candidate | None) -> None:
    """ "one in three", "3 out of 4", "nine out of ten" are percentages."""
    if following is None or doc.lower[cand.end : cand.end + 2] not in (" i", " o"):
        return  # the common case, decided without a regex
    if cand.drop or not cand.bare or not following.bare:
        return
    gap = _RATIO_GAP_RE.match(doc.text, cand.end)
    if gap is None or gap.end() != following.group.tokens[0].start:
        return
    if 0 < cand.value < following.value <= 10 and following.value == int(following.value):
        cand.kind, cand.value = "percent", 100 * cand.value / following.value
        cand.end = following.end


def apply_rules(doc: Document, cand: Candidate, before: Before) -> None:
    """The non-figure rules, given the words before the number; then, for a figure, its
    qualifier and subject."""
    if cand.drop is None and cand.kind in ("count", "other"):
        if before.last() == "minus":
            cand.value = -cand.value  # "minus five percent"
        nonfigures.judge(doc, cand, before)
    elif cand.drop is None and cand.kind == "percent" and before.last() == "minus":
        cand.value = -cand.value
    if cand.drop is None:
        plus = doc.text.startswith(("+", "-plus"), cand.end)  # "500+", "200-plus"
        cand.qualifier = context.qualifier(before) or ("more than" if plus else None)
        cand.subject = context.subject(doc, cand)


def link_pair(first: Candidate, second: Candidate) -> None:
    """Let the two ends of a range or list share what only one of them carries."""
    if first.drop:
        left_drop = first.drop in _LEFT_DROPS and not first.drop_from_right
        ages = first.drop == "age" and second.unit in units.TIME_UNITS  # "youth (15-24 years)"
        glued = first.drop == "glued" and second.group.link == "-"  # "FY2023-24"
        if (second.bare or ages) and (left_drop or glued):
            second.reject(first.drop)  # "Provinces 2 and 6", "aged 15 to 24"
        return
    if second.group.link not in _RANGE_LINKS or first.end != first.group.tokens[-1].end:
        return  # the first number carries its own unit: "290 women and 500 men"
    if second.drop:
        if second.drop_from_right and first.kind == "count":
            first.reject(second.drop, from_right=True)  # "15-24 years old"
        return
    if first.kind == "count":  # "18-20 percent", "300 and 500 pesos"
        first.kind, first.currency, first.unit = second.kind, second.currency, second.unit
        if first.kind == "percent" and first.parsed.alternative is not None:
            first.value = first.parsed.alternative
    elif (
        first.kind == "money"
        and second.kind == "count"
        and second.group.link in _FORWARD_MONEY_LINKS
        and not is_counted_noun(second.subject)
    ):  # "USD 2 to 5", "Tk 8,000-10,000", but not "Rs 25,000 to 2.8 million families"
        second.kind, second.currency = "money", first.currency
    scale = max(second.scale, second.parsed.scale)
    unscaled = first.scale == 1.0 and first.parsed.scale == 1.0
    if scale > 1 and unscaled and first.value < second.value / scale:
        first.value *= scale  # "$5-10 million"
    if first.kind == second.kind != "money":
        first.subject = first.subject or second.subject
