"""Search through the index's warm searcher, with parameters read leniently from a request.

The index package owns query parsing, facets and snippets; this module only turns
request arguments into a `SearchRequest` and search hits into transcript highlights.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from index.errors import SearchIndexError
from index.results import SearchLimits, SearchRequest
from index.search import search
from portal.services.metadata_search import MetadataResults
from portal.services.params import int_param, text_param

_MARK_RE = re.compile(r"<mark[^>]*>(.*?)</mark>", re.IGNORECASE | re.DOTALL)
FILTERS = ("speaker", "session", "series", "org", "year")


class SearchUnavailable(Exception):
    """The index cannot be searched (never built, or being upgraded)."""


@dataclass(frozen=True)
class SearchForm:
    """A search as the reader asked for it, already cleaned."""

    q: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    truncated: bool = False

    @property
    def empty(self) -> bool:
        return not self.q and not self.filters


def read_form(args: Any, limits: SearchLimits) -> SearchForm:
    """Read q, filters, sort and page from request args; bad values fall back to defaults."""
    q, truncated = text_param(args.get("q"), limits.max_query_chars)
    filters = {}
    for name in FILTERS:
        value, _ = text_param(args.get(name), 200)
        if value:
            filters[name] = value
    sort = args.get("sort") if args.get("sort") in ("relevance", "date") else "relevance"
    page = int_param(args.get("page"), default=1, minimum=1, maximum=limits.max_page)
    return SearchForm(q=q, filters=filters, sort=sort, page=page, truncated=truncated)


def run_search(
    searcher: Any,
    index_dir,
    form: SearchForm,
    limits: SearchLimits,
    published: frozenset[str],
    page_size: int | None = None,
    group_by_session: bool = True,
    with_facets: bool = False,
) -> Any:
    """Run the search over the `published` sessions; raise SearchUnavailable without an index.

    `published` is the catalogue's answer for this request (`queries.published_slugs`):
    hits, counts, facets, names and suggestions come from those sessions only.
    """
    request = SearchRequest(
        q=form.q,
        published=frozenset(published),
        sort=form.sort,
        page=form.page,
        page_size=page_size,
        group_by_session=group_by_session,
        with_facets=with_facets,
        limits=limits,
        **{name: _filter_value(name, value) for name, value in form.filters.items()},
    )
    try:
        if searcher is not None:
            return searcher.search(request)
        return search(index_dir, request)
    except SearchIndexError as exc:
        raise SearchUnavailable(str(exc)) from exc


def _filter_value(name: str, value: str) -> Any:
    if name == "year":
        return int_param(value)
    return value


def marked_terms(snippet_html: str) -> set[str]:
    """Return the words a snippet highlighted, unescaped."""
    return {html.unescape(m).strip() for m in _MARK_RE.findall(snippet_html or "") if m.strip()}


def highlights_of(hits: list) -> dict[int, set[str]]:
    """Map each hit's segment start (ms) to the words to mark in that transcript line."""
    marks: dict[int, set[str]] = {}
    for hit in hits:
        if hit.marks:  # a passage's matches, each under the segment it was said in
            for segment_start_ms, word in hit.marks:
                marks.setdefault(segment_start_ms, set()).add(word)
        else:
            marks.setdefault(hit.segment_start_ms, set()).update(marked_terms(hit.snippet_html))
    return marks


def settle_suggestion(
    results: Any, metadata: MetadataResults, hits_of: Callable[[str], int]
) -> bool:
    """Keep "did you mean" only when it finds more; return True when only metadata matched.

    A query no one said but that names sessions or people (a series title, a
    speaker) is answered by those, not corrected into a word that was said:
    the suggestion must find more passages, sessions and people than the query
    did (`hits_of` counts them for a query), among published sessions.
    """
    only_metadata = results.total == 0 and metadata.total > 0
    if results.suggestion:
        if only_metadata or hits_of(results.suggestion) <= results.total + metadata.total:
            results.suggestion = None
    return only_metadata
