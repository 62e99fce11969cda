"""Sessions and series as viewers see them: published only, with programme, people and media.

Plain data (slugs, ms, file hashes): views and the API link them (portal/links.py).
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session as OrmSession

from core.catalogue import queries
from core.catalogue.schema import Recording, Series, Session
from core.contracts import ProbeResult, StreamInfo
from core.playback import is_browser_playable


@dataclass(frozen=True)
class PersonRef:
    """A person as shown beside a session: with the affiliation they had then."""

    slug: str
    name: str
    affiliation: str = ""
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProgrammeEntry:
    """A programme item; start_ms/end_ms are None when the item was never timed."""

    position: int
    kind: str
    title: str
    description: str
    start_ms: int | None
    end_ms: int | None
    people: tuple[PersonRef, ...]


@dataclass(frozen=True)
class MediaRef:
    """What the player loads: the recording's hash and file extensions, type and duration."""

    sha256: str
    ext: str  # of the playable file
    mimetype: str
    has_video: bool
    duration_ms: int | None
    poster_ext: str | None = None  # None when the recording has no poster


@dataclass(frozen=True)
class SessionSummary:
    """A session in a list: enough for a card, a feed entry or a sitemap line."""

    slug: str
    title: str
    date: date | None
    language: str
    place: str
    series_slug: str | None
    series_title: str | None
    duration_ms: int | None
    updated_at: datetime | None = field(default=None, metadata={"internal": True})
    description: str = ""
    has_recording: bool = False  # False: programme only, nothing to play yet
    # The card's poster frame: the recording's hash and the poster's extension.
    poster_sha256: str | None = field(default=None, metadata={"internal": True})
    poster_ext: str | None = field(default=None, metadata={"internal": True})


@dataclass(frozen=True)
class SessionDetail:
    """A session page's metadata: summary, programme, people and media (no transcript)."""

    summary: SessionSummary
    description: str
    programme: tuple[ProgrammeEntry, ...]
    people: tuple[PersonRef, ...]
    media: MediaRef | None
    transcript_version: int | None


@dataclass(frozen=True)
class SeriesView:
    """A series with its published sessions in date order (oldest first)."""

    slug: str
    title: str
    description: str
    language: str
    sessions: tuple[SessionSummary, ...] = ()


def summarize(session: Session) -> SessionSummary:
    """Return the list-view summary of a session."""
    recording = playable_recording(session)
    poster_ext = _poster_ext(recording) if recording else None
    return SessionSummary(
        slug=session.slug,
        title=session.title,
        date=session.date,
        language=session.language or "fr",
        place=session.place or "",
        series_slug=session.series.slug if session.series else None,
        series_title=session.series.title if session.series else None,
        duration_ms=recording.duration_ms if recording else None,
        updated_at=session.updated_at,
        description=session.description or "",
        has_recording=recording is not None,
        poster_sha256=recording.sha256 if poster_ext else None,
        poster_ext=poster_ext,
    )


def latest_sessions(db: OrmSession, limit: int | None = None) -> list[SessionSummary]:
    """Return published sessions, newest first."""
    sessions = queries.list_sessions(db)
    return [summarize(s) for s in sessions[:limit]]


def find_session(db: OrmSession, slug: str, include_drafts: bool = False) -> Session | None:
    """Return the published session with that slug (None for unknown or draft slugs).

    include_drafts lets a signed-in archivist preview a draft as viewers will see it.
    """
    return queries.get_session(db, slug, include_drafts=include_drafts)


def session_detail(db: OrmSession, session: Session) -> SessionDetail:
    """Return a session's metadata: summary, programme, people and media."""
    recording = playable_recording(session)
    duration_ms = recording.duration_ms if recording else None
    return SessionDetail(
        summary=summarize(session),
        description=session.description or "",
        programme=tuple(programme(session, duration_ms)),
        people=tuple(
            _person_ref(sp.person, sp.affiliation, sp.roles)
            for sp in queries.session_people(session)
        ),
        media=media_ref(recording) if recording else None,
        transcript_version=queries.latest_version_number(db, session) or None,
    )


def programme(session: Session, duration_ms: int | None) -> list[ProgrammeEntry]:
    """Return the programme with each timed item's end (the next timed start, or the end)."""
    starts = sorted(i.start_ms for i in session.items if i.start_ms is not None)
    entries = []
    for item in session.items:
        end_ms = None
        if item.start_ms is not None:
            end_ms = next((s for s in starts if s > item.start_ms), duration_ms)
        people = tuple(_person_ref(a.person, a.affiliation, (a.role,)) for a in item.appearances)
        entries.append(
            ProgrammeEntry(
                position=item.position,
                kind=item.kind,
                title=item.title,
                description=item.description or "",
                start_ms=item.start_ms,
                end_ms=end_ms,
                people=people,
            )
        )
    return entries


def series_view(db: OrmSession, slug: str) -> SeriesView | None:
    """Return a series and its published sessions oldest first, or None.

    A series with no published session is None, as an unknown slug is: its
    title and description would otherwise show what only drafts contain.
    """
    series = queries.get_series(db, slug)
    if series is None:
        return None
    sessions = sorted(
        queries.list_sessions(db, series_slug=slug), key=lambda s: (s.date is None, s.date, s.id)
    )
    if not sessions:
        return None
    return _series(series, tuple(summarize(s) for s in sessions))


def all_series(db: OrmSession) -> list[SeriesView]:
    """Return every series that has at least one published session."""
    views = (series_view(db, s.slug) for s in queries.list_series(db))
    return [v for v in views if v]


def _series(series: Series, sessions: tuple[SessionSummary, ...]) -> SeriesView:
    return SeriesView(
        slug=series.slug,
        title=series.title,
        description=series.description or "",
        language=series.language or "fr",
        sessions=sessions,
    )


def people_of(session: Session) -> dict[str, PersonRef]:
    """Map slug to the session's people, with the affiliation each had then."""
    return {
        sp.person.slug: _person_ref(sp.person, sp.affiliation, sp.roles)
        for sp in queries.session_people(session)
    }


def person_ref(person) -> PersonRef:
    """Return a reference to a person with their latest known affiliation."""
    return _person_ref(person, person.affiliation or "", ())


def _person_ref(person, affiliation: str, roles: tuple[str, ...]) -> PersonRef:
    return PersonRef(
        slug=person.slug,
        name=person.name,
        affiliation=affiliation or person.affiliation or "",
        roles=tuple(roles),
    )


def playable_recording(session: Session) -> Recording | None:
    """Return the session's recording that a browser can play (converted copy or original)."""
    for recording in session.recordings:
        if playable_file(recording):
            return recording
    return None


def playable_file(recording: Recording) -> str | None:
    """Return the home-relative path a browser can play for this recording, or None."""
    if recording.playable_path:
        return recording.playable_path
    known = StreamInfo.__dataclass_fields__
    streams = tuple(
        StreamInfo(**{k: v for k, v in s.items() if k in known}) for s in recording.streams or []
    )
    probe = ProbeResult(
        path=Path(recording.original_path),
        duration_ms=recording.duration_ms or 0,
        container=recording.container or "",
        streams=streams,
    )
    return recording.original_path if is_browser_playable(probe) else None


def media_ref(recording: Recording) -> MediaRef:
    """Return the player's view of a recording (content-addressed files, hence cacheable)."""
    path = playable_file(recording) or recording.original_path
    suffix = Path(path).suffix.lower()
    mimetype = mimetypes.guess_type(f"x{suffix}")[0] or "application/octet-stream"
    if not recording.has_video and mimetype.startswith("video/"):
        mimetype = "audio/" + mimetype.split("/", 1)[1]
    return MediaRef(
        sha256=recording.sha256,
        ext=suffix.lstrip(".") or "bin",
        mimetype=mimetype,
        has_video=recording.has_video,
        duration_ms=recording.duration_ms,
        poster_ext=_poster_ext(recording),
    )


def _poster_ext(recording: Recording) -> str | None:
    """Return the extension of the recording's poster frame, None when it has none."""
    if not recording.poster_path:
        return None
    return Path(recording.poster_path).suffix.lstrip(".") or "jpg"
