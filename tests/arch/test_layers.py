"""The import rules of the package's layers (docs/ARCHITECTURE.md), checked on the source.

Every module is parsed (not imported) and each `pipeline.*` import it makes, at module
level or inside a function, must be allowed for its layer. A new module in a new folder
fails until its layer is given rules here, so the design cannot drift unnoticed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "pipeline"

# layer → the layers it may import (besides itself). Lower layers never import higher ones:
# readers and extractors are pure, the fetcher never touches the db, the db layer never
# imports a stage or the CLI, and only the CLI sees everything.
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "model": {"errors"},
    "blogger": {"model", "errors"},
    "extract": {"model", "errors"},
    "config": {"errors", "blogger"},
    "http": {"model", "errors", "config"},
    "db": {"model", "errors"},
    "lock": {"errors"},
    "stages": {"model", "errors", "config", "blogger", "extract", "http", "db", "lock"},
    "migrate": {"model", "errors", "blogger", "db"},
    "web": {"model", "errors", "config", "blogger", "extract", "http", "db"},
    "cli": {
        "model",
        "errors",
        "config",
        "blogger",
        "extract",
        "http",
        "db",
        "lock",
        "stages",
        "migrate",
        "web",
    },
    "__main__": {"cli"},
    "__init__": set(),
}


def layer_of(module: Path) -> str:
    parts = module.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def pipeline_imports(module: Path) -> set[str]:
    """The layers a module imports from (`pipeline.X…` → X)."""
    found = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = (
                [node.module]
                if node.module != "pipeline"
                else [f"pipeline.{a.name}" for a in node.names]
            )
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        found |= {n.split(".")[1] for n in names if n.startswith("pipeline.")}
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_imports_only_lower_layers(module: Path) -> None:
    layer = layer_of(module)
    assert layer in ALLOWED, f"{layer}: a new layer needs its import rules in this test"
    wrong = pipeline_imports(module) - ALLOWED[layer] - {layer}
    assert not wrong, f"{module.relative_to(PACKAGE)} imports {sorted(wrong)}"


def test_the_rules_see_real_imports() -> None:
    """Guard against a checker that finds nothing: the CLI imports the stages."""
    assert "stages" in pipeline_imports(PACKAGE / "cli.py")
