"""What the words around a number say about it: its qualifier and its subject.

A figure is quoted with how exact it is and what it counts: "nearly 500 workers",
"45% women", "over 100.000 people". The qualifier is read from the last three words
before the number and normalised to a dozen forms ("an estimated" → about, "in excess
of" → more than, "500+" → more than). The subject is the head noun of the words after
it, skipping modifiers ("2,000 women workers" → workers, "the country's 16 million
informal workers" → workers), "of the" ("45% of the women" → women) and a copula ("310
were women"); a share of an age band names the group ("43% under 35" → youth).

The same word lists serve `nonfigures`: a counted noun after a bare "2000" makes it a
count rather than a year.
"""

from __future__ import annotations

import re

from pipeline.extract.figures.candidate import Candidate, Document
from pipeline.extract.figures.numbers import SCALE_WORDS, TENS_WORDS, UNIT_WORDS
from pipeline.extract.figures.patterns import SP, words
from pipeline.extract.figures.sentences import ABBREVIATIONS

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
COUNT_NOUNS = frozenset(
    words("""workers people persons women men girls boys children youth youths members participants
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
SINGULAR_COUNT_NOUNS = frozenset(
    words("""worker person woman man girl boy child member participant household family
    union organisation organization association cooperative federation factory company
    employer district province village community doctor nurse teacher student trainee
    leader delegate representative volunteer staff inspector paralegal""")
)
PEOPLE_WORDS = frozenset(
    words("people women men children youth staff personnel police elderly poor folk")
)
# People nouns that also modify a following noun: "women workers", "youth leaders".
_MODIFIER_NOUNS = frozenset(
    words("women men youth female male females males children elderly poor")
)
_SUBJECT_ALIASES = {
    "female": "women", "females": "women", "male": "men", "males": "men", "youths": "youth",
    "young": "youth",
}  # fmt: skip
# Words that end the noun phrase after a number: function words, auxiliaries, common
# verbs and number words. The head noun is searched only before the first of these.
STOP_WORDS = (
    frozenset(
        words("""a an the this that these those their its our his her my your of in on at to for
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
    | frozenset(UNIT_WORDS)
    | frozenset(TENS_WORDS)
    | frozenset(SCALE_WORDS)
)

# Words ending in "s" that are not plurals: "1.8 million overseas Filipino workers".
_NOT_PLURAL = frozenset(words("overseas news series species means whereas perhaps always"))
# Words right after a number that are not what it counts: "66 million years ago".
_NOT_SUBJECTS = frozenset(
    words("""ago today tonight yesterday tomorrow instead outside inside enough later earlier
    ahead abroad apiece annually monthly weekly daily yearly overall altogether knew know
    think thought felt feel want wanted struck""")
)
COPULAS = frozenset({"were", "are", "was", "is", "being"})
PUNCTUATION = "()[]{}\"'“”‘’«»,;:!?*•·–—"
OPENERS = "([{\"'“‘«"
_WORD_OR_SIGN_RE = re.compile(r"[A-Za-z][A-Za-z'’/-]*|\S")
_OF_WORDS = frozenset(words("the all them these those their its our whom"))
_AGE_SUBJECT_RE = re.compile(  # "43% under 35", "27% of those aged 15 to 24"
    rf"{SP}*(?:of{SP}+(?:those|them){SP}+)?(?:(?:were|are|was|is){SP}+)?(?:aged{SP}+)?"
    rf"(?:(?P<dir>under|below|younger{SP}+than|less{SP}+than|over|above|older{SP}+than)"
    rf"{SP}+(?:the{SP}+age{SP}+of{SP}+)?(?P<n>[0-9]{{1,2}})\b"
    rf"|aged{SP}+[0-9]{{1,2}}{SP}*(?:-|–|to){SP}*(?P<upper>[0-9]{{2}})\b)",
    re.I,
)


class Before:
    """The words before a number, nearest last, cut at the line and sentence start."""

    __slots__ = ("words", "low", "gap", "tails")

    def __init__(self, written: list[str], low: list[str], gap: int) -> None:
        self.words = written  # as written
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


def read_before(text: str, start: int, cells: bool = False) -> Before:
    """Up to four words before `start`, within 48 characters, on its line (its table
    cell when `cells`) and sentence: enough for every rule, and `str.split` on a short
    window is fast."""
    low_bound = max(0, start - 48)
    line = text.rfind("\n", low_bound, start)
    if cells:
        line = max(line, text.rfind("\t", low_bound, start))
    window = text[line + 1 if line >= 0 else low_bound : start]
    stripped = window.rstrip()
    parts = stripped.rsplit(None, 4)
    if len(parts) == 5 or (line < 0 < low_bound and window[:1].strip()):
        parts = parts[1:]  # what lies beyond four words, or a word cut by the window
    written: list[str] = []
    low: list[str] = []
    for token in reversed(parts):
        core = token.strip(PUNCTUATION)
        if not core or core == ".":
            continue  # stray punctuation ("md . - -" in tokenised text)
        if token[-1] in ".!?;" and token.lower().lstrip(OPENERS) not in ABBREVIATIONS:
            break  # the previous sentence
        written.append(token)
        low.append(core.lower())
        if token[-1] == ":":
            break
    written.reverse()
    low.reverse()
    return Before(written, low, len(window) - len(stripped))


def following_words(doc: Document, cand: Candidate) -> list[str]:
    """Up to eight lower-cased words and signs after the figure, on its line or in its
    table cell (cached: the subject and several rules read them)."""
    if cand.following is None:
        lower, pos = doc.lower, cand.end
        line_end = lower.find("\n", pos, pos + 48)
        end = line_end if line_end >= 0 else pos + 48
        if doc.cells:
            cell_end = lower.find("\t", pos, end)
            end = cell_end if cell_end >= 0 else end
        cand.following = _WORD_OR_SIGN_RE.findall(lower, pos, end)[:8]
    return cand.following


def count_noun_follows(doc: Document, cand: Candidate) -> bool:
    """A counted noun within three words: "2000 workers", "2000 garment workers"."""
    for word in following_words(doc, cand)[:3]:
        if word.rstrip("'’") in COUNT_NOUNS:
            return True
        if not word[0].isalpha() or word in STOP_WORDS:
            return False
    return False


def noun_follows(doc: Document, cand: Candidate) -> bool:
    """The next word is a counted noun or looks like one (a plural)."""
    after = following_words(doc, cand)
    return bool(after) and after[0][0].isalpha() and is_counted_noun(after[0].rstrip("'’"))


def qualifier(before: Before) -> str | None:
    """The normalised qualifier among the last three words ("an estimated" → about)."""
    for count in (3, 2, 1):
        found = _QUALIFIERS.get(before.last(count).rstrip("."))
        if found:
            return found
    return None


def subject(doc: Document, cand: Candidate) -> str | None:
    """Head noun of what is counted: "790 workers", "45% women", "43% under 35"."""
    if cand.kind == "percent":
        age = _AGE_SUBJECT_RE.match(doc.text, cand.end)
        if age:
            return _age_group(age)
    return head_noun(following_words(doc, cand), cand.kind)


def head_noun(after: list[str], kind: str) -> str | None:
    """The head noun among the lower-cased words `after` a figure of `kind`.

    A noun of what figures count (people, a plural, a listed count noun) is taken
    whatever its modifiers ("2,000 women workers" → workers, "512 garment and hotel
    workers" → workers). Any other word is a subject only after "of" ("8% of the
    population", "3 acres of land"), when it is a singular count noun ("one doctor") or
    when it comes right after the figure ("8.25% interest", "a three-day workshop") and
    is not an adverb or a verb form ("4% enough", "66 million years ago", "5,000
    depending on", "6.4 struck Jajarkot").
    """
    tail, after_of = _subject_words(after)
    copula = bool(tail) and tail[0] in COPULAS
    tail = tail[copula:]
    found: str | None = None
    last: str | None = None
    adjacent = False  # `last` is the first word after the figure
    for index, word in enumerate(tail[:5]):
        if not word[0].isalpha():
            break
        following = tail[index + 1] if index + 1 < len(tail) else ""
        if word in STOP_WORDS:
            if not found and last and word in ("and", "or"):
                found = _coordinated_noun(tail[index + 1 : index + 4])
                break  # "garment and hotel workers" → workers
            if found or not word.endswith("ed") or not is_counted_noun(following):
                break
            continue  # a participle as adjective: "1.2 million registered users"
        if word.endswith(("'s", "’s")):
            continue  # a possessive is a modifier: "the country's 16 million workers"
        word = word.rstrip("'’")
        if found and found in _MODIFIER_NOUNS and not is_counted_noun(word):
            if following[:1].isalpha() and is_counted_noun(following):
                continue  # "women home-based workers" → workers
            break
        if found and found not in _MODIFIER_NOUNS:
            break
        if word in PEOPLE_WORDS or _looks_plural(word) or word in _SUBJECT_ALIASES:
            found = word  # "women" may be a modifier: "women workers" → workers
            continue
        if copula:
            return None  # "300 was paid": a copula leads only to a noun of people
        last, adjacent = word, index == 0
    if kind == "money":  # rarely followed by what it counts ("USD 300 set aside")
        return found if found in COUNT_NOUNS or found in PEOPLE_WORDS else None
    if found is None and last and (after_of or last in SINGULAR_COUNT_NOUNS or adjacent):
        found = last if after_of or not _not_a_noun(last) else None
    return _SUBJECT_ALIASES.get(found, found) if found else None


def _not_a_noun(word: str) -> bool:
    """An adverb or verb form seen right after numbers: "ago", "instead", "valued"."""
    return (
        len(word) < 3 or word in _NOT_SUBJECTS or (len(word) > 4 and word.endswith(("ed", "ing")))
    )


def _coordinated_noun(words_after: list[str]) -> str | None:
    """The counted noun that ends "X and Y nouns", within three words and no stop word."""
    for word in words_after:
        if not word[0].isalpha() or word in STOP_WORDS:
            return None
        if is_counted_noun(word):
            return word
    return None


def _subject_words(after: list[str]) -> tuple[list[str], bool]:
    """The words after a figure without "+", "-plus" and "of (the)" ("45% of the
    women"), and whether an "of" was skipped."""
    start = 1 if after[:1] == ["+"] else 2 if after[:2] == ["-", "plus"] else 0
    if after[start : start + 1] != ["of"]:
        return after[start:], False
    start += 2 if after[start + 1 : start + 2] and after[start + 1] in _OF_WORDS else 1
    return after[start:], True


def is_counted_noun(word: str | None) -> bool:
    """A noun of what figures count: a listed count noun, people, or a plural."""
    return bool(word) and (word in COUNT_NOUNS or word in PEOPLE_WORDS or _looks_plural(word))


def _looks_plural(word: str) -> bool:
    return (
        len(word) > 3
        and word.endswith("s")
        and not word.endswith(("ss", "us", "is", "ous"))
        and word not in STOP_WORDS
        and word not in _NOT_PLURAL
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
