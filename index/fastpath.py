"""Vectorised BM25F for boolean queries of terms: whole posting lists at once, in numpy.

Whoosh scores one document at a time in Python, and its block-max skipping
does not help transcripts (nearly every block holds a short segment with the
word once), so a word in 20,000 segments took ~40 ms. Here each posting list
is read block by block into arrays and scored with Whoosh's own BM25F formula,
which also yields the exact total and the full result set (facets, groups,
date order) for free. Exact phrases intersect their words' lists here too,
then check positions of the remaining candidates only (`index.postings`).
Other exotic clauses return None: the caller then uses Whoosh's matchers.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import log

import numpy as np
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
from whoosh.util.numeric import byte_to_length

from index.postings import Postings, positions, read_postings
from index.schema import TEXT_FIELDS
from index.termcache import PostingsCache

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
    key: object = None  # the segment's id, what its cached posting lists are filed under
    cache: PostingsCache | None = None

    def postings(self, field_name: str, text: str) -> Postings:
        """Return a word's postings in this segment (from the searcher's cache when kept)."""
        if self.cache is None:
            return read_postings(self.reader, field_name, text)
        return self.cache.postings(self.reader, self.key, field_name, text)


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
        found = seg.postings(q.fieldname, q.text)
        ids, weights = found.ids, found.weights
        if q.fieldname not in TEXT_FIELDS:
            return ids, weights * q.boost  # unscored fields: Whoosh's WeightScorer
        return ids, _bm25(q.fieldname, q.text, ids, weights, q.boost, lengths, stats)
    if isinstance(q, Phrase) and q.fieldname in TEXT_FIELDS and q.slop == 1:
        return _phrase(q, seg, stats)
    if isinstance(q, Phrase) and q.fieldname in TEXT_FIELDS:  # a sloppy phrase ("a b"~3)
        # Whoosh checks the word positions (one pass over the candidates); the
        # score is the BM25F of the phrase's words in the matching segments.
        ids = np.fromiter(q.matcher(seg.searcher).all_ids(), dtype=np.int64)
        scores = np.zeros(len(ids))
        for word in dict.fromkeys(q.words):
            word_ids, word_scores = _eval(Term(q.fieldname, word, boost=q.boost), seg, stats)
            scores += word_scores[np.searchsorted(word_ids, ids)]
        return ids, scores
    if isinstance(q, MultiTerm):  # prefixes, wildcards, ranges: constant score
        parts = [seg.postings(q.fieldname, w).ids for w in q._btexts(reader) if w]
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


def _bm25(field: str, text: str, ids, weights, boost: float, lengths, stats: _Stats):
    """Return Whoosh's BM25F score of one term's postings `ids` with frequencies `weights`."""
    norm = K1 * ((1 - B) + B * lengths.lengths[field][ids] / stats.avg[field])
    return boost * stats.idf(field, text) * (weights * (K1 + 1)) / (weights + norm)


def _phrase(q: Phrase, seg: Segment, stats: _Stats):
    """Return the documents where the phrase's words follow each other, scored by its words.

    As Whoosh's exact phrase (slop 1): word i at position p + i for some p.
    Whoosh walks the intersection one document at a time in Python (450 ms
    for two frequent words at 3,000 hours); here the posting lists are
    intersected in numpy and only the candidates' positions are decoded.
    """
    field, words = q.fieldname, list(q.words)
    if not words:
        return _EMPTY
    postings = {w: seg.postings(field, w) for w in dict.fromkeys(words)}
    candidates = None
    for word, found in sorted(postings.items(), key=lambda p: len(p[1].ids)):  # rarest first
        ids = found.ids
        times = words.count(word)
        if times > 1:  # "aussi avec aussi": a passage must hold the word twice (weight: count)
            ids = ids[found.weights >= times]
        candidates = ids if candidates is None else np.intersect1d(candidates, ids, True)
        if not len(candidates):
            return _EMPTY
    where = {w: positions(found, candidates) for w, found in postings.items()}
    # One key per (candidate, where the phrase would start): doc index * stride + start.
    stride = 1 + max(int(pos.max(initial=0)) for _, pos in where.values())
    starts = None
    for i, word in enumerate(words):
        doc_index, pos = where[word]
        keep = pos >= i
        keys = np.unique(doc_index[keep] * stride + (pos[keep] - i))
        starts = keys if starts is None else np.intersect1d(starts, keys, True)
    ids = candidates[np.unique(starts // stride)]
    scores = np.zeros(len(ids))
    for word, found in postings.items():
        weights = found.weights[np.searchsorted(found.ids, ids)]
        scores += _bm25(field, word, ids, weights, q.boost, seg.lengths, stats)
    return ids, scores


def _minus(part, excluded: np.ndarray):
    ids, scores = part
    keep = ~np.isin(ids, excluded, assume_unique=True)
    return ids[keep], scores[keep]
