"""Sessions made in the workspace: a draft with its programme, people found or added by name.

Programme lines read `Title | Person (Affiliation); Other Person`, one item a
line, so that a programme can be pasted from an announcement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session as OrmSession

from core.catalogue.schema import Appearance, Person, ProgrammeItem, Series, Session
from core.errors import CatalogueError
from core.manifest import ITEM_KINDS, is_language_code
from core.text import slugify

_PERSON = re.compile(r"^\s*(?P<name>[^()]+?)\s*(?:\((?P<affiliation>[^()]*)\))?\s*$")


@dataclass(frozen=True)
class ProgrammeLine:
    """One parsed programme line: the item's title and its people (name, affiliation)."""

    title: str
    people: tuple[tuple[str, str], ...] = ()


def parse_people(text: str) -> tuple[tuple[str, str], ...]:
    """Parse 'Ann Roe (LATTS); Bo Li' into ((name, affiliation), ...)."""
    people = []
    for part in re.split(r"[;\n]", text or ""):
        if not part.strip():
            continue
        match = _PERSON.match(part)
        if match is None:
            raise CatalogueError(
                f"cannot read the person “{part.strip()}”: write Name (Affiliation)"
            )
        people.append((match["name"].strip(), (match["affiliation"] or "").strip()))
    return tuple(people)


def parse_programme(text: str) -> list[ProgrammeLine]:
    """Parse programme lines `Title | people`, skipping blank lines."""
    lines = []
    for raw in (text or "").splitlines():
        if not raw.strip():
            continue
        title, _, people = raw.partition("|")
        if not title.strip():
            raise CatalogueError(f"the programme line “{raw.strip()}” has no title")
        lines.append(ProgrammeLine(title.strip(), parse_people(people)))
    return lines


def person_named(db: OrmSession, name: str, affiliation: str = "") -> Person:
    """Return the person with this name (any case), creating them when unknown."""
    person = db.scalar(select(Person).where(func.lower(Person.name) == name.lower()))
    if person is not None:
        return person
    person = Person(slug=_free_slug(db, Person, slugify(name)), name=name, affiliation=affiliation)
    db.add(person)
    db.flush()
    return person


def add_item(
    db: OrmSession,
    session: Session,
    title: str,
    people=(),
    kind: str = "talk",
    start_ms: int | None = None,
) -> ProgrammeItem:
    """Append a programme item with its people (as speakers) to the session."""
    if kind not in ITEM_KINDS:
        raise CatalogueError(f"unknown programme item kind {kind!r}")
    item = ProgrammeItem(
        session_id=session.id,
        position=len(session.items) + 1,
        kind=kind,
        title=title,
        start_ms=start_ms,
    )
    session.items.append(item)
    for position, (name, affiliation) in enumerate(people):
        person = person_named(db, name, affiliation)
        item.appearances.append(
            Appearance(
                person=person,
                position=position,
                role="speaker",
                affiliation=affiliation or person.affiliation,
            )
        )
    db.flush()
    return item


def new_session(
    db: OrmSession,
    *,
    title: str,
    series_slug: str | None = None,
    day: date | None = None,
    language: str = "fr",
    place: str = "",
    programme: str = "",
) -> Session:
    """Create an unpublished session with its programme; the caller commits."""
    title = (title or "").strip()
    if not title:
        raise CatalogueError("a new session needs a title")
    if not is_language_code(language):
        raise CatalogueError("the language must be a two-letter code such as fr or en")
    series = None
    if series_slug:
        series = db.scalar(select(Series).where(Series.slug == series_slug))
        if series is None:
            raise CatalogueError(f"unknown series {series_slug!r}")
    lines = parse_programme(programme)  # refuse a bad programme before writing anything
    base = slugify(f"{day.isoformat()} {title}" if day else title)
    session = Session(
        slug=_free_slug(db, Session, base),
        title=title,
        date=day,
        language=language,
        place=place.strip(),
        series=series,
        published=False,
    )
    db.add(session)
    db.flush()
    for line in lines:
        add_item(db, session, line.title, line.people)
    return session


def _free_slug(db: OrmSession, model: type, base: str) -> str:
    slug, number = base, 1
    while db.scalar(select(model.id).where(model.slug == slug)) is not None:
        number += 1
        slug = f"{base}-{number}"
    return slug
