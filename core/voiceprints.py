"""Voiceprints: a person's mean voice embedding, kept only from voices an archivist confirmed.

A voiceprint is always recomputed from scratch (the speech-weighted mean of
every confirmed voice of the person that still has an embedding), so renaming
a voice away from someone updates their print too, and a person with no
confirmed voice left has none. Deleting a print also erases the embeddings it
was made from: biometric data must not stay re-derivable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session as OrmSession

from core.catalogue.schema import Person, Session, SessionVoice, Voiceprint
from core.voices import mean_embedding, pack_embedding, unpack_embedding


@dataclass(frozen=True)
class VoiceprintSummary:
    """What the admin list shows of a voiceprint: never the embedding itself."""

    person_slug: str
    person_name: str
    model: str
    speech_ms: int
    voices: int
    updated_at: datetime | None


def session_voice(db: OrmSession, session: Session, label: str) -> SessionVoice | None:
    """Return the session's voice with that label, or None."""
    return db.scalar(
        select(SessionVoice).where(
            SessionVoice.session_id == session.id, SessionVoice.label == label
        )
    )


def confirm_voice(
    db: OrmSession, session: Session, label: str, person: Person | None
) -> SessionVoice | None:
    """Name a session's voice (None: unname it) and recompute the voiceprints it touches.

    Returns the voice, or None when diarization stored no such voice (then no print changes).
    """
    voice = session_voice(db, session, label)
    if voice is None:
        return None
    before = voice.person_id
    voice.person_id = person.id if person is not None else None
    voice.proposed_person_id, voice.proposed_score = None, None  # a proposal is settled
    db.flush()
    for person_id in {before, voice.person_id} - {None}:
        recompute_voiceprint(db, person_id)
    return voice


def merge_session_voices(db: OrmSession, session: Session, into: str, merged: str) -> None:
    """Fold voice `merged` into voice `into`: speech adds up, embeddings average by speech."""
    target, source = session_voice(db, session, into), session_voice(db, session, merged)
    if source is None:
        return
    touched = {source.person_id}
    if target is None:  # diarization stored only the merged one: it takes the new label
        source.label = into
        db.flush()
        return
    embeddings = [
        (unpack_embedding(v.embedding), max(v.speech_ms, 1))
        for v in (target, source)
        if v.embedding is not None and v.model == target.model
    ]
    if target.embedding is not None and len(embeddings) == 2:
        vectors, weights = zip(*embeddings, strict=True)
        target.embedding = pack_embedding(mean_embedding(vectors, weights))
    elif target.embedding is None and source.embedding is not None:
        target.embedding, target.model = source.embedding, source.model
    target.speech_ms += source.speech_ms
    db.delete(source)
    db.flush()
    touched.add(target.person_id)
    for person_id in touched - {None}:
        recompute_voiceprint(db, person_id)


def recompute_voiceprint(db: OrmSession, person_id: int) -> None:
    """Rebuild a person's voiceprints (one per model) from their confirmed voices."""
    voices = list(
        db.scalars(
            select(SessionVoice).where(
                SessionVoice.person_id == person_id, SessionVoice.embedding.is_not(None)
            )
        )
    )
    by_model: dict[str, list[SessionVoice]] = {}
    for voice in voices:
        by_model.setdefault(voice.model, []).append(voice)
    prints = {
        p.model: p for p in db.scalars(select(Voiceprint).where(Voiceprint.person_id == person_id))
    }
    for model, stale in prints.items():
        if model not in by_model:
            db.delete(stale)
    for model, group in by_model.items():
        vector = mean_embedding(
            [unpack_embedding(v.embedding) for v in group], [max(v.speech_ms, 1) for v in group]
        )
        voiceprint = prints.get(model) or Voiceprint(person_id=person_id, model=model)
        voiceprint.embedding = pack_embedding(vector)
        voiceprint.speech_ms = sum(v.speech_ms for v in group)
        voiceprint.sessions = len(group)
        db.add(voiceprint)
    db.flush()


def delete_voiceprint(db: OrmSession, person: Person) -> int:
    """Delete a person's voiceprints and erase the embeddings they came from; return how many.

    The confirmed voices keep their name (the transcript is unchanged) but lose
    their embedding, and proposals made from the print are withdrawn.
    """
    deleted = db.execute(delete(Voiceprint).where(Voiceprint.person_id == person.id)).rowcount
    db.execute(
        update(SessionVoice).where(SessionVoice.person_id == person.id).values(embedding=None)
    )
    db.execute(
        update(SessionVoice)
        .where(SessionVoice.proposed_person_id == person.id)
        .values(proposed_person_id=None, proposed_score=None)
    )
    db.flush()
    db.expire_all()
    return deleted or 0


def voiceprints_summary(db: OrmSession) -> list[VoiceprintSummary]:
    """List every stored voiceprint by person name, without its embedding."""
    rows = db.execute(
        select(
            Person.slug,
            Person.name,
            Voiceprint.model,
            Voiceprint.speech_ms,
            Voiceprint.sessions,
            Voiceprint.updated_at,
        )
        .join(Person, Person.id == Voiceprint.person_id)
        .order_by(Person.name, Voiceprint.model)
    ).all()
    return [VoiceprintSummary(*row) for row in rows]


def has_voiceprint(db: OrmSession, person: Person) -> bool:
    """Say whether a person has any stored voiceprint."""
    return db.scalar(select(Voiceprint.id).where(Voiceprint.person_id == person.id)) is not None
