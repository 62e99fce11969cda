"""Per-document key tables: facet counts, per-session counts, date order and labels.

For each key field (speaker, org, series, year, session, date) every segment
gets an array docnum -> value ordinal, built once from the field's postings and
reused for as long as the segment lives. Counting a result set is then one
numpy `bincount`, and `speaker:dupont` can be resolved against the labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from index.analysis import fold, plain_words

FACET_FIELDS = ("speaker", "org", "series", "year")
TABLE_FIELDS = (*FACET_FIELDS, "session", "date", "hidden")
# Which stored field labels a key; keys without one are their own label.
LABEL_FIELDS = {"speaker": "speaker_name", "series": "series_title", "session": "session_title"}


@dataclass
class SegmentTable:
    """Key ordinals of one (immutable) Whoosh segment."""

    values: dict[str, list[str]]
    ordinals: dict[str, np.ndarray]  # per field: int32 per docnum, -1 when absent
    labels: dict[str, dict[str, str]]


def segment_table(reader) -> SegmentTable:
    """Build the key table of one atomic segment reader."""
    size = reader.doc_count_all()
    values: dict[str, list[str]] = {}
    ordinals: dict[str, np.ndarray] = {}
    labels: dict[str, dict[str, str]] = {}
    for name in TABLE_FIELDS:
        column = np.full(size, -1, dtype=np.int32)
        names: list[str] = []
        field_labels: dict[str, str] = {}
        label_field = LABEL_FIELDS.get(name)
        for term in reader.lexicon(name) if name in reader.indexed_field_names() else ():
            ids = np.fromiter(reader.postings(name, term).all_ids(), dtype=np.int64)
            column[ids] = len(names)
            value = term.decode("utf-8")
            names.append(value)
            if label_field and len(ids):
                stored = reader.stored_fields(int(ids[0]))
                field_labels[value] = stored.get(label_field) or value
        values[name], ordinals[name], labels[name] = names, column, field_labels
    return SegmentTable(values, ordinals, labels)


@dataclass
class KeyTables:
    """Key ordinals of a whole index (all segments, global docnums)."""

    values: dict[str, list[str]] = field(default_factory=dict)
    ordinals: dict[str, np.ndarray] = field(default_factory=dict)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    _words: dict[str, list[tuple[str, str, frozenset[str]]]] = field(default_factory=dict)
    # Per field, the only values names may resolve to (None: every value).
    _only: dict[str, frozenset[str]] | None = None

    @classmethod
    def combine(cls, parts: list[tuple[SegmentTable, int]], doc_count: int) -> KeyTables:
        """Concatenate segment tables (with their docnum offsets) into global ones."""
        tables = cls()
        for name in TABLE_FIELDS:
            # Sorted global values: for `date`, ordinal order is chronological order.
            everything = sorted({v for part, _ in parts for v in part.values[name]})
            position = {v: i for i, v in enumerate(everything)}
            column = np.full(doc_count, -1, dtype=np.int32)
            labels: dict[str, str] = {}
            for part, offset in parts:
                local = part.ordinals[name]
                mapping = np.array([position[v] for v in part.values[name]] + [-1], np.int32)
                column[offset : offset + len(local)] = mapping[local]
                labels.update(part.labels[name])
            tables.values[name], tables.ordinals[name], tables.labels[name] = (
                everything,
                column,
                labels,
            )
        return tables

    def restricted(self, visible: np.ndarray) -> KeyTables:
        """Return these tables where names resolve only to values of `visible` documents."""
        only = {}
        for name, column in self.ordinals.items():
            present = np.unique(column[visible])
            only[name] = frozenset(self.values[name][i] for i in present.tolist() if i >= 0)
        return KeyTables(self.values, self.ordinals, self.labels, _only=only)

    def label(self, name: str, value: str) -> str:
        """Return the human label of a key value (a speaker's name, a series' title)."""
        return self.labels.get(name, {}).get(value, value)

    def counts(self, name: str, docnums: np.ndarray) -> list[tuple[str, str, int]]:
        """Return (value, label, count) for the documents `docnums`, most frequent first."""
        values = self.values.get(name, [])
        if not values or not len(docnums):
            return []
        hits = np.bincount(self.ordinals[name][docnums] + 1, minlength=len(values) + 1)[1:]
        order = np.argsort(-hits, kind="stable")
        return [(values[i], self.label(name, values[i]), int(hits[i])) for i in order if hits[i]]

    def resolve(self, name: str, text: str, prefix: bool = False) -> list[str]:
        """Return the key values of field `name` that a user's `text` designates.

        A value matches when it equals the text (slug or exact value), or when
        every word of the text is a word of the value or of its label (the last
        one as a prefix when `prefix`).
        """
        wanted = plain_words(text)
        if not wanted:
            return []
        if name not in self._words:
            self._words[name] = [
                (value, fold(value), frozenset(plain_words(value + " " + self.label(name, value))))
                for value in self.values.get(name, [])
                if self._only is None or value in self._only.get(name, ())
            ]
        found = []
        folded = fold(text)
        for value, folded_value, have in self._words[name]:
            if folded_value == folded:
                found.append(value)
                continue
            head, last = wanted[:-1], wanted[-1]
            last_ok = any(w.startswith(last) for w in have) if prefix else last in have
            if last_ok and all(w in have for w in head):
                found.append(value)
        return found
