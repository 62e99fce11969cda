"""What a search asks for and what it returns: plain dataclasses, JSON-ready.

`SearchResults.to_json()` is the CLI's shape ({"total", "hits"}), and
`SearchResults.as_dict()` the API's (hits with display fields, plus facets,
groups and paging). Times are seconds in JSON, milliseconds in the dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

SORTS = ("relevance", "date")
MAX_PAGE_SIZE = 100


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
    page_size: Any = 10
    group_by_session: bool = False
    with_facets: bool = False
    include_unpublished: bool = False


@dataclass
class Hit:
    """One matching segment, with everything needed to show and cite it."""

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
    end_ms: int  # end of the segment
    segment_start_ms: int
    text: str
    snippet_html: str  # escaped text, matched words in <mark>
    score: float | None = None

    @property
    def url(self) -> str:
        """Return the player URL at the matched moment (whole seconds)."""
        return f"/sessions/{self.session_slug}?t={self.start_ms // 1000}"

    def to_json(self) -> dict[str, Any]:
        """Return the CLI's hit: session, start, end (seconds), speaker, text, url."""
        return {
            "session": self.session_slug,
            "start": round(self.start_ms / 1000, 3),
            "end": round(self.end_ms / 1000, 3),
            "speaker": self.speaker_slug,
            "text": self.text,
            "url": self.url,
        }

    def as_dict(self) -> dict[str, Any]:
        """Return the API's hit: the CLI fields plus what a result page displays."""
        return {
            **self.to_json(),
            "segment_id": self.segment_id,
            "session_title": self.session_title,
            "series": self.series,
            "series_title": self.series_title,
            "date": self.date,
            "item_title": self.item_title,
            "speaker_name": self.speaker_name,
            "affiliation": self.affiliation,
            "segment_start": round(self.segment_start_ms / 1000, 3),
            "snippet_html": self.snippet_html,
        }


@dataclass
class Group:
    """A session's hits shown together: its best ones and how many there are."""

    session_slug: str
    session_title: str
    count: int
    hits: list[Hit]

    def as_dict(self) -> dict[str, Any]:
        """Return the group as JSON-ready data."""
        return {
            "session": self.session_slug,
            "session_title": self.session_title,
            "count": self.count,
            "hits": [hit.as_dict() for hit in self.hits],
        }


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
    notice: str | None = None  # why the query was read differently from how it was typed
    page: int = 1
    pages: int = 1
    page_size: int = 10

    def to_json(self) -> dict[str, Any]:
        """Return the CLI's JSON: {"total", "hits"}."""
        return {"total": self.total, "hits": [hit.to_json() for hit in self.hits]}

    def as_dict(self) -> dict[str, Any]:
        """Return the API's JSON: hits, total, facets, groups, paging and messages."""
        return {
            "total": self.total,
            "hits": [hit.as_dict() for hit in self.hits],
            "facets": {
                name: [{"value": v, "label": label, "count": c} for v, label, c in counts]
                for name, counts in self.facets.items()
            },
            "groups": [group.as_dict() for group in self.groups],
            "page": self.page,
            "pages": self.pages,
            "page_size": self.page_size,
            "suggestion": self.suggestion,
            "notice": self.notice,
        }
