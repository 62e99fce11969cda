"""Apply a validated manifest to the catalogue: upsert by slug, in one transaction.

References (a session's series, a programme's speakers) may point at entries of
the same file or at ones already in the catalogue; a dangling reference refuses
the whole file and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from core.catalogue.schema import Appearance, Person, ProgrammeItem, Series, Session
from core.errors import ManifestError
from core.glossary import GlossaryLimits, seed_if_empty
from core.manifest import ItemEntry, Manifest, SessionEntry


@dataclass
class ImportReport:
    """What an import created and updated, by kind."""

    created: dict[str, list[str]] = field(default_factory=dict)
    updated: dict[str, list[str]] = field(default_factory=dict)
    sessions: list[str] = field(default_factory=list)

    def note(self, kind: str, slug: str, created: bool) -> None:
        bucket = self.created if created else self.updated
        bucket.setdefault(kind, []).append(slug)

    def summary(self) -> str:
        """Return a one-line human summary such as '1 series, 11 people, 4 sessions created'."""
        parts = []
        for label, bucket in (("created", self.created), ("updated", self.updated)):
            counts = ", ".join(f"{len(v)} {k}" for k, v in bucket.items())
            if counts:
                parts.append(f"{counts} {label}")
        return "; ".join(parts) or "nothing to import"


def apply_manifest(
    db: OrmSession, manifest: Manifest, glossary_limits: GlossaryLimits | None = None
) -> ImportReport:
    """Upsert the manifest's series, people and sessions; the caller commits.

    A series whose glossary is empty gets one seeded from its programme.
    """
    report = ImportReport()
    _check_references(db, manifest)
    for entry in manifest.series:
        series, created = _get_or_new(db, Series, entry.slug)
        series.title, series.description = entry.title, entry.description
        series.language = entry.language
        report.note("series", entry.slug, created)
    affiliations: dict[str, str] = {}
    for entry in manifest.people:
        person, created = _get_or_new(db, Person, entry.slug)
        person.name, person.affiliation = entry.name, entry.affiliation
        person.bio, person.url = entry.bio, entry.url
        affiliations[entry.slug] = entry.affiliation
        report.note("people", entry.slug, created)
    db.flush()
    for entry in manifest.sessions:
        _apply_session(db, entry, affiliations, report)
    db.flush()
    for entry in manifest.series:
        series = db.scalar(select(Series).where(Series.slug == entry.slug))
        seed_if_empty(db, series, glossary_limits)
    return report


def _get_or_new(db: OrmSession, model, slug: str):
    existing = db.scalar(select(model).where(model.slug == slug))
    if existing is not None:
        return existing, False
    fresh = model(slug=slug)
    db.add(fresh)
    return fresh, True


def _check_references(db: OrmSession, manifest: Manifest) -> None:
    series = {s.slug for s in manifest.series} | set(db.scalars(select(Series.slug)))
    people = {p.slug for p in manifest.people} | set(db.scalars(select(Person.slug)))
    problems = []
    for session in manifest.sessions:
        if session.series and session.series not in series:
            problems.append(f"sessions ({session.slug}): series '{session.series}' is not defined")
        for number, item in enumerate(session.programme or [], start=1):
            for appearance in item.appearances:
                if appearance.person not in people:
                    problems.append(
                        f"sessions ({session.slug}) programme[{number}]: person "
                        f"'{appearance.person}' is not defined under 'people'"
                    )
    if problems:
        listing = "\n  - ".join(problems)
        raise ManifestError(
            f"{manifest.path}: invalid manifest, nothing was imported:\n  - {listing}"
        )


def _apply_session(
    db: OrmSession, entry: SessionEntry, affiliations: dict[str, str], report: ImportReport
) -> None:
    session, created = _get_or_new(db, Session, entry.slug)
    session.title, session.date, session.language = entry.title, entry.date, entry.language
    session.place, session.description = entry.place, entry.description
    session.published = not entry.draft
    session.series = (
        db.scalar(select(Series).where(Series.slug == entry.series)) if entry.series else None
    )
    if entry.programme is not None:
        _apply_programme(db, session, entry.programme, affiliations)
    report.note("sessions", entry.slug, created)
    report.sessions.append(entry.slug)


def _apply_programme(
    db: OrmSession, session: Session, programme: list[ItemEntry], affiliations: dict[str, str]
) -> None:
    # Items are matched by position so that start offsets set in the workspace
    # survive a re-import of a manifest that does not give them.
    existing = list(session.items)
    for position, entry in enumerate(programme):
        if position < len(existing):
            item = existing[position]
        else:
            item = ProgrammeItem(position=position)
            session.items.append(item)
        item.title, item.kind, item.description = entry.title, entry.kind, entry.description
        if entry.start_ms is not None:
            item.start_ms = entry.start_ms
        item.appearances.clear()
        db.flush()
        for order, appearance in enumerate(entry.appearances):
            person = db.scalar(select(Person).where(Person.slug == appearance.person))
            affiliation = appearance.affiliation
            if affiliation is None:
                affiliation = affiliations.get(appearance.person, person.affiliation)
            item.appearances.append(
                Appearance(
                    person=person,
                    role=appearance.role,
                    affiliation=affiliation,
                    position=order,
                    start_ms=appearance.start_ms,
                )
            )
    for stale in existing[len(programme) :]:
        session.items.remove(stale)
