"""Money: which currency a number is in, from what is written before or after it.

Currencies come as ISO codes ("KHR 1.2 million", "30 MUSD"), symbols ("₱2,800",
"HK$4,990"), abbreviations before the number ("Rs.", "Tk", "RM250") and names after it
("200,000 riels", "3 dollars 50 cents"). Two depend on the post's countries: "Rs" and
"rupees" are the rupee of its first South Asian country (NP → NPR, PK → PKR, LK → LKR,
else INR), and the bare letters "P610" and "K5,000" are pesos and kyats only in posts
about the Philippines and Myanmar, where they cannot be anything else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipeline.extract.figures.candidate import Candidate, Document
from pipeline.extract.figures.numbers import NUMBER_WORD, SCALE_WORDS, TENS_WORDS, UNIT_WORDS
from pipeline.extract.figures.patterns import SP, trie, words

# ISO 4217 codes recognised next to a number. Codes that are also English words or
# acronyms common in this domain (ALL, TOP, SDG, CUP, MOP, GEL...) are left out on purpose.
ISO_CODES = frozenset(
    words("""USD EUR GBP CHF JPY CNY AUD CAD NZD SGD HKD TWD KRW INR BDT NPR PKR LKR BTN MVR AFN
    IDR KHR LAK MMK MYR PHP THB VND BND MNT FJD PGK SEK NOK DKK ZAR BRL MXN AED SAR QAR KWD
    OMR BHD JOD TRY RUB FIM FRF DEM ESP ITL NGN KES""")
)
# Codes also accepted in lower or mixed case ("usd 20", "Php 5,000", "rmb 10").
CASELESS_CODES = frozenset(
    words(
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
CURRENCY_NAMES = {
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

# The word right before a number, when it is a currency: "US$", "Rs.", "(USD", "₱", "RM".
CUR_PREFIX_RE = re.compile(
    r"(?P<open>[(\[\"“'‘]*)(?P<cur>(?P<dollar>[A-Za-z]{1,3}|u\.s\.?)?\$"
    rf"|[{''.join(s for s in _SYMBOLS if s != '$')}₨]"
    rf"|(?P<word>(?i:{trie(_PREFIX_WORDS)}))\.?"
    r"|(?P<code>[A-Za-z]{3})|(?P<glued>[PK]))"
)
CUR_SUFFIX_RE = re.compile(
    rf"(?P<sep>{SP}?|-)(?:(?P<sym>[{''.join(_SYMBOLS)}₨])"
    r"|(?P<mcode>M(?:USD|EUR|GBP|AUD|CHF|CAD))\b"
    rf"|(?P<name>(?i:{trie(CURRENCY_NAMES)}))(?i:s|es)?\b"
    rf"|(?P<code>[A-Z]{{3}}|(?i:{trie(CASELESS_CODES)}))\b(?![ \u00a0]?[0-9]))"
)
_SCALE_AFTER_CODE_RE = re.compile(rf"{SP}(?P<w>million|billion|trillion|thousand)\b", re.I)
_CENTS_RE = re.compile(
    rf"{SP}+(?:and{SP}+)?(?P<n>[0-9]{{1,2}}|{NUMBER_WORD}(?:-{NUMBER_WORD})?){SP}*cents?\b",
    re.I,
)


def rupee_for(countries: Sequence[str]) -> str:
    """The rupee of the first South Asian country among `countries` (INR by default)."""
    return next((_RUPEE_BY_COUNTRY[c] for c in countries if c in _RUPEE_BY_COUNTRY), "INR")


def currency_code(code: str) -> str | None:
    """An ISO code as written next to a number, if it is one we accept."""
    if code in ISO_CODES or code.lower() in CASELESS_CODES:
        return "CNY" if code.lower() == "rmb" else code.upper()
    return None


def glued_currency(doc: Document, start: int) -> bool:
    """Whether the letters glued before the number are a currency ("RM250", "P610")."""
    text, begin = doc.text, start
    while begin > max(0, start - 8) and (text[begin - 1].isalpha() or text[begin - 1] in ".$"):
        begin -= 1
    prefix = CUR_PREFIX_RE.fullmatch(text, begin, start)
    return bool(prefix) and prefix_currency(doc, prefix, 0) is not None


def prefix_currency(doc: Document, match: re.Match[str], gap: int) -> str | None:
    """The currency of a `CUR_PREFIX_RE` match `gap` spaces before the number, if any."""
    symbol = match["cur"]
    if symbol.endswith("$"):
        letters = (match["dollar"] or "").lower().replace(" ", "")
        return _DOLLAR_PREFIXES.get(letters, "USD")
    if match["word"]:
        return _PREFIX_WORDS[match["word"].lower()] or doc.rupee
    if match["code"]:
        return currency_code(match["code"])
    if match["glued"]:
        country, code = _COUNTRY_LETTER_PREFIXES[match["glued"]]
        return code if country in doc.countries and gap <= 1 else None
    return doc.rupee if symbol == "₨" else _SYMBOLS[symbol]


def read_currency_suffix(doc: Document, cand: Candidate, pos: int) -> int:
    """A currency after the number ("300 USD", "500 pesos", "75 USD million") and cents;
    returns where the figure now ends."""
    if cand.kind == "money":
        return _read_cents(doc, cand, pos)
    match = CUR_SUFFIX_RE.match(doc.text, pos)
    code = _suffix_currency(doc, cand, match) if match else None
    if match is None or code is None:
        return pos
    cand.kind, cand.currency, end = "money", code, match.end()
    if match["mcode"]:
        cand.value *= 1e6  # "30 MUSD"
    elif match["code"]:
        scale = _SCALE_AFTER_CODE_RE.match(doc.text, end)  # "75 USD million"
        if scale:
            cand.value *= SCALE_WORDS[scale["w"].lower()]
            end = scale.end()
    return _read_cents(doc, cand, end)


def _suffix_currency(doc: Document, cand: Candidate, match: re.Match[str]) -> str | None:
    if match["sym"]:
        return doc.rupee if match["sym"] == "₨" else _SYMBOLS[match["sym"]]
    if match["mcode"]:
        return match["mcode"][1:]
    if match["code"]:
        return None if match["sep"] == "-" else currency_code(match["code"])
    name = " ".join(match["name"].lower().split())
    if name == "pound":
        # Pounds of weight unless the sum is scaled ("20 million pounds").
        return "GBP" if cand.scale > 1 or cand.parsed.scale >= 1e3 else None
    return CURRENCY_NAMES[name] or doc.rupee


def _read_cents(doc: Document, cand: Candidate, pos: int) -> int:
    """ "3 dollars 50 cents", "thirteen dollars and forty-five cents"."""
    match = _CENTS_RE.match(doc.text, pos)
    if not match or cand.currency != "USD":
        return pos
    amount = match["n"].lower()
    cents = int(amount) if amount.isdigit() else sum(
        UNIT_WORDS.get(w) or TENS_WORDS.get(w, 0) for w in amount.split("-")
    )  # fmt: skip
    cand.value += cents / 100
    return match.end()


# Words that name a currency on their own, as in a table header "Amount (USD)"; "re"
# and "pound" are left out: "Re-registered", "Weight (pounds)".
_HEADER_CURRENCY_WORDS = {
    **{word: code for word, code in _PREFIX_WORDS.items() if word != "re"},
    **{
        name + plural: code
        for name, code in CURRENCY_NAMES.items()
        if " " not in name and name != "pound"
        for plural in ("", "s")
    },
}
_HEADER_TOKEN_RE = re.compile(r"[A-Za-z]+|[^\sA-Za-z0-9]")


def currency_named(label: str, rupee: str) -> str | None:
    """The currency a label names, if any: "Amount (USD)", "Wage in Rs", "Taka", "₹"."""
    for token in _HEADER_TOKEN_RE.findall(label):
        code = currency_code(token) if len(token) == 3 else None
        if code:
            return code
        lower = token.lower()
        if lower in _HEADER_CURRENCY_WORDS:
            return _HEADER_CURRENCY_WORDS[lower] or rupee
        if token == "₨":
            return rupee
        if token in _SYMBOLS:
            return _SYMBOLS[token]
    return None
