"""Figure extraction against quantulum3 on the peer cases: F1 and speed.

Both extractors run on the same sentences in the same process and are scored with the
same rule (`pipeline.extract.evaluate`). Each is timed over the whole case list, best of
several rounds, so that a busy machine's hiccups count against neither. quantulum3's
units are mapped to our kinds: currency units → money (their ISO code), percentage →
percent, dimensionless → count, anything else → other.

Run `python bench/bench_figures.py [PEER_DIR_OR_CASES_FILE]` for a JSON report;
`bench/run.py` calls `run()` and checks the targets.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from pipeline.extract.evaluate import Case, load_cases, score
from pipeline.extract.figures import extract_figures

DEFAULT_PEER = Path(__file__).resolve().parents[2] / "shared" / "peer-figures"
MIN_ROUND_SECONDS = 1.0  # keep timing a fast extractor until rounds add up to this
MAX_ROUNDS = 50


class Predicted(NamedTuple):
    """A quantulum3 quantity in our terms."""

    value: float
    kind: str
    currency: str | None


def _ours(case: Case) -> list[Any]:
    return extract_figures(case["text"], case.get("countries", ()))


def _quantulum() -> Callable[[Case], list[Predicted]]:
    """quantulum3's parser as a predictor (imported here: it is a bench-only dependency)."""
    with warnings.catch_warnings():  # "classifier dependencies not installed": expected
        warnings.simplefilter("ignore")
        from quantulum3 import load, parser
    units = load.units("en_US").names

    def predict(case: Case) -> list[Predicted]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quantities = parser.parse(case["text"])
        return [_to_ours(q, units) for q in quantities]

    return predict


def _to_ours(quantity: Any, units: dict[str, Any]) -> Predicted:
    """Map a quantity to our kinds. A compound unit whose numerator is a currency
    ("$98 a share", "$1.17 billion a year") is money, as a reader would count it."""
    unit = quantity.unit
    numerator = next((d["base"] for d in unit.dimensions if d["power"] == 1), None)
    money_unit = unit if unit.entity.name == "currency" else units.get(numerator)
    if money_unit is not None and money_unit.entity.name == "currency":
        return Predicted(quantity.value, "money", getattr(money_unit, "currency_code", None))
    if unit.name == "percentage":
        return Predicted(quantity.value, "percent", None)
    if unit.entity.name == "dimensionless":
        return Predicted(quantity.value, "count", None)
    return Predicted(quantity.value, "other", None)


def _time(predict: Callable[[Case], Any], cases: Sequence[Case]) -> float:
    """Seconds for one pass over `cases`: the best round, rounds up to ~1 s in total."""
    predict(cases[0])  # warm-up: lazy imports, compiled patterns, quantulum3's tables
    best, spent, rounds = float("inf"), 0.0, 0
    while rounds < MAX_ROUNDS and (rounds < 3 or spent < MIN_ROUND_SECONDS):
        started = time.perf_counter()
        for case in cases:
            predict(case)
        elapsed = time.perf_counter() - started
        best, spent, rounds = min(best, elapsed), spent + elapsed, rounds + 1
    return best


def _measure(predict: Callable[[Case], Any], cases: Sequence[Case]) -> dict[str, Any]:
    result = score(cases, predict)
    seconds = _time(predict, cases)
    result["seconds"] = seconds
    result["sentences_per_s"] = len(cases) / seconds
    return result


def run(peer_path: Path) -> dict[str, Any]:
    """Score and time both extractors on `peer_path` (the peer-figures folder or its
    cases.jsonl). Returns {ours, quantulum3, speedup, cases}."""
    path = Path(peer_path)
    cases = load_cases(path / "cases.jsonl" if path.is_dir() else path)
    ours = _measure(_ours, cases)
    theirs = _measure(_quantulum(), cases)
    return {
        "cases": len(cases),
        "ours": ours,
        "quantulum3": theirs,
        "speedup": ours["sentences_per_s"] / theirs["sentences_per_s"],
    }


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PEER
    print(json.dumps(run(target), indent=2))
