"""Why a query was read differently from how it was typed, as codes the portal words.

The index says what happened (a code and its parameters) and never in which
language: the portal translates notices for the reader (portal/wording.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class NoticeCode(StrEnum):
    """What happened to a query."""

    TOO_LONG = "too_long"  # only its first words were searched
    UNREADABLE = "unreadable"  # the parser gave up: its words were searched
    UNCLOSED_QUOTE = "unclosed_quote"
    UNBALANCED = "unbalanced"  # params: pair, e.g. "()"
    NOTHING_TO_COMBINE = "nothing_to_combine"  # params: operator, e.g. "AND"
    OPERATORS_IN_A_ROW = "operators_in_a_row"
    EMPTY_FIELD = "empty_field"  # params: field, e.g. "speaker"
    UNRESOLVED = "unresolved"  # params: values, e.g. "speaker:nobody, org:x"
    ONLY_COMMON_WORDS = "only_common_words"  # only stop words, which are not indexed
    # Patterns (words with * or ?) whose cost is bounded:
    PATTERN_NEEDS_LETTERS = "pattern_needs_letters"  # ignored; params: patterns, e.g. "*e*, ?"
    TOO_MANY_PATTERNS = "too_many_patterns"  # the later ones ignored; params: max, patterns
    PATTERN_LIMITED = "pattern_limited"  # searched for some words only; params: patterns, words


@dataclass(frozen=True)
class Notice:
    """A notice code with the parts of the query it is about."""

    code: NoticeCode
    params: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        details = ", ".join(f"{key}={value}" for key, value in self.params.items())
        return f"{self.code.value} ({details})" if details else self.code.value
