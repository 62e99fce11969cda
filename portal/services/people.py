"""Speakers as viewers see them: affiliations over time and every published appearance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import selectinload

from core.catalogue import queries
from core.catalogue.schema import (
    Appearance,
    Person,
    ProgrammeItem,
    Segment,
    Session,
    Transcript,
)
from portal.services.sessions import SessionSummary, summarize


@dataclass(frozen=True)
class AffiliationSpan:
    """An affiliation and the dates of the first and last sessions it was held at."""

    affiliation: str
    first: date | None
    last: date | None


@dataclass(frozen=True)
class Talk:
    """One programme item a person took part in."""

    session: str
    title: str
    role: str
    affiliation: str
    start_ms: int | None


@dataclass(frozen=True)
class SpeakerView:
    """A person's page: who they are, their affiliations, sessions and talks."""

    slug: str
    name: str
    affiliation: str
    bio: str
    website: str
    affiliations: tuple[AffiliationSpan, ...]
    sessions: tuple[SessionSummary, ...]
    talks: tuple[Talk, ...]


def speaker_view(db: OrmSession, slug: str) -> SpeakerView | None:
    """Return a person with their published appearances, or None if none is public."""
    person = queries.get_person(db, slug)
    if person is None:
        return None
    appearances = list(
        db.scalars(
            select(Appearance)
            .join(ProgrammeItem)
            .join(Session)
            .where(Appearance.person_id == person.id, queries.is_public())
            .options(
                selectinload(Appearance.item)
                .selectinload(ProgrammeItem.session)
                .selectinload(Session.recordings)
            )
        )
    )
    spoken = list(
        db.scalars(
            select(Session)
            .join(Transcript, Transcript.session_id == Session.id)
            .join(Segment, Segment.transcript_id == Transcript.id)
            .where(Segment.speaker_id == person.id, queries.is_public())
            .distinct()
        )
    )
    sessions = {a.item.session.id: a.item.session for a in appearances}
    sessions.update({s.id: s for s in spoken})
    if not sessions:
        return None
    ordered = sorted(sessions.values(), key=lambda s: (s.date is None, s.date, s.id))
    talks = tuple(
        Talk(
            session=a.item.session.slug,
            title=a.item.title,
            role=a.role,
            affiliation=a.affiliation or "",
            start_ms=a.start_ms or a.item.start_ms,
        )
        for a in sorted(
            appearances, key=lambda a: (a.item.session.date or date.max, a.item.position)
        )
    )
    return SpeakerView(
        slug=person.slug,
        name=person.name,
        affiliation=person.affiliation or "",
        bio=person.bio or "",
        website=person.url or "",
        affiliations=tuple(_spans(appearances)),
        sessions=tuple(summarize(s) for s in ordered),
        talks=talks,
    )


def _spans(appearances: list[Appearance]) -> list[AffiliationSpan]:
    """Group appearances by affiliation, in the order they were first held."""
    spans: dict[str, list[date | None]] = {}
    for appearance in sorted(appearances, key=lambda a: a.item.session.date or date.max):
        if appearance.affiliation:
            spans.setdefault(appearance.affiliation, []).append(appearance.item.session.date)
    result = []
    for name, dates in spans.items():
        known = [d for d in dates if d]
        result.append(AffiliationSpan(name, min(known, default=None), max(known, default=None)))
    return result


def public_people(db: OrmSession) -> list[str]:
    """Return the slugs of people who appear in at least one published session."""
    return sorted(
        set(
            db.scalars(
                select(Person.slug)
                .join(Appearance)
                .join(ProgrammeItem)
                .join(Session)
                .where(queries.is_public())
            )
        )
    )
