"""Searching: relevance or date order, grouping per session, facets, snippets, paging.

`Searcher` keeps a warm Whoosh searcher, the key tables (facets, labels) and
the field lengths for a portal process, and refreshes them cheaply after the
index changes; `search()` is the one-shot form for the CLI. Boolean queries
of words and phrases are scored by `fastpath` (numpy BM25F). What a search may
see is one `visibility.View` per request: the catalogue's published sessions.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from whoosh.query import And, NullQuery, Query, Term

from index.facets import FACET_FIELDS, KeyTables, SegmentTable, segment_table
from index.fastpath import Segment, SegmentLengths, evaluate
from index.highlight import find_matches, first_match_ms, match_spec, snippet_html
from index.locks import FairLock
from index.query import ParsedQuery, bound_patterns, filter_query, parse, prune
from index.results import Group, Hit, SearchRequest, SearchResults
from index.schema import segment_at
from index.store import current_generation, open_current
from index.suggest import suggest
from index.termcache import CACHE_MB, PostingsCache
from index.visibility import View, build_view

GROUP_HITS = 3  # best hits shown per session when grouping
GROUP_WINDOW = 200  # scored hits from which groups take their best ones
FACET_LIMIT = 20
VIEW_CACHE = 4  # visibility states kept per index snapshot (publishing changes them rarely)


class Searcher:
    """A warm, thread-safe searcher over an index folder."""

    def __init__(self, index_dir: Path, postings_cache_mb: float = CACHE_MB) -> None:
        self.index_dir = Path(index_dir)
        # Frequent words' decoded posting lists (index.termcache); 0 keeps none.
        self._postings = PostingsCache(postings_cache_mb) if postings_cache_mb > 0 else None
        self._lock = FairLock()
        self._generation: Path | None = None
        self._index = None
        self._searcher = None
        self._segments: dict[str, tuple[SegmentTable, SegmentLengths]] = {}
        self._fast: list[Segment] = []
        self._views: dict[tuple[frozenset[str] | None, bool], View] = {}
        self.tables = KeyTables()
        self.refresh()

    def refresh(self) -> None:
        """Pick up what writers committed since the last call (cheap when nothing did)."""
        with self._lock:
            generation = current_generation(self.index_dir)
            if generation != self._generation:
                self.close()
                self._index = open_current(self.index_dir)
                # Commits fork the generation (index.store), so its segments and
                # their tables carry over; _load_tables drops those that went.
                self._generation = generation
            elif self._searcher is None or self._searcher.up_to_date():
                return
            # A fresh reader rather than Whoosh's refresh(): the latter reuses
            # segment readers by segment id and so misses new deletions.
            old, self._searcher = self._searcher, None
            if self._index is not None:
                self._searcher = self._index.searcher()
            if old is not None:
                old.close()
            self._load_tables()

    def _load_tables(self) -> None:
        self.tables, self._fast, self._views = KeyTables(), [], {}
        if self._searcher is None:
            return
        parts, live = [], {}
        for sub, offset in self._searcher.leaf_searchers():
            reader = sub.reader()
            if reader.segment() is None:  # an index without any segment yet
                continue
            key = reader.segment().segment_id()
            # Segments never change once written (deletions only hide documents),
            # so their tables are reused for as long as they exist.
            live[key] = self._segments.get(key) or (
                segment_table(reader),
                SegmentLengths.read(reader),
            )
            parts.append((live[key][0], offset))
            deleted = sorted(reader.deleted_docs_set) if reader.has_deletions() else None
            deleted = np.array(deleted, dtype=np.int64) if deleted else None
            self._fast.append(
                Segment(reader, sub, offset, live[key][1], deleted, key, self._postings)
            )
        self._segments = live
        if self._postings is not None:
            self._postings.keep_segments(set(live))
        self.tables = KeyTables.combine(parts, self._searcher.doc_count_all())

    def search(self, request: SearchRequest) -> SearchResults:
        """Run one search on the latest committed index."""
        with self._lock:
            self.refresh()
            if self._searcher is None:
                return SearchResults(total=0, page_size=_page_size(request))
            return _search(self._searcher, self._view(request), self._fast, request)

    def _view(self, request: SearchRequest) -> View:
        # Keyed by the published set itself: equal sets from successive catalogue
        # reads share one mask, and any publish or unpublish makes a new one.
        published = None if request.published is None else frozenset(request.published)
        key = (published, request.include_unpublished)
        view = self._views.get(key)
        if view is None:
            if len(self._views) >= VIEW_CACHE:
                self._views.clear()
            view = self._views[key] = build_view(self.tables, *key)
        return view

    def doc_count(self) -> int:
        """Return how many documents (passages, index.documents) the index serves."""
        with self._lock:
            return self._searcher.doc_count() if self._searcher is not None else 0

    def close(self) -> None:
        """Release the index files."""
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def search(index_dir: Path, request: SearchRequest) -> SearchResults:
    """Search the index in `index_dir` once (a portal keeps a `Searcher` instead)."""
    with Searcher(index_dir) as searcher:
        return searcher.search(request)


def _int_in(value: object, default: int, low: int, high: int) -> int:
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        number = default
    return max(low, min(high, number))


def _page_size(request: SearchRequest) -> int:
    limits = request.limits
    return _int_in(request.page_size, limits.page_size, 1, limits.max_page_size)


def _search(searcher, view: View, fast: list[Segment], request: SearchRequest) -> SearchResults:
    tables = view.tables
    page_size = _page_size(request)
    page = _int_in(request.page, 1, 1, request.limits.max_page)
    parsed = (
        parse(request.q, tables, request.limits.max_query_chars)
        if (request.q or "").strip()
        else ParsedQuery(NullQuery)
    )
    parsed = bound_patterns(parsed, searcher.reader())
    filters = filter_query(
        session=request.session,
        speaker=request.speaker,
        series=request.series,
        org=request.org,
        year=request.year,
        date_from=_iso(request.date_from),
        date_to=_iso(request.date_to),
    )
    query = parsed.query
    if filters is not None:
        query = filters if not (request.q or "").strip() else And([query, filters])
    query = prune(query, searcher.reader())
    if query is NullQuery:
        out = SearchResults(total=0, notice=parsed.notice, page_size=page_size)
        if parsed.query is not NullQuery:
            out.suggestion = suggest(searcher, parsed.query, request.q, view)
        return out
    mask = view.hidden_docs

    window = page * page_size
    if request.group_by_session:
        window = max(GROUP_WINDOW, window * GROUP_HITS)
    matched = evaluate(searcher, query, fast)
    if matched is not None:
        docs, scores_all = matched
        if view.visible is not None and len(docs):
            visible = view.visible[docs]
            docs, scores_all = docs[visible], scores_all[visible]
        total = len(docs)
        top = _top(docs, scores_all, window)
        ranked = [int(d) for d in docs[top]]
        scores = dict(zip(ranked, scores_all[top].tolist(), strict=True))
    else:  # phrases and other clauses only Whoosh's matchers evaluate
        docs = None
        if request.with_facets or request.group_by_session or request.sort == "date":
            docs = _docset(searcher, query, view)
        results = searcher.search(query, limit=window, mask=mask)
        ranked = [hit.docnum for hit in results]
        scores = {hit.docnum: hit.score for hit in results}
        total = len(docs) if docs is not None else _count(searcher, query, results, mask)
    if request.sort == "date":
        order = np.lexsort((docs, tables.ordinals["session"][docs], -tables.ordinals["date"][docs]))
        ranked = [int(d) for d in docs[order][:window]]

    out = SearchResults(total=total, notice=parsed.notice, page_size=page_size)
    if total == 0:
        out.suggestion = suggest(searcher, parsed.query, request.q, view) if request.q else None
        return out
    spec = match_spec(query)
    if request.group_by_session:
        _fill_groups(out, searcher, tables, docs, ranked, scores, spec, page)
    else:
        out.pages = min(request.limits.max_page, math.ceil(total / page_size))
        out.page = min(page, out.pages)
        chosen = ranked[(out.page - 1) * page_size : out.page * page_size]
        out.hits = [_hit(searcher, d, spec, scores.get(d)) for d in chosen]
    if request.with_facets:
        out.facets = {name: tables.counts(name, docs)[:FACET_LIMIT] for name in FACET_FIELDS}
        out.facets["year"].sort(reverse=True)
    return out


def _iso(value) -> str | None:
    if value is None or value == "":
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _top(docs: np.ndarray, scores: np.ndarray, k: int) -> np.ndarray:
    """Return the indices of the k best scores, ties broken by lower docnum (as Whoosh)."""
    if len(scores) > k:
        kth = np.partition(-scores, k - 1)[k - 1]
        better = np.flatnonzero(-scores < kth)
        ties = np.flatnonzero(-scores == kth)[: k - len(better)]  # docs are sorted
        chosen = np.concatenate([better, ties])
    else:
        chosen = np.arange(len(scores))
    return chosen[np.lexsort((docs[chosen], -scores[chosen]))]


def _count(searcher, query: Query, results, mask: set[int] | None) -> int:
    """Return the exact number of matches without recounting them when it can be read."""
    if results.has_exact_length():
        return len(results)
    reader = searcher.reader()
    if isinstance(query, Term) and mask is None and not reader.has_deletions():
        # Whoosh skipped low-scoring blocks, so it did not count; a lone term's
        # document frequency is the count.
        return reader.doc_frequency(query.fieldname, query.text)
    return len(results)  # counts by walking the matches again


def _docset(searcher, query: Query, view: View) -> np.ndarray:
    """Return every visible matching docnum (sorted), for counting, grouping and date order."""
    return view.keep(np.fromiter(searcher.docs_for_query(query), dtype=np.int64))


def _fill_groups(out, searcher, tables, docs, ranked, scores, spec, page) -> None:
    column = tables.ordinals["session"]
    sessions = tables.values["session"]
    counts = np.bincount(column[docs] + 1, minlength=len(sessions) + 1)[1:]
    best: dict[int, list[int]] = {}
    for docnum in ranked:  # best-scored first: sessions are ordered by their best hit
        best.setdefault(int(column[docnum]), [])
        if len(best[int(column[docnum])]) < GROUP_HITS:
            best[int(column[docnum])].append(docnum)
    # Sessions whose hits all fall outside the scored window come last, biggest first.
    rest = [int(o) for o in np.argsort(-counts, kind="stable") if counts[o] and o not in best]
    order = list(best) + rest
    out.pages = max(1, math.ceil(len(order) / out.page_size))
    out.page = min(page, out.pages)
    for ordinal in order[(out.page - 1) * out.page_size : out.page * out.page_size]:
        chosen = best.get(ordinal) or [int(d) for d in docs[column[docs] == ordinal][:GROUP_HITS]]
        hits = [_hit(searcher, d, spec, scores.get(d)) for d in chosen]
        slug = sessions[ordinal]
        title = tables.label("session", slug)
        out.groups.append(Group(slug, title, int(counts[ordinal]), hits))
        out.hits.extend(hits)


def _hit(searcher, docnum: int, spec, score: float | None) -> Hit:
    stored = searcher.stored_fields(docnum)
    text = stored.get("text", "")
    spans = find_matches(text, stored.get("lang", "fr"), spec)
    # A passage joins segments: the hit is the segment its first matched word is in.
    char, segment_id, segment_start, segment_end = segment_at(stored, spans[0][0] if spans else 0)
    start_ms = stored.get("start_ms", 0)
    return Hit(
        segment_id=segment_id,
        session_slug=stored["session"],
        session_title=stored.get("session_title", stored["session"]),
        series=stored.get("series"),
        series_title=stored.get("series_title"),
        date=stored.get("date"),
        item_title=stored.get("item_title"),
        speaker_slug=stored.get("speaker"),
        speaker_name=stored.get("speaker_name"),
        affiliation=stored.get("org"),
        start_ms=first_match_ms(spans, stored.get("words"), start_ms, (char, segment_start)),
        end_ms=segment_end,
        segment_start_ms=segment_start,
        text=text,
        snippet_html=snippet_html(text, spans),
        score=score,
        marks=tuple((segment_at(stored, a)[2], text[a:b]) for a, b in spans),
    )
