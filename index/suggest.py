""" "Did you mean": when nothing matches, correct the words the visible sessions do not know.

Index terms are stems ("seanc"), which are not words to show a user, so a
corrected term is turned back into a word by finding it in a matching segment.
Only visible segments count, for the words and for the corrected query: a word
said only in a draft is never proposed, nor one that finds only drafts.
"""

from __future__ import annotations

import re

from whoosh.query import Query, Term

from index.analysis import terms, token_spans
from index.schema import TEXT_FIELDS
from index.visibility import View

_WORD_RE = re.compile(r"\w+")


def suggest(searcher, query: Query, text: str, view: View) -> str | None:
    """Return a corrected query string that finds something visible, or None."""
    reader = searcher.reader()
    fixes: dict[tuple[str, str], str] = {}
    for leaf in query.leaves():
        if isinstance(leaf, Term) and leaf.fieldname in TEXT_FIELDS:
            if view.frequency(reader, leaf.fieldname, leaf.text) == 0:
                better = _closest(reader, leaf.fieldname, leaf.text, view)
                if better:
                    fixes[(leaf.fieldname, leaf.text)] = better
    if not fixes:
        return None
    corrected = _replace(query, fixes)
    top = searcher.search(corrected, limit=5, mask=view.hidden_docs)
    if top.is_empty():
        return None
    surface = _surface_words(top, fixes)
    words = []
    for match in _WORD_RE.finditer(text):
        word = match.group(0)
        for (field, wrong), right in fixes.items():
            if wrong in terms(word, field.removeprefix("text_")) and right in surface:
                word = surface[right]
                break
        words.append((match.start(), match.end(), word))
    fixed = text
    for start, end, word in reversed(words):
        fixed = fixed[:start] + word + fixed[end:]
    return fixed if fixed != text else None


def _closest(reader, field: str, term: str, view: View) -> str | None:
    for maxdist in (1, 2):
        found = {
            candidate
            for leaf, _ in reader.leaf_readers()
            if field in leaf.indexed_field_names()
            for candidate in leaf.terms_within(field, term, maxdist, prefix=1)
        }
        counts = {c: view.frequency(reader, field, c) for c in sorted(found)}
        counts = {c: n for c, n in counts.items() if n}
        if counts:
            return max(counts, key=counts.__getitem__)
    return None


def _replace(query: Query, fixes: dict[tuple[str, str], str]) -> Query:
    if isinstance(query, Term) and (query.fieldname, query.text) in fixes:
        return Term(query.fieldname, fixes[(query.fieldname, query.text)], boost=query.boost)
    if query.is_leaf():
        return query
    return query.apply(lambda q: _replace(q, fixes))


def _surface_words(results, fixes: dict[tuple[str, str], str]) -> dict[str, str]:
    # The word as spoken in a matching segment, e.g. "séance" for the stem "seanc".
    wanted = set(fixes.values())
    found: dict[str, str] = {}
    for hit in results:
        stored = hit.fields()
        text = stored.get("text", "")
        for term, _, start, end in token_spans(text, stored.get("lang", "fr")):
            if term in wanted and term not in found:
                found[term] = text[start:end].lower()
    return found
