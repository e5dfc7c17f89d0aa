"""Regex building blocks shared by every layer of the figure extractor.

Word lists are compiled as prefix trees (`trie`) rather than flat alternations: `re`
tries the branches of an alternation one after the other at every position, while a
tree fails at most positions on their first character. The extractor scans every post
of the archive, so this is where most of its speed comes from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

SP = r"[ \u00a0]"
"""One space inside a number expression: a plain or a no-break space (never a tab,
which separates table cells)."""


def words(spaced: str) -> list[str]:
    """The words of a literal: long vocabularies read better as text than as lists."""
    return spaced.split()


def trie(vocabulary: Iterable[str]) -> str:
    """Regex alternation of `vocabulary` shaped as a prefix tree."""
    tree: dict[str, dict] = {}
    for word in vocabulary:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _emit(tree)


def alternatives(vocabulary: Iterable[str]) -> str:
    """A flat alternation, for the few places that need fixed-width branches."""
    return "|".join(re.escape(word) for word in vocabulary)


def _emit(node: dict[str, dict]) -> str:
    branches = [re.escape(char) + _emit(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" not in node:
        return body
    return body + "?" if len(body) == 1 else f"(?:{body})?"
