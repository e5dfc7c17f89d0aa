"""What is not a figure: most numbers in these posts are not quantities to quote.

Each class of non-figure has one explicit rule, so a wrong call can be traced to the
rule that made it (the reason is kept in `Candidate.drop`):

- protected spans, never parsed: URLs, e-mail addresses, phone numbers, numeric dates,
  clock times, citations ("[12]"), hashtags and year ranges ("2022-2024", "2023/24");
- glued to letters: names and codes ("SP4ALL", "COVID-19", "G20", "4Ps", "1990s");
- ordinals, clock times and days after the number ("4th", "2pm", "12 March");
- labels: a label word before ("Article 25", "Convention No. 189", "Provinces 2 and
  6", "top 10", "page 23") or a capitalised name ("Workforce 2030", "Voyager 2");
- phone numbers after a phone word ("Tel: 023 880 459", "hotline 1919");
- ages ("aged 60", "Sita, 34,", "workers under 18", "youth (15-24)") and years and
  dates ("In 2019", "March 8"), unless a counted noun follows ("2000 workers");
- list markers ("1. Introduction", "(2) maternity"), denominators ("per 100,000"),
  the pronoun "one" ("one of the"), vague quantities ("thousands of", "several
  hundred") and fraction words that are not shares ("the first half").
"""

from __future__ import annotations

import re

from pipeline.extract.figures.candidate import Candidate, Document
from pipeline.extract.figures.context import (
    COPULAS,
    COUNT_NOUNS,
    OPENERS,
    PEOPLE_WORDS,
    PUNCTUATION,
    SINGULAR_COUNT_NOUNS,
    Before,
    count_noun_follows,
    following_words,
    is_counted_noun,
    noun_follows,
)
from pipeline.extract.figures.money import ISO_CODES
from pipeline.extract.figures.numbers import ORDINAL_WORDS
from pipeline.extract.figures.patterns import SP, trie, words
from pipeline.extract.figures.sentences import LABEL_ABBREVIATIONS
from pipeline.extract.figures.units import TIME_UNITS

# Words right before a bare number that make it a label, not a quantity: "Article 25",
# "Convention No. 189", "Provinces 2 and 6", "top 10", "page 23", "Phase 2".
_LABEL_WORDS = frozenset(
    words("""number page pages volume article articles section sections chapter chapters clause
    clauses paragraph paragraphs convention conventions recommendation recommendations
    resolution resolutions decree sub-decree prakas circular ordinance directive annex
    appendix schedule version phase hotline helpline sdg sdgs top rank ranked ranking grade
    level ward wards item step stage round wave batch cycle module session episode edition
    issue target targets goal goals province provinces district zone sector block room floor
    table figure law act bill code rule rules regulation title category type class tier
    region division team group lot plot house road street route highway building gate
    platform pillar objective outcome output indicator component priority activity""")
)
_CAPITAL_LABEL_WORDS = frozenset({"Point", "Part", "Unit", "Day", "Week", "No", "NO", "Nos"})
_PHONE_WORDS = frozenset(words("tel telephone phone mobile mob cell fax hotline helpline whatsapp"))
MONTHS = frozenset(
    words("""january february april june july august september october november december jan feb
    mar apr jun jul aug sep sept oct nov dec""")
)
_CAPITALISED_MONTHS = frozenset({"May", "March"})  # "may" and "march" are also verbs
_AGE_WORDS = frozenset({"age", "aged", "ages"})
_THRESHOLD_WORDS = frozenset({"under", "over", "above", "below"})
_VAGUE_WORDS = frozenset(
    {"several", "few", "many", "some", "a few", "couple of", "tens of", "scores of"}
)
_RELATIVE_WORDS = frozenset(
    words("last past next previous coming recent following first initial final another other")
)
# "first half", "the third term", "in half": a fraction word that is not a share.
_FRACTION_BLOCKERS = frozenset(
    words("""first second third fourth last final next previous past other latter former each
    every this that the in one""")
)
# Words after which a number from 1800 to 2100 is a year unless a count noun comes next.
_YEAR_WORDS = frozenset(
    words("in since of by from until till before after during early mid late end year fy")
)
_CLOCK_WORDS = frozenset({"at", "from", "until", "till"})
_ONE_DURATION_WORDS = frozenset(
    words("a the for in within after of only just per each every than about over least")
)
# Capitalised words that may stand before a count without making it a name ("Nearly 500").
_CAPITAL_WORD_OK = frozenset(
    words("""in on at by of for from with to the a an some about around over nearly almost only
    just all and but or more less than up approximately roughly total today currently now
    these those its their our his her another each every between among since until during
    after before overall reaching reached yet so then also while when where whereas
    although though as if""")
)

_PROTECTED_RES = (
    (None, re.compile(r"(?:https?://|www\.)[^\s<>\"]+")),
    # E-mail addresses and bare domains, found from "@" and ".org" and widened to the
    # left by `_host_start` (a regex starting with the host name would try every word).
    (None, re.compile(r"@[\w-]+(?:\.[\w-]+)+")),
    (
        None,
        re.compile(
            r"\.(?:com|org|net|gov|edu|int|info|io|ngo|asia)(?:\.[a-z]{2})?\b(?:/[^\s<>\"]*)?"
        ),
    ),
    ("+", re.compile(r"\+[0-9][0-9 ().\-/]{6,}[0-9]")),
    ("#", re.compile(r"#\w+")),
    ("[", re.compile(r"\[[0-9]+(?:[,–-]\s*[0-9]+)*\]")),
    (
        None,
        re.compile(
            r"(?=[0-9])(?:(?<![0-9A-Za-z.,])(?:"
            r"[0-9]{1,4}(?:-[0-9]{2,}){2,}\b"  # phone and account numbers, 2024-06-30
            r"|[0-9]{1,4}[/.][0-9]{1,2}[/.][0-9]{2,4}\b"  # 31/12/2024, 12.03.2024
            r"|[0-9]{1,2}(?:[:.][0-9]{2})?[ \u00a0]?(?:[ap]\.m\.|[ap]m\b|AM\b|PM\b)"
            r"|[0-9]{1,2}[ \u00a0]?o['’]clock\b"
            r"|[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?\b)"  # 9:30, 1:3, 1:32:15
            r"|(?<![0-9])(?:1[89]|20)[0-9]{2}[ \u00a0]*[-–—/][ \u00a0]*"  # 2022-2024, 2023/24
            r"(?:(?:1[89]|20)[0-9]{2}|[0-9]{2})(?![0-9])"
            rf"(?!{SP}+{trie(COUNT_NOUNS)}\b))"  # but "2000-3000 workers" is a range
        ),
    ),
)

_MONTH_AFTER_RE = re.compile(
    rf"(?:st|nd|rd|th)?(?:{SP}*(?:-|–|to|and|&){SP}*[0-9]{{1,2}}(?:st|nd|rd|th)?)?"
    rf"{SP}+(?:of{SP}+)?(?i:{trie([*MONTHS, 'may', 'march'])})\b"
)
_ORDINAL_SUFFIX_RE = re.compile(r"(?:st|nd|rd|th)\b", re.I)
_ORDINAL_WORD_RE = re.compile(rf"[ \u00a0-]{trie(ORDINAL_WORDS)}\b", re.I)
_CLOCK_RE = re.compile(rf"{SP}?(?:[ap]\.m\.|[ap]m\b|o['’]clock\b)", re.I)
_CLOCK_VALUE_RE = re.compile(r"[0-2]?[0-9][.:][0-5][0-9]")
_AGE_AFTER_NUMBER_RE = re.compile(
    rf"{SP}*(?:(?:and|or){SP}+(?:above|over|older|below|under|younger)\b"
    rf"|years?{SP}+(?:and|or){SP}+(?:above|over|older|below|under|younger))",
    re.I,
)
_ENUMERATOR_AFTER_RE = re.compile(r"\)[ \u00a0][A-Za-z]")
_AGE_RANGE_AFTER_RE = re.compile(
    rf"{SP}*(?:-|–|to){SP}*[0-9]{{1,2}}{SP}*(?:years?|yrs?)?(?:{SP}*old)?{SP}*\)", re.I
)
_NAME_AGE_AFTER_RE = re.compile(r"[ \u00a0]*[,)]")
_FRACTION_OF_RE = re.compile(
    rf"{SP}+(?:of|the|their|its|our|all|them|those|these|were|are|was|is|had|have|say|said"
    r"|reported)\b",
    re.I,
)
_NAME_RE = re.compile(r"[A-Z][a-z]+,?")
_DASH_RE = re.compile(r"[—–-]")


def rejects_ordinal_time_or_day(doc: Document, cand: Candidate, pos: int) -> bool:
    """ "4th", "twenty second", "2pm", "12 March": an ordinal, a clock time or a day."""
    text, last = doc.text, cand.group.tokens[-1].kind
    if last == "num" and _ORDINAL_WORD_RE.match(text, pos):
        cand.reject("ordinal", from_right=True)  # "twenty second", "two hundredth"
    elif last not in ("dig", "dfrac"):
        return False
    elif _ORDINAL_SUFFIX_RE.match(text, pos):
        cand.reject("ordinal", from_right=True)
    elif _CLOCK_RE.match(text, pos) and abs(cand.value) <= 24:
        cand.reject("time", from_right=True)
    elif cand.plain_int and 1 <= cand.value <= 31 and _MONTH_AFTER_RE.match(text, pos):
        cand.reject("date", from_right=True)  # "12 March", "10 to 12 October"
    return cand.drop is not None


def reject_glued_letters(doc: Document, cand: Candidate, pos: int) -> None:
    """Letters or "/digit" glued after the number make it part of a name or code."""
    text = doc.text
    if text[pos : pos + 1].isalpha() or (
        text[pos : pos + 1] == "/" and text[pos + 1 : pos + 2].isdigit()
    ):
        cand.reject("glued", from_right=True)  # "4Ps", "1990s", "24/7", "I7-860BOX"


def judge(doc: Document, cand: Candidate, before: Before) -> None:
    """Reject a count or measure that is not a figure, given the words before it; a
    fraction word that is a share ("half of") becomes a percentage instead."""
    if cand.parsed.fraction:
        _fraction_rule(doc, cand, before)
    elif cand.parsed.vague or (cand.parsed.bare_scale and before.last(1) in _VAGUE_WORDS):
        cand.reject("vague")  # "thousands of", "several hundred"
    elif before.last(2) in _VAGUE_WORDS:
        cand.reject("vague")
    elif cand.parsed.ordinal:
        cand.reject("ordinal")
    elif cand.kind == "other":
        _duration_rules(doc, cand, before)
    else:
        _count_rules(doc, cand, before)


def _fraction_rule(doc: Document, cand: Candidate, before: Before) -> None:
    """ "half of", "two thirds of" are shares; "first half", "third term" are not."""
    blocked = cand.group.connectors[0] != "a" and before.last() in _FRACTION_BLOCKERS
    if cand.kind == "other":
        hyphen = doc.text[cand.group.tokens[-1].end : cand.group.tokens[-1].end + 1] == "-"
        if hyphen or blocked:  # "a half-day training", "the seventh year"
            cand.reject("fraction-word")
        return  # "one-half miles"
    if blocked:
        cand.reject("fraction-word")
    elif _FRACTION_OF_RE.match(doc.text, cand.end):
        cand.kind, cand.value = "percent", cand.value * 100
    else:
        cand.reject("fraction-word")


def _duration_rules(doc: Document, cand: Candidate, before: Before) -> None:
    if cand.unit not in TIME_UNITS:
        return
    if cand.words and cand.value == 1 and before.last() not in _ONE_DURATION_WORDS:
        cand.reject("idiom")  # "One day, the factory closed"; but "a one-day workshop"
    elif before.last() in _RELATIVE_WORDS:
        cand.reject("relative")  # "the last two years", "the next five years"
    elif _age_before(before) or _age_threshold_before(before):
        cand.reject("age")  # "aged 60 years", "workers above 60 years"


def _count_rules(doc: Document, cand: Candidate, before: Before) -> None:
    last, text = before.last(), doc.text
    if _is_label(before):
        cand.reject("label")
    elif _is_phone(before):
        cand.reject("phone")
    elif _is_age(doc, cand, before):
        cand.reject("age")
    elif cand.plain_int and _is_date_or_year(doc, cand, before):
        cand.reject("date")
    elif cand.plain_int and _is_name_label(doc, cand, before):
        cand.reject("label")
    elif last == "per":
        cand.reject("denominator")  # "per 100,000 live births"
    elif _is_list_marker(doc, cand):
        cand.reject("list")
    elif last in _CLOCK_WORDS and _CLOCK_VALUE_RE.fullmatch(text, cand.start, cand.end):
        cand.reject("time")  # "began at 10.00"
    elif cand.words and cand.group.tokens[0].text == "one" and cand.value == 1:
        following = following_words(doc, cand)
        if not following or following[0] not in SINGULAR_COUNT_NOUNS:
            cand.reject("pronoun")  # "one of the", "no one"; but "one doctor and five..."


def _is_age(doc: Document, cand: Candidate, before: Before) -> bool:
    text = doc.text
    if _AGE_AFTER_NUMBER_RE.match(text, cand.end):
        return True  # "aged 60 and above", "18 years and older"
    if _age_before(before) and not count_noun_follows(doc, cand):
        return True  # "aged 60", "at the age of 19", "since she was 15"
    if _age_threshold_before(before) and not noun_follows(doc, cand):
        return True  # "43% under 35", "children under 5"
    if text[cand.start - 1 : cand.start] == "(" and _AGE_RANGE_AFTER_RE.match(text, cand.end):
        return bool(before.low) and is_counted_noun(before.low[-1])  # "youth (15-24)"
    return (  # "Sita, 34,", "Raju (52)"
        cand.plain_int
        and 10 <= cand.value <= 99
        and _is_name_then_comma(before)
        and bool(_NAME_AGE_AFTER_RE.match(text, cand.end))
    )


def _is_date_or_year(doc: Document, cand: Candidate, before: Before) -> bool:
    """ "March 8", "sept . 30" and bare years ("In 2024", but not "2000 workers")."""
    word = before.words[-1].strip(PUNCTUATION + ".") if before.words else ""
    month = word.lower() in MONTHS or word in _CAPITALISED_MONTHS
    if month and (1 <= cand.value <= 31 or 1800 <= cand.value <= 2100):
        return True
    if not 1800 <= cand.value <= 2100:
        return False
    if before.last() in _YEAR_WORDS:  # "Since 2023 self-employed persons", "Law of 2019 gives"
        after = following_words(doc, cand)
        return not after or after[0] not in COUNT_NOUNS  # but "in 2000 workers"
    return not count_noun_follows(doc, cand)


def _is_name_label(doc: Document, cand: Candidate, before: Before) -> bool:
    """ "Workforce 2030", "Voyager 2", "RA 11199": a capitalised name, then a number."""
    if not before.words or not before.spaced:
        return False
    word = _DASH_RE.split(before.words[-1].lstrip(OPENERS))[-1]  # "Cannington—South"
    if not word.isalpha() or not word[0].isupper() or word.lower() in _CAPITAL_WORD_OK:
        return False
    return word not in ISO_CODES and not noun_follows(doc, cand)


def _is_list_marker(doc: Document, cand: Candidate) -> bool:
    """ "1. Introduction" at the start of a line, "(2) maternity" or "3) pensions"."""
    text = doc.text
    after = text[cand.end : cand.end + 3]
    if cand.plain_int and cand.value <= 20 and _ENUMERATOR_AFTER_RE.match(after):
        return text[cand.start - 1 : cand.start] in ("(", " ", "\n", "\t", "")
    head = text[max(0, cand.start - 4) : cand.start]  # a marker starts its line
    line_start = head.rfind("\n")
    if (line_start < 0 and cand.start > 4) or head[line_start + 1 :].strip() not in ("", "("):
        return False
    return after[:1] == ")" or after[:2] in (". ", ".\t", ":")


def _is_label(before: Before) -> bool:
    """ "Article 25", "Convention No. 189", "Provinces 2", "top 10", "p. 12", "#1"."""
    if not before.words:
        return False
    word = before.words[-1].lstrip(OPENERS)
    return (
        word.lower() in LABEL_ABBREVIATIONS
        or word in _CAPITAL_LABEL_WORDS
        or before.low[-1].rstrip(".") in _LABEL_WORDS
    )


def _is_phone(before: Before) -> bool:
    """ "Tel: 023 880 459", "hotline 1919": a phone word, then only digits and signs."""
    for index, word in enumerate(before.low):
        if word.rstrip(".:#") in _PHONE_WORDS:
            tail = "".join(before.low[index + 1 :])
            return all(not c.isalpha() for c in tail) or tail.rstrip(".:") in ("no", "number")
    return False


def _age_before(before: Before) -> bool:
    """ "aged 60", "ages 15 to 24", "the pension age will rise to 65", "she was 15"."""
    low = before.low
    if not _AGE_WORDS.isdisjoint(low):
        index = max(i for i, word in enumerate(low) if word in _AGE_WORDS)
        if not any(c.isdigit() for c in "".join(low[index + 1 :])):
            return True
    return before.last(2).split(" ")[0] in ("she", "he", "i", "who") and before.last() in (
        "was", "is", "turned",
    )  # fmt: skip


def _age_threshold_before(before: Before) -> bool:
    """People or a share of them, then under/over: "youth under 35", "43% under 35"."""
    low = before.low
    if before.last() in _THRESHOLD_WORDS:
        rest = low[:-1]
    elif before.last(2) in ("younger than", "older than"):
        rest = low[:-2]
    else:
        return False
    if rest and rest[-1] in COPULAS:
        rest = rest[:-1]
    if not rest:
        return False
    word = rest[-1]
    return (
        word in COUNT_NOUNS
        or word in PEOPLE_WORDS
        or word in ("those", "aged", "adults", "percent", "cent", "everybody", "everyone")
        or word in ("anyone", "all")
        or word.endswith("%")
    )


def _is_name_then_comma(before: Before) -> bool:
    """A personal name right before: "Sita, 34," or "Raju (52)" give an individual's age."""
    words = before.words
    if not words:
        return False
    if words[-1] == "(" and len(words) >= 2:
        return bool(_NAME_RE.fullmatch(words[-2]))
    return words[-1].endswith((",", "(")) and bool(_NAME_RE.fullmatch(words[-1].rstrip("(")))


def protected_spans(text: str) -> list[tuple[int, int]]:
    """Sorted spans of URLs, e-mails, phone numbers, numeric dates, times, year ranges."""
    spans: list[tuple[int, int]] = []
    for guard, regex in _PROTECTED_RES:
        if guard is None or guard in text:
            spans.extend((_host_start(text, m.start()), m.end()) for m in regex.finditer(text))
    spans.sort()
    return spans


def _host_start(text: str, start: int) -> int:
    """Widen "@example.org" or ".org/x" to the left over the host or user name."""
    if text[start : start + 1] not in ("@", "."):
        return start
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "._+-"):
        start -= 1
    return start
