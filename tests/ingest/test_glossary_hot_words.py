"""The series glossary reaches the recogniser at the next ingest, and the cleaner knows it.

Real ffmpeg and SQLite; the scripted transcriber records the prompt it was given.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from core.catalogue import Catalogue, Segment
from core.catalogue.queries import current_transcript, get_session
from core.contracts import TranscribedSegment, Word
from core.glossary import add_term, series_or_error
from core.settings import Settings
from ingest.pipeline import ingest_file
from tests.conftest import SESSION4
from tests.support.fake_transcriber import ScriptedTranscriber
from tests.support.media_factory import speech_recording

SESSION1 = "2017-01-27-politiques-de-la-ville-intelligente"  # no programme in the manifest
SPOKEN = "Nous accueillons Neocity et Cityscoot aujourd’hui."
RECITED = "ParisTech, CNRS, Marne-la-Vallée, Grande Arche."


def _script() -> list[TranscribedSegment]:
    text = f"{SPOKEN} {RECITED}"
    tokens = text.split()
    words = [Word(i * 300, i * 300 + 280, t, 0.9) for i, t in enumerate(tokens)]
    return [TranscribedSegment(0, len(tokens) * 300, text, words)]


def _ingest(catalogue: Catalogue, settings: Settings, tmp_path: Path, slug: str):
    recording = tmp_path / f"{slug}.wav"
    speech_recording(recording, [("fr+edward", "Bonjour à tous.")])
    transcriber = ScriptedTranscriber(_script())
    job = ingest_file(catalogue, settings, recording, session_slug=slug, transcriber=transcriber)
    assert job.state == "done"
    return transcriber.calls[0].initial_prompt


def test_a_session_without_programme_gets_its_series_glossary_as_hot_words(
    seeded_catalogue: Catalogue, settings: Settings, tmp_path: Path
) -> None:
    with seeded_catalogue.session() as db:
        add_term(
            db, series_or_error(db, "ville-intelligente-cycle-2"), "Grande Arche", kind="place"
        )
    prompt = _ingest(seeded_catalogue, settings, tmp_path, SESSION1)
    names = [p.strip() for p in prompt.rstrip(".").split(",")]
    # People first, then organisations, places; the place added by hand before seeded ones.
    assert names[:2] == ["Gilles Jeannot", "François Ménard"]
    assert {"Neocity", "Tenevia", "LKSpatialist", "Cityscoot", "PUCA", "LATTS"} <= set(names)
    assert names.index("Ludovic Halbert") < names.index("LATTS") < names.index("Grande Arche")
    assert names.index("Grande Arche") < names.index("Marne-la-Vallée")
    # Whisper reciting glossary terms at the end is cleaned away, as for programme names.
    with seeded_catalogue.session() as db:
        transcript = current_transcript(db, get_session(db, SESSION1, include_drafts=True))
        texts = db.scalars(select(Segment.text).where(Segment.transcript_id == transcript.id))
        assert list(texts) == [SPOKEN]


def test_the_sessions_own_speakers_come_before_the_series_glossary(
    seeded_catalogue: Catalogue, settings: Settings, tmp_path: Path
) -> None:
    prompt = _ingest(seeded_catalogue, settings, tmp_path, SESSION4)
    names = [p.strip() for p in prompt.rstrip(".").split(",")]
    assert names[:4] == ["Gilles Jeannot", "François Ménard", "Stève Bernardin", "Marie Veltz"]
    assert len(names) == len(set(names))  # LATTS once, though programme and glossary both say it
    assert names[-4:] == ["CNRS", "ParisTech", "Paris-Est", "Marne-la-Vallée"]
