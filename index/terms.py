"""Prefix and wildcard queries that stay fast when they expand to many words.

Whoosh ORs the expanded terms into a tree of union matchers whose per-document
cost grows with the number of terms ("gra*" took seconds). These queries read
the postings of all expanded terms once per segment into one sorted list; they
score every match the same, which is what a prefix deserves anyway.
"""

from __future__ import annotations

import numpy as np
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.query import Prefix, Wildcard


class _UnionMixin:
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


class UnionPrefix(_UnionMixin, Prefix):
    """A prefix query matching all words that start with `text`, at a constant score."""


class UnionWildcard(_UnionMixin, Wildcard):
    """A wildcard query (`*`, `?`) over words, at a constant score."""
