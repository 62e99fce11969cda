"""The transcript as the session page shows it: speaker turns of timed lines.

Built for long sessions: segments are read as plain rows (no ORM objects), and
each line carries its words' start times in one compact string (`marks`) instead
of one element per word, so a 3-hour transcript stays a light page. The HTML of
lines (and of search highlights) is the template helpers' job (portal/markup.py).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session as OrmSession

from core.catalogue import queries
from core.catalogue.schema import Person, Segment, Session, Transcript
from core.voices import voice_name
from portal.services.sessions import PersonRef, ProgrammeEntry


@dataclass(frozen=True)
class Line:
    """One segment: times in ms, text, and `marks` = each word's start relative to the line's."""

    position: int
    start_ms: int
    end_ms: int
    text: str
    speaker_slug: str | None
    marks: str = field(default="", metadata={"internal": True})
    voice: str | None = None  # the diarization's label, shown when nobody is named
    verified: bool = False  # an archivist checked this line against the recording
    # The stored JSON [[start_ms, end_ms, text, prob], ...], decoded only when asked for:
    # keeping tens of thousands of small lists alive would slow every garbage collection.
    words_json: str = field(default="[]", metadata={"internal": True})

    @property
    def words(self) -> list:
        """Return the decoded word timings."""
        return json.loads(self.words_json)


@dataclass(frozen=True)
class Turn:
    """Consecutive lines of one speaker; `item` is set when a programme item starts here.

    `voice_name` ("Intervenant 2") names a turn whose voice nobody has named yet.
    """

    speaker: PersonRef | None
    start_ms: int
    lines: list[Line]
    item: ProgrammeEntry | None = None
    voice_name: str | None = None

    @property
    def height_hint_px(self) -> int:
        """Estimate the rendered height, so off-screen turns hold about their real size."""
        rows = sum(len(line.text) // 60 + 1 for line in self.lines)
        return 40 + rows * 27


@dataclass(frozen=True)
class TranscriptView:
    """One transcript version of a session, as turns."""

    version: int
    latest_version: int
    language: str
    source: str
    model: str
    created_at: datetime | None
    turns: list[Turn]

    @property
    def lines(self) -> list[Line]:
        return [line for turn in self.turns for line in turn.lines]

    @property
    def verified_share(self) -> float:
        """Return the share (0..1) of the text, by characters, that archivists verified."""
        lines = self.lines
        total = sum(len(line.text) for line in lines)
        return sum(len(line.text) for line in lines if line.verified) / total if total else 0.0

    @property
    def is_latest(self) -> bool:
        return self.version == self.latest_version


def load_transcript(
    db: OrmSession,
    session: Session,
    people: dict[str, PersonRef],
    programme: tuple[ProgrammeEntry, ...] = (),
    version: int | None = None,
) -> TranscriptView | None:
    """Return a version (the latest by default) of the session's transcript, or None.

    `people` maps slugs to the session's people (with their affiliation then).
    """
    latest = queries.current_transcript(db, session)
    if latest is None:
        return None
    transcript = latest
    if version is not None and version != latest.version:
        transcript = queries.transcript_version(db, session, version)
        if transcript is None:
            return None
    lines = _cached_lines(db, transcript)
    speakers = _speakers(db, lines, people)
    language = transcript.language or session.language or "fr"
    return TranscriptView(
        version=transcript.version,
        latest_version=latest.version,
        language=language,
        source=transcript.source,
        model=transcript.model,
        created_at=transcript.created_at,
        turns=_turns(lines, speakers, programme, language),
    )


# A transcript version is never rewritten (a correction adds a version), so its
# lines can be kept: a session page is then rendered without reading them again.
_CACHE: OrderedDict[tuple, list[Line]] = OrderedDict()
_CACHE_SIZE = 16
_CACHE_LOCK = threading.Lock()


def clear_cache() -> None:
    """Forget the kept lines (benchmarks measure an uncached render with it)."""
    with _CACHE_LOCK:
        _CACHE.clear()


def _cached_lines(db: OrmSession, transcript: Transcript) -> list[Line]:
    key = (str(db.get_bind().url), transcript.id, transcript.version, transcript.created_at)
    with _CACHE_LOCK:
        lines = _CACHE.get(key)
    if lines is None:
        lines = _read_lines(db, transcript)
        with _CACHE_LOCK:  # threaded servers render pages concurrently
            _CACHE[key] = lines
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    return lines


def _read_lines(db: OrmSession, transcript: Transcript) -> list[Line]:
    rows = db.execute(
        select(
            Segment.position,
            Segment.start_ms,
            Segment.end_ms,
            Segment.text,
            Person.slug,
            Segment.voice,
            Segment.verified,
            # Raw JSON text: decoding it here is several times faster than
            # SQLAlchemy's per-row JSON processing (PostgreSQL drivers decode it anyway).
            type_coerce(Segment.words, String),
        )
        .outerjoin(Person, Person.id == Segment.speaker_id)
        .where(Segment.transcript_id == transcript.id)
        .order_by(Segment.position)
    ).all()
    lines = []
    for position, start_ms, end_ms, text, slug, voice, verified, raw_words in rows:
        if not isinstance(raw_words, str):  # PostgreSQL drivers hand JSON over decoded
            raw_words = json.dumps(raw_words)
        marks = word_starts(text, start_ms, json.loads(raw_words or "[]"))
        lines.append(
            Line(
                position=position,
                start_ms=start_ms,
                end_ms=end_ms,
                text=text,
                speaker_slug=slug,
                voice=voice,
                verified=bool(verified),
                marks=marks,
                words_json=raw_words or "[]",
            )
        )
    return lines


def word_starts(text: str, start_ms: int, words: list) -> str:
    """Return the start of each whitespace-separated token of text, relative to the line's.

    Recognisers split French elisions and compounds ("l" + "'accident", "États" +
    "-Unis,"), so a token starts with its first word. The page maps these times onto
    the tokens; when text and words cannot be aligned (an edited line) none are
    given and the line seeks to its start.
    """
    tokens = text.split()
    if len(words) == len(tokens):  # the common case, kept cheap for long transcripts
        return " ".join([str(word[0] - start_ms) for word in words])
    starts, pending, index = [], "", 0
    for word in words:
        if index >= len(tokens):
            return ""
        piece = str(word[2]).strip()
        if not pending:
            starts.append(str(word[0] - start_ms))
        pending += piece
        if len(pending) >= len(tokens[index]):
            if pending != tokens[index]:
                return ""
            pending, index = "", index + 1
    return " ".join(starts) if index == len(tokens) else ""


def _speakers(db: OrmSession, lines: list[Line], people: dict[str, PersonRef]) -> dict:
    missing = {line.speaker_slug for line in lines if line.speaker_slug} - set(people)
    speakers = dict(people)
    if missing:  # speakers who are not on the programme still get a name and a link
        for person in db.scalars(select(Person).where(Person.slug.in_(missing))):
            speakers[person.slug] = PersonRef(
                slug=person.slug,
                name=person.name,
                affiliation=person.affiliation or "",
            )
    return speakers


def _who(line: Line) -> tuple[str, str | None]:
    """Say who speaks a line: a person, else a voice (a turn changes when either does)."""
    return ("person", line.speaker_slug) if line.speaker_slug else ("voice", line.voice)


def _turns(
    lines: list[Line],
    speakers: dict[str, PersonRef],
    programme: tuple[ProgrammeEntry, ...],
    language: str = "fr",
) -> list[Turn]:
    starts = sorted((p for p in programme if p.start_ms is not None), key=lambda p: p.start_ms)
    turns: list[Turn] = []
    next_item = 0
    for line in lines:
        item = None
        # A line belongs to the talk it is mostly in: Whisper often starts the first
        # line of a talk a little before the offset the archivist set.
        middle_ms = (line.start_ms + line.end_ms) // 2
        while next_item < len(starts) and starts[next_item].start_ms <= middle_ms:
            item = starts[next_item]
            next_item += 1
        if turns and item is None and _who(turns[-1].lines[-1]) == _who(line):
            turns[-1].lines.append(line)
            continue
        speaker = speakers.get(line.speaker_slug) if line.speaker_slug else None
        unnamed = voice_name(line.voice, language) if line.voice and speaker is None else None
        turns.append(
            Turn(
                speaker=speaker, start_ms=line.start_ms, lines=[line], item=item, voice_name=unnamed
            )
        )
    return turns


def full_text(view: TranscriptView) -> str:
    """Return the transcript as one plain text (for schema.org's `transcript`)."""
    return " ".join(line.text for turn in view.turns for line in turn.lines)
