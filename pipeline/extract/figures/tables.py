"""Tables: a figure in a table cell carries its row and column headers.

`content_text` writes an HTML table as one row per line with its cells separated by
tabs, so "Lalitpur\t1,709\t47%" alone does not say what 1,709 counts. A table is a run
of at least two consecutive lines holding a tab. Its first line is the header row when
most of its cells are labels: cells without digits once years ("2023", "FY2023",
"2022/23") and quarters ("Q1") are set aside, so "District\t2022\t2023" is a header
row. The first cell of every other row is that row's header when it is a label too
(letters first, or a year).

A figure in a data cell then gets:

- `context`: "row header — column header" ("Lalitpur — Women (%)"), or whichever of
  the two exists;
- `subject`, when it has none of its own: the counted noun of the column header
  ("Workers registered" → workers, "No. of beneficiaries" → beneficiaries);
- for a bare number, the unit the column header gives: "Women (%)" makes "52" a
  percentage, "Budget (NPR million)" makes "12.5" NPR 12,500,000;
- nothing, when its column is a serial number ("S.N.", "No.", "#"): it is not a figure.

Words around a number are read within its cell only (see `context.read_before`), so a
row header is never taken for a label or a qualifier of the figure next to it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from pipeline.extract.figures.candidate import Candidate, Document
from pipeline.extract.figures.context import head_noun, is_counted_noun
from pipeline.extract.figures.money import currency_named
from pipeline.extract.figures.numbers import SCALE_WORDS
from pipeline.extract.figures.patterns import words
from pipeline.extract.figures.units import PERCENT_RE

_YEAR = r"(?:FY ?)?(?:1[89]|20)[0-9]{2}(?: ?[-–/] ?(?:(?:1[89]|20)[0-9]{2}|[0-9]{2}))?"
_YEAR_OR_QUARTER_RE = re.compile(rf"\b{_YEAR}\b|\b[QH][1-4]\b", re.I)  # "2023", "FY2022/23", "Q1"
_YEAR_CELL_RE = re.compile(_YEAR, re.I)
_SERIAL_HEADERS = frozenset(
    words("# no no. nr nr. s.n s.n. sn s.no s.no. sl sl. sl.no sl.no. sr sr. sr.no sr.no. serial")
)
_HEADER_WORD_RE = re.compile(r"[a-z][a-z'’/-]*|[^\sa-z]")
# Words that say how a column measures what it counts: "Number of workers", "% women".
_MEASURE_WORDS = frozenset(
    words("number no nos no. of the share percentage percent proportion rate total amount count")
    + words("% ( ) . : #")
)
_HEADER_SCALES = {
    form: value
    for word, value in SCALE_WORDS.items()
    if value >= 1e3
    for form in (word, word + "s")
}


@dataclass(frozen=True, slots=True)
class _Column:
    """What a column header says about the numbers under it."""

    label: str
    subject: str | None
    percent: bool
    currency: str | None
    scale: float
    serial: bool


@dataclass(frozen=True, slots=True)
class _Cell:
    """One cell of a table: where it is, its row header and its column."""

    start: int
    end: int
    row: str | None
    column: _Column | None
    header: bool = False  # a label cell of the header row: holds no figure

    @property
    def context(self) -> str | None:
        labels = [label for label in (self.row, self.column and self.column.label) if label]
        return " — ".join(labels) or None


def apply_table_headers(doc: Document, found: list[Candidate]) -> None:
    """Give each figure in a data cell its context, subject and header unit; drop the
    numbers of header labels and serial columns (see the module docstring)."""
    cells = _cells(doc.text, doc.rupee)
    if not cells:
        return
    starts = [cell.start for cell in cells]
    for cand in found:
        index = bisect_right(starts, cand.start) - 1
        cell = cells[index] if index >= 0 else None
        if cell is None or cand.start >= cell.end:
            continue
        column = cell.column
        if cell.header or (column and column.serial):
            cand.reject("header" if cell.header else "serial")
            continue
        if cand.drop == "date" and _counted_year(doc, cand, cell):
            cand.drop = None  # "2100" alone under "Workers": a count, not a year
        if cand.drop is not None:
            continue
        cand.context = cell.context
        if column is None:
            continue
        cand.subject = cand.subject or column.subject
        if cand.bare and not cand.words:
            _apply_unit(cand, column)


def _counted_year(doc: Document, cand: Candidate, cell: _Cell) -> bool:
    """A year-like number filling a cell of a column that counts, shares or pays."""
    column = cell.column
    alone = doc.text[cell.start : cell.end].strip() == doc.text[cand.start : cand.end]
    return (
        alone and column is not None and bool(column.subject or column.percent or column.currency)
    )


def _apply_unit(cand: Candidate, column: _Column) -> None:
    if column.percent:
        cand.kind = "percent"
        if cand.parsed.alternative is not None:
            cand.value = cand.parsed.alternative  # "12.375" under "Rate (%)"
        return
    if column.currency:
        cand.kind, cand.currency = "money", column.currency
    cand.value *= column.scale


def _cells(text: str, rupee: str) -> list[_Cell]:
    """The cells of every table of `text`, in text order."""
    cells: list[_Cell] = []
    block: list[tuple[int, str]] = []
    offset = 0
    for line in [*text.split("\n"), ""]:
        if "\t" in line:
            block.append((offset, line))
        else:
            if len(block) >= 2:
                cells.extend(_block_cells(block, rupee))
            block = []
        offset += len(line) + 1
    return cells


def _block_cells(block: list[tuple[int, str]], rupee: str) -> list[_Cell]:
    """The cells of one table; the row header is the first label cell of a row
    ("1\tKoshi\t1,200": Koshi), and only cells after it have one."""
    cells: list[_Cell] = []
    start, first_line = block[0]
    header = first_line.split("\t")
    columns: list[_Column | None] = []
    if _is_header_row([label.strip() for label in header]):
        columns = [_column(label.strip(), rupee) if label.strip() else None for label in header]
        for value in header:
            cells.append(_Cell(start, start + len(value), None, None, header=_is_label(value)))
            start += len(value) + 1
        block = block[1:]
    for offset, line in block:
        row: str | None = None
        start = offset
        for index, value in enumerate(line.split("\t")):
            end = start + len(value)
            column = columns[index] if index < len(columns) else None
            cells.append(_Cell(start, end, row, column))
            label = value.strip()
            if row is None and label and _is_row_label(label):
                row = label
            start = end + 1
    return cells


def _is_label(cell: str) -> bool:
    """No digits but those of years and quarters: "Women (%)", "2023", "Q1 2024"."""
    return not any(c.isdigit() for c in _YEAR_OR_QUARTER_RE.sub("", cell))


def _is_header_row(cells: list[str]) -> bool:
    """Most non-empty cells are labels."""
    filled = [cell for cell in cells if cell]
    return 2 * sum(map(_is_label, filled)) > len(filled)


def _is_row_label(cell: str) -> bool:
    return cell[0].isalpha() or bool(_YEAR_CELL_RE.fullmatch(cell))


def _column(label: str, rupee: str) -> _Column:
    lower = label.lower()
    scale = next(
        (_HEADER_SCALES[w] for w in _HEADER_WORD_RE.findall(lower) if w in _HEADER_SCALES), 1.0
    )
    return _Column(
        label=label,
        subject=_header_subject(lower),
        percent="%" in label or bool(PERCENT_RE.search(label)),
        currency=currency_named(label, rupee),
        scale=1e3 if "'000" in label or "’000" in label else scale,
        serial="".join(lower.split()) in _SERIAL_HEADERS,  # "Sl. No."
    )


def _header_subject(lower: str) -> str | None:
    """The counted noun of a column header: "Workers registered" → workers,
    "No. of beneficiaries" → beneficiaries, "Women (%)" → women; None for "Budget"."""
    words = _HEADER_WORD_RE.findall(re.sub(r"\([^)]*\)", " ", lower))
    start = 0
    while start < len(words) and words[start] in _MEASURE_WORDS:
        start += 1
    noun = head_noun(words[start:], "count")
    return noun if is_counted_noun(noun) else None
