"""Posting lists read without unpickling positions must equal what Whoosh's matchers read."""

from __future__ import annotations

import pickle
import random
import zlib
from pathlib import Path

import numpy as np
import pytest

from index.postings import _ids_and_weights, positions, read_postings
from index.search import Searcher


def _whoosh_postings(reader, field: str, text: str) -> tuple[list[int], list[float], list]:
    m = reader.postings(field, text)
    ids, weights, places = [], [], []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        places.append(m.value_as("positions"))
        m.next()
    return ids, weights, places


def test_every_term_reads_as_whoosh_reads_it(busy_index: Path) -> None:
    """Ids, frequencies and positions of every word, in multi-block, compressed, inlined lists."""
    with Searcher(busy_index) as searcher:
        checked = 0
        for segment in searcher._fast:
            reader = segment.reader
            for text in reader.lexicon("text_fr"):
                found = read_postings(reader, "text_fr", text)
                ids, weights, places = _whoosh_postings(reader, "text_fr", text)
                deleted = set(segment.deleted.tolist()) if segment.deleted is not None else set()
                live = ~np.isin(found.ids, list(deleted))
                assert found.ids[live].tolist() == ids
                assert found.weights[live].tolist() == weights
                doc_index, pos = positions(found, found.ids[live])
                assert [pos[doc_index == i].tolist() for i in range(len(ids))] == places
                checked += len(ids) > 128  # more than one block
        assert checked >= 5


@pytest.mark.parametrize("count", [1, 3, 4, 200])
@pytest.mark.parametrize("weights", ["none", "one", "each", "one-ending-in-a-mark"])
def test_a_block_of_any_shape_reads_right(count: int, weights: str) -> None:
    """Whatever the block holds, compressed or not, its ids and weights come back whole."""
    rng = random.Random(count)
    deltas = tuple(rng.randrange(1, 70_000) for _ in range(count))
    block_weights = {
        "none": None,
        "one": 2.0,
        "each": tuple(float(rng.randrange(1, 9)) for _ in range(count)),
        # A float whose last pickled byte is "(" — the values' MARK opcode.
        "one-ending-in-a-mark": np.frombuffer(bytes(7) + b"(", ">f8")[0].item(),
    }[weights]
    values = tuple(b"\x00\x00\x00\x01" + pickle.dumps([k], 2)[:-1] for k in range(count))
    raw = pickle.dumps((deltas, block_weights, values), 2)
    for block, compression in ((raw, 0), (zlib.compress(raw, 3), 3)):
        assert _ids_and_weights(block, compression, count) == (deltas, block_weights)
