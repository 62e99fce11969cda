"""What the index stores: one document per transcript segment.

The catalogue adapter (`index.from_catalogue`) turns stored segments into these;
the writer turns these into Whoosh documents. Times are integer milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class WordTiming:
    """One spoken word: start inclusive, end exclusive, in ms from the recording's start."""

    start_ms: int
    end_ms: int
    text: str


@dataclass(frozen=True)
class SegmentDocument:
    """A searchable segment with everything a hit must show without a database query."""

    segment_id: int  # unique across the catalogue; the index's unique key
    session_slug: str
    session_title: str
    language: str  # ISO 639-1 of the session ("fr", "en"): selects the analyser
    start_ms: int
    end_ms: int
    text: str
    words: tuple[WordTiming, ...] = field(default_factory=tuple)
    series_slug: str | None = None
    series_title: str | None = None
    session_date: date | None = None
    item_title: str | None = None  # programme item the segment falls in
    speaker_slug: str | None = None
    speaker_name: str | None = None
    affiliation: str | None = None  # the speaker's affiliation *at that session*
    transcript_version: int = 1
    published: bool = True
