"""The voice steps' reading and writing: the diarizer, its JSON file, and the catalogue rows.

`ingest.voice_naming` decides who each voice is from plain data; this module
fetches that data (earlier confirmed voices, stored voiceprints, the current
transcript) and writes the outcome (session voices), so the rules stay pure.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Protocol

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session as OrmSession

from core.catalogue.queries import current_transcript, transcript_segments, words_of
from core.catalogue.schema import Person, Session, SessionVoice, Voiceprint
from core.contracts import Diarization, TranscribedSegment, Voice, VoiceTurn
from core.settings import Settings
from core.voices import pack_embedding, unpack_embedding
from ingest.storage import write_json_atomic
from ingest.voice_naming import Naming


class Diarizer(Protocol):
    """Find who speaks when in a 16 kHz mono WAV; progress gets the fraction done, 0..1."""

    def __call__(
        self, audio: Path, *, progress: Callable[[float], None] | None = None
    ) -> Diarization: ...


DiarizerFactory = Callable[[], Diarizer]


def default_diarizer_factory(settings: Settings) -> DiarizerFactory:
    """Return a factory for the bundled engine; importing it is deferred to the first run."""

    def factory() -> Diarizer:
        from ingest.diarization import diarize  # ImportError: the step records it as skipped

        return partial(diarize, max_speakers=settings.diarization_max_speakers)

    return factory


def write_diarization(path: Path, found: Diarization) -> None:
    """Save a diarization as the step's resumable output."""
    write_json_atomic(
        path,
        {
            "model": found.model,
            "turns": [[t.start_ms, t.end_ms, t.voice] for t in found.turns],
            "voices": {
                v.label: {
                    "embedding": [round(float(x), 7) for x in v.embedding],
                    "speech_ms": v.speech_ms,
                }
                for v in found.voices
            },  # fmt: skip
        },
    )


def read_diarization(path: Path) -> Diarization | None:
    """Read the diarize step's output; None when it was skipped or never ran (import route)."""
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if "skipped" in data:
        return None
    try:
        return Diarization(
            model=str(data["model"]),
            turns=tuple(VoiceTurn(int(a), int(b), str(v)) for a, b, v in data["turns"]),
            voices=tuple(
                Voice(str(label), tuple(float(x) for x in v["embedding"]), int(v["speech_ms"]))
                for label, v in data["voices"].items()
            ),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ValueError(f"{path.name} is not a diarization file: {error}") from error


@dataclass
class KnownVoices:
    """What the catalogue already knows that can name this run's voices."""

    old_segments: list[tuple[int, int, str | None]] = field(default_factory=list)
    confirmed: dict[str, str] = field(default_factory=dict)  # old label -> person slug
    voiceprints: list[tuple[str, np.ndarray]] = field(default_factory=list)


def known_voices(db: OrmSession, session: Session, model: str) -> KnownVoices:
    """Gather the session's confirmed voices, its current segments and the model's voiceprints."""
    known = KnownVoices()
    confirmed = db.execute(
        select(SessionVoice.label, Person.slug)
        .join(Person, Person.id == SessionVoice.person_id)
        .where(SessionVoice.session_id == session.id)
    ).all()
    known.confirmed = {label: slug for label, slug in confirmed}
    transcript = current_transcript(db, session) if known.confirmed else None
    if transcript is not None:
        known.old_segments = [
            (s.start_ms, s.end_ms, s.voice) for s in transcript_segments(db, transcript)
        ]
    prints = db.execute(
        select(Person.slug, Voiceprint.embedding)
        .join(Person, Person.id == Voiceprint.person_id)
        .where(Voiceprint.model == model)
        .order_by(Voiceprint.id)
    ).all()
    known.voiceprints = [(slug, unpack_embedding(data)) for slug, data in prints]
    return known


def naming_record(found: Diarization, naming: Naming) -> dict:
    """Return what the store step writes as session voices, kept in attributed.json."""
    return {
        "model": found.model,
        "voices": [
            {
                "label": voice.label,
                "embedding": list(voice.embedding),
                "speech_ms": voice.speech_ms,
                "person": naming.names.get(voice.label),
                "how": naming.how.get(voice.label),
                "proposal": [p.person_slug, p.score]
                if (p := naming.proposals.get(voice.label))
                else None,
            }
            for voice in found.voices
        ],
    }


def replace_session_voices(db: OrmSession, session: Session, record: dict) -> None:
    """Replace the session's voices by this run's, in the caller's transaction.

    Only a name carried over from an archivist's confirmation is stored as
    confirmed (`person_id`); names from offsets, order or voiceprints live on
    the segments, and a proposal stays a proposal.
    """
    ids = dict(db.execute(select(Person.slug, Person.id)).all())
    db.execute(delete(SessionVoice).where(SessionVoice.session_id == session.id))
    for voice in record["voices"]:
        proposal = voice.get("proposal")
        db.add(
            SessionVoice(
                session_id=session.id,
                label=voice["label"],
                model=record["model"],
                embedding=pack_embedding(voice["embedding"]) if voice["embedding"] else None,
                speech_ms=int(voice["speech_ms"]),
                person_id=ids.get(voice["person"]) if voice.get("how") == "kept" else None,
                proposed_person_id=ids.get(proposal[0]) if proposal else None,
                proposed_score=float(proposal[1]) if proposal else None,
            )
        )
    db.flush()


def current_segments(
    db: OrmSession, session: Session
) -> tuple[str, dict, list[TranscribedSegment]]:
    """Return the current version's language, metadata and segments, text corrections included.

    Speakers and voices are left out: the speakers step finds them again.
    """
    transcript = current_transcript(db, session)
    segments = [
        TranscribedSegment(
            start_ms=s.start_ms,
            end_ms=s.end_ms,
            text=s.text,
            words=list(words_of(s)),
            confidence=s.confidence if s.confidence is not None else 1.0,
        )
        for s in transcript_segments(db, transcript)
    ]
    meta = {
        "model": transcript.model,
        "settings": transcript.settings or {},
        "source": transcript.source,
        "version": transcript.version,
    }
    return transcript.language, meta, segments
