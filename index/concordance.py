"""Every matching passage of a search, in archive order: the researcher's concordance.

A result page shows ten sessions and three hits each; a concordance lists all
of them, oldest session first, then in spoken order. It uses only the public
search interface (`SearchRequest` in, `SearchResults` out), so it follows
whatever a search matches and hides whatever a search hides:

1. the sessions that match, with their counts and dates (grouped pages);
2. batches of consecutive dates, each read in pages of `PAGE_ROWS` hits
   (`sort="date"`), then put in archive order before they are yielded.

A batch holds about `BATCH_ROWS` hits, so memory stays bounded however many
rows are streamed; `max_rows` bounds the work (the `concordance_max_rows` setting).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from index.results import Hit, SearchRequest, SearchResults

BATCH_ROWS = 5_000  # hits read and sorted together (one date span)
# Hits per search: each page re-evaluates the query, so a concordance reads pages
# larger than the API serves (benchmarks/concordance.py: 10 times fewer searches).
PAGE_ROWS = 1_000

Search = Callable[[SearchRequest], SearchResults]


@dataclass(frozen=True)
class SessionCount:
    """A matching session: its slug, date (ISO, or None) and number of hits."""

    slug: str
    date: str | None
    count: int


@dataclass(frozen=True)
class Plan:
    """What a concordance will list: its sessions in archive order and its row count."""

    sessions: list[SessionCount]
    total: int  # every matching hit
    rows: int  # the hits that will be listed (total, or max_rows when that is less)

    @property
    def truncated(self) -> bool:
        """Whether the row cap cuts the list short."""
        return self.rows < self.total


def plan(run: Search, request: SearchRequest, max_rows: int, page_rows: int = PAGE_ROWS) -> Plan:
    """Return the matching sessions in archive order (date, then slug), with their counts."""
    request, size = _paged(request, page_rows)
    found: dict[str, SessionCount] = {}
    page, pages = 1, 1
    while page <= pages:
        results = run(_with(request, group_by_session=True, page=page, page_size=size))
        for group in results.groups:
            date = next((hit.date for hit in group.hits if hit.date), None)
            found.setdefault(
                group.session_slug, SessionCount(group.session_slug, date, group.count)
            )
        if results.page < page:  # clamped: the last page the index serves
            break
        pages, page = results.pages, page + 1
    sessions = sorted(found.values(), key=lambda s: (s.date is None, s.date or "", s.slug))
    total = sum(s.count for s in sessions)
    return Plan(sessions, total, min(total, max(0, max_rows)))


def concordance(
    run: Search,
    request: SearchRequest,
    known: Plan,
    *,
    batch_rows: int = BATCH_ROWS,
    page_rows: int = PAGE_ROWS,
) -> Iterator[Hit]:
    """Yield the plan's hits in archive order (session date, session, time), up to its rows."""
    left = known.rows
    for batch in _batches(known.sessions, batch_rows):
        if left <= 0:
            return
        for hit in _read_batch(run, request, batch, page_rows):
            if left <= 0:
                return
            left -= 1
            yield hit


def _batches(sessions: list[SessionCount], batch_rows: int) -> Iterator[list[SessionCount]]:
    """Cut the sessions into runs of whole dates of about batch_rows hits (undated alone)."""
    batch: list[SessionCount] = []
    rows = 0
    for session in sessions:
        starts_date = not batch or batch[-1].date != session.date
        if batch and (session.date is None or (starts_date and rows >= batch_rows)):
            yield batch
            batch, rows = [], 0
        batch.append(session)
        rows += session.count
    if batch:
        yield batch


def _read_batch(
    run: Search, request: SearchRequest, batch: list[SessionCount], page_rows: int
) -> list[Hit]:
    first, last = batch[0].date, batch[-1].date
    if first is None:  # an undated session: filtered by its slug
        scope = _with(request, session=batch[0].slug)
    else:
        date_from = max(first, _iso(request.date_from) or first)
        date_to = min(last, _iso(request.date_to) or last)
        scope = _with(request, date_from=date_from, date_to=date_to)
    wanted = {s.slug for s in batch}
    hits: list[Hit] = []
    scope, size = _paged(scope, page_rows)
    page, pages = 1, 1
    while page <= pages:
        results = run(_with(scope, sort="date", group_by_session=False, page=page, page_size=size))
        hits.extend(hit for hit in results.hits if hit.session_slug in wanted)
        if results.page < page:
            break
        pages, page = results.pages, page + 1
    order = {s.slug: n for n, s in enumerate(batch)}
    hits.sort(key=lambda h: (order[h.session_slug], h.start_ms, h.segment_id))
    return hits


def _paged(request: SearchRequest, page_rows: int) -> tuple[SearchRequest, int]:
    """Return the request with limits that allow page_rows hits a page, and that size."""
    size = max(1, page_rows)
    limits = dataclasses.replace(
        request.limits, max_page_size=max(request.limits.max_page_size, size)
    )
    return dataclasses.replace(request, limits=limits), size


def _with(request: SearchRequest, **changes: object) -> SearchRequest:
    return dataclasses.replace(request, with_facets=False, **changes)  # type: ignore[arg-type]


def _iso(value: object) -> str | None:
    if value is None or value == "":
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
