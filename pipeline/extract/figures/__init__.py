"""Figures: the counts, percentages and sums of money a post reports.

`extract_figures(text, countries)` returns every quantity a reader would quote as a
result or fact: "790 workers", "45% women", "KHR 1.2 million (USD 300)", "3 acres";
`readable_value` and `figure_phrase` write them for people ("at least 39 workers").
The rules, with examples, are in docs/FIGURES.md. One job per module, in the order a
number goes through them:

- `patterns`: regex building blocks (word lists as prefix trees);
- `numbers`: where the numbers are and which atoms make up each one;
- `values`: the value of a number (separators, scale words, lakh/crore, fractions);
- `candidate`: the text and the number under classification, shared by the layers;
- `money`: currencies, before or after the number (codes, symbols, names, rupees);
- `units`: scale abbreviations, percent signs and units of measure after a number;
- `context`: the words around a number, its qualifier and its subject;
- `nonfigures`: what is not a figure (years, dates, ages, labels, names, phones...);
- `classify`: the layers applied number by number, and ranges linked;
- `tables`: row and column headers for figures in table cells;
- `sentences`: the sentence shown with each figure;
- `extract`: `Figure` and `extract_figures`;
- `readable`: values and phrases as people read them.
"""

from pipeline.extract.figures.extract import EXTRACTOR_VERSION, Figure, extract_figures
from pipeline.extract.figures.readable import figure_phrase, readable_value

__all__ = ["EXTRACTOR_VERSION", "Figure", "extract_figures", "figure_phrase", "readable_value"]
