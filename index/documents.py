"""What the index stores: passages of transcript segments.

The catalogue adapter (`index.from_catalogue`) turns stored segments into
`SegmentDocument`s; `passages` joins the consecutive segments of one speaker's
turn that Whisper cut mid-sentence, and the writer indexes each passage as one
Whoosh document, so words and phrases match across those cuts while every word
still belongs to exactly one document (one hit per passage, never two for one
occurrence). Times are integer milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

# A segment whose text ends so closes its passage (closing quotes and brackets aside).
SENTENCE_ENDS = (".", "!", "?", "…")
_CLOSERS = " \t\n\"'»”’)]"
# A turn without any sentence end is still cut here, so that a snippet, a
# hit's score and a document's stored text stay bounded.
MAX_PASSAGE_CHARS = 2_000


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


@dataclass(frozen=True)
class Passage:
    """Consecutive segments of one speaker's turn, up to a sentence end: one index document."""

    segments: tuple[SegmentDocument, ...]

    @property
    def first(self) -> SegmentDocument:
        """Return the passage's first segment (whose id is the document's)."""
        return self.segments[0]

    @property
    def text(self) -> str:
        """Return the segments' texts joined by one space."""
        return " ".join(s.text for s in self.segments)

    def offsets(self) -> list[int]:
        """Return where each segment's text starts in `text` (characters)."""
        result, char = [], 0
        for segment in self.segments:
            result.append(char)
            char += len(segment.text) + 1
        return result


def passages(docs: Iterable[SegmentDocument]) -> Iterator[Passage]:
    """Group segments (in spoken order) into passages; a change of speaker always ends one."""
    run: list[SegmentDocument] = []
    chars = 0
    for doc in docs:
        if run and not _continues(run[-1], doc, chars):
            yield Passage(tuple(run))
            run, chars = [], 0
        run.append(doc)
        chars += len(doc.text) + 1
    if run:
        yield Passage(tuple(run))


def _continues(prev: SegmentDocument, doc: SegmentDocument, chars: int) -> bool:
    same_turn = (
        prev.session_slug == doc.session_slug
        and prev.speaker_slug == doc.speaker_slug
        and prev.language == doc.language
        and prev.published == doc.published
        and doc.start_ms >= prev.start_ms
    )
    return (
        same_turn
        and not prev.text.rstrip(_CLOSERS).endswith(SENTENCE_ENDS)
        and chars + len(doc.text) <= MAX_PASSAGE_CHARS
    )
