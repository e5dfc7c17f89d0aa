"""`extract_figures`: the layers of the package, put together for one text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.extract.figures.candidate import Document, lower_same_length
from pipeline.extract.figures.classify import candidates, classify
from pipeline.extract.figures.money import rupee_for
from pipeline.extract.figures.nonfigures import protected_spans
from pipeline.extract.figures.numbers import QUICK_RE
from pipeline.extract.figures.sentences import Sentences
from pipeline.extract.figures.tables import apply_table_headers

EXTRACTOR_VERSION = "3"
"""Bump whenever the output for some text changes: stored figures are re-extracted."""


@dataclass(frozen=True, slots=True)
class Figure:
    """One quantity in a text. `text[char_start:char_end] == raw`.

    `raw` holds the number and what is glued to it (%, currency, scale word and, for
    kind `other`, the unit); `value` is fully expanded (percentages in points).
    `context` is set for a figure in a table cell: "row header — column header".
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
    context: str | None = None


def extract_figures(text: str, countries: Sequence[str] = ()) -> list[Figure]:
    """Every count, percentage, sum of money and measure a reader would quote.

    `countries`: ISO 3166-1 alpha-2 codes the post is about, primary first; they decide
    the currency of "Rs"/"rupees" (NP → NPR, PK → PKR, LK → LKR, else INR) and allow
    the bare "P500" (PH) and "K5,000" (MM). Pure: no I/O, no global state.
    """
    lower = lower_same_length(text)
    if not QUICK_RE.search(lower):
        return []
    protected = protected_spans(text)
    cells = "\t" in text
    doc = Document(
        text, lower, tuple(countries), rupee_for(countries), protected,
        [start for start, _ in protected], cells,
    )  # fmt: skip
    found = candidates(doc)
    classify(doc, found)
    if cells:
        apply_table_headers(doc, found)
    kept = [c for c in found if c.drop is None]
    if not kept:
        return []
    sentences = Sentences(text)
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
            context=c.context,
        )
        for c in kept
    ]
