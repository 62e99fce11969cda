"""Which words of a hit matched, where its snippet is, and when the match was said.

The hit's text is analysed with its session's analyser and each token compared
with the query's positive terms (prefixes and phrases included), so the
snippet marks exactly what matched and the time is the first matched word's.
Transcript text is never trusted: everything outside <mark> is escaped.
"""

from __future__ import annotations

import fnmatch
import html
import re
from dataclasses import dataclass, field

from whoosh.query import AndNot, Not, Phrase, Prefix, Query, Term, Wildcard

from index.analysis import token_spans
from index.schema import PLAIN_FIELD, TEXT_FIELDS, unpack_words

SNIPPET_CHARS = 240


@dataclass
class MatchSpec:
    """The positive text clauses of a query (terms and phrases per analysed language)."""

    terms: dict[str, set[str]] = field(default_factory=dict)
    prefixes: list[str] = field(default_factory=list)  # of unstemmed, folded words
    patterns: list[re.Pattern[str]] = field(default_factory=list)
    phrases: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)


def match_spec(query: Query) -> MatchSpec:
    """Collect the text clauses of `query` that a hit must show (not the excluded ones)."""
    spec = MatchSpec()
    _collect(query, spec)
    return spec


def _collect(query: Query, spec: MatchSpec) -> None:
    if isinstance(query, Not):
        return
    if isinstance(query, AndNot):
        _collect(query.a, spec)
        return
    if not query.is_leaf():
        for child in query.children():
            _collect(child, spec)
        return
    name = getattr(query, "fieldname", None)
    if name == PLAIN_FIELD and isinstance(query, Prefix):
        spec.prefixes.append(query.text)
    elif name == PLAIN_FIELD and isinstance(query, Wildcard):
        spec.patterns.append(re.compile(fnmatch.translate(query.text)))
    if name not in TEXT_FIELDS:
        return
    lang = name.removeprefix("text_")
    if isinstance(query, Term):
        spec.terms.setdefault(lang, set()).add(query.text)
    elif isinstance(query, Phrase):
        spec.phrases.setdefault(lang, []).append(tuple(query.words))


def find_matches(text: str, lang: str, spec: MatchSpec) -> list[tuple[int, int]]:
    """Return the character spans of the words of `text` that match `spec`, in order."""
    tokens = token_spans(text, lang)
    terms = spec.terms.get(lang, ())
    prefixes = tuple(spec.prefixes)
    matched = [
        term in terms
        or (prefixes and word.startswith(prefixes))
        or any(p.match(word) for p in spec.patterns)
        for term, word, _, _ in tokens
    ]
    stems = [term for term, _, _, _ in tokens]
    for phrase in spec.phrases.get(lang, ()):
        n = len(phrase)
        for i in range(len(stems) - n + 1):
            if tuple(stems[i : i + n]) == phrase:
                matched[i : i + n] = [True] * n
    return [(start, end) for (_, _, start, end), hit in zip(tokens, matched, strict=True) if hit]


def first_match_ms(
    spans: list[tuple[int, int]],
    packed_words: str | None,
    start_ms: int,
    segment: tuple[int, int] = (0, -1),
) -> int:
    """Return when the first matched word was said (its segment's start if unknown).

    `start_ms` is the passage's start (what word timings are packed from);
    `segment` is (char, start_ms) of the segment holding the first match: a
    word timed before that segment's text never gives the time.
    """
    segment_char, segment_ms = segment
    segment_ms = start_ms if segment_ms < 0 else segment_ms
    if not spans or not packed_words:
        return segment_ms
    first_char = spans[0][0]
    when = segment_ms
    for char, word_ms in unpack_words(packed_words, start_ms):
        if char > first_char:
            break
        if char >= segment_char:
            when = word_ms
    return when


def snippet_html(text: str, spans: list[tuple[int, int]], max_chars: int = SNIPPET_CHARS) -> str:
    """Return escaped HTML of (a window of) `text` with matched words in <mark>."""
    begin, end = 0, len(text)
    if end > max_chars:
        anchor = spans[0][0] if spans else 0
        begin = max(0, anchor - max_chars // 4)
        if begin:
            begin = text.find(" ", begin) + 1 or begin  # start on a word boundary
        end = min(len(text), begin + max_chars)
        if end < len(text):
            end = text.rfind(" ", begin, end) if text.rfind(" ", begin, end) > anchor else end
    parts = ["…" if begin else ""]
    cursor = begin
    for start, stop in spans:
        if start < cursor or stop > end:
            continue
        parts += [
            html.escape(text[cursor:start]),
            "<mark>",
            html.escape(text[start:stop]),
            "</mark>",
        ]
        cursor = stop
    parts.append(html.escape(text[cursor:end]))
    parts.append("…" if end < len(text) else "")
    return "".join(parts)
