"""The sentence that holds each figure, shown next to it so a reader can check it.

A sentence ends after ". ", "! " or "? " before a capital or a digit, or at a line
break (a table row or a list item is its own sentence). A full stop does not end a
sentence after an abbreviation ("Rs. 500", "No. 189", "e.g. the") or an initial
("J. Smith"). The whole split is one regex pass: one fixed-width lookbehind per
abbreviation length, which `re` requires.
"""

from __future__ import annotations

import re
from bisect import bisect_right

from pipeline.extract.figures.patterns import alternatives, words

# Abbreviations before a number that label it ("No. 189", "pp. 12-15", "Art. 25").
LABEL_ABBREVIATIONS = frozenset(words("no. nos. nr. nrs. p. pp. pg. art. sec. vol. fig. para. #"))
# Words whose full stop ends neither a sentence nor the words read before a number.
ABBREVIATIONS = LABEL_ABBREVIATIONS | frozenset(
    words(
        "rs. re. nrs. slrs. tk. rp. ks. nu. sfr. approx. ca. mr. mrs. ms. dr. st. u.s. jan. feb."
        " mar. apr. jun. jul. aug. sep. sept. oct. nov. dec. vs. e.g. i.e. inc. ltd. co. corp."
        " govt. dept."
    )
)

_ABBREVIATION_STEMS = sorted({w.rstrip(".") for w in ABBREVIATIONS if w.endswith(".")})
_NOT_ABBREVIATION = "".join(  # after the stop; one lookbehind per length (fixed widths)
    rf"(?<!(?<![A-Za-z])(?i:{alternatives(w for w in _ABBREVIATION_STEMS if len(w) == n)})\.)"
    for n in sorted({len(w) for w in _ABBREVIATION_STEMS})
)
_SENTENCE_END_RE = re.compile(
    rf"(?:\.(?=[.\"”’')\]]*\s){_NOT_ABBREVIATION}(?<!(?<![A-Za-z])[A-Za-z]\.)\.*|[!?]+)"
    r"[\"”’')\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])|\n\s*"
)


class Sentences:
    """The sentences of a text, split once and cut out only when a figure asks."""

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
