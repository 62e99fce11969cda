"""Keep the decoded posting lists of frequent words: what common-word searches spend most on.

A word said in 60,000 passages of a 3,000-hour archive takes several
milliseconds to read and decode, every time it is searched, and frequent words are the ones
searched most. Segments never change once written (deletions are applied
after evaluation), so a list decoded once stays right for as long as its
segment is served. Only long lists are kept, compactly (int32 ids, float32
frequencies: both exact), within a byte budget, least recently used first out.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace

import numpy as np

from index.postings import Postings, read_postings

CACHE_MB = 64  # per warm searcher (one per portal process)
MIN_POSTINGS = 2_048  # shorter lists decode in well under a millisecond


class PostingsCache:
    """Decoded posting lists per (segment, field, word), bounded in bytes."""

    def __init__(self, max_mb: float = CACHE_MB, min_postings: int = MIN_POSTINGS) -> None:
        self.max_bytes = int(max_mb * 2**20)
        self.min_postings = min_postings
        self.bytes = 0
        self._entries: OrderedDict[tuple, Postings] = OrderedDict()

    def postings(self, reader, segment_key: object, field_name: str, text: str) -> Postings:
        """Return the word's postings in this segment, decoding them only when not kept."""
        key = (segment_key, field_name, text)
        kept = self._entries.get(key)
        if kept is not None:
            self._entries.move_to_end(key)
            # The reader may be a newer one over the same segment: values come from it.
            return replace(
                kept,
                ids=kept.ids.astype(np.int64),
                weights=kept.weights.astype(np.float64),
                source=(reader, field_name, text),
            )
        found = read_postings(reader, field_name, text)
        if len(found.ids) >= self.min_postings and found.blocks:
            self._keep(key, found)
        return found

    def _keep(self, key: tuple, found: Postings) -> None:
        weights = found.weights.astype(np.float32)
        if not np.array_equal(weights, found.weights):  # not whole frequencies: keep them as are
            weights = found.weights
        compact = replace(
            found, ids=found.ids.astype(np.int32), weights=weights, postfile=None, source=None
        )
        size = _size(compact)
        if size > self.max_bytes:
            return
        self._entries[key] = compact
        self.bytes += size
        while self.bytes > self.max_bytes:
            _, dropped = self._entries.popitem(last=False)
            self.bytes -= _size(dropped)

    def keep_segments(self, segment_keys: set) -> None:
        """Forget the lists of segments no longer served."""
        for key in [k for k in self._entries if k[0] not in segment_keys]:
            self.bytes -= _size(self._entries.pop(key))


def _size(postings: Postings) -> int:
    return postings.ids.nbytes + postings.weights.nbytes
