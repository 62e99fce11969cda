"""Read-side queries of the catalogue shared by the CLI, the index and the portal.

Viewers only ever see published sessions; callers that serve archivists pass
include_drafts=True explicitly. `is_public` is the one rule of what viewers may
see, and `published_slugs` is how the search index learns it at request time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import selectinload

from core.catalogue.schema import (
    Appearance,
    Person,
    ProgrammeItem,
    Recording,
    Segment,
    Series,
    Session,
    Transcript,
)
from core.contracts import ExportSegment, ExportTranscript, ProgrammeSlot, Word


def is_public() -> ColumnElement[bool]:
    """Return the condition a session meets when viewers may see it (and all it contains)."""
    return Session.published.is_(True)


def published_slugs(db: OrmSession) -> frozenset[str]:
    """Return the slugs of the sessions viewers may see, as the catalogue says right now.

    The search index reads this on each public search rather than trusting what
    its documents recorded when they were written, which lags an unpublishing.
    """
    return frozenset(db.scalars(select(Session.slug).where(is_public())))


def get_session(db: OrmSession, slug: str, include_drafts: bool = False) -> Session | None:
    """Return the session with that slug, or None (drafts hidden unless asked for)."""
    query = (
        select(Session)
        .where(Session.slug == slug)
        .options(
            selectinload(Session.items)
            .selectinload(ProgrammeItem.appearances)
            .selectinload(Appearance.person),
            selectinload(Session.series),
            selectinload(Session.recordings),
        )
    )
    if not include_drafts:
        query = query.where(is_public())
    return db.scalar(query)


def list_sessions(
    db: OrmSession, include_drafts: bool = False, series_slug: str | None = None
) -> list[Session]:
    """Return sessions newest first (undated last), optionally of one series."""
    query = select(Session).options(selectinload(Session.series))
    if not include_drafts:
        query = query.where(is_public())
    if series_slug:
        query = query.join(Series).where(Series.slug == series_slug)
    sessions = list(db.scalars(query))
    sessions.sort(key=lambda s: (s.date is not None, s.date, s.id), reverse=True)
    return sessions


def list_series(db: OrmSession) -> list[Series]:
    """Return every series, by title."""
    return list(db.scalars(select(Series).order_by(Series.title)))


def get_series(db: OrmSession, slug: str) -> Series | None:
    """Return the series with that slug, or None."""
    return db.scalar(select(Series).where(Series.slug == slug))


def get_person(db: OrmSession, slug: str) -> Person | None:
    """Return the person with that slug, or None."""
    return db.scalar(select(Person).where(Person.slug == slug))


def latest_recording(db: OrmSession, session: Session) -> Recording | None:
    """Return the session's most recently added recording, or None."""
    return db.scalar(
        select(Recording)
        .where(Recording.session_id == session.id)
        .order_by(Recording.id.desc())
        .limit(1)
    )


def current_transcript(db: OrmSession, session: Session) -> Transcript | None:
    """Return the session's latest transcript version, or None if it has none."""
    return db.scalar(
        select(Transcript)
        .where(Transcript.session_id == session.id)
        .order_by(Transcript.version.desc())
        .limit(1)
    )


def transcript_version(db: OrmSession, session: Session, version: int) -> Transcript | None:
    """Return one given version of the session's transcript, or None."""
    return db.scalar(
        select(Transcript).where(Transcript.session_id == session.id, Transcript.version == version)
    )


def latest_version_number(db: OrmSession, session: Session) -> int:
    """Return the highest transcript version of the session (0 when none)."""
    return db.scalar(
        select(func.coalesce(func.max(Transcript.version), 0)).where(
            Transcript.session_id == session.id
        )
    )


def transcript_segments(db: OrmSession, transcript: Transcript) -> list[Segment]:
    """Return a transcript's segments in order, with speakers loaded in the same query."""
    return list(
        db.scalars(
            select(Segment)
            .where(Segment.transcript_id == transcript.id)
            .order_by(Segment.position)
            .options(selectinload(Segment.speaker))
        )
    )


@dataclass(frozen=True)
class SessionPerson:
    """A person in a session with the affiliation and roles they had then."""

    person: Person
    affiliation: str
    roles: tuple[str, ...]


def session_people(session: Session) -> list[SessionPerson]:
    """Return the session's people in programme order, one entry per person."""
    seen: dict[int, SessionPerson] = {}
    for item in session.items:
        for appearance in item.appearances:
            known = seen.get(appearance.person_id)
            if known is None:
                seen[appearance.person_id] = SessionPerson(
                    appearance.person, appearance.affiliation, (appearance.role,)
                )
            elif appearance.role not in known.roles:
                seen[appearance.person_id] = SessionPerson(
                    known.person, known.affiliation, known.roles + (appearance.role,)
                )
    return list(seen.values())


def affiliation_map(session: Session) -> dict[int, str]:
    """Map person id to the affiliation they had at this session."""
    return {sp.person.id: sp.affiliation for sp in session_people(session)}


def programme_slots(session: Session) -> list[ProgrammeSlot]:
    """Return the programme as attribution input (offsets and people)."""
    return [
        ProgrammeSlot(
            start_ms=item.start_ms,
            people=tuple((a.person.slug, a.role, a.start_ms) for a in item.appearances),
        )
        for item in session.items
    ]


def item_at(session: Session, ms: int) -> ProgrammeItem | None:
    """Return the programme item being given at ms, from the items' start offsets."""
    timed = sorted((i for i in session.items if i.start_ms is not None), key=lambda i: i.start_ms)
    current = None
    for item in timed:
        if item.start_ms <= ms:
            current = item
    return current


def words_of(segment: Segment) -> tuple[Word, ...]:
    """Decode a segment's stored word timings."""
    return tuple(
        Word(
            start_ms=int(w[0]),
            end_ms=int(w[1]),
            text=str(w[2]),
            probability=float(w[3]) if len(w) > 3 else 1.0,
        )
        for w in segment.words or []
    )


def export_view(
    db: OrmSession, session: Session, transcript: Transcript | None = None
) -> ExportTranscript | None:
    """Return a transcript version (the current one by default) ready for export."""
    transcript = transcript or current_transcript(db, session)
    if transcript is None:
        return None
    affiliations = affiliation_map(session)
    segments = tuple(
        ExportSegment(
            start_ms=s.start_ms,
            end_ms=s.end_ms,
            text=s.text,
            words=words_of(s),
            speaker_slug=s.speaker.slug if s.speaker else None,
            speaker_name=s.speaker.name if s.speaker else None,
            affiliation=(affiliations.get(s.speaker.id) or s.speaker.affiliation or None)
            if s.speaker
            else None,
            confidence=s.confidence,
            verified=s.verified,
            voice=s.voice,
        )
        for s in transcript_segments(db, transcript)
    )
    return ExportTranscript(
        session_slug=session.slug,
        session_title=session.title,
        language=transcript.language,
        version=transcript.version,
        model=transcript.model,
        segments=segments,
        session_date=session.date.isoformat() if session.date else None,
        series_title=session.series.title if session.series else None,
        source=transcript.source,
    )


def session_summaries(db: OrmSession) -> list[dict]:
    """Return every session (drafts included) as plain dicts, newest first."""
    counts = dict(
        db.execute(
            select(Transcript.session_id, func.max(Transcript.version)).group_by(
                Transcript.session_id
            )
        ).all()
    )
    rows = []
    for session in list_sessions(db, include_drafts=True):
        version = counts.get(session.id)
        transcript = transcript_version(db, session, version) if version else None
        segments = (
            db.scalar(select(func.count(Segment.id)).where(Segment.transcript_id == transcript.id))
            if transcript
            else 0
        )
        rows.append(
            {
                "slug": session.slug,
                "title": session.title,
                "date": session.date.isoformat() if session.date else None,
                "series": session.series.slug if session.series else None,
                "language": session.language,
                "published": session.published,
                "transcript_version": version,
                "segments": segments,
            }
        )
    return rows


# Harvesting (OAI-PMH): published sessions in (updated_at, id) order, so that a
# page boundary is a position in that order and survives edits between pages.


@dataclass(frozen=True)
class HarvestFilter:
    """Which published sessions a harvest asks for: updated in [since, before), of one series."""

    since: datetime | None = None  # inclusive, UTC
    before: datetime | None = None  # exclusive, UTC
    series_slug: str | None = None


def _harvest_query(selected, wanted: HarvestFilter):
    query = selected.where(is_public())
    if wanted.since is not None:
        query = query.where(Session.updated_at >= wanted.since)
    if wanted.before is not None:
        query = query.where(Session.updated_at < wanted.before)
    if wanted.series_slug is not None:
        query = query.join(Series, Session.series_id == Series.id).where(
            Series.slug == wanted.series_slug
        )
    return query


def harvest_count(db: OrmSession, wanted: HarvestFilter) -> int:
    """Return how many published sessions match a harvest."""
    return db.scalar(_harvest_query(select(func.count(Session.id)), wanted)) or 0


def harvest_page(
    db: OrmSession, wanted: HarvestFilter, after: tuple[datetime, int] | None, limit: int
) -> list[Session]:
    """Return up to limit matching sessions after the (updated_at, id) position, loaded whole."""
    query = _harvest_query(select(Session), wanted)
    if after is not None:
        stamp, last_id = after
        query = query.where(
            or_(Session.updated_at > stamp, and_(Session.updated_at == stamp, Session.id > last_id))
        )
    query = (
        query.order_by(Session.updated_at, Session.id)
        .limit(limit)
        .options(
            selectinload(Session.items)
            .selectinload(ProgrammeItem.appearances)
            .selectinload(Appearance.person),
            selectinload(Session.series),
            selectinload(Session.recordings),
        )
    )
    return list(db.scalars(query))


def earliest_public_update(db: OrmSession) -> datetime | None:
    """Return the oldest `updated_at` of the published sessions (None when there are none)."""
    return db.scalar(select(func.min(Session.updated_at)).where(is_public()))


def public_series(db: OrmSession) -> list[Series]:
    """Return the series with at least one published session, by slug."""
    having = select(Session.series_id).where(is_public(), Session.series_id.is_not(None))
    return list(db.scalars(select(Series).where(Series.id.in_(having)).order_by(Series.slug)))
