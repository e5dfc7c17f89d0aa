"""The state every layer reads and writes while one text is classified.

`Document` is the text with what is computed once per text; `Candidate` is one number
on its way to becoming a `Figure`. Each layer (`money`, `units`, `context`,
`nonfigures`) reads or sets a few fields of a candidate and `classify` calls them in
order, so the reason a number was dropped is always one `reject` call away.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.extract.figures.numbers import Group
from pipeline.extract.figures.values import Value


def lower_same_length(text: str) -> str:
    """`text.lower()`, unless a character changes length (then it is left as it is):
    the lower-cased copy is scanned, and its offsets must be those of the text."""
    lower = text.lower()
    if len(lower) == len(text):
        return lower
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


@dataclass(slots=True)
class Document:
    """One text under extraction and what is known about it before any number is read."""

    text: str
    lower: str  # `lower_same_length(text)`
    countries: Sequence[str]
    rupee: str  # the currency of "Rs" and "rupees" in this text
    protected: list[tuple[int, int]]  # sorted spans whose numbers are never figures
    protected_starts: list[int]
    cells: bool  # the text holds table cells: words are read within a cell only

    def is_protected(self, start: int, end: int) -> bool:
        """Whether `text[start:end]` overlaps a protected span (URL, date, phone...)."""
        index = bisect_right(self.protected_starts, end - 1) - 1
        return index >= 0 and self.protected[index][1] > start


@dataclass(slots=True)
class Candidate:
    """A number under classification; becomes a `Figure` unless `drop` is set."""

    group: Group
    start: int
    end: int
    value: float
    parsed: Value
    words: bool  # written (partly) in words
    kind: str = "count"
    currency: str | None = None
    unit: str | None = None
    scale: float = 1.0  # from an abbreviation: "175M", "$1.2bn"
    drop: str | None = None
    drop_from_right: bool = False
    qualifier: str | None = None
    subject: str | None = None
    following: list[str] | None = None  # see `context.following_words`
    context: str | None = None  # table row and column headers, see `tables`

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
        """Drop the candidate; the first reason given is the one kept."""
        if self.drop is None:
            self.drop, self.drop_from_right = reason, from_right
