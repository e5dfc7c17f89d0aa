"""Phrase machinery shared by the three extractors: one way to match words in text.

Both taggers compile their vocabularies into a single trie-shaped regular expression
(`PhraseMatcher`), because the pipeline tags hundreds of posts per second and a scan per
phrase would be far too slow; `compiled_for` keeps each compiled vocabulary for the life of
the process, and `load_vocabulary` reads the vocabularies shipped as package data.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Iterator
from functools import lru_cache
from importlib import resources
from typing import Any, TypeVar

import yaml

_SEPARATOR = r"[\s\-\u2010\u2011]+"  # a space in a phrase: any run of spaces or hyphens
_HYPHEN = r"[\s\-\u2010\u2011]?"  # a hyphen in a phrase: hyphen, space or nothing
_APOSTROPHE = "['\u2019]"
_WILDCARD, _PLURAL, _PLURAL_Y, _WORD_END = r"\w*", "(?:s|es)?", "(?:y|ies)", r"(?!\w)"
_ENDINGS = frozenset((_WILDCARD, _PLURAL, _PLURAL_Y, _WORD_END))
# Checked after the first character (the one before it must not be a word character) rather than
# before it: the regex then starts with a plain set of first characters, which the engine scans
# for in C instead of trying every position of the text (see PhraseMatcher.__init__).
_WORD_START = r"(?<!\w.)"


class _Node:
    __slots__ = ("children", "is_end")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.is_end = False


def _phrase_tokens(phrase: str, word_start_inside: bool) -> list[str]:
    """Split a phrase into regex tokens, one per character, so phrases can share a trie.

    A final "*" matches any word ending; otherwise a plural ("s", "es", or "y" → "ies") is
    accepted, because vocabularies list words in the singular.
    """
    wildcard = phrase.endswith("*")
    body = phrase.rstrip("*")
    tokens = []
    for char in body:
        if char == " ":
            tokens.append(_SEPARATOR)
        elif char == "-":
            tokens.append(_HYPHEN)
        elif char in "'\u2019":
            tokens.append(_APOSTROPHE)
        else:
            tokens.append(re.escape(char))
    if wildcard:
        tokens.append(_WILDCARD)
    elif len(body) > 2 and body[-1] == "y" and body[-2] not in "aeiou":
        tokens[-1] = _PLURAL_Y
    elif body[-1].isalpha():
        tokens.append(_PLURAL)
    if body[-1].isalnum() or wildcard:
        tokens.append(_WORD_END)
    if word_start_inside:
        tokens.insert(1, _WORD_START)
    return tokens


_KEY_IGNORED = re.compile(r"[\s\-\u2010\u2011'\u2019]+")
_PLURALS = (("s", ""), ("es", ""), ("ies", "y"))


def phrase_key(phrase: str) -> str:
    """The identity of a phrase for PhraseMatcher: "Timor-Leste", "TIMOR LESTE" → "timorleste".

    Every spelling the regex accepts for a phrase has the same key (up to a plural or, for a
    "*" phrase, a word ending), so the matched text tells which phrase matched.
    """
    return _KEY_IGNORED.sub("", phrase).lower()


class PhraseMatcher:
    """Finds many phrases in one pass of one compiled regex.

    The phrases form a trie, so shared prefixes are matched once and the engine jumps between
    the possible first characters. At a given position the longest phrase wins: "Indian Ocean"
    hides "Indian" and "Papua New Guinea" hides "New Guinea". Phrases start at a word start;
    see `_phrase_tokens` for the syntax. The matched phrase is told by its `phrase_key` rather
    than by a capturing group per phrase, because a successful match copies every group of the
    pattern and thousands of them made each match cost about 20 µs.
    """

    def __init__(self, phrases: Iterable[str]) -> None:
        phrases = [phrase for phrase in phrases if phrase.rstrip("*")]
        # Scanning for the first characters pays only if they are rare in text; lower-case ones
        # are everywhere, and there a word-start check before each position is faster.
        lowercase_starts = any(phrase[0].islower() for phrase in phrases)
        root = _Node()
        self._resolved: dict[str, str] = {}  # matched text → key; spellings in text are few
        self._keys: set[str] = set()
        self._stems: set[str] = set()  # keys of "*" phrases, without the "*"
        for phrase in phrases:
            node = root
            for token in _phrase_tokens(phrase, word_start_inside=not lowercase_starts):
                node = node.children.setdefault(token, _Node())
            node.is_end = True
            key = phrase_key(phrase)
            if key.endswith("*"):
                self._stems.add(key.rstrip("*"))
            self._keys.add(key)
        trie = self._emit(root) if root.children else "(?!)"
        self._pattern = re.compile(rf"(?<!\w){trie}" if lowercase_starts else trie)

    def _emit(self, node: _Node) -> str:
        # Endings (plural, wildcard, word end) go after literal continuations, and the end of a
        # phrase after everything: the regex takes the first alternative that matches, and the
        # longest phrase must win.
        children = sorted(node.children.items(), key=lambda item: item[0] in _ENDINGS)
        alternatives = [token + self._emit(child) for token, child in children]
        if node.is_end:
            alternatives.append("")
        if len(alternatives) == 1:
            return alternatives[0]
        return "(?:" + "|".join(alternatives) + ")"

    def _key_of_match(self, text: str) -> str:
        known = self._resolved.get(text)
        if known is None:
            known = self._resolved[text] = self._resolve(text)
        return known

    def _resolve(self, text: str) -> str:
        key = phrase_key(text)
        if key in self._keys:
            return key
        for suffix, replacement in _PLURALS:
            singular = key[: -len(suffix)] + replacement
            if key.endswith(suffix) and singular in self._keys:
                return singular
        stem = next(key[:end] for end in range(len(key), 0, -1) if key[:end] in self._stems)
        return stem + "*"

    def finditer(self, text: str) -> Iterator[tuple[int, int, str]]:
        """Yield (start, end, phrase_key) for each non-overlapping match, left to right."""
        for match in self._pattern.finditer(text):
            yield match.start(), match.end(), self._key_of_match(match.group())


# libyaml's C loader when present: the vocabularies are large
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=4)
def load_vocabulary(name: str) -> Any:
    """A vocabulary shipped with the package (`vocab/countries.yaml`, `vocab/themes.yaml`).

    Read once per process through importlib.resources, so an installed wheel finds it
    wherever it lives; a config may replace it with a file of its own.
    """
    text = (
        resources.files("pipeline.extract")
        .joinpath("vocab", f"{name}.yaml")
        .read_text(encoding="utf-8")
    )
    return yaml.load(text, Loader=SafeLoader)


T = TypeVar("T")
_compiled: dict[tuple[str, Hashable], Any] = {}


def compiled_for(kind: str, raw: Any, build: Callable[[Any], T]) -> T:
    """Compile a raw config section once and reuse it for every post.

    Callers pass the same dict for every post, so the identity check is the fast path; a
    different object with equal content is found by its JSON form (no recompiling). A section
    is therefore treated as immutable: after changing one, pass a new object.
    """
    by_identity = _compiled.get((kind, id(raw)))
    if by_identity is not None and by_identity[0] is raw:
        return by_identity[1]
    content_key = (kind, json.dumps(raw, ensure_ascii=False, default=str))
    if content_key not in _compiled:
        if len(_compiled) > 64:  # vocabularies are few; this only stops unbounded growth
            _compiled.clear()
        _compiled[content_key] = build(raw)
    result = _compiled[content_key]
    _compiled[(kind, id(raw))] = (raw, result)
    return result


def ascii_fold(text: str) -> str:
    """ "Genève" → "Geneve": posts are written with and without accents."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))
