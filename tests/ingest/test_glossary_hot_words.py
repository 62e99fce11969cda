"""The series glossary reaches the recogniser at the next ingest, and the cleaner knows it.

Real ffmpeg and SQLite; the scripted transcriber records the prompt it was given.
"""

from __future__ import annotations

from dataclasses import replace
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
RECITED = "Neocity, Tenevia, LKSpatialist, Grande Arche."


def _script() -> list[TranscribedSegment]:
    text = f"{SPOKEN} {RECITED}"
    tokens = text.split()
    words = [Word(i * 300, i * 300 + 280, t, 0.9) for i, t in enumerate(tokens)]
    return [TranscribedSegment(0, len(tokens) * 300, text, words)]


def _ingest(
    catalogue: Catalogue, settings: Settings, tmp_path: Path, slug: str, said: str = "Bonjour."
) -> list[str]:
    recording = tmp_path / f"{slug}-{len(said)}.wav"
    speech_recording(recording, [("fr+edward", said)])
    transcriber = ScriptedTranscriber(_script())
    job = ingest_file(catalogue, settings, recording, session_slug=slug, transcriber=transcriber)
    assert job.state == "done"
    prompt = transcriber.calls[0].initial_prompt
    assert len(prompt) <= settings.hotwords_max_chars
    return [p.strip() for p in prompt.rstrip(".").split(",")]


def test_a_session_without_programme_gets_its_series_glossary_as_hot_words(
    seeded_catalogue: Catalogue, settings: Settings, tmp_path: Path
) -> None:
    with seeded_catalogue.session() as db:
        add_term(
            db, series_or_error(db, "ville-intelligente-cycle-2"), "Grande Arche", kind="place"
        )
    names = _ingest(seeded_catalogue, settings, tmp_path, SESSION1)
    # The term added by hand first, then the seeded people each with their affiliation.
    assert names[:5] == ["Grande Arche", "Gilles Jeannot", "LATTS", "François Ménard", "PUCA"]
    assert names[names.index("Pierre Saulnier") + 1] == "Neocity"
    assert {"Neocity", "Tenevia", "LKSpatialist", "Cityscoot", "PUCA", "LATTS"} <= set(names)
    # Whisper reciting glossary terms at the end is cleaned away, as for programme names.
    with seeded_catalogue.session() as db:
        transcript = current_transcript(db, get_session(db, SESSION1, include_drafts=True))
        texts = db.scalars(select(Segment.text).where(Segment.transcript_id == transcript.id))
        assert list(texts) == [SPOKEN]


def test_the_sessions_programme_comes_first_and_the_prompt_stays_within_its_budget(
    seeded_catalogue: Catalogue, settings: Settings, tmp_path: Path
) -> None:
    names = _ingest(seeded_catalogue, settings, tmp_path, SESSION4)
    # As each speaker is introduced: the person, then their affiliation.
    assert names[:5] == ["Gilles Jeannot", "LATTS", "François Ménard", "PUCA", "Stève Bernardin"]
    assert len(names) == len(set(names))  # LATTS once, though programme and glossary both say it
    assert "CNRS" not in names  # séance 4's programme fills the default budget
    roomy = replace(settings, hotwords_max_chars=400)
    names = _ingest(seeded_catalogue, roomy, tmp_path, SESSION4, "Bonsoir à tous.")
    assert names[-4:] == ["CNRS", "ParisTech", "Paris-Est", "Marne-la-Vallée"]


def test_a_term_added_by_hand_reaches_whisper_even_when_the_programme_fills_the_budget(
    seeded_catalogue: Catalogue, settings: Settings, tmp_path: Path
) -> None:
    # An archivist corrected « Marne la Vallée » and added it to the glossary (seeded
    # from the programme, it now is theirs):
    # séance 4's programme alone would fill the prompt, yet the next ingest hears it.
    with seeded_catalogue.session() as db:
        series = series_or_error(db, "ville-intelligente-cycle-2")
        add_term(db, series, "Marne-la-Vallée", heard_as="Marne la Vallée", created_by="ada")
    names = _ingest(seeded_catalogue, settings, tmp_path, SESSION4)
    assert "Marne-la-Vallée" in names
    assert names[:5] == ["Gilles Jeannot", "LATTS", "François Ménard", "PUCA", "Stève Bernardin"]
