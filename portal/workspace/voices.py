"""Correct speakers by voice in the transcript editor: rename, merge, split a turn at a word.

Each form stores one new transcript version with a note in the archivist's
language and reindexes the session, as text corrections do. Naming a voice
confirms it, which updates the person's voiceprint (core.voiceprints).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from core.catalogue.schema import Person, Segment, Session, SessionVoice, Transcript
from core.errors import CatalogueError
from core.programme import person_named
from core.voice_edits import (
    VoiceEditError,
    merge_voices,
    merge_with_previous,
    rename_voice,
    split_segment,
    voice_labels,
)
from core.voices import voice_name
from portal.extensions import get_db
from portal.services.bounds import parse_int
from portal.workspace import enqueue_reindex, make_blueprint, session_or_404
from portal.workspace.words import correction_refusal

bp = make_blueprint("workspace_voices", __name__)

VOICE_PREFIX = "voice:"  # a speaker menu's value that means "this voice", not a person
MAX_NAME_CHARS = 300  # Person.name's column


@dataclass(frozen=True)
class VoiceRow:
    """A voice as the Voices panel lists it (never its embedding)."""

    label: str
    name: str  # the person's name, or "Intervenant N"
    person: Person | None  # who its segments are now
    confirmed: bool  # an archivist named it
    segments: int
    speech_ms: int
    proposed: Person | None  # what a voiceprint suggested, with its cosine score
    score: float | None


def voice_rows(
    db: OrmSession, session: Session, segments: list[Segment], language: str
) -> list[VoiceRow]:
    """List the voices of a version's segments, with their names and proposals."""
    stored = {
        v.label: v
        for v in db.scalars(select(SessionVoice).where(SessionVoice.session_id == session.id))
    }
    rows = []
    for label in voice_labels(segments):
        mine = [s for s in segments if s.voice == label]
        people = {s.speaker_id for s in mine}
        person = mine[0].speaker if len(people) == 1 else None
        row = stored.get(label)
        proposed = row.proposed_person if row is not None else None
        rows.append(
            VoiceRow(
                label=label,
                name=person.name if person else voice_name(label, language),
                person=person,
                confirmed=bool(
                    row is not None and row.person_id and row.person_id == (person and person.id)
                ),
                segments=len(mine),
                speech_ms=row.speech_ms
                if row is not None and row.speech_ms
                else sum(s.end_ms - s.start_ms for s in mine),
                proposed=proposed if proposed is not None and proposed != person else None,
                score=row.proposed_score if row is not None else None,
            )
        )
    return rows


@bp.route("/sessions/<slug>/voices/name", methods=["POST"])
def name(slug: str):
    """Give every segment of a voice to a person (chosen, or typed as a new name)."""
    form = request.form
    label = _label(form.get("voice"))
    typed = " ".join((form.get("new_name") or "").split())

    def apply(db: OrmSession, session: Session, base: int) -> Transcript | None:
        if label is None:
            raise CatalogueError(_("Choose a voice."))
        if len(typed) > MAX_NAME_CHARS:
            raise CatalogueError(_("A name has at most %(n)d characters.", n=MAX_NAME_CHARS))
        person = person_named(db, typed) if typed else _person(db, form.get("person"))
        note = (
            _("Voice %(voice)s named %(name)s", voice=label, name=person.name)
            if person
            else _("Voice %(voice)s unnamed", voice=label)
        )
        return rename_voice(db, session, base, label, person, current_user.username, note)

    return _apply(slug, apply)


@bp.route("/sessions/<slug>/voices/merge", methods=["POST"])
def merge(slug: str):
    """Merge one voice into another: its segments take the other's label and speaker."""
    form = request.form
    into, merged = _label(form.get("into")), _label(form.get("merged"))

    def apply(db: OrmSession, session: Session, base: int) -> Transcript:
        if into is None or merged is None:
            raise CatalogueError(_("Choose the two voices to merge."))
        if into == merged:
            raise CatalogueError(_("Choose two different voices to merge."))
        note = _("Voice %(merged)s merged into voice %(into)s", merged=merged, into=into)
        return merge_voices(db, session, base, into, merged, current_user.username, note)

    return _apply(slug, apply)


@bp.route("/sessions/<slug>/voices/split", methods=["POST"])
def split(slug: str):
    """Split segment #N before word W; the second part is a voice or a person."""
    form = request.form
    number, word = parse_int(form.get("segment"), 1), parse_int(form.get("word"), 2)
    who = form.get("who") or ""

    def apply(db: OrmSession, session: Session, base: int) -> Transcript:
        if number is None or word is None:
            raise CatalogueError(
                _("Give the segment number and the word (2 or more) where the new speaker starts.")
            )
        voice = _label(who[len(VOICE_PREFIX) :]) if who.startswith(VOICE_PREFIX) else None
        person = None if voice else _person(db, who)
        note = _("Segment #%(n)d split before word %(w)d", n=number, w=word)
        return split_segment(
            db,
            session,
            base,
            number - 1,
            word - 1,
            current_user.username,
            note,
            voice=voice,
            person=person,
        )

    return _apply(slug, apply)


@bp.route("/sessions/<slug>/segments/join", methods=["POST"])
def join(slug: str):
    """Join segment #N to the one before it (the editor's Alt+Backspace at a segment's start)."""
    number = parse_int(request.form.get("segment"), 2)

    def apply(db: OrmSession, session: Session, base: int) -> Transcript:
        if number is None:
            raise CatalogueError(_("Give the number (2 or more) of the segment to join."))
        note = _("Segment #%(n)d joined to the one before it", n=number)
        return merge_with_previous(db, session, base, number - 1, current_user.username, note)

    return _apply(slug, apply)


def _apply(slug: str, operation: Callable[[OrmSession, Session, int], Transcript | None]):
    """Run one voice operation on the version the form was loaded with; flash the outcome."""
    db = get_db()
    session = session_or_404(slug)
    base = parse_int(request.form.get("base_version"), 1)
    try:
        if base is None:
            raise CatalogueError(_("The form is out of date; reload the page."))
        stored = operation(db, session, base)
        db.commit()
    except CatalogueError as exc:  # a VersionConflict included: the message says what to do
        db.rollback()
        flash(_worded(exc), "error")
        return redirect(url_for("workspace_transcript.editor", slug=slug))
    if stored is not None:
        enqueue_reindex(slug)
        flash(_("Saved as version %(v)d.", v=stored.version), "success")
    else:
        flash(_("Nothing changed."), "success")
    return redirect(url_for("workspace_transcript.editor", slug=slug))


def _worded(exc: CatalogueError) -> str:
    """Word a refused voice edit in the archivist's language."""
    if not isinstance(exc, VoiceEditError):
        return correction_refusal(exc)
    reasons = {
        "unknown_voice": lambda v: _("No voice %(voice)s in this version of the transcript.", **v),
        "same_voice": lambda v: _("Choose two different voices to merge."),
        "no_segment": lambda v: _("No segment #%(n)d in this version.", **v),
        "single_word": lambda v: _("Segment #%(n)d has a single word: nothing to split.", **v),
        "split_range": lambda v: _("Segment #%(n)d can be split before word 2 to %(words)d.", **v),
        "merge_range": lambda v: _("Segment #%(n)d has no segment before it to join.", **v),
    }
    worded = reasons.get(exc.reason)
    return worded(exc.values) if worded else str(exc)


def _label(raw: str | None) -> str | None:
    """Return a voice label as typed in a form (short, no spaces), or None."""
    label = (raw or "").strip()
    return label if label and len(label) <= 20 and label.isprintable() else None


def _person(db: OrmSession, slug: str | None) -> Person | None:
    """Return the person a menu chose ("" is nobody); an unknown slug is an error."""
    if not slug:
        return None
    person = db.scalar(select(Person).where(Person.slug == slug))
    if person is None:
        raise CatalogueError(_("Unknown speaker: %(slugs)s", slugs=slug))
    return person
