"""Prefix and wildcard queries that stay fast when they expand to many words.

Whoosh ORs the expanded terms into a tree of union matchers whose per-document
cost grows with the number of terms ("gra*" took seconds). These queries read
the postings of all expanded terms once per segment into one sorted list; they
score every match the same, which is what a prefix deserves anyway.

Their cost is bounded too: a pattern is expanded once per search against the
whole index, to at most `MAX_PATTERN_WORDS` words in alphabetical order after
scanning at most `MAX_SCANNED_WORDS` words of the dictionary. Alphabetical,
not most frequent first, because ranking by frequency reads every matching
word's statistics, which costs as much as the unbounded expansion it avoids.
"""

from __future__ import annotations

import copy
import fnmatch
import itertools
import re

import numpy as np
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.query import MultiTerm, Prefix, TermRange, Wildcard

# Chosen so that the worst query stays under 100 ms on 60,000 segments (see
# benchmarks/search.py, hostile kinds); not settings, since they trade cost
# against completeness in the same way for every archive.
MAX_PATTERNS = 4  # patterns (words with * or ?) searched in one query
MAX_PATTERN_WORDS = 100  # words one pattern is expanded to
MAX_QUERY_WORDS = 250  # words all the patterns of one query are expanded to
MAX_SCANNED_WORDS = 2_000  # dictionary words one wildcard reads to find them
WILDCARDS = "*?"


class _UnionMixin:
    words: tuple[str, ...] | None = None  # the bounded expansion, once `bounded`

    def bounded(self, words: list[str]):
        """Return a copy of this pattern that matches exactly `words`."""
        out = copy.copy(self)
        out.words = tuple(words)
        return out

    def _btexts(self, reader):
        if self.words is None:
            return super()._btexts(reader)
        return [w for w in self.words if (self.fieldname, w) in reader]

    def matcher(self, searcher, context=None):
        """Return one constant-score matcher over every expanded word's postings."""
        reader = searcher.reader()
        if not reader.is_atomic():
            # Collectors call matcher() per segment; this path is for direct callers.
            return super().matcher(searcher, context)
        words = [w for w in self._btexts(reader) if w]
        if not words:
            return NullMatcher()
        parts = [
            np.fromiter(reader.postings(self.fieldname, w).all_ids(), dtype=np.int64) for w in words
        ]
        ids = np.unique(np.concatenate(parts))
        if not len(ids):
            return NullMatcher()
        return ListMatcher(ids.tolist(), all_weights=self.boost)


class Words(_UnionMixin, MultiTerm):
    """A fixed list of terms of one field, matched at a constant score (a bounded range)."""

    def __init__(self, fieldname: str, words: list[str], boost: float = 1.0) -> None:
        self.fieldname, self.words, self.boost = fieldname, tuple(words), boost

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and (self.fieldname, self.words, self.boost) == (
            other.fieldname,
            other.words,
            other.boost,
        )

    def __hash__(self) -> int:
        return hash((self.fieldname, self.words, self.boost))

    def __repr__(self) -> str:
        return f"Words({self.fieldname!r}, {list(self.words)!r})"


class UnionPrefix(_UnionMixin, Prefix):
    """A prefix query matching all words that start with `text`, at a constant score."""


class UnionWildcard(_UnionMixin, Wildcard):
    """A wildcard query (`*`, `?`) over words, at a constant score."""


def literal_prefix(pattern: str) -> str:
    """Return the characters of a wildcard pattern before its first `*` or `?`."""
    match = re.match(r"[^*?]*", pattern)
    return match.group(0) if match else ""


def expand(pattern: Prefix | Wildcard | TermRange, reader, limit: int) -> tuple[list[str], bool]:
    """Return up to `limit` words of `reader` that `pattern` matches, alphabetically.

    The boolean says whether they are all of them; it is False as well when the
    scan stopped after `MAX_SCANNED_WORDS` dictionary words.
    """
    from_bytes = reader.schema[pattern.fieldname].from_bytes
    if isinstance(pattern, TermRange):  # every word it reads is in the range
        found = [from_bytes(b) for b in itertools.islice(pattern._btexts(reader), limit + 1)]
        return found[:limit], len(found) <= limit
    if isinstance(pattern, Prefix):
        prefix, regex = pattern.text, None
    else:
        prefix = literal_prefix(pattern.text)
        regex = re.compile(fnmatch.translate(pattern.text))
    words: list[str] = []
    for scanned, btext in enumerate(reader.expand_prefix(pattern.fieldname, prefix)):
        if scanned == MAX_SCANNED_WORDS:
            return words, False
        word = from_bytes(btext)
        if regex is None or regex.match(word):
            if len(words) == limit:
                return words, False
            words.append(word)
    return words, True
