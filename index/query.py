"""From what a researcher types to a Whoosh query, never raising on bad input.

Syntax: words (all must match), "exact phrases", OR, -exclusion (or NOT),
prefix*, wild?ca*ds, and fields speaker:, org:, session:, series:, year: (2018,
2015-2018, [2015 TO 2018]) and date: (2018-03, [2018-01-01 TO 2018-06-30], >2018-01-01).
A malformed query is searched as plain words, with a notice code saying why.
Patterns (prefixes and wildcards) cost at most a bounded expansion: one that
does not start with a letter or digit, or beyond the first `MAX_PATTERNS`, is
ignored, and `bound_patterns` cuts the others' words, each time with a notice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from whoosh import qparser
from whoosh.qparser import AndGroup, QueryParser
from whoosh.query import (
    And,
    AndNot,
    Every,
    Not,
    NullQuery,
    Or,
    Phrase,
    Prefix,
    Query,
    Term,
    TermRange,
    Wildcard,
)

from core.settings import Settings
from index.analysis import LANGUAGES, fold, terms
from index.facets import KeyTables
from index.notices import Notice, NoticeCode
from index.schema import PLAIN_FIELD, TEXT_FIELDS, build_schema
from index.terms import (
    MAX_PATTERN_WORDS,
    MAX_PATTERNS,
    MAX_QUERY_WORDS,
    UnionPrefix,
    UnionWildcard,
    Words,
    expand,
    literal_prefix,
)

MAX_PLAIN_WORDS = 32
KEY_QUERY_FIELDS = ("speaker", "org", "session", "series")
ALIASES = {
    "speaker": ["orateur", "intervenant"],
    "org": ["affiliation", "organisation"],
    "session": ["seance"],
    "series": ["serie"],
    "year": ["annee"],
}
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
_FIELD_NAMES = {*KEY_QUERY_FIELDS, "year", "date"} | {a for al in ALIASES.values() for a in al}
_EMPTY_FIELD_RE = re.compile(r"(?:^|[\s(])(\w+):(?=\s|$|\))")
_YEAR_SPAN_RE = re.compile(r"^(\d{4})\s*(?:-|\.\.)\s*(\d{4})$")
_WORD_RE = re.compile(r"\w+")
# Their values are bounded by the calendar: date:2018 needs all its 365 days.
_CALENDAR_FIELDS = ("date", "year")


@dataclass(frozen=True)
class ParsedQuery:
    """A Whoosh query with the notice to show when the input had to be reinterpreted."""

    query: Query
    notice: Notice | None = None


class _Parser(QueryParser):
    """Whoosh's parser, with stop words and prefixes adapted to several languages."""

    def term_query(self, fieldname, text, termclass, boost=1.0, tokenize=True, removestops=True):
        """Return the query of one word or prefix (None for a stop word)."""
        if fieldname in TEXT_FIELDS and termclass is Term and removestops:
            # A word that is a stop word in any language is dropped in all of
            # them: "le conseil" must not require "le" in English segments,
            # which would exclude every French one.
            if any(not terms(text, lang) for lang in LANGUAGES):
                return None
        if fieldname in (*TEXT_FIELDS, PLAIN_FIELD) and termclass in (Prefix, Wildcard):
            # Matched against unstemmed words; the same clause for every language.
            cls = UnionPrefix if termclass is Prefix else UnionWildcard
            return cls(PLAIN_FIELD, fold(text), boost=boost)
        return super().term_query(fieldname, text, termclass, boost, tokenize, removestops)


@cache
def _parser() -> QueryParser:
    parser = _Parser(None, build_schema(), group=AndGroup)
    parser.add_plugin(qparser.MultifieldPlugin(list(TEXT_FIELDS)))
    # "-" only excludes at the start of a word: "peut-être" and "2018-03" stay whole.
    parser.add_plugin(qparser.PlusMinusPlugin(plusexpr=r"(?<!\S)\+", minusexpr=r"(?<!\S)-"))
    parser.add_plugin(qparser.GtLtPlugin())
    parser.add_plugin(qparser.FieldAliasPlugin(ALIASES))
    return parser


def parse(
    text: str, tables: KeyTables | None = None, max_chars: int = Settings.max_query_chars
) -> ParsedQuery:
    """Parse a user's query; fall back to its plain words when it is malformed or too long."""
    text = (text or "").strip()
    if len(text) > max_chars:
        return plain_query(text, Notice(NoticeCode.TOO_LONG))
    problem = malformation(text)
    if problem:
        return plain_query(text, problem)
    unresolved: list[str] = []
    try:
        parsed = _parser().parse(text)
        query, ignored = _drop_patterns(rewrite(parsed, tables or KeyTables(), unresolved))
        query = simplify(query)
    except Exception:  # whatever the parser chokes on, the user still gets results
        return plain_query(text, Notice(NoticeCode.UNREADABLE))
    if unresolved:
        return ParsedQuery(query, Notice(NoticeCode.UNRESOLVED, {"values": ", ".join(unresolved)}))
    if NoticeCode.PATTERN_NEEDS_LETTERS in ignored:
        patterns = ", ".join(ignored[NoticeCode.PATTERN_NEEDS_LETTERS])
        return ParsedQuery(query, Notice(NoticeCode.PATTERN_NEEDS_LETTERS, {"patterns": patterns}))
    if NoticeCode.TOO_MANY_PATTERNS in ignored:
        params = {
            "max": str(MAX_PATTERNS),
            "patterns": ", ".join(ignored[NoticeCode.TOO_MANY_PATTERNS]),
        }
        return ParsedQuery(query, Notice(NoticeCode.TOO_MANY_PATTERNS, params))
    if query is NullQuery and _WORD_RE.search(text):
        return ParsedQuery(query, Notice(NoticeCode.ONLY_COMMON_WORDS))
    return ParsedQuery(query)


def malformation(text: str) -> Notice | None:
    """Say what is wrong with a query's syntax, or return None when it is well formed."""
    if text.count('"') % 2:
        return Notice(NoticeCode.UNCLOSED_QUOTE)
    outside = re.sub(r'"[^"]*"', '""', text)
    for opening, closing in ("()", "[]", "{}"):
        depth = 0
        for char in outside:
            depth += (char == opening) - (char == closing)
            if depth < 0:
                break
        if depth:
            return Notice(NoticeCode.UNBALANCED, {"pair": opening + closing})
    tokens = outside.replace("(", " ").replace(")", " ").split()
    ops = [t in _OPERATORS for t in tokens]
    if tokens and (ops[-1] or (ops[0] and tokens[0] != "NOT")):
        operator = tokens[-1] if ops[-1] else tokens[0]
        return Notice(NoticeCode.NOTHING_TO_COMBINE, {"operator": operator})
    if any(a and b and t2 != "NOT" for a, b, t2 in zip(ops, ops[1:], tokens[1:], strict=False)):
        return Notice(NoticeCode.OPERATORS_IN_A_ROW)
    empty = [m.group(1) for m in _EMPTY_FIELD_RE.finditer(outside) if m.group(1) in _FIELD_NAMES]
    if empty:
        return Notice(NoticeCode.EMPTY_FIELD, {"field": empty[0]})
    return None


def plain_query(text: str, notice: Notice) -> ParsedQuery:
    """Return an AND of the words of `text` (no syntax at all), with `notice`."""
    words = [w for w in _WORD_RE.findall(text) if w not in _OPERATORS][:MAX_PLAIN_WORDS]
    # As in `_Parser`: a stop word in any language is no condition at all.
    words = [w for w in words if all(terms(w, lang) for lang in LANGUAGES)]
    clauses = [Or([Term(f, t) for f in TEXT_FIELDS for t in terms(w, f[5:])]) for w in words]
    return ParsedQuery(simplify(And(clauses)), notice)


def rewrite(query: Query, tables: KeyTables, unresolved: list[str]) -> Query:
    """Adapt parsed clauses to the index: resolve names, widen dates and years.

    Field values that designate nothing are appended to `unresolved`.
    """
    if not query.is_leaf():
        return query.apply(lambda q: rewrite(q, tables, unresolved))
    name = getattr(query, "fieldname", None)
    if name in KEY_QUERY_FIELDS:
        return _key_clause(query, name, tables, unresolved)
    if name == "year" and isinstance(query, Term):
        span = _YEAR_SPAN_RE.match(query.text)
        return TermRange("year", span.group(1), span.group(2)) if span else query
    if name == "date":
        return _date_clause(query)
    return query


def _is_pattern(query: Query) -> bool:
    """Say whether `query` expands to words of the index (a lone "*" is Every over plain)."""
    if isinstance(query, Every):
        return query.fieldname == PLAIN_FIELD
    return isinstance(query, Prefix | Wildcard | TermRange) and (
        query.fieldname not in _CALENDAR_FIELDS
    )


def _pattern_text(query: Query) -> str:
    if isinstance(query, Every):
        return "*"
    if isinstance(query, TermRange):
        return f"[{query.start or ''} TO {query.end or ''}]"
    return query.text + "*" if isinstance(query, Prefix) else query.text


def _drop_patterns(query: Query) -> tuple[Query, dict[NoticeCode, list[str]]]:
    """Return `query` without the patterns too costly to expand, and those, by notice.

    A pattern without a literal start would read the whole dictionary, so it is
    left out, like a stop word, rather than emptying the query; so are those
    after the first `MAX_PATTERNS`.
    """
    ignored: dict[NoticeCode, list[str]] = {}
    kept = 0

    def drop(q: Query) -> Query | None:  # None: nothing left
        nonlocal kept
        if _is_pattern(q):
            start = isinstance(q, TermRange) or (
                not isinstance(q, Every) and literal_prefix(q.text)
            )
            code = NoticeCode.PATTERN_NEEDS_LETTERS if not start else None
            if code is None and kept == MAX_PATTERNS:
                code = NoticeCode.TOO_MANY_PATTERNS
            if code is None:
                kept += 1
                return q
            ignored.setdefault(code, []).append(_pattern_text(q))
            return None
        if q.is_leaf():
            return q
        if isinstance(q, Not):
            inner = drop(q.query)
            return None if inner is None else Not(inner)
        if isinstance(q, AndNot):
            positive, negative = drop(q.a), drop(q.b)
            if positive is None or negative is None:
                return positive
            return AndNot(positive, negative)
        if isinstance(q, And | Or):
            kids = [k for k in map(drop, q.subqueries) if k is not None]
            return type(q)(kids, boost=q.boost) if kids else None
        return q.apply(lambda child: _or_null(drop(child)))

    return _or_null(drop(query)), ignored


def _or_null(query: Query | None) -> Query:
    return NullQuery if query is None else query


def bound_patterns(parsed: ParsedQuery, reader) -> ParsedQuery:
    """Expand each prefix and wildcard once, to a bounded number of the index's words.

    Done per search, against the whole index, so that every segment matches the
    same words; when a pattern matched more, the notice says which were cut.
    """
    patterns = [q for q in parsed.query.leaves() if _is_pattern(q) and not isinstance(q, Every)]
    if not patterns:
        return parsed
    limit = min(MAX_PATTERN_WORDS, MAX_QUERY_WORDS // len(patterns))
    cut: list[str] = []

    def bound(q: Query) -> Query:
        if not _is_pattern(q) or isinstance(q, Every):  # a lone "*" was dropped by parse()
            return q if q.is_leaf() else q.apply(bound)
        words, complete = expand(q, reader, limit)
        if not complete:
            cut.append(_pattern_text(q))
        if not words:
            return NullQuery
        # Prefixes and wildcards stay themselves, so that highlighting sees them.
        bounded = isinstance(q, UnionPrefix | UnionWildcard)
        return q.bounded(words) if bounded else Words(q.fieldname, words, boost=q.boost)

    query = simplify(bound(parsed.query))
    notice = parsed.notice
    if cut and notice is None:
        patterns = ", ".join(dict.fromkeys(cut))  # "[a TO b]" is one clause per language
        notice = Notice(NoticeCode.PATTERN_LIMITED, {"patterns": patterns, "words": str(limit)})
    return ParsedQuery(query, notice)


def _key_clause(query: Query, name: str, tables: KeyTables, unresolved: list[str]) -> Query:
    if isinstance(query, Phrase):
        text, prefix = " ".join(query.words), False
    elif isinstance(query, Term | Prefix | Wildcard):
        text, prefix = query.text.rstrip("*?"), not isinstance(query, Term)
    else:
        return query
    values = tables.resolve(name, text, prefix=prefix)
    if not values:
        unresolved.append(f"{name}:{text}")
        return NullQuery
    return Or([Term(name, v) for v in values])


def _date_clause(query: Query) -> Query:
    if isinstance(query, Term) and len(query.text) < 10:
        return Prefix("date", query.text)  # "2018-03" means the whole month
    if isinstance(query, TermRange):
        start, end = query.start, query.end
        # A partial end ("2018-06") includes every day that starts with it; an
        # exclusive partial start (">2018") begins after every such day.
        if end and len(end) < 10 and not query.endexcl:
            end += "\uffff"
        if start and len(start) < 10 and query.startexcl:
            start += "\uffff"
        return TermRange("date", start, end, query.startexcl, query.endexcl)
    return query


def filter_query(
    *,
    session: str | None = None,
    speaker: str | None = None,
    series: str | None = None,
    org: str | None = None,
    year: int | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
) -> Query | None:
    """Return the And of exact key filters (slugs, ISO dates), or None when there are none."""
    clauses: list[Query] = [
        Term(name, str(value))
        for name, value in (
            ("session", session),
            ("speaker", speaker),
            ("series", series),
            ("org", org),
            ("year", year),
        )
        if value
    ]
    if date_from or date_to:
        clauses.append(TermRange("date", date_from or None, date_to or None))
    return And(clauses) if clauses else None


def simplify(query: Query) -> Query:
    """Normalise `query`, where a clause that can match nothing empties its And.

    Whoosh's own normalize() drops such clauses from an And, which would turn
    "speaker:nobody conseil" into "conseil".
    """
    return _without_nulls(query).normalize()


def _without_nulls(query: Query) -> Query:
    if isinstance(query, Not):
        inner = _without_nulls(query.query)
        return Every() if inner is NullQuery else Not(inner)
    if isinstance(query, AndNot):
        positive, negative = _without_nulls(query.a), _without_nulls(query.b)
        if positive is NullQuery:
            return NullQuery
        return positive if negative is NullQuery else AndNot(positive, negative)
    if isinstance(query, And | Or):
        kids = [_without_nulls(q) for q in query.subqueries]
        if isinstance(query, And):
            if any(k is NullQuery for k in kids):
                return NullQuery
            kids = [k for k in kids if not isinstance(k, Every)] or kids[:1]
        kids = [k for k in kids if k is not NullQuery]
        return type(query)(kids, boost=query.boost) if kids else NullQuery
    return query


def prune(query: Query, reader) -> Query:
    """Replace terms and phrases the index does not contain by NullQuery, then simplify.

    A clause that cannot match also keeps Whoosh from skipping low-scoring
    blocks, so pruning it makes common-word searches several times faster.
    """

    def absent(q: Query) -> Query:
        """Return `q` with the clauses the index cannot match replaced by NullQuery."""
        if isinstance(q, Term):
            return q if reader.doc_frequency(q.fieldname, q.text) else NullQuery
        if isinstance(q, Phrase):
            missing = any(not reader.doc_frequency(q.fieldname, w) for w in q.words)
            return NullQuery if missing else q
        if q.is_leaf():
            return q
        return q.apply(absent)

    return simplify(absent(query))
