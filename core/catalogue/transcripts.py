"""Write side of transcripts: every store adds a new version, atomically.

A failed store leaves earlier versions untouched because the whole version
(transcript row and all its segments) is written in the caller's transaction.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from core.catalogue.queries import latest_version_number
from core.catalogue.schema import Person, Recording, Segment, Session, Transcript
from core.contracts import TranscribedSegment


def store_transcript(
    db: OrmSession,
    session: Session,
    segments: list[TranscribedSegment],
    *,
    language: str,
    model: str,
    source: str = "whisper",
    settings: dict | None = None,
    recording: Recording | None = None,
    author: str = "",
    note: str = "",
) -> Transcript:
    """Add the next transcript version of session with these segments; caller commits."""
    people = {p.slug: p for p in db.scalars(select(Person))}
    names = {p.name.casefold(): p for p in people.values()}
    transcript = Transcript(
        session_id=session.id,
        recording_id=recording.id if recording else None,
        version=latest_version_number(db, session) + 1,
        source=source,
        model=model,
        language=language,
        settings=settings or {},
        author=author,
        note=note,
    )
    db.add(transcript)
    db.flush()
    ordered = sorted(segments, key=lambda s: (s.start_ms, s.end_ms))
    db.add_all(
        Segment(
            transcript_id=transcript.id,
            position=position,
            start_ms=int(s.start_ms),
            end_ms=int(max(s.end_ms, s.start_ms)),
            text=s.text.strip(),
            speaker_id=_speaker_id(s, people, names),
            voice=s.voice,
            confidence=round(s.confidence, 4) if s.confidence is not None else None,
            words=[[w.start_ms, w.end_ms, w.text, round(w.probability, 4)] for w in s.words],
        )
        for position, s in enumerate(ordered)
    )
    db.flush()
    return transcript


def _speaker_id(
    segment: TranscribedSegment, people: dict[str, Person], names: dict[str, Person]
) -> int | None:
    if segment.speaker_slug and segment.speaker_slug in people:
        return people[segment.speaker_slug].id
    if segment.speaker_name:  # imported subtitles carry names in voice tags
        person = names.get(segment.speaker_name.strip().casefold())
        return person.id if person else None
    return None
