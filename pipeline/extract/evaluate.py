"""Scoring of figure extraction against annotated sentences.

Shared by the test suite (thresholds on our corpus and on the peer cases) and by
`bench/bench_figures.py` (our extractor against quantulum3), so both report the same
numbers. The match rule is the one of `shared/peer-figures/README.md`: a prediction
matches an expected figure when the kind is the same and the value is within 0.5 %;
`optional` figures are neither credited nor counted as false positives; a `negative`
case holds no figure, so anything predicted there is a false positive.

The country and theme taggers are scored the same way on their annotated sets
(`tagging_score`): micro F1 over (post, label) pairs, shared by their tests.

Pure functions, no I/O except `load_cases` and `load_tagging_examples`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

Case = Mapping[str, Any]
"""One annotated sentence: `text`, `expected`, optional `optional`, `negative`, `countries`."""

RELATIVE_TOLERANCE = 0.005


class Prediction(Protocol):
    """What a predictor returns per figure (`Figure` satisfies it)."""

    @property
    def value(self) -> float: ...

    @property
    def kind(self) -> str: ...

    @property
    def currency(self) -> str | None: ...


@dataclass(slots=True)
class CaseResult:
    """Matching of one case: matched (expected, predicted) pairs and the leftovers."""

    matched: list[tuple[Case, Prediction]] = field(default_factory=list)
    false_positives: list[Prediction] = field(default_factory=list)
    false_negatives: list[Case] = field(default_factory=list)


def load_cases(path: Path | str) -> list[dict[str, Any]]:
    """Read a JSON-lines file of cases, skipping blank lines."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def values_match(predicted: float, expected: float) -> bool:
    """Values agree within the relative tolerance (exactly, for an expected zero)."""
    return abs(predicted - expected) <= RELATIVE_TOLERANCE * abs(expected)


def _same(prediction: Prediction, wanted: Case) -> bool:
    """Same value, and same kind unless the annotation leaves the kind open (`null`)."""
    kind = wanted.get("kind")
    return (kind is None or prediction.kind == kind) and values_match(
        prediction.value, wanted["value"]
    )


def match_case(case: Case, predictions: Sequence[Prediction]) -> CaseResult:
    """Pair predictions with the case's expected figures, greedily in text order.

    Each expected figure takes the first unused prediction of the same kind and value;
    left-over predictions that equal an optional figure are forgiven, one each.
    """
    result = CaseResult()
    unused = list(predictions)
    for wanted in case.get("expected", ()):
        hit = next((p for p in unused if _same(p, wanted)), None)
        if hit is None:
            result.false_negatives.append(wanted)
        else:
            unused.remove(hit)
            result.matched.append((wanted, hit))
    optional = list(case.get("optional", ()))
    for prediction in unused:
        forgiven = next((o for o in optional if _same(prediction, o)), None)
        if forgiven is None:
            result.false_positives.append(prediction)
        else:
            optional.remove(forgiven)
    return result


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def summarize(results: Iterable[CaseResult]) -> dict[str, Any]:
    """Micro precision/recall/F1 over all cases, plus currency accuracy.

    Currency accuracy is measured on matched money figures whose annotation names a
    currency (`None` when there are none), so it is independent of recall.
    """
    tp = fp = fn = money = money_right = 0
    for result in results:
        tp += len(result.matched)
        fp += len(result.false_positives)
        fn += len(result.false_negatives)
        for wanted, got in result.matched:
            if wanted.get("kind") == "money" and wanted.get("currency"):
                money += 1
                money_right += got.currency == wanted["currency"]
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = _ratio(2 * tp, 2 * tp + fp + fn)
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "currency_accuracy": _ratio(money_right, money) if money else None,
        "currency_total": money,
    }


def score(cases: Iterable[Case], predict: Callable[[Case], Sequence[Prediction]]) -> dict[str, Any]:
    """Run `predict` on every case and score it (see `summarize` for the keys).

    `predict` receives the whole case, so it can use `countries` as well as `text`.
    """
    return summarize(match_case(case, predict(case)) for case in cases)


# --- tagging (countries and themes) ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TaggingScore:
    """Micro F1 over (example id, label) pairs, with the pairs that were missed or extra."""

    f1: float
    missed: frozenset[tuple[str, str]]
    extra: frozenset[tuple[str, str]]


def load_tagging_examples(path: Path | str) -> list[dict[str, Any]]:
    """The `examples` of an annotated tagging file (tests/data/tagging_*.yaml)."""
    with open(path, encoding="utf-8") as handle:
        return list(yaml.safe_load(handle)["examples"])


def tagging_score(
    examples: Iterable[Case], field: str, predict: Callable[[Case], Iterable[str]]
) -> TaggingScore:
    """Score `predict` (the labels it gives an example) against each example's `field`.

    Micro-averaged over (example, label) pairs, so a post with six countries weighs more than
    one with a single country, as it does for a reader filtering the archive; when neither side
    has a pair the score is 1.0. For countries pass the codes, for primary countries the codes
    of the primary tags, for themes the theme ids.
    """
    expected: set[tuple[str, str]] = set()
    found: set[tuple[str, str]] = set()
    for example in examples:
        expected |= {(example["id"], label) for label in example[field]}
        found |= {(example["id"], label) for label in predict(example)}
    total = len(expected) + len(found)
    f1 = 2 * len(expected & found) / total if total else 1.0
    return TaggingScore(f1, frozenset(expected - found), frozenset(found - expected))
