"""Figures: the counts, percentages and sums of money a post reports (SPEC §6).

`extract_figures(text, countries)` returns every quantity a reader would quote as a
result or fact: "790 workers", "45% women", "KHR 1.2 million (USD 300)", "3 acres".

Union and NGO reports from South and Southeast Asia mix number conventions within one
post ("100.000 people" next to "103,000 participants", "12,34,567", "3 lakh"), so the
separators of each number are read from the number itself and what follows it, never
from a locale. Most numbers in such text are *not* figures (years, dates, ages, law and
article numbers, names such as SP4ALL or COVID-19, ordinals); each class has one
explicit rule below, so a wrong call can be traced to the rule that made it.

How it works, in text order:

1. `_protected_spans` marks URLs, e-mail addresses, phone numbers, numeric dates,
   clock times, citations and year ranges; numbers inside them are never parsed.
2. `_phrases` finds number phrases (digits, number words, scale and fraction words and
   the connectors between them); `_split_groups` cuts a phrase into numbers ("two
   hundred and six" is one, "18-20" is two) and `_evaluate` computes their values.
3. `_Classifier` reads what is glued to each number and the words around it to decide
   kind, currency, unit, qualifier and subject, or the reason it is not a figure.
4. `_link_pair` lets the two ends of a range share what only one end carries ("18-20
   percent", "from 14 to 25 districts", "$5-10 million", "Provinces 2 and 6").

Speed matters: the whole archive is re-extracted when this module changes
(`EXTRACTOR_VERSION`). Scanning uses regexes that reject most positions at their first
character (word lists as prefix trees, matched on a lower-cased copy of the text rather
than with IGNORECASE, which is several times slower in `re`); the words before a number
are read with `str.split` and set look-ups; the dozen patterns that may follow a number
are tried only when one cheap probe says something does (`_SUFFIX_PROBE_RE`).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

EXTRACTOR_VERSION = "2"
"""Bump whenever the output for some text changes: stored figures are re-extracted."""


@dataclass(frozen=True, slots=True)
class Figure:
    """One quantity in a text. `text[char_start:char_end] == raw`.

    `raw` holds the number and what is glued to it (%, currency, scale word and, for
    kind `other`, the unit); `value` is fully expanded (percentages in points).
    """

    raw: str
    value: float
    kind: str  # count | percent | money | other
    currency: str | None
    qualifier: str | None
    subject: str | None
    sentence: str
    char_start: int
    char_end: int


# ----------------------------------------------------------------------------- lexicons


def _words(spaced: str) -> list[str]:
    """The words of a literal: long vocabularies read better as text than as lists."""
    return spaced.split()


_UNIT_WORDS = {
    word: number
    for number, word in enumerate(
        _words(
            "one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
            " fifteen sixteen seventeen eighteen nineteen"
        ),
        start=1,
    )
}
_TENS_WORDS = {
    word: 10 * number
    for number, word in enumerate(
        _words("twenty thirty forty fifty sixty seventy eighty ninety"), start=2
    )
}
_SCALE_WORDS = {
    "hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
    "lakh": 1e5, "lac": 1e5, "crore": 1e7, "dozen": 12.0,
}  # fmt: skip
# Plural scale words that still multiply a number before them ("3 lakhs", "3 dozens");
# "2024 thousands" is a year next to a vague quantity, not 2,024,000.
_PLURAL_SCALES_AFTER_NUMBER = frozenset({"lakhs", "lacs", "crores", "dozens"})
_FRACTION_WORDS = {
    "half": 2, "halves": 2, "quarter": 4, "quarters": 4, "third": 3, "thirds": 3,
    "fourth": 4, "fourths": 4, "fifth": 5, "fifths": 5, "sixth": 6, "sixths": 6,
    "seventh": 7, "sevenths": 7, "eighth": 8, "eighths": 8, "ninth": 9, "ninths": 9,
    "tenth": 10, "tenths": 10,
}  # fmt: skip
_SCALE_ABBREVIATIONS = {
    "k": 1e3, "K": 1e3, "m": 1e6, "M": 1e6, "MM": 1e6, "mn": 1e6, "mln": 1e6, "mil": 1e6,
    "b": 1e9, "B": 1e9, "bn": 1e9, "bln": 1e9, "T": 1e12, "tn": 1e12, "tln": 1e12,
    "trn": 1e12, "cr": 1e7, "crs": 1e7, "ribu": 1e3, "juta": 1e6, "miliar": 1e9,
    "milyar": 1e9, "triliun": 1e12,
}  # fmt: skip
# Abbreviations that are also units or letters: "5m" is five metres unless it is money.
_MONEY_ONLY_ABBREVIATIONS = frozenset({"m", "T"})
_GLUED_ONLY_ABBREVIATIONS = frozenset({"m", "T", "b", "B"})

# ISO 4217 codes recognised next to a number. Codes that are also English words or
# acronyms common in this domain (ALL, TOP, SDG, CUP, MOP, GEL...) are left out on purpose.
_ISO_CODES = frozenset(
    _words("""USD EUR GBP CHF JPY CNY AUD CAD NZD SGD HKD TWD KRW INR BDT NPR PKR LKR BTN MVR AFN
    IDR KHR LAK MMK MYR PHP THB VND BND MNT FJD PGK SEK NOK DKK ZAR BRL MXN AED SAR QAR KWD
    OMR BHD JOD TRY RUB FIM FRF DEM ESP ITL NGN KES""")
)
# Codes also accepted in lower or mixed case ("usd 20", "Php 5,000", "rmb 10").
_CASELESS_CODES = frozenset(
    _words(
        "usd eur gbp chf jpy cny rmb aud cad nzd sgd hkd inr bdt npr pkr lkr idr khr myr php thb"
        " vnd mmk sek"
    )
)
_SYMBOLS = {
    "$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "৳": "BDT", "₱": "PHP",
    "₫": "VND", "฿": "THB", "៛": "KHR", "₭": "LAK", "₩": "KRW", "₦": "NGN", "₡": "CRC",
    "₾": "GEL", "₺": "TRY", "₽": "RUB", "₴": "UAH", "₪": "ILS", "元": "CNY",
}  # fmt: skip
_DOLLAR_PREFIXES = {
    "us": "USD", "u.s.": "USD", "u.s": "USD", "usd": "USD", "c": "CAD", "ca": "CAD",
    "cad": "CAD", "a": "AUD", "au": "AUD", "aud": "AUD", "nz": "NZD", "nzd": "NZD",
    "hk": "HKD", "hkd": "HKD", "s": "SGD", "sg": "SGD", "sgd": "SGD", "nt": "TWD",
    "r": "BRL", "mex": "MXN", "mx": "MXN", "mxn": "MXN",
}  # fmt: skip
# Abbreviations written before a number. None = the rupee of the post's country.
_PREFIX_WORDS = {
    "rs": None, "re": None, "rupees": None, "nrs": "NPR", "slrs": "LKR", "tk": "BDT",
    "taka": "BDT", "rp": "IDR", "rm": "MYR", "ks": "MMK", "nu": "BTN", "sfr": "CHF",
    "rmb": "CNY", "dollar": "USD", "euro": "EUR", "euros": "EUR",
}  # fmt: skip
# Currency names written after a number (singular; plurals add s/es). None = rupee.
_CURRENCY_NAMES = {
    "dollar": "USD", "us dollar": "USD", "u.s. dollar": "USD", "american dollar": "USD",
    "australian dollar": "AUD", "canadian dollar": "CAD", "singapore dollar": "SGD",
    "hong kong dollar": "HKD", "new zealand dollar": "NZD", "taiwan dollar": "TWD",
    "new taiwan dollar": "TWD", "euro": "EUR", "pound sterling": "GBP", "sterling": "GBP",
    "pound": "GBP", "taka": "BDT", "bangladeshi taka": "BDT", "rupee": None,
    "indian rupee": "INR", "nepali rupee": "NPR", "nepalese rupee": "NPR",
    "pakistani rupee": "PKR", "sri lankan rupee": "LKR", "peso": "PHP",
    "philippine peso": "PHP", "mexican peso": "MXN", "rupiah": "IDR",
    "indonesian rupiah": "IDR", "riel": "KHR", "cambodian riel": "KHR", "ringgit": "MYR",
    "malaysian ringgit": "MYR", "dong": "VND", "vietnamese dong": "VND", "baht": "THB",
    "thai baht": "THB", "kyat": "MMK", "yen": "JPY", "japanese yen": "JPY", "yuan": "CNY",
    "chinese yuan": "CNY", "renminbi": "CNY", "swiss franc": "CHF", "franc": "CHF",
    "french franc": "FRF", "turkish lira": "TRY", "lira": "TRY", "rand": "ZAR",
    "markka": "FIM", "finnish markka": "FIM", "peseta": "ESP", "korean won": "KRW",
    "ngultrum": "BTN", "rufiyaa": "MVR", "afghani": "AFN", "kip": "LAK", "dirham": "AED",
    "riyal": "SAR", "tugrik": "MNT",
}  # fmt: skip
_RUPEE_BY_COUNTRY = {"NP": "NPR", "PK": "PKR", "LK": "LKR", "IN": "INR"}
# Bare letter prefixes, only in posts about the country that uses them ("P610", "K5,000").
_COUNTRY_LETTER_PREFIXES = {"P": ("PH", "PHP"), "K": ("MM", "MMK")}

_QUALIFIERS = {
    "more than": "more than", "over": "over", "nearly": "nearly", "about": "about",
    "at least": "at least", "up to": "up to", "less than": "less than", "almost": "almost",
    "around": "around",
    "approximately": "about", "approx": "about", "roughly": "about", "some": "about",
    "an estimated": "about", "estimated": "about", "circa": "about", "ca": "about",
    "~": "about", "≈": "about",
    "close to": "nearly", "nearing": "nearly", "just under": "nearly",
    "just below": "nearly", "just short of": "nearly",
    "capped at": "up to", "a maximum of": "up to", "maximum of": "up to", "at most": "up to",
    "no more than": "up to", "not more than": "up to", "as many as": "up to",
    "as much as": "up to", "not exceeding": "up to",
    "above": "over", "just over": "over", "well over": "over", "just above": "over",
    "slightly over": "over", "upwards of": "more than", "upward of": "more than",
    "in excess of": "more than", "exceeding": "more than", "greater than": "more than",
    "higher than": "more than", "slightly more than": "more than", ">": "more than",
    "under": "less than", "below": "less than", "fewer than": "less than",
    "lower than": "less than", "well below": "less than", "<": "less than",
    "a minimum of": "at least", "minimum of": "at least", "no fewer than": "at least",
    "no less than": "at least", "not less than": "at least", "≥": "at least",
}  # fmt: skip

# Plural nouns that make a bare four-digit number a count rather than a year
# ("2000 workers" but "2024 results"), and that override name-like labels ("ALL 5 unions").
_COUNT_NOUNS = frozenset(
    _words("""workers people persons women men girls boys children youth youths members participants
    households families beneficiaries employees students farmers fishers fishermen migrants
    vendors traders delegates representatives leaders organisers organizers trainees unions
    organisations organizations associations cooperatives groups federations factories
    enterprises companies employers districts provinces villages communities municipalities
    cases complaints signatures jobs schools teachers nurses patients victims survivors
    refugees returnees contributors recipients applicants applications respondents volunteers
    activists staff inspectors paralegals drivers labourers laborers tenants pensioners
    retirees adults mothers widows individuals citizens residents homes houses accounts claims
    loans grants scholarships meetings workshops trainings sessions events campaigns petitions
    calls cards copies packages masks kits doctors officials officers couples elders
    seafarers domestics caregivers""")
)
# "one" counts only before one of these: "a team of one doctor and five students".
_SINGULAR_COUNT_NOUNS = frozenset(
    _words("""worker person woman man girl boy child member participant household family
    union organisation organization association cooperative federation factory company
    employer district province village community doctor nurse teacher student trainee
    leader delegate representative volunteer staff inspector paralegal""")
)
_PEOPLE_WORDS = frozenset(
    _words("people women men children youth staff personnel police elderly poor folk")
)
# People nouns that also modify a following noun: "women workers", "youth leaders".
_MODIFIER_NOUNS = frozenset(
    _words("women men youth female male females males children elderly poor")
)
_SUBJECT_ALIASES = {
    "female": "women", "females": "women", "male": "men", "males": "men", "youths": "youth",
    "young": "youth",
}  # fmt: skip
# Words that end the noun phrase after a number: function words, auxiliaries, common
# verbs and number words. The head noun is searched only before the first of these.
_STOP_WORDS = (
    frozenset(
        _words("""a an the this that these those their its our his her my your of in on at to for
    from with by across among under over through into about during per as than between within
    including like and or but nor while who which whom whose where when what why how if
    whether so yet also already now still only just each every all both some any no not
    very more most less least much many few several other another such same own were are was
    is be been being have has had will would can cannot could may might should must shall do
    did does done get got gets gave give given take took taken make made reach reached
    receive received join joined said say says told attend attended participated benefited
    registered gained lost died live lived work worked earn earned paid pay need needed
    remain remained became become come came went go rose fell grew increased decreased
    dropped there here them they it he she we you i up down out off again ever never after
    before since until against without towards toward upon via because due despite beyond
    along near behind onto always often usually respectively together alone away back
    around half third quarter percent cent""")
    )
    | frozenset(_UNIT_WORDS)
    | frozenset(_TENS_WORDS)
    | frozenset(_SCALE_WORDS)
)

# Unit words whose figures are durations: needed for the relative-time and age rules.
_TIME_UNITS = frozenset(
    _words("""year years yr yrs month months week weeks day days hour hours hr hrs minute minutes
    min mins second seconds sec secs decade decades century centuries night nights
    semester semesters""")
)

# Words right before a bare number that make it a label, not a quantity: "Article 25",
# "Convention No. 189", "Provinces 2 and 6", "top 10", "page 23", "Phase 2".
_LABEL_WORDS = frozenset(
    _words("""number page pages volume article articles section sections chapter chapters clause
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
_DOTTED_LABELS = frozenset(_words("no. nos. nr. nrs. p. pp. pg. art. sec. vol. fig. para. #"))
_ABBREVIATIONS = _DOTTED_LABELS | frozenset(
    _words(
        "rs. re. nrs. slrs. tk. rp. ks. nu. sfr. approx. ca. mr. mrs. ms. dr. st. u.s. jan. feb."
        " mar. apr. jun. jul. aug. sep. sept. oct. nov. dec. vs. e.g. i.e. inc. ltd. co. corp."
        " govt. dept."
    )
)
_PHONE_WORDS = frozenset(
    _words("tel telephone phone mobile mob cell fax hotline helpline whatsapp")
)
_MONTHS = frozenset(
    _words("""january february april june july august september october november december jan feb
    mar apr jun jul aug sep sept oct nov dec""")
)
_CAPITALISED_MONTHS = frozenset({"May", "March"})  # "may" and "march" are also verbs
_AGE_WORDS = frozenset({"age", "aged", "ages"})
_THRESHOLD_WORDS = frozenset({"under", "over", "above", "below"})
_COPULAS = frozenset({"were", "are", "was", "is", "being"})
_VAGUE_WORDS = frozenset(
    {"several", "few", "many", "some", "a few", "couple of", "tens of", "scores of"}
)
_RELATIVE_WORDS = frozenset(
    _words("last past next previous coming recent following first initial final another other")
)
# "first half", "the third term", "in half": a fraction word that is not a share.
_FRACTION_BLOCKERS = frozenset(
    _words("""first second third fourth last final next previous past other latter former each
    every this that the in one""")
)
_CLOCK_WORDS = frozenset({"at", "from", "until", "till"})
_ONE_DURATION_WORDS = frozenset(
    _words("a the for in within after of only just per each every than about over least")
)
# Capitalised words that may stand before a count without making it a name ("Nearly 500").
_CAPITAL_WORD_OK = frozenset(
    _words("""in on at by of for from with to the a an some about around over nearly almost only
    just all and but or more less than up approximately roughly total today currently now
    these those its their our his her another each every between among since until during
    after before overall reaching reached yet so then also while when where whereas
    although though as if""")
)
_COUNTED_HYPHEN_WORDS = frozenset(
    _words("member members strong person people seat seats bed beds storey story household plus")
)
_PUNCTUATION = "()[]{}\"'“”‘’«»,;:!?*•·–—"
_OPENERS = "([{\"'“‘«"

# Drops decided from the left of a number carry over to the next number of a list
# ("Provinces 2 and 6", "aged 15 to 24"); those decided from the right carry back
# ("15-24 years old", "two to three years ago").
_LEFT_DROPS = frozenset({"label", "age", "page", "phone"})
_RANGE_LINKS = frozenset({"-", "–", "—", "to", "and", "or"})
_FORWARD_MONEY_LINKS = frozenset({"-", "–", "—", "to"})


def _trie(words: Iterable[str]) -> str:
    """Regex alternation of `words` shaped as a prefix tree.

    `re` tries the branches of a flat alternation one after the other at every
    position; in a tree, a position that cannot start any word fails on one letter.
    """
    tree: dict[str, dict] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _emit(tree)


def _alternatives(words: Iterable[str]) -> str:
    return "|".join(re.escape(word) for word in words)


def _emit(node: dict[str, dict]) -> str:
    branches = [re.escape(char) + _emit(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" not in node:
        return body
    return body + "?" if len(body) == 1 else f"(?:{body})?"


# ---------------------------------------------------------------------------- regexes

_SP = r"[ \u00a0]"
_DIGIT_CORE = (
    r"(?:[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+(?![0-9])(?:\.[0-9]+)?"
    r"|[0-9]+(?:[.,'’][0-9]+)*)"
)
# A number may follow a letter ("Rs500", "USD115": the glue is judged later) but never
# start inside another number ("1.5", "12,000").
_DIGITS = rf"(?:(?<![0-9])(?<![0-9][.,]){_DIGIT_CORE}|(?<![0-9A-Za-z.,])\.[0-9]+)"
_DIGIT_FRACTION = r"(?<![0-9.,/])[0-9]{1,2}/[0-9]{1,2}(?![0-9/])"
_SCALE_FORMS = [*_SCALE_WORDS, *(w + "s" for w in _SCALE_WORDS)]
_WORD_ATOM = rf"\b{_trie([*_UNIT_WORDS, *_TENS_WORDS, *_SCALE_FORMS, *_FRACTION_WORDS])}\b"
_ATOM = rf"(?:{_DIGIT_FRACTION}|{_DIGITS}|{_WORD_ATOM})"
_JOIN = (
    rf"(?:{_SP}*[-–—]{_SP}*|{_SP}*,?{_SP}*(?:and|&){_SP}+(?:an?{_SP}+)?|,{_SP}*"
    rf"|{_SP}+(?:(?:to|or|an?){_SP}+)?)"
)
_LEAD_A = rf"(?:\ban?{_SP}+(?=(?:{_trie([*_SCALE_FORMS, *_FRACTION_WORDS])})\b))?"
# Matched against a lower-cased copy of the text (same offsets), hence no IGNORECASE;
# `_SEED_RE` finds where phrases may start, `_PHRASE_RE` is then anchored there.
_SEED_RE = re.compile(rf"[0-9]+|{_WORD_ATOM}")
_PHRASE_RE = re.compile(rf"{_LEAD_A}{_ATOM}(?:{_JOIN}{_ATOM})*")
_SINGLE_DIGITS_RE = re.compile(_DIGIT_CORE)
_SEPARATOR_RE = re.compile(r"[.,']")
_DASH_RE = re.compile(r"[—–-]")
_TOKEN_RE = re.compile(
    rf"(?P<dfrac>{_DIGIT_FRACTION})|(?P<dig>{_DIGITS})|(?P<word>{_WORD_ATOM})"
    r"|(?P<conn>[-–—,&]|\band\b|\bto\b|\bor\b|\ban?\b)"
)

# Protected spans, one regex each so that `re` can skip to their first character.
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
            rf"(?!{_SP}+{_trie(_COUNT_NOUNS)}\b))"  # but "2000-3000 workers" is a range
        ),
    ),
)

_MONTH_AFTER_RE = re.compile(
    rf"(?:st|nd|rd|th)?(?:{_SP}*(?:-|–|to|and|&){_SP}*[0-9]{{1,2}}(?:st|nd|rd|th)?)?"
    rf"{_SP}+(?:of{_SP}+)?(?i:{_trie([*_MONTHS, 'may', 'march'])})\b"
)
# The word right before a number, when it is a currency: "US$", "Rs.", "(USD", "₱", "RM".
_CUR_PREFIX_RE = re.compile(
    r"(?P<open>[(\[\"“'‘]*)(?P<cur>(?P<dollar>[A-Za-z]{1,3}|u\.s\.?)?\$"
    rf"|[{''.join(s for s in _SYMBOLS if s != '$')}₨]"
    rf"|(?P<word>(?i:{_trie(_PREFIX_WORDS)}))\.?"
    r"|(?P<code>[A-Za-z]{3})|(?P<glued>[PK]))"
)
_CUR_SUFFIX_RE = re.compile(
    rf"(?P<sep>{_SP}?|-)(?:(?P<sym>[{''.join(_SYMBOLS)}₨])"
    r"|(?P<mcode>M(?:USD|EUR|GBP|AUD|CHF|CAD))\b"
    rf"|(?P<name>(?i:{_trie(_CURRENCY_NAMES)}))(?i:s|es)?\b"
    rf"|(?P<code>[A-Z]{{3}}|(?i:{_trie(_CASELESS_CODES)}))\b(?![ \u00a0]?[0-9]))"
)
_SCALE_AFTER_CODE_RE = re.compile(rf"{_SP}(?P<w>million|billion|trillion|thousand)\b", re.I)
_SCALE_ABBR_RE = re.compile(
    rf"(?P<sep>{_SP}?)(?P<abbr>{_trie(_SCALE_ABBREVIATIONS)})(?![A-Za-z0-9])"
)
_NUMBER_WORD = _trie([*_UNIT_WORDS, *_TENS_WORDS])
_CENTS_RE = re.compile(
    rf"{_SP}+(?:and{_SP}+)?(?P<n>[0-9]{{1,2}}|{_NUMBER_WORD}(?:-{_NUMBER_WORD})?){_SP}*cents?\b",
    re.I,
)
_PERCENT_RE = re.compile(
    rf"{_SP}?(?:%|(?i:per{_SP}?cents?|percent(?:age)?s?)\b|pct\b|pc\b)(?:{_SP}points?\b)?"
)
_PLUS_MINUS_RE = re.compile(rf"{_SP}*±{_SP}*[0-9][0-9.,]*")
_METRE_UNITS = [
    f"{prefix}{name}{plural}"
    for prefix in ("", "kilo", "centi", "milli", "nano")
    for name in ("meter", "metre")
    for plural in ("", "s")
]
_MEASURE_WORDS = [  # matched case-insensitively; "Days" is still told apart in `_accept_unit`
    *_words("""year years yr yrs month months week weeks day days hour hours hr hrs minute
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
_MEASURE_SYMBOLS = _words(
    """km km2 km² km³ km3 km^2 km^3 kms m2 m² m³ m3 m^2 m^3 cm mm mi ft ha kg kgs mg ml cl tpd
    kWh MWh GWh Wh kW MW GW eV keV MeV GeV TeV Hz kHz MHz GHz KB MB GB TB kb Mb Gb Gy mGy Sv
    mSv l/km"""
)
_UNIT_RE = re.compile(
    rf"(?P<sep>{_SP}?|-)(?P<unit>(?i:{_trie(_MEASURE_WORDS)})|{_trie(_MEASURE_SYMBOLS)}"
    rf"|°{_SP}?[CF]?|[CF](?=[ \u00a0]|$|[.,;:!?)]))(?![A-Za-z])"
)
_GLUED_UNIT_RE = re.compile(r"(?P<unit>[mglt]|[VWJ])(?![A-Za-z0-9])")  # "5m", "10l", "20W"
_INCH_RE = re.compile(rf"{_SP}in(?={_SP}+(?:thick|long|wide|tall|high|deep)\b|\.?{_SP}*$)")
_TIMES_RE = re.compile(
    rf"{_SP}times(?P<per>{_SP}+(?:a|per|each|every){_SP}+(?:day|week|month|year))?\b", re.I
)
_HYPHEN_WORD_RE = re.compile(r"-(?P<w>[A-Za-z]+)")
_ORDINAL_SUFFIX_RE = re.compile(r"(?:st|nd|rd|th)\b", re.I)
_ORDINAL_WORDS = _words(
    """first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth
    thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth
    thirtieth fortieth fiftieth sixtieth seventieth eightieth ninetieth hundredth thousandth
    millionth billionth trillionth"""
)
_ORDINAL_WORD_RE = re.compile(rf"[ \u00a0-]{_trie(_ORDINAL_WORDS)}\b", re.I)
_CLOCK_RE = re.compile(rf"{_SP}?(?:[ap]\.m\.|[ap]m\b|o['’]clock\b)", re.I)
_CLOCK_VALUE_RE = re.compile(r"[0-2]?[0-9][.:][0-5][0-9]")
_AGE_AFTER_UNIT_RE = re.compile(
    rf"(?:-|{_SP})?olds?\b|{_SP}+of{_SP}+age\b|{_SP}+pregnant\b"
    rf"|(?:{_SP}+(?:and|or){_SP}+(?:above|over|older|below|under|younger|more|less))",
    re.I,
)
_AGE_AFTER_NUMBER_RE = re.compile(
    rf"{_SP}*(?:(?:and|or){_SP}+(?:above|over|older|below|under|younger)\b"
    rf"|years?{_SP}+(?:and|or){_SP}+(?:above|over|older|below|under|younger))",
    re.I,
)
_RELATIVE_AFTER_RE = re.compile(
    rf"{_SP}+(?:ago|later|earlier|after|before|back|hence|from{_SP}+now)\b", re.I
)
_ENUMERATOR_AFTER_RE = re.compile(r"\)[ \u00a0][A-Za-z]")
_AGE_RANGE_AFTER_RE = re.compile(
    rf"{_SP}*(?:-|–|to){_SP}*[0-9]{{1,2}}{_SP}*(?:years?|yrs?)?(?:{_SP}*old)?{_SP}*\)", re.I
)
_NAME_AGE_AFTER_RE = re.compile(r"[ \u00a0]*[,)]")
_FRACTION_OF_RE = re.compile(
    rf"{_SP}+(?:of|the|their|its|our|all|them|those|these|were|are|was|is|had|have|say|said"
    r"|reported)\b",
    re.I,
)
_RATIO_GAP_RE = re.compile(rf"{_SP}+(?:in|out{_SP}+of){_SP}+(?:every{_SP}+)?", re.I)
_WORD_OR_SIGN_RE = re.compile(r"[A-Za-z][A-Za-z'’/-]*|\S")
_OF_WORDS = frozenset(_words("the all them these those their its our whom"))
_AGE_SUBJECT_RE = re.compile(
    rf"{_SP}*(?:(?:were|are|was|is){_SP}+)?(?:aged{_SP}+)?"
    rf"(?:(?P<dir>under|below|younger{_SP}+than|less{_SP}+than|over|above|older{_SP}+than)"
    rf"{_SP}+(?:the{_SP}+age{_SP}+of{_SP}+)?(?P<n>[0-9]{{1,2}})\b"
    rf"|aged{_SP}+[0-9]{{1,2}}{_SP}*(?:-|–|to){_SP}*(?P<upper>[0-9]{{2}})\b)",
    re.I,
)


# The words that can follow a number and change what it is. `read_right` tries its dozen
# suffix patterns only when the next word is one of them or a sign is glued to the number:
# most numbers have none ("790 workers"), and this probe costs one fast regex match.
_SUFFIX_WORDS = frozenset(
    word.split()[0].lower() + plural
    for plural in ("", "s", "es")
    for word in (
        *_MEASURE_WORDS, *_MEASURE_SYMBOLS, *_CURRENCY_NAMES, *_ISO_CODES, *_CASELESS_CODES,
        *_SCALE_ABBREVIATIONS, *_MONTHS, *_ORDINAL_WORDS,
        *_words("""may march percent percents percentage percentages per pct pc am pm a.m. p.m.
        o'clock times in to and or of musd meur mgbp maud mchf mcad c f"""),
    )
)  # fmt: skip
_SUFFIX_PROBE_RE = re.compile(  # matched against the lower-cased text
    rf"[^\s,.;:!?)\]'\"’”]"
    rf"|{_SP}(?:[^\sa-z0-9,.;:!?(\[\]'\"‘’“”]|{_trie(_SUFFIX_WORDS)}(?![a-z]))"
)
# A full stop ends a sentence unless it ends an abbreviation ("Rs. 500", "No. 189",
# "e.g. the") or an initial ("J. Smith"): fixed-width lookbehinds, one per form, so
# that the whole split is one regex pass.
_ABBREVIATION_STEMS = sorted({w.rstrip(".") for w in _ABBREVIATIONS if w.endswith(".")})
_NOT_ABBREVIATION = "".join(  # after the stop; one lookbehind per length (fixed widths)
    rf"(?<!(?<![A-Za-z])(?i:{_alternatives(w for w in _ABBREVIATION_STEMS if len(w) == n)})\.)"
    for n in sorted({len(w) for w in _ABBREVIATION_STEMS})
)
_SENTENCE_END_RE = re.compile(
    rf"(?:\.(?=[.\"”’')\]]*\s){_NOT_ABBREVIATION}(?<!(?<![A-Za-z])[A-Za-z]\.)\.*|[!?]+)"
    r"[\"”’')\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])|\n\s*"
)
_QUICK_RE = re.compile(
    rf"[0-9]|\b{_trie([*_UNIT_WORDS, *_TENS_WORDS, *_SCALE_FORMS, *_FRACTION_WORDS])}"
)
_NAME_RE = re.compile(r"[A-Z][a-z]+,?")


# ---------------------------------------------------------------------- number phrases


@dataclass(slots=True)
class _Token:
    """One atom of a number phrase: digits, a digit fraction or a number word."""

    kind: str  # dig | dfrac | num | scale | fword
    text: str
    start: int
    end: int
    value: float = 0.0  # word value, scale multiplier or fraction denominator
    plural: bool = False


@dataclass(slots=True)
class _Group:
    """The atoms of one number, with the connector before each atom."""

    tokens: list[_Token]
    connectors: list[str | None]
    link: str | None = None  # connector to the previous number of the same phrase
    phrase: int = 0
    start: int = 0  # includes a leading "a"/"an" ("a quarter", "a million")


@dataclass(slots=True)
class _Value:
    """What `_evaluate` reads from a group."""

    value: float
    alternative: float | None = None  # decimal reading of an ambiguous "1.170"
    scale: float = 1.0  # largest scale word (for ranges: "5-10 million")
    fraction: bool = False  # "half", "two thirds": a share, not an amount
    vague: bool = False  # "thousands", "hundreds"
    bare_scale: bool = False  # "thousand" with no number before it
    ordinal: bool = False  # "twenty-fifth"
    invalid: bool = False  # "192.168.1.2", "22,24,26", "44/13"


def _make_token(match: re.Match[str]) -> _Token:
    """Classify one atom of `_TOKEN_RE`."""
    kind, text = match.lastgroup or "", match.group()
    start, end = match.span()
    if kind != "word":
        return _Token(kind, text, start, end)
    lower = text.lower()
    if lower in _UNIT_WORDS or lower in _TENS_WORDS:
        return _Token("num", text, start, end, _UNIT_WORDS.get(lower) or _TENS_WORDS[lower])
    if lower in _FRACTION_WORDS:
        return _Token("fword", text, start, end, _FRACTION_WORDS[lower], lower.endswith("s"))
    singular = lower[:-1] if lower.endswith("s") and lower[:-1] in _SCALE_WORDS else lower
    return _Token("scale", text, start, end, _SCALE_WORDS[singular], singular != lower)


def _is_round_tens(token: _Token) -> bool:
    return token.kind == "num" and token.value >= 20 and token.value % 10 == 0


def _joins(prev: _Token, connector: str | None, token: _Token) -> bool:
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


def _joins_by_space(prev: _Token, token: _Token) -> bool:
    if token.kind == "scale":
        return prev.kind in ("num", "dig", "fword", "scale") and (
            not token.plural or token.text.lower() in _PLURAL_SCALES_AFTER_NUMBER
        )
    if token.kind == "fword":
        return prev.kind == "num"
    if token.kind == "num":
        return prev.kind == "scale" or (_is_round_tens(prev) and token.value < 10)
    if token.kind == "dfrac":
        return prev.kind == "dig"
    return token.kind == "dig" and prev.kind == "scale"


def _merge_connector(current: str | None, new: str) -> str:
    new = {"&": "and", "an": "a"}.get(new.lower(), new.lower())
    if current == "and" and new == "a":
        return "and a"
    return new if current in (None, ",") else current


def _split_groups(text: str, start: int, end: int, phrase: int) -> list[_Group]:
    """Cut one phrase into numbers, remembering the connector between them."""
    if _SINGLE_DIGITS_RE.fullmatch(text, start, end):  # the common case: "790", "1,170"
        token = _Token("dig", text[start:end], start, end)
        return [_Group([token], [None], None, phrase, start)]
    groups: list[_Group] = []
    connector: str | None = None
    connector_start = start
    prev: _Token | None = None
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
            groups.append(_Group([token], [lead], link, phrase, group_start))
        prev, connector = token, None
    return groups


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
    """Running state of `_evaluate`: total of finished scales plus the current part."""

    total: float = 0.0
    current: float = 0.0
    last_scale: float = 0.0
    numerator_after_and: bool = False


def _evaluate(group: _Group) -> _Value:
    """Value of a group of atoms ("two hundred and six", "1.5 million", "two thirds")."""
    tokens = group.tokens
    if len(tokens) == 1 and tokens[0].kind == "dig":  # the common case, without the machinery
        parsed = _digits_value(tokens[0].text, decimal_hint=False)
        if parsed is None:
            return _Value(0.0, invalid=True)
        return _Value(parsed[0], alternative=parsed[1])
    acc, result = _Accumulator(), _Value(0.0)
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
    acc: _Accumulator, result: _Value, token: _Token, connector: str | None, following: object
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
    big_scale_next = isinstance(following, _Token) and following.kind == "scale"
    parsed = _digits_value(token.text, decimal_hint=big_scale_next)
    if parsed is None:
        result.invalid = True
        return
    acc.current += parsed[0]
    result.alternative = parsed[1]


def _apply_scale(acc: _Accumulator, result: _Value, token: _Token, first: bool) -> None:
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
    acc: _Accumulator, result: _Value, token: _Token, connector: str | None, prev: object
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
        isinstance(prev, _Token)
        and prev.kind == "num"
        and acc.current == prev.value < denominator
        and not (acc.current == 1 and token.plural)
    ):  # "two thirds", "one-half"
        acc.current /= denominator
    else:  # "twenty-fifth", "one hundred twenty fifth"
        result.ordinal = True


# ------------------------------------------------------------------------ classification


class _Before:
    """The words before a number, nearest last, cut at the line and sentence start."""

    __slots__ = ("words", "low", "gap", "tails")

    def __init__(self, words: list[str], low: list[str], gap: int) -> None:
        self.words = words  # as written
        self.low = low  # lower-cased, outer punctuation stripped
        self.gap = gap  # white space between the last word and the number
        count = len(low)  # the last 1, 2 and 3 words joined, for set look-ups
        self.tails = (
            low[-1] if count else "",
            " ".join(low[-2:]) if count >= 2 else "",
            " ".join(low[-3:]) if count >= 3 else "",
        )

    @property
    def spaced(self) -> bool:
        """Exactly one space between the last word and the number ("Voyager 2")."""
        return self.gap == 1

    def last(self, count: int = 1) -> str:
        """The last `count` words joined, lower-cased ("" when there are fewer)."""
        return self.tails[count - 1]


def _read_before(text: str, start: int) -> _Before:
    low_bound = max(0, start - 48)
    line = text.rfind("\n", low_bound, start)
    window = text[line + 1 if line >= 0 else low_bound : start]
    stripped = window.rstrip()
    parts = stripped.rsplit(None, 4)
    if len(parts) == 5 or (line < 0 < low_bound and window[:1].strip()):
        parts = parts[1:]  # what lies beyond four words, or a word cut by the window
    words: list[str] = []
    low: list[str] = []
    for token in reversed(parts):
        core = token.strip(_PUNCTUATION)
        if not core or core == ".":
            continue  # stray punctuation ("md . - -" in tokenised text)
        if token[-1] in ".!?;" and token.lower().lstrip(_OPENERS) not in _ABBREVIATIONS:
            break  # the previous sentence
        words.append(token)
        low.append(core.lower())
        if token[-1] == ":":
            break
    words.reverse()
    low.reverse()
    return _Before(words, low, len(window) - len(stripped))


@dataclass(slots=True)
class _Candidate:
    """A number under classification; becomes a `Figure` unless `drop` is set."""

    group: _Group
    start: int
    end: int
    value: float
    parsed: _Value
    words: bool  # written (partly) in words
    kind: str = "count"
    currency: str | None = None
    unit: str | None = None
    scale: float = 1.0  # from an abbreviation: "175M", "$1.2bn"
    drop: str | None = None
    drop_from_right: bool = False
    qualifier: str | None = None
    subject: str | None = None
    following: list[str] | None = None  # see `_Classifier._following`

    @property
    def plain_int(self) -> bool:
        """Digits only, no separator: the shape of years, labels and ages."""
        tokens = self.group.tokens
        return len(tokens) == 1 and tokens[0].kind == "dig" and tokens[0].text.isdigit()

    @property
    def bare(self) -> bool:
        """A count with nothing attached: what a range partner may complete."""
        return (
            self.kind == "count"
            and self.scale == 1.0
            and self.parsed.scale == 1.0
            and not self.parsed.fraction
            and self.end == self.group.tokens[-1].end
        )

    def reject(self, reason: str, from_right: bool = False) -> None:
        if self.drop is None:
            self.drop, self.drop_from_right = reason, from_right


@dataclass(slots=True)
class _Classifier:
    """Decides, number by number, what the numbers of one text are."""

    text: str
    lower: str  # `_lower_same_length(text)`
    countries: Sequence[str]
    rupee: str = "INR"
    protected: list[tuple[int, int]] = field(default_factory=list)
    protected_starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Rs and rupees are the currency of the post's first South Asian country.
        self.rupee = next(
            (_RUPEE_BY_COUNTRY[c] for c in self.countries if c in _RUPEE_BY_COUNTRY), "INR"
        )
        self.protected = _protected_spans(self.text)
        self.protected_starts = [start for start, _ in self.protected]

    def is_protected(self, start: int, end: int) -> bool:
        index = bisect_right(self.protected_starts, end - 1) - 1
        return index >= 0 and self.protected[index][1] > start

    # -- left of the number ------------------------------------------------------------

    def read_left(self, cand: _Candidate) -> _Before | None:
        """Currency prefix, minus sign, or glue that makes the number part of a name.

        Returns the words before the figure (before its currency, if it has one); None
        when letters glued to the number make it part of a name (then nothing else is read).
        """
        text, start = self.text, cand.start
        if start and text[start - 1].isalpha() and not self._glued_currency(start):
            cand.reject("glued")  # SP4ALL, Labor20, CSW68, s1600 in an image URL
            return None
        words = _read_before(text, start)
        prefix = (
            _CUR_PREFIX_RE.fullmatch(words.words[-1]) if words.words and words.gap <= 2 else None
        )
        currency = self._prefix_currency(prefix, words.gap) if prefix else None
        if prefix and currency:
            cand.kind, cand.currency = "money", currency
            cand.start = start - words.gap - len(words.words[-1]) + len(prefix["open"])
            if prefix["open"]:  # "(USD 300)": nothing before the figure but the bracket
                return _Before([], [], 0)
            return _Before(words.words[:-1], words.low[:-1], 1)
        before = text[start - 1] if start else " "
        two_before = text[start - 2] if start >= 2 else " "
        if before in "-−" and two_before in " (\t\n[" and cand.group.link is None:
            cand.value, cand.start = -cand.value, start - 1
        elif (
            before in "#^_@/"
            or (before == "+" and two_before not in " (\t\n")
            or (before == "." and two_before.isalpha())
            or (before in "-‐" and two_before.isalnum() and cand.group.link is None)
        ):
            cand.reject("glued")  # COVID-19, No.17, CLC/2024, Beijing+30, #1
        return words

    def _glued_currency(self, start: int) -> bool:
        """Whether the letters glued before the number are a currency ("RM250", "P610")."""
        text, begin = self.text, start
        while begin > max(0, start - 8) and (text[begin - 1].isalpha() or text[begin - 1] in ".$"):
            begin -= 1
        prefix = _CUR_PREFIX_RE.fullmatch(text, begin, start)
        return bool(prefix) and self._prefix_currency(prefix, 0) is not None

    def _prefix_currency(self, match: re.Match[str], gap: int) -> str | None:
        symbol = match["cur"]
        if symbol.endswith("$"):
            letters = (match["dollar"] or "").lower().replace(" ", "")
            return _DOLLAR_PREFIXES.get(letters, "USD")
        if match["word"]:
            return _PREFIX_WORDS[match["word"].lower()] or self.rupee
        if match["code"]:
            return _currency_code(match["code"])
        if match["glued"]:
            country, code = _COUNTRY_LETTER_PREFIXES[match["glued"]]
            return code if country in self.countries and gap <= 1 else None
        return self.rupee if symbol == "₨" else _SYMBOLS[symbol]

    # -- right of the number -----------------------------------------------------------

    def read_right(self, cand: _Candidate) -> None:
        """Scale abbreviation, currency, percent or unit after the number, in that order."""
        text, pos = self.text, cand.end
        digits_last = cand.group.tokens[-1].kind in ("dig", "dfrac")
        if not _SUFFIX_PROBE_RE.match(self.lower, pos):
            return
        if digits_last and self._rejects_ordinal_time_or_day(cand, pos):
            return
        if cand.group.tokens[-1].kind == "num" and _ORDINAL_WORD_RE.match(text, pos):
            cand.reject("ordinal", from_right=True)  # "twenty second", "two hundredth"
            return
        pos = self._read_scale_abbreviation(cand, pos)
        pos = self._read_currency_suffix(cand, pos)
        if cand.kind != "money":
            percent = _PERCENT_RE.match(text, pos)
            if percent:
                cand.kind, pos = "percent", percent.end()
                if cand.parsed.alternative is not None:
                    cand.value = cand.parsed.alternative  # "12.375%" is not 12,375 %
            else:
                pos = self._read_unit(cand, pos)
        cand.end = pos
        if digits_last and pos == cand.group.tokens[-1].end:
            self._reject_glued_letters(cand, pos)

    def _reject_glued_letters(self, cand: _Candidate, pos: int) -> None:
        text = self.text
        if text[pos : pos + 1].isalpha() or (
            text[pos : pos + 1] == "/" and text[pos + 1 : pos + 2].isdigit()
        ):
            cand.reject("glued", from_right=True)  # "4Ps", "1990s", "24/7", "I7-860BOX"

    def _rejects_ordinal_time_or_day(self, cand: _Candidate, pos: int) -> bool:
        """ "4th", "2pm", "12 March": the number is an ordinal, a clock time or a day."""
        text = self.text
        if _ORDINAL_SUFFIX_RE.match(text, pos):
            cand.reject("ordinal", from_right=True)
        elif _CLOCK_RE.match(text, pos) and abs(cand.value) <= 24:
            cand.reject("time", from_right=True)
        elif cand.plain_int and 1 <= cand.value <= 31 and _MONTH_AFTER_RE.match(text, pos):
            cand.reject("date", from_right=True)  # "12 March", "10 to 12 October"
        return cand.drop is not None

    def _read_scale_abbreviation(self, cand: _Candidate, pos: int) -> int:
        match = _SCALE_ABBR_RE.match(self.text, pos)
        if not match:
            return pos
        abbr = match["abbr"]
        if match["sep"] and abbr in _GLUED_ONLY_ABBREVIATIONS:
            return pos
        money = cand.kind == "money" or bool(_CUR_SUFFIX_RE.match(self.text, match.end()))
        if abbr in _MONEY_ONLY_ABBREVIATIONS and not money:
            return pos
        if abbr == "b" and abs(cand.value) >= 1000:  # "1500b" is bits, not 1.5 trillion
            return pos
        if cand.parsed.alternative is not None:
            cand.value = cand.parsed.alternative  # "2.125M" is two million, not 2125 M
        cand.scale = _SCALE_ABBREVIATIONS[abbr]
        cand.value *= cand.scale
        return match.end()

    def _read_currency_suffix(self, cand: _Candidate, pos: int) -> int:
        if cand.kind == "money":
            return self._read_cents(cand, pos)
        match = _CUR_SUFFIX_RE.match(self.text, pos)
        code = self._suffix_currency(cand, match) if match else None
        if match is None or code is None:
            return pos
        cand.kind, cand.currency, end = "money", code, match.end()
        if match["mcode"]:
            cand.value *= 1e6  # "30 MUSD"
        elif match["code"]:
            scale = _SCALE_AFTER_CODE_RE.match(self.text, end)  # "75 USD million"
            if scale:
                cand.value *= _SCALE_WORDS[scale["w"].lower()]
                end = scale.end()
        return self._read_cents(cand, end)

    def _suffix_currency(self, cand: _Candidate, match: re.Match[str]) -> str | None:
        if match["sym"]:
            return self.rupee if match["sym"] == "₨" else _SYMBOLS[match["sym"]]
        if match["mcode"]:
            return match["mcode"][1:]
        if match["code"]:
            return None if match["sep"] == "-" else _currency_code(match["code"])
        name = " ".join(match["name"].lower().split())
        if name == "pound":
            # Pounds of weight unless the sum is scaled ("20 million pounds").
            return "GBP" if cand.scale > 1 or cand.parsed.scale >= 1e3 else None
        return _CURRENCY_NAMES[name] or self.rupee

    def _read_cents(self, cand: _Candidate, pos: int) -> int:
        """ "3 dollars 50 cents", "thirteen dollars and forty-five cents"."""
        match = _CENTS_RE.match(self.text, pos)
        if not match or cand.currency != "USD":
            return pos
        amount = match["n"].lower()
        cents = int(amount) if amount.isdigit() else sum(
            _UNIT_WORDS.get(w) or _TENS_WORDS.get(w, 0) for w in amount.split("-")
        )  # fmt: skip
        cand.value += cents / 100
        return match.end()

    def _read_unit(self, cand: _Candidate, pos: int) -> int:
        text = self.text
        plus_minus = _PLUS_MINUS_RE.match(text, pos)  # "2,000.45±0.01 pounds"
        unit = _UNIT_RE.match(text, plus_minus.end() if plus_minus else pos)
        if unit is None and not cand.words:
            unit = _GLUED_UNIT_RE.match(text, pos)
        if unit and not (plus_minus and unit["sep"] == "-"):
            return self._accept_unit(cand, unit)
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

    def _accept_unit(self, cand: _Candidate, unit: re.Match[str]) -> int:
        word = unit["unit"]
        if word[0].isupper() and word.lower() in _TIME_UNITS:
            cand.reject("name", from_right=True)  # "16 Days of Activism", "Five-Year Plan"
            return unit.end()
        cand.kind, cand.unit = "other", word.lower()
        if cand.unit in _TIME_UNITS:
            if _AGE_AFTER_UNIT_RE.match(self.text, unit.end()):
                cand.reject("age", from_right=True)  # "27-year-old", "8 months pregnant"
            elif _RELATIVE_AFTER_RE.match(self.text, unit.end()):
                cand.reject("relative", from_right=True)  # "two years ago"
        return unit.end()

    # -- whole-number rules ------------------------------------------------------------

    def apply_ratio(self, cand: _Candidate, following: _Candidate | None) -> None:
        """ "one in three", "3 out of 4", "nine out of ten" are percentages."""
        if following is None or self.lower[cand.end : cand.end + 2] not in (" i", " o"):
            return  # the common case, decided without a regex
        if cand.drop or not cand.bare or not following.bare:
            return
        gap = _RATIO_GAP_RE.match(self.text, cand.end)
        if gap is None or gap.end() != following.group.tokens[0].start:
            return
        if 0 < cand.value < following.value <= 10 and following.value == int(following.value):
            cand.kind, cand.value = "percent", 100 * cand.value / following.value
            cand.end = following.end

    def apply_rules(self, cand: _Candidate, before: _Before) -> None:
        """The non-figure rules of SPEC §6, given the words before the number."""
        if cand.drop is None and cand.kind in ("count", "other"):
            if before.last() == "minus":
                cand.value = -cand.value  # "minus five percent"
            if cand.parsed.fraction:
                self._fraction_rule(cand, before)
            elif cand.parsed.vague or (cand.parsed.bare_scale and before.last(1) in _VAGUE_WORDS):
                cand.reject("vague")  # "thousands of", "several hundred"
            elif before.last(2) in _VAGUE_WORDS:
                cand.reject("vague")
            elif cand.parsed.ordinal:
                cand.reject("ordinal")
            elif cand.kind == "other":
                self._duration_rules(cand, before)
            else:
                self._count_rules(cand, before)
        elif cand.drop is None and cand.kind == "percent" and before.last() == "minus":
            cand.value = -cand.value
        if cand.drop is None:
            plus = self.text.startswith(("+", "-plus"), cand.end)  # "500+", "200-plus"
            cand.qualifier = _qualifier(before) or ("more than" if plus else None)
            cand.subject = self._subject(cand)

    def _fraction_rule(self, cand: _Candidate, before: _Before) -> None:
        """ "half of", "two thirds of" are shares; "first half", "third term" are not."""
        if cand.kind == "other":
            if self.text[cand.group.tokens[-1].end : cand.group.tokens[-1].end + 1] == "-":
                cand.reject("fraction-word")  # "a half-day training" is not a measure
            return  # "one-half miles"
        if cand.group.connectors[0] != "a" and before.last() in _FRACTION_BLOCKERS:
            cand.reject("fraction-word")
        elif _FRACTION_OF_RE.match(self.text, cand.end):
            cand.kind, cand.value = "percent", cand.value * 100
        else:
            cand.reject("fraction-word")

    def _duration_rules(self, cand: _Candidate, before: _Before) -> None:
        if cand.unit not in _TIME_UNITS:
            return
        if cand.words and cand.value == 1 and before.last() not in _ONE_DURATION_WORDS:
            cand.reject("idiom")  # "One day, the factory closed"; but "a one-day workshop"
        elif before.last() in _RELATIVE_WORDS:
            cand.reject("relative")  # "the last two years", "the next five years"
        elif _age_before(before) or _age_threshold_before(before):
            cand.reject("age")  # "aged 60 years", "workers above 60 years"

    def _count_rules(self, cand: _Candidate, before: _Before) -> None:
        last, text = before.last(), self.text
        if _is_label(before):
            cand.reject("label")
        elif _is_phone(before):
            cand.reject("phone")
        elif self._is_age(cand, before):
            cand.reject("age")
        elif cand.plain_int and self._is_date_or_year(cand, before):
            cand.reject("date")
        elif cand.plain_int and self._is_name_label(cand, before):
            cand.reject("label")
        elif last == "per":
            cand.reject("denominator")  # "per 100,000 live births"
        elif self._is_list_marker(cand):
            cand.reject("list")
        elif last in _CLOCK_WORDS and _CLOCK_VALUE_RE.fullmatch(text, cand.start, cand.end):
            cand.reject("time")  # "began at 10.00"
        elif cand.words and cand.group.tokens[0].text == "one" and cand.value == 1:
            following = self._following(cand)
            if not following or following[0] not in _SINGULAR_COUNT_NOUNS:
                cand.reject("pronoun")  # "one of the", "no one"; but "one doctor and five..."

    def _is_age(self, cand: _Candidate, before: _Before) -> bool:
        text = self.text
        if _AGE_AFTER_NUMBER_RE.match(text, cand.end):
            return True  # "aged 60 and above", "18 years and older"
        if _age_before(before) and not self._count_noun_follows(cand):
            return True  # "aged 60", "at the age of 19", "since she was 15"
        if _age_threshold_before(before) and not self._noun_follows(cand):
            return True  # "43% under 35", "children under 5"
        if text[cand.start - 1 : cand.start] == "(" and _AGE_RANGE_AFTER_RE.match(text, cand.end):
            return bool(before.low) and _is_counted_noun(before.low[-1])  # "youth (15-24)"
        return (  # "Sita, 34,", "Raju (52)"
            cand.plain_int
            and 10 <= cand.value <= 99
            and _is_name_then_comma(before)
            and bool(_NAME_AGE_AFTER_RE.match(text, cand.end))
        )

    def _is_date_or_year(self, cand: _Candidate, before: _Before) -> bool:
        """ "March 8", "sept . 30" and bare years ("In 2024", but not "2000 workers")."""
        word = before.words[-1].strip(_PUNCTUATION + ".") if before.words else ""
        month = word.lower() in _MONTHS or word in _CAPITALISED_MONTHS
        if month and (1 <= cand.value <= 31 or 1800 <= cand.value <= 2100):
            return True
        return 1800 <= cand.value <= 2100 and not self._count_noun_follows(cand)

    def _is_name_label(self, cand: _Candidate, before: _Before) -> bool:
        """ "Workforce 2030", "Voyager 2", "RA 11199": a capitalised name, then a number."""
        if not before.words or not before.spaced:
            return False
        word = _DASH_RE.split(before.words[-1].lstrip(_OPENERS))[-1]  # "Cannington—South"
        if not word.isalpha() or not word[0].isupper() or word.lower() in _CAPITAL_WORD_OK:
            return False
        return word not in _ISO_CODES and not self._noun_follows(cand)

    def _is_list_marker(self, cand: _Candidate) -> bool:
        """ "1. Introduction" at the start of a line, "(2) maternity" or "3) pensions"."""
        text = self.text
        after = text[cand.end : cand.end + 3]
        if cand.plain_int and cand.value <= 20 and _ENUMERATOR_AFTER_RE.match(after):
            return text[cand.start - 1 : cand.start] in ("(", " ", "\n", "\t", "")
        head = text[max(0, cand.start - 4) : cand.start]  # a marker starts its line
        line_start = head.rfind("\n")
        if (line_start < 0 and cand.start > 4) or head[line_start + 1 :].strip() not in ("", "("):
            return False
        return after[:1] == ")" or after[:2] in (". ", ".\t", ":")

    def _following(self, cand: _Candidate) -> list[str]:
        """Up to eight lower-cased words and signs after the figure, on its line (cached:
        the subject and several rules read them)."""
        if cand.following is None:
            lower, pos = self.lower, cand.end
            line_end = lower.find("\n", pos, pos + 48)
            end = line_end if line_end >= 0 else pos + 48
            cand.following = _WORD_OR_SIGN_RE.findall(lower, pos, end)[:8]
        return cand.following

    def _count_noun_follows(self, cand: _Candidate) -> bool:
        """A counted noun within three words: "2000 workers", "2000 garment workers"."""
        for word in self._following(cand)[:3]:
            if word.rstrip("'’") in _COUNT_NOUNS:
                return True
            if not word[0].isalpha() or word in _STOP_WORDS:
                return False
        return False

    def _noun_follows(self, cand: _Candidate) -> bool:
        """The next word is a counted noun or looks like one (a plural)."""
        words = self._following(cand)
        return bool(words) and words[0][0].isalpha() and _is_counted_noun(words[0].rstrip("'’"))

    def _subject(self, cand: _Candidate) -> str | None:
        """Head noun of what is counted: "790 workers", "45% women", "43% under 35"."""
        if cand.kind == "percent":
            age = _AGE_SUBJECT_RE.match(self.text, cand.end)
            if age:
                return _age_group(age)
        words = _subject_words(self._following(cand))
        copula = bool(words) and words[0] in _COPULAS
        words = words[copula:]
        found: str | None = None
        last: str | None = None
        for index, word in enumerate(words[:5]):
            if not word[0].isalpha():
                break
            if word in _STOP_WORDS:
                following = words[index + 1] if index + 1 < len(words) else ""
                if found or not word.endswith("ed") or not _is_counted_noun(following):
                    break
                continue  # a participle as adjective: "1.2 million registered users"
            if word.endswith(("'s", "’s")):
                continue  # a possessive is a modifier: "the country's 16 million workers"
            word = word.rstrip("'’")
            if found and found in _MODIFIER_NOUNS and not _is_counted_noun(word):
                following = words[index + 1] if index + 1 < len(words) else ""
                if following[:1].isalpha() and _is_counted_noun(following):
                    continue  # "women home-based workers" → workers
                break
            if found and found not in _MODIFIER_NOUNS:
                break
            if word in _PEOPLE_WORDS or _looks_plural(word) or word in _SUBJECT_ALIASES:
                found = word  # "women" may be a modifier: "women workers" → workers
                continue
            if copula:
                return None  # "300 was paid": a copula leads only to a noun of people
            last = word
        if cand.kind == "money":  # rarely followed by what it counts ("USD 300 set aside")
            return found if found in _COUNT_NOUNS or found in _PEOPLE_WORDS else None
        word = found or last
        return _SUBJECT_ALIASES.get(word, word) if word else None


def _subject_words(words: list[str]) -> list[str]:
    """The words after a figure without "+", "-plus" and "of (the)": "45% of the women"."""
    start = 1 if words[:1] == ["+"] else 2 if words[:2] == ["-", "plus"] else 0
    if words[start : start + 1] == ["of"]:
        start += 2 if words[start + 1 : start + 2] and words[start + 1] in _OF_WORDS else 1
    return words[start:]


def _currency_code(code: str) -> str | None:
    """An ISO code as written next to a number, if it is one we accept."""
    if code in _ISO_CODES or code.lower() in _CASELESS_CODES:
        return "CNY" if code.lower() == "rmb" else code.upper()
    return None


def _qualifier(before: _Before) -> str | None:
    """The normalised qualifier among the last three words ("an estimated" → about)."""
    for count in (3, 2, 1):
        qualifier = _QUALIFIERS.get(before.last(count).rstrip("."))
        if qualifier:
            return qualifier
    return None


def _is_label(before: _Before) -> bool:
    """ "Article 25", "Convention No. 189", "Provinces 2", "top 10", "p. 12", "#1"."""
    if not before.words:
        return False
    word = before.words[-1].lstrip(_OPENERS)
    return (
        word.lower() in _DOTTED_LABELS
        or word in _CAPITAL_LABEL_WORDS
        or before.low[-1].rstrip(".") in _LABEL_WORDS
    )


def _is_phone(before: _Before) -> bool:
    """ "Tel: 023 880 459", "hotline 1919": a phone word, then only digits and signs."""
    for index, word in enumerate(before.low):
        if word.rstrip(".:#") in _PHONE_WORDS:
            tail = "".join(before.low[index + 1 :])
            return all(not c.isalpha() for c in tail) or tail.rstrip(".:") in ("no", "number")
    return False


def _age_before(before: _Before) -> bool:
    """ "aged 60", "ages 15 to 24", "the pension age will rise to 65", "she was 15"."""
    low = before.low
    if not _AGE_WORDS.isdisjoint(low):
        index = max(i for i, word in enumerate(low) if word in _AGE_WORDS)
        if not any(c.isdigit() for c in "".join(low[index + 1 :])):
            return True
    return before.last(2).split(" ")[0] in ("she", "he", "i", "who") and before.last() in (
        "was", "is", "turned",
    )  # fmt: skip


def _age_threshold_before(before: _Before) -> bool:
    """People or a share of them, then under/over: "youth under 35", "43% under 35"."""
    low = before.low
    if before.last() in _THRESHOLD_WORDS:
        rest = low[:-1]
    elif before.last(2) in ("younger than", "older than"):
        rest = low[:-2]
    else:
        return False
    if rest and rest[-1] in _COPULAS:
        rest = rest[:-1]
    if not rest:
        return False
    word = rest[-1]
    return (
        word in _COUNT_NOUNS
        or word in _PEOPLE_WORDS
        or word in ("those", "aged", "adults", "percent", "cent", "everybody", "everyone")
        or word in ("anyone", "all")
        or word.endswith("%")
    )


def _is_name_then_comma(before: _Before) -> bool:
    """A personal name right before: "Sita, 34," or "Raju (52)" give an individual's age."""
    words = before.words
    if not words:
        return False
    if words[-1] == "(" and len(words) >= 2:
        return bool(_NAME_RE.fullmatch(words[-2]))
    return words[-1].endswith((",", "(")) and bool(_NAME_RE.fullmatch(words[-1].rstrip("(")))


def _is_counted_noun(word: str | None) -> bool:
    return bool(word) and (word in _COUNT_NOUNS or word in _PEOPLE_WORDS or _looks_plural(word))


def _looks_plural(word: str) -> bool:
    return (
        len(word) > 3
        and word.endswith("s")
        and not word.endswith(("ss", "us", "is", "ous"))
        and word not in _STOP_WORDS
    )


def _age_group(match: re.Match[str]) -> str | None:
    """ "under 35" → youth, "under 18" → children, "over 60" → older people."""
    if match["upper"]:
        return "youth" if int(match["upper"]) <= 35 else None
    limit = int(match["n"])
    if match["dir"].lower() in ("over", "above", "older than"):
        return "older people" if limit >= 50 else None
    if limit <= 18:
        return "children"
    return "youth" if limit <= 35 else None


# ---------------------------------------------------------------------------- assembly


def _protected_spans(text: str) -> list[tuple[int, int]]:
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


def _lower_same_length(text: str) -> str:
    """`text.lower()`, unless a character changes length (then it is left as it is)."""
    lower = text.lower()
    if len(lower) == len(text):
        return lower
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _phrases(lower: str, protected: list[tuple[int, int]]) -> Iterable[tuple[int, int]]:
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


def _candidates(text: str, lower: str, classifier: _Classifier) -> list[_Candidate]:
    """Every number of the text, in order, with its parsed value."""
    candidates: list[_Candidate] = []
    phrases = _phrases(lower, classifier.protected)
    for phrase_index, (phrase_start, phrase_end) in enumerate(phrases):
        for group in _split_groups(lower, phrase_start, phrase_end, phrase_index):
            start, end = group.start, group.tokens[-1].end
            parsed = _evaluate(group)
            tokens = group.tokens
            words = len(tokens) > 1 or tokens[0].kind not in ("dig", "dfrac")
            words = words and any(t.kind in ("num", "scale", "fword") for t in tokens)
            cand = _Candidate(group, start, end, parsed.value, parsed, words)
            if parsed.invalid:
                cand.reject("invalid")  # "192.168.1.2", "22,24,26", "44/13"
            elif classifier.is_protected(start, end):
                cand.reject("protected")
            candidates.append(cand)
    return candidates


def _classify(candidates: list[_Candidate], classifier: _Classifier) -> None:
    """Classify in text order; a number inside the raw text of the previous one
    ("3 dollars 50 cents", "one in three", "75 USD million") is part of it."""
    frontier = 0
    for index, cand in enumerate(candidates):
        if cand.start < frontier:
            cand.reject("consumed")
        if cand.drop:
            continue
        before = classifier.read_left(cand)
        if before is None or cand.drop:
            continue
        classifier.read_right(cand)
        following = candidates[index + 1] if index + 1 < len(candidates) else None
        classifier.apply_ratio(cand, following)
        classifier.apply_rules(cand, before)
        if not cand.drop:
            frontier = cand.end


def _link_pair(first: _Candidate, second: _Candidate) -> None:
    """Let the two ends of a range or list share what only one of them carries."""
    if first.drop:
        left_drop = first.drop in _LEFT_DROPS and not first.drop_from_right
        ages = first.drop == "age" and second.unit in _TIME_UNITS  # "youth (15-24 years)"
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
        and not _is_counted_noun(second.subject)
    ):  # "USD 2 to 5", "Tk 8,000-10,000", but not "Rs 25,000 to 2.8 million families"
        second.kind, second.currency = "money", first.currency
    scale = max(second.scale, second.parsed.scale)
    unscaled = first.scale == 1.0 and first.parsed.scale == 1.0
    if scale > 1 and unscaled and first.value < second.value / scale:
        first.value *= scale  # "$5-10 million"
    if first.kind == second.kind != "money":
        first.subject = first.subject or second.subject


class _Sentences:
    """The sentences of a text: after . ! ? + space + capital, or at a line break."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0, *(match.end() for match in _SENTENCE_END_RE.finditer(text))]
        self.cache: dict[int, str] = {}

    def at(self, position: int) -> str:
        """The sentence holding `position` (many figures share one: computed once)."""
        index = bisect_right(self.starts, position) - 1
        sentence = self.cache.get(index)
        if sentence is None:
            starts = self.starts
            end = starts[index + 1] if index + 1 < len(starts) else len(self.text)
            sentence = self.cache[index] = self.text[starts[index] : end].strip()
        return sentence


def extract_figures(text: str, countries: Sequence[str] = ()) -> list[Figure]:
    """Every count, percentage, sum of money and measure a reader would quote.

    `countries`: ISO 3166-1 alpha-2 codes the post is about, primary first; they decide
    the currency of "Rs"/"rupees" (NP → NPR, PK → PKR, LK → LKR, else INR) and allow
    the bare "P500" (PH) and "K5,000" (MM). Pure: no I/O, no global state.
    """
    lower = _lower_same_length(text)
    if not _QUICK_RE.search(lower):
        return []
    classifier = _Classifier(text, lower, tuple(countries))
    candidates = _candidates(text, lower, classifier)
    _classify(candidates, classifier)
    for first, second in zip(candidates, candidates[1:], strict=False):
        if second.group.link is not None and first.group.phrase == second.group.phrase:
            _link_pair(first, second)
    kept = [c for c in candidates if c.drop is None]
    if not kept:
        return []
    sentences = _Sentences(text)
    return [
        Figure(
            raw=text[c.start : c.end],
            value=c.value,
            kind=c.kind,
            currency=c.currency,
            qualifier=c.qualifier,
            subject=c.subject,
            sentence=sentences.at(c.start),
            char_start=c.start,
            char_end=c.end,
        )
        for c in kept
    ]
