"""Vectorised BM25F for boolean queries of terms: whole posting lists at once, in numpy.

Whoosh scores one document at a time in Python, and its block-max skipping
does not help transcripts (nearly every block holds a short segment with the
word once), so a word in 20,000 segments took ~40 ms. Here each posting list
is read block by block into arrays and scored with Whoosh's own BM25F formula,
which also yields the exact total and the full result set (facets, groups,
date order) for free. Phrase positions are checked by Whoosh's matcher, once.
Other exotic clauses return None: the caller then uses Whoosh's matchers.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import log

import numpy as np
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import (
    And,
    AndNot,
    Every,
    MultiTerm,
    Not,
    NullQuery,
    Or,
    Phrase,
    Query,
    Term,
)
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from index.schema import TEXT_FIELDS

K1, B = 1.2, 0.75  # Whoosh's BM25F defaults, so both paths rank alike
_BYTE_LENGTHS = np.array([1] + [byte_to_length(b) for b in range(1, 256)], dtype=np.float64)
_EMPTY = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))


class Unsupported(Exception):
    """The query has a clause this path does not evaluate (e.g. a phrase)."""


@dataclass
class SegmentLengths:
    """Per-document field lengths of one segment (Whoosh's byte-quantised ones)."""

    lengths: dict[str, np.ndarray]

    @classmethod
    def read(cls, reader) -> SegmentLengths:
        """Read the length columns of the text fields of an atomic segment reader."""
        size = reader.doc_count_all()
        lengths = {}
        for name in TEXT_FIELDS:
            column = reader._perdoc._cached_reader(f"_{name}_len", _lengths_column())
            raw = np.zeros(size, dtype=np.uint8)
            if column is not None and column._count:
                data = column._dbfile.get(column._basepos, column._count)
                raw[: column._count] = np.frombuffer(data, dtype=np.uint8)
            lengths[name] = _BYTE_LENGTHS[raw]
        return cls(lengths)


def _lengths_column():
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN

    return LENGTHS_COLUMN


@dataclass
class Segment:
    """What evaluation needs of one segment: its reader, docnum offset, lengths, deletions."""

    reader: object
    searcher: object  # the segment's own Whoosh searcher (phrases need one)
    offset: int
    lengths: SegmentLengths
    deleted: np.ndarray | None  # sorted local docnums, None when there are none


def evaluate(searcher, query: Query, segments: list[Segment]):
    """Return (global docnums sorted, scores) of every match, or None if unsupported."""
    stats = _Stats(searcher.reader())
    ids, scores = [], []
    try:
        for seg in segments:
            local_ids, local_scores = _eval(query, seg, stats)
            if seg.deleted is not None:
                local_ids, local_scores = _minus((local_ids, local_scores), seg.deleted)
            ids.append(local_ids + seg.offset)
            scores.append(local_scores)
    except Unsupported:
        return None
    if not ids:
        return _EMPTY
    return np.concatenate(ids), np.concatenate(scores)


class _Stats:
    def __init__(self, reader) -> None:
        self.reader = reader
        self.doc_count = reader.doc_count_all()
        self.avg = {f: (reader.field_length(f) / (self.doc_count or 1)) or 1 for f in TEXT_FIELDS}

    def idf(self, field: str, text: str) -> float:
        """Return Whoosh's inverse document frequency of a term over the whole index."""
        return log(self.doc_count / (self.reader.doc_frequency(field, text) + 1)) + 1


def _eval(q: Query, seg: Segment, stats: _Stats):
    reader, lengths = seg.reader, seg.lengths
    if q is NullQuery:
        return _EMPTY
    if isinstance(q, Term):
        ids, weights = _postings(reader, q.fieldname, q.text)
        if q.fieldname not in TEXT_FIELDS:
            return ids, weights * q.boost  # unscored fields: Whoosh's WeightScorer
        norm = K1 * ((1 - B) + B * lengths.lengths[q.fieldname][ids] / stats.avg[q.fieldname])
        idf = stats.idf(q.fieldname, q.text)
        return ids, q.boost * idf * (weights * (K1 + 1)) / (weights + norm)
    if isinstance(q, Phrase) and q.fieldname in TEXT_FIELDS:
        # Whoosh checks the word positions (one pass over the candidates); the
        # score is the BM25F of the phrase's words in the matching segments.
        ids = np.fromiter(q.matcher(seg.searcher).all_ids(), dtype=np.int64)
        scores = np.zeros(len(ids))
        for word in dict.fromkeys(q.words):
            word_ids, word_scores = _eval(Term(q.fieldname, word, boost=q.boost), seg, stats)
            scores += word_scores[np.searchsorted(word_ids, ids)]
        return ids, scores
    if isinstance(q, MultiTerm):  # prefixes, wildcards, ranges: constant score
        parts = [_postings(reader, q.fieldname, w)[0] for w in q._btexts(reader) if w]
        ids = np.unique(np.concatenate(parts)) if parts else _EMPTY[0]
        return ids, np.full(len(ids), float(q.boost))
    if isinstance(q, Every):
        ids = np.arange(reader.doc_count_all(), dtype=np.int64)
        return ids, np.full(len(ids), float(q.boost))
    if isinstance(q, And):
        positive = [c for c in q.subqueries if not isinstance(c, Not)]
        negative = [c.query for c in q.subqueries if isinstance(c, Not)]
        if not positive:
            raise Unsupported("an And of exclusions only")
        parts = sorted((_eval(c, seg, stats) for c in positive), key=lambda p: len(p[0]))
        ids, scores = parts[0]
        for other_ids, other_scores in parts[1:]:
            ids, left, right = np.intersect1d(
                ids, other_ids, assume_unique=True, return_indices=True
            )
            scores = scores[left] + other_scores[right]
        for c in negative:
            ids, scores = _minus((ids, scores), _eval(c, seg, stats)[0])
        return ids, scores * q.boost
    if isinstance(q, Or):
        parts = [_eval(c, seg, stats) for c in q.subqueries]
        all_ids = np.concatenate([p[0] for p in parts])
        ids, inverse = np.unique(all_ids, return_inverse=True)
        scores = np.bincount(
            inverse, weights=np.concatenate([p[1] for p in parts]), minlength=len(ids)
        )
        return ids, scores * q.boost
    if isinstance(q, AndNot):
        return _minus(_eval(q.a, seg, stats), _eval(q.b, seg, stats)[0])
    if isinstance(q, Not):
        every = np.arange(reader.doc_count_all(), dtype=np.int64)
        return _minus((every, np.ones(len(every))), _eval(q.query, seg, stats)[0])
    raise Unsupported(type(q).__name__)


def _minus(part, excluded: np.ndarray):
    ids, scores = part
    keep = ~np.isin(ids, excluded, assume_unique=True)
    return ids[keep], scores[keep]


def _postings(reader, field: str, text) -> tuple[np.ndarray, np.ndarray]:
    try:
        m = reader.postings(field, text)
    except TermNotFound:
        return _EMPTY
    if isinstance(m, FilterMatcher):
        # Deletions are removed once per segment after evaluation; the filter
        # may already have moved its child past deleted postings, never others.
        m = m.child
    if not hasattr(m, "_read_data"):  # an inlined short posting list
        ids, weights = [], []
        while m.is_active():
            ids.append(m.id())
            weights.append(m.weight())
            m.next()
        return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64)
    id_parts, weight_parts = [], []
    while m.is_active():
        # Whole blocks: ids are stored delta-encoded, weights as an array or a
        # single value standing for every posting of the block.
        m._read_data()
        deltas, weights = m._data[0], m._data[1]
        id_parts.append(np.cumsum(np.asarray(deltas, dtype=np.int64)))
        count = m._blocklength
        if weights is None:
            weight_parts.append(np.ones(count))
        elif isinstance(weights, float):
            weight_parts.append(np.full(count, weights))
        else:
            weight_parts.append(np.asarray(weights, dtype=np.float64))
        m._next_block()
    if not id_parts:  # every posting deleted
        return _EMPTY
    return np.concatenate(id_parts), np.concatenate(weight_parts)
