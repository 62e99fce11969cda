"""What a search asks for and what it returns: plain dataclasses, times in ms.

The index knows slugs, not the portal's pages: the portal links hits and writes
their JSON (portal/shapes.py), and words the notices (index/notices.py codes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from core.settings import Settings
from index.notices import Notice


@dataclass(frozen=True)
class SearchLimits:
    """How far one search may go; the values are the archive's settings (`core.settings`)."""

    max_query_chars: int = Settings.max_query_chars  # longer: searched as plain words
    max_page: int = Settings.max_page
    max_page_size: int = Settings.max_page_size
    page_size: int = Settings.page_size  # when the request names none

    @classmethod
    def from_settings(cls, settings: Settings) -> SearchLimits:
        """Return the limits an archive's settings set."""
        return cls(
            settings.max_query_chars, settings.max_page, settings.max_page_size, settings.page_size
        )


@dataclass
class SearchRequest:
    """A search: the query text, exact filters (slugs, ISO dates) and presentation."""

    q: str = ""
    session: str | None = None
    speaker: str | None = None
    series: str | None = None
    org: str | None = None  # the affiliation, exactly as indexed
    year: int | None = None
    date_from: date | str | None = None
    date_to: date | str | None = None
    sort: str = "relevance"  # or "date": newest session first, then spoken order
    page: Any = 1  # 1-based; anything invalid is clamped into range
    page_size: Any = None  # None: the limits' page_size
    group_by_session: bool = False
    with_facets: bool = False
    include_unpublished: bool = False  # archivists: drafts too
    # The slugs of the sessions viewers may see, read from the catalogue for this
    # request (`core.catalogue.queries.published_slugs`). None: trust the index's
    # own `hidden` snapshot, which lags an unpublishing (bare indexes only).
    published: frozenset[str] | None = None
    limits: SearchLimits = field(default_factory=SearchLimits)


@dataclass
class Hit:
    """One matching passage, named by the segment its first matched word was said in."""

    segment_id: int
    session_slug: str
    session_title: str
    series: str | None
    series_title: str | None
    date: str | None  # ISO date of the session
    item_title: str | None
    speaker_slug: str | None
    speaker_name: str | None
    affiliation: str | None
    start_ms: int  # when the first matched word was said
    end_ms: int  # end of that segment
    segment_start_ms: int  # start of that segment
    text: str  # the passage's text: its segments joined (index.documents.Passage)
    snippet_html: str  # escaped text, matched words in <mark>
    score: float | None = None
    # (segment start in ms, word) for every matched word: a passage's matches may
    # fall in several of its segments, and the session page marks each line's own.
    marks: tuple[tuple[int, str], ...] = ()


@dataclass
class Group:
    """A session's hits shown together: its best ones and how many there are."""

    session_slug: str
    session_title: str
    count: int
    hits: list[Hit]


# (value, label, count): e.g. ("jean-dupont", "Jean Dupont", 12)
FacetCounts = list[tuple[str, str, int]]


@dataclass
class SearchResults:
    """One page of results, with facets, groups and what to tell the user."""

    total: int
    hits: list[Hit] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    facets: dict[str, FacetCounts] = field(default_factory=dict)
    suggestion: str | None = None  # "did you mean", only when nothing matched
    notice: Notice | None = None  # why the query was read differently from how it was typed
    page: int = 1
    pages: int = 1
    page_size: int = Settings.page_size
