"""Reading a term's posting list into numpy arrays, positions only where they are needed.

Whoosh stores a block of postings as one pickle of (id deltas, weights,
values), zlib-compressed. In a positional field the values are each
posting's pickled positions, and Python pickles them as calls to
`_codecs.encode`, so unpickling a block costs ~15 times more than its ids and
weights alone (a frequent word at 1,000 hours: 15 ms against 1 ms). Scoring needs
only ids and weights: this module decompresses and unpickles each block up to
where its values begin, and decodes whole blocks only where a phrase needs
positions. Any block it cannot read that way is read in full, as Whoosh does.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from itertools import chain, repeat
from pickle import loads

import numpy as np
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound

# Where a block's values begin: the first value's reference to `_codecs.encode`.
_VALUES = b"c_codecs\nencode\n"
_MARK = ord("(")  # the values tuple's MARK, when it holds more than three values
_COUNT_BYTES = 4  # a Positions value starts with its count (struct "!I")


@dataclass
class Postings:
    """One term's postings in one segment: ids, weights, and how to read their values."""

    ids: np.ndarray  # sorted local docnums (int64)
    weights: np.ndarray  # term frequencies (float64)
    postfile: object = None  # None: read from `source` (reader, field, text) when needed
    blocks: list[tuple[int, int, int, int]] = field(default_factory=list)  # first, at, size, zlib
    inlined: list[bytes] | None = None  # the values of a short list stored with its term
    source: tuple | None = None

    def values_at(self, indices: np.ndarray) -> list[bytes]:
        """Return the raw values of the postings at sorted `indices`, decoding only their blocks."""
        if self.inlined is not None:
            return [self.inlined[i] for i in indices.tolist()]
        if self.postfile is None and self.source is not None:
            self.postfile = _matcher(*self.source)._postfile
        firsts = np.array([b[0] for b in self.blocks], dtype=np.int64)
        which = np.searchsorted(firsts, indices, side="right") - 1
        decoded: dict[int, tuple] = {}
        out = []
        for index, block in zip(indices.tolist(), which.tolist(), strict=True):
            if block not in decoded:
                first, at, size, compression = self.blocks[block]
                decoded[block] = _whole(self.postfile.get(at, size), compression)[2]
            out.append(decoded[block][index - self.blocks[block][0]])
        return out


EMPTY = Postings(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64), inlined=[])


def read_postings(reader, field_name: str, text: str) -> Postings:
    """Return the postings of one term in one atomic segment reader (deleted ones may remain)."""
    try:
        m = _matcher(reader, field_name, text)
    except TermNotFound:
        return EMPTY
    if not hasattr(m, "_read_data"):  # an inlined short posting list
        ids, weights, values = [], [], []
        while m.is_active():
            ids.append(m.id())
            weights.append(m.weight())
            values.append(m.value())
            m.next()
        return Postings(
            np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64), inlined=values
        )
    deltas, weights, blocks = [], [], []
    first = previous_max = 0
    while m.is_active():
        size, count = m._nextoffset - m._dataoffset, m._blocklength
        raw = m._postfile.get(m._dataoffset, size)
        blocks.append((first, m._dataoffset, size, m._compression, previous_max))
        block_deltas, block_weights = _ids_and_weights(raw, m._compression, count)
        # Ids are delta-encoded within a block, its first one absolute; weights
        # a tuple, or one value standing for every posting of the block (None: 1.0).
        deltas.extend(block_deltas)
        if block_weights is None or isinstance(block_weights, float):
            weights.extend(repeat(block_weights or 1.0, count))
        else:
            weights.extend(block_weights)
        first, previous_max = first + count, m._maxid
        m._next_block()
    if not blocks:  # every posting deleted
        return EMPTY
    steps = np.array(deltas, dtype=np.int64)
    # One running sum for all blocks: each block's first id becomes a delta too.
    steps[[b[0] for b in blocks]] -= [b[4] for b in blocks]
    return Postings(
        np.cumsum(steps),
        np.array(weights, dtype=np.float64),
        m._postfile,
        [b[:4] for b in blocks],
    )


def _matcher(reader, field_name: str, text: str):
    m = reader.postings(field_name, text)
    # Deletions are removed once per segment after evaluation; the filter may
    # already have moved its child past deleted postings, never others.
    return m.child if isinstance(m, FilterMatcher) else m


def _whole(raw: bytes, compression: int) -> tuple:
    """Return a block's (id deltas, weights, values) as Whoosh reads it."""
    return loads(zlib.decompress(raw) if compression else raw)


def _ids_and_weights(raw: bytes, compression: int, count: int) -> tuple:
    """Return a block's (id deltas, weights), unpickling its values only when it must."""
    head = _head(raw, compression, count)
    if head is not None:
        try:
            deltas, weights = loads(head + b"\x86.")  # TUPLE2, STOP
        except Exception:  # not the layout this reader expects: read it whole
            deltas = weights = None
        else:
            if _plausible(deltas, weights, count):
                return deltas, weights
    deltas, weights, _ = _whole(raw, compression)
    return deltas, weights


def _head(raw: bytes, compression: int, count: int) -> bytes | None:
    """Return the pickle of a block up to its values (None: not found)."""
    if not compression:
        data, at = raw, raw.find(_VALUES)
    else:
        # Ids and weights take at most ~14 bytes a posting; values come after.
        inflate = zlib.decompressobj()
        step = 16 * count + 64
        data = inflate.decompress(raw, step)
        at = data.find(_VALUES)
        while at < 0 and inflate.unconsumed_tail:
            data += inflate.decompress(inflate.unconsumed_tail, step)
            at = data.find(_VALUES, max(0, len(data) - step - len(_VALUES)))
    if at <= 0:
        return None
    return data[: at - 1] if data[at - 1] == _MARK else data[:at]


def _plausible(deltas: object, weights: object, count: int) -> bool:
    if not isinstance(deltas, tuple) or len(deltas) != count:
        return False
    return weights is None or isinstance(weights, float) or len(weights) == count


def positions(postings: Postings, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (candidate index, position) of every occurrence of the term in `candidates`.

    `candidates` must all be among `postings.ids`. A `Positions` value is a
    4-byte count, then the pickled list of position deltas (its final STOP
    opcode sometimes left out).
    """
    picked = postings.values_at(np.searchsorted(postings.ids, candidates))
    deltas = [loads(v[_COUNT_BYTES:] + (b"" if v[-1:] == b"." else b".")) for v in picked]
    counts = np.fromiter(map(len, deltas), dtype=np.int64, count=len(deltas))
    flat = np.fromiter(chain.from_iterable(deltas), dtype=np.int64, count=int(counts.sum()))
    doc_index = np.repeat(np.arange(len(deltas)), counts)
    # Deltas to positions: a running sum restarting at each candidate.
    total = np.cumsum(flat)
    ends = np.cumsum(counts)
    before = np.concatenate(([0], total[ends[:-1] - 1])) if len(counts) else total
    return doc_index, total - np.repeat(before, counts)
