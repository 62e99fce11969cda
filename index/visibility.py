"""Which indexed segments a search may see: those of the sessions the catalogue publishes.

The catalogue's published flag is the one source of truth, read by the caller
at request time (`core.catalogue.queries.published_slugs`) and handed in with
the request. The `hidden` flag the writer stores in each document is only a
snapshot taken at indexing time: it lags an unpublishing until a worker
reindexes, so it serves only callers that have no catalogue at hand (a bare
index in tests and benchmarks).

Everything a search reveals goes through one `View`: hit lists and counts
(`visible`), Whoosh's own matchers (`hidden_docs`), the names `speaker:`,
`org:`, `session:` and `series:` resolve to, facets, and "did you mean".
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from index.facets import KeyTables


class View:
    """What one visibility state lets a search see of one index snapshot."""

    def __init__(self, tables: KeyTables, visible: np.ndarray | None) -> None:
        self.visible = visible  # bool per docnum; None when every document is visible
        # Names resolve only to values that have a visible document: a person
        # found only in drafts is as unknown as a person who does not exist.
        self.tables = tables if visible is None else tables.restricted(visible)

    @cached_property
    def hidden_docs(self) -> set[int] | None:
        """Return the docnums to mask in Whoosh searches (None when none is hidden)."""
        if self.visible is None:
            return None
        return set(np.flatnonzero(~self.visible).tolist())

    def keep(self, docs: np.ndarray) -> np.ndarray:
        """Return the visible docnums among `docs` (in their order)."""
        if self.visible is None or not len(docs):
            return docs
        return docs[self.visible[docs]]

    def frequency(self, reader, field: str, text: str) -> int:
        """Return how many visible documents contain the term."""
        if self.visible is None:
            return reader.doc_frequency(field, text)
        if not reader.doc_frequency(field, text):
            return 0
        ids = np.fromiter(reader.postings(field, text).all_ids(), dtype=np.int64)
        return int(self.visible[ids].sum())


def build_view(
    tables: KeyTables, published: frozenset[str] | None, include_unpublished: bool
) -> View:
    """Return the view of the index that a request's visibility allows.

    `published`: the slugs of the sessions viewers may see, from the catalogue;
    None falls back to the indexed `hidden` snapshot (no catalogue at hand).
    """
    sessions = tables.ordinals.get("session")
    if include_unpublished or sessions is None:
        return View(tables, None)
    if published is not None:
        allowed = np.array(
            [value in published for value in tables.values["session"]] + [False], dtype=bool
        )
        visible = allowed[sessions]  # -1 (no session) picks the trailing False
    else:
        visible = tables.ordinals["hidden"] < 0
    return View(tables, None if visible.all() else visible)
