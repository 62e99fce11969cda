"""Voices in the ingest pipeline: real ffmpeg, SQLite and Whoosh, scripted recognition and voices.

The transcriber and the diarizer are scripted (`ScriptedTranscriber`,
`ScriptedDiarizer`) so these tests check what happens around them: the step
and its file, naming from the programme, stored voices, search by speaker,
re-diarization, and an ingest that goes on as before when voices cannot be found.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from cli import main
from core.catalogue import Catalogue, Job, Segment
from core.catalogue.importer import apply_manifest
from core.catalogue.queries import (
    current_transcript,
    get_person,
    get_session,
    programme_slots,
    transcript_segments,
)
from core.catalogue.schema import Person, SessionVoice, Transcript, Voiceprint
from core.catalogue.transcripts import store_transcript
from core.manifest import load_manifest
from core.settings import Settings, load_settings
from core.voices import pack_embedding
from index.service import index_session
from ingest.errors import ModelError, PipelineError
from ingest.pipeline import REDIARIZE_NOTE, create_diarize_job, create_ingest_job, run_job
from ingest.voice_naming import programme_people
from tests.conftest import SESSION4, seed_overlay
from tests.support.fake_diarizer import (
    FLOOR,
    MODEL,
    ScriptedDiarizer,
    blend,
    synthetic_session,
    unit_vector,
)
from tests.support.fake_transcriber import ScriptedTranscriber, evenly_timed


def _people(catalogue: Catalogue) -> list[str]:
    with catalogue.session() as db:
        return programme_people(programme_slots(get_session(db, SESSION4, include_drafts=True)))


def _ingest(catalogue, settings, media, transcriber, diarizer=None, *, slug=SESSION4, **kwargs):
    job_id = create_ingest_job(catalogue, settings, media, session_slug=slug, **kwargs)
    return run_job(
        catalogue,
        settings,
        job_id,
        transcriber=transcriber,
        indexer=lambda s: index_session(catalogue, settings.index_dir, s),
        diarizer_factory=diarizer.factory() if diarizer else None,
    )


def _stored(catalogue: Catalogue, slug: str = SESSION4) -> list[tuple[str, str | None, str | None]]:
    """The current version as (text, speaker slug, voice) per segment."""
    with catalogue.session() as db:
        session = get_session(db, slug, include_drafts=True)
        transcript = current_transcript(db, session)
        return [
            (s.text, s.speaker and s.speaker.slug, s.voice)
            for s in transcript_segments(db, transcript)
        ]


def _voices(catalogue: Catalogue, slug: str = SESSION4) -> dict[str, SessionVoice]:
    with catalogue.session() as db:
        session = get_session(db, slug, include_drafts=True)
        rows = db.scalars(select(SessionVoice).where(SessionVoice.session_id == session.id))
        return {row.label: row for row in rows}


def _search(settings: Settings, query: str, speaker: str) -> str:
    result = CliRunner().invoke(
        main,
        ["--home", str(settings.home), "search", query, "--speaker", speaker, "--drafts", "--json"],
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_names_without_offsets_come_from_the_programme_order_and_search_finds_each_speaker(
    seeded_catalogue: Catalogue, settings: Settings, h264_video: Path
) -> None:
    people = _people(seeded_catalogue)
    synthetic = synthetic_session(people, seed=11, talk_s=(40, 60), questions=1)
    diarizer = ScriptedDiarizer(synthetic.turns)
    job = _ingest(seeded_catalogue, settings, h264_video, ScriptedTranscriber(synthetic.segments),
                  diarizer)  # fmt: skip

    assert job.state == "done" and len(diarizer.calls) == 1
    record = job.steps_done["speakers"]
    assert record["named_by"] == {"order": len(people)}
    assert record["voices"] == len(people) + 3  # and three people asking from the floor
    stored = _stored(seeded_catalogue)
    said = [(speaker, voice) for text, speaker, voice in stored for _ in text.split()]
    truth = [None if who.startswith(FLOOR) else who for who in synthetic.truth]
    right = sum(speaker == who for (speaker, _), who in zip(said, truth, strict=True))
    assert right >= 0.95 * len(truth)
    assert all(voice for _speaker, voice in said)
    voices = _voices(seeded_catalogue)
    assert len(voices) == len(people) + 3
    assert all(v.person_id is None and v.model == MODEL and v.embedding for v in voices.values())

    menard, halbert = synthetic.keywords["francois-menard"], synthetic.keywords["ludovic-halbert"]
    assert SESSION4 in _search(settings, menard, "francois-menard")
    assert SESSION4 not in _search(settings, menard, "ludovic-halbert")
    assert SESSION4 in _search(settings, halbert, "ludovic-halbert")


def test_without_a_programme_voices_are_numbered_and_nobody_is_named(
    catalogue: Catalogue, settings: Settings, h264_video: Path
) -> None:
    script = evenly_timed(
        [(0, 3_000, "bonjour à tous merci"), (3_200, 6_000, "une question sur le tramway")], 0.9
    )
    diarizer = ScriptedDiarizer([(0, 3_100, "1"), (3_100, 6_000, "2")])
    job = _ingest(catalogue, settings, h264_video, ScriptedTranscriber(script), diarizer, slug=None)

    with catalogue.session() as db:
        slug = db.get(Transcript, job.steps_done["store"]["transcript_id"]).session.slug
    assert _stored(catalogue, slug) == [
        ("bonjour à tous merci", None, "1"),
        ("une question sur le tramway", None, "2"),
    ]
    assert sorted(_voices(catalogue, slug)) == ["1", "2"]
    assert job.steps_done["speakers"]["named"] == 0


def _offsets_script():
    return evenly_timed([(0, 800, "Bonjour Gilles."), (900, 2_400, "Merci François, à vous.")], 0.9)


def test_typed_offsets_still_win_over_the_voices(
    seeded_catalogue: Catalogue, settings: Settings, h264_video: Path, tmp_path: Path
) -> None:
    overlay = seed_overlay(
        tmp_path / "offsets.yaml", {"gilles-jeannot": "0:00:00", "francois-menard": "0:00:01"}
    )
    with seeded_catalogue.session() as db:
        apply_manifest(db, load_manifest(overlay))
    # One voice all along (the diarizer merged them): the offsets still split the talk.
    diarizer = ScriptedDiarizer([(0, 2_400, "1")])
    _ingest(seeded_catalogue, settings, h264_video, ScriptedTranscriber(_offsets_script()),
            diarizer)  # fmt: skip
    assert [(t, s) for t, s, _v in _stored(seeded_catalogue)] == [
        ("Bonjour Gilles.", "gilles-jeannot"),
        ("Merci François, à vous.", "francois-menard"),
    ]


@pytest.mark.parametrize(
    "why", ["setting off", "weights missing", "engine not installed"], ids=str.split
)
def test_without_voices_the_ingest_goes_on_as_before_and_says_why(
    seeded_catalogue: Catalogue, settings: Settings, h264_video: Path, why: str
) -> None:
    if why == "setting off":
        settings = load_settings(
            test_config={"ARCHIVE_HOME": str(settings.home), "ARCHIVE_DIARIZATION": False}
        )
        diarizer = ScriptedDiarizer([(0, 2_400, "1")])
    elif why == "weights missing":
        diarizer = ScriptedDiarizer([], fail_with=ModelError("pretrained.pt: checksum mismatch"))
    else:
        diarizer = ScriptedDiarizer([], fail_with=ImportError("No module named 'resemblyzer'"))
    script = _offsets_script()
    job = _ingest(seeded_catalogue, settings, h264_video, ScriptedTranscriber(script), diarizer)

    assert job.state == "done"
    assert "diarize" in job.steps_done and "skipped" in job.steps_done["diarize"]
    reason = job.steps_done["diarize"]["skipped"]
    assert ("turned off" in reason) if why == "setting off" else ("not available" in reason)
    assert "voices" not in job.steps_done["speakers"]
    assert _stored(seeded_catalogue) == [(s.text, None, None) for s in script]
    assert _voices(seeded_catalogue) == {}


def test_a_resumed_run_reuses_the_voices_already_found(
    seeded_catalogue: Catalogue, settings: Settings, h264_video: Path
) -> None:
    diarizer = ScriptedDiarizer([(0, 900, "1"), (900, 2_400, "2")])
    transcriber = ScriptedTranscriber(_offsets_script())
    job_id = create_ingest_job(seeded_catalogue, settings, h264_video, session_slug=SESSION4)

    def broken_index(_slug: str) -> None:
        raise OSError("index volume full")

    with pytest.raises(PipelineError, match="index"):
        run_job(seeded_catalogue, settings, job_id, transcriber=transcriber,
                indexer=broken_index, diarizer_factory=diarizer.factory())  # fmt: skip
    saved = settings.work_dir / f"job-{job_id}" / "diarization.json"
    assert json.loads(saved.read_text())["turns"] == [[0, 900, "1"], [900, 2_400, "2"]]
    # Lose the later files: the run must redo speakers from the saved voices, not diarize again.
    (saved.parent / "attributed.json").unlink()
    with seeded_catalogue.session() as db:
        job = db.get(Job, job_id)
        job.steps_done = {k: v for k, v in job.steps_done.items() if k not in ("store",)}
    run_job(seeded_catalogue, settings, job_id, transcriber=transcriber,
            indexer=lambda _s: None, diarizer_factory=diarizer.factory())  # fmt: skip
    assert len(diarizer.calls) == 1
    assert [v for _t, _s, v in _stored(seeded_catalogue)] == ["1", "2"]


def test_voiceprints_name_a_programme_voice_and_only_propose_an_outsider(
    seeded_catalogue: Catalogue, settings: Settings, h264_video: Path
) -> None:
    halbert_print, guest_print = unit_vector(501), unit_vector(502)
    with seeded_catalogue.session() as db:
        guest = Person(slug="invitee-anonyme", name="Invitée Anonyme")
        db.add(guest)
        db.flush()
        for person, vector in ((get_person(db, "ludovic-halbert"), halbert_print),
                               (guest, guest_print)):  # fmt: skip
            db.add(Voiceprint(person_id=person.id, model=MODEL, embedding=pack_embedding(vector)))
        db.add(Voiceprint(person_id=guest.id, model="another-model",
                          embedding=pack_embedding(unit_vector(3))))  # fmt: skip
    # Voice 1 talks long; voice 2 (Halbert by voice) and voice 3 (the guest) speak briefly.
    turns = [(0, 60_000, "1"), (60_000, 65_000, "2"), (65_000, 70_000, "3"), (70_000, 72_000, "4")]
    embeddings = {"2": blend(unit_vector(2), halbert_print, 0.8),
                  "3": blend(unit_vector(3), guest_print, 0.8),
                  "4": blend(unit_vector(4), guest_print, 0.2)}  # fmt: skip
    script = evenly_timed(
        [(1_000, 59_000, "ouverture " * 40), (60_500, 64_500, "je voudrais ajouter"),
         (65_500, 69_500, "une question"), (70_200, 71_800, "merci")], 0.9,
    )  # fmt: skip
    job = _ingest(seeded_catalogue, settings, h264_video, ScriptedTranscriber(script),
                  ScriptedDiarizer(turns, embeddings))  # fmt: skip

    assert job.steps_done["speakers"]["named_by"] == {"order": 1, "voiceprint": 1}
    speakers = {voice: speaker for _t, speaker, voice in _stored(seeded_catalogue)}
    assert speakers == {"1": "gilles-jeannot", "2": "ludovic-halbert", "3": None, "4": None}
    voices = _voices(seeded_catalogue)
    with seeded_catalogue.session() as db:
        ids = {slug: get_person(db, slug).id for slug in ("ludovic-halbert", "invitee-anonyme")}
    assert (voices["2"].proposed_person_id, voices["3"].proposed_person_id) == (
        ids["ludovic-halbert"], ids["invitee-anonyme"],
    )  # fmt: skip
    assert voices["2"].proposed_score >= settings.voiceprint_threshold
    assert voices["4"].proposed_person_id is None and voices["4"].proposed_score is None
    assert all(v.person_id is None for v in voices.values())  # nothing confirmed by itself


def test_diarizing_again_keeps_confirmed_names_and_text_corrections(
    seeded_catalogue: Catalogue, settings: Settings, h264_video: Path
) -> None:
    people = _people(seeded_catalogue)
    synthetic = synthetic_session(people[:3], seed=5, talk_s=(40, 60), questions=1)
    first = ScriptedDiarizer(synthetic.turns)
    _ingest(seeded_catalogue, settings, h264_video, ScriptedTranscriber(synthetic.segments), first)
    # The archivist hears that Ménard opened, not Jeannot as the programme order said:
    # they confirm voice 1 as Ménard, and correct a segment's text.
    with seeded_catalogue.session() as db:
        session = get_session(db, SESSION4)
        menard = get_person(db, "francois-menard")
        row = db.scalar(
            select(SessionVoice).where(SessionVoice.session_id == session.id,
                                       SessionVoice.label == "1")
        )  # fmt: skip
        row.person_id = menard.id
        corrected = transcript_segments(db, current_transcript(db, session))[1]
        corrected.text = "Texte corrigé par l'archiviste."
        corrected_at = corrected.start_ms
    before = _stored(seeded_catalogue)

    # The new run numbers voices differently: the opening voice is now "7".
    relabel = {"1": "7", "2": "8"}
    again = ScriptedDiarizer([(a, b, relabel.get(v, v)) for a, b, v in synthetic.turns])
    job_id = create_diarize_job(seeded_catalogue, settings, SESSION4, author="claire")
    job = run_job(seeded_catalogue, settings, job_id, indexer=lambda _s: None,
                  diarizer_factory=again.factory())  # fmt: skip

    assert [s for s in job.steps_done] == [
        "probe", "audio", "diarize", "current", "speakers", "store", "export", "index",
    ]  # fmt: skip
    assert job.steps_done["speakers"]["named_by"]["kept"] == 1
    after = _stored(seeded_catalogue)
    with seeded_catalogue.session() as db:
        session = get_session(db, SESSION4)
        transcript = current_transcript(db, session)
        assert (transcript.version, transcript.note, transcript.author) == (2, REDIARIZE_NOTE,
                                                                            "claire")  # fmt: skip
        texts = {s.start_ms: s.text for s in transcript_segments(db, transcript)}
        assert db.scalar(select(SessionVoice.person_id).where(SessionVoice.label == "7")) == (
            menard.id
        )
    assert texts[corrected_at] == "Texte corrigé par l'archiviste."
    assert [t for t, _s, _v in after] == [t for t, _s, _v in before]
    assert {s for _t, s, v in after if v == "7"} == {"francois-menard"}
    assert {s for _t, s, v in after if v == "8"} == {"gilles-jeannot"}  # the rest in order
    assert {s for _t, s, v in after if v == "4"} == {"steve-bernardin"}
    assert {s for _t, s, v in before if v == "1"} == {"gilles-jeannot"}


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("unknown", "no session 'inconnue'"),
        ("no transcript", "has no transcript yet"),
        ("no recording", "has no recording"),
        ("off", "turned off"),
    ],
)
def test_archive_diarize_refuses_clearly(
    seeded_catalogue: Catalogue, settings: Settings, h264_video: Path, setup: str, message: str
) -> None:
    args = ["--home", str(settings.home), "diarize", SESSION4]
    if setup == "unknown":
        args[-1] = "inconnue"
    elif setup == "off":
        _ingest(seeded_catalogue, settings, h264_video, ScriptedTranscriber(_offsets_script()),
                ScriptedDiarizer([(0, 2_400, "1")]))  # fmt: skip
        (settings.home / "portal.cfg").write_text("ARCHIVE_DIARIZATION = False\n")
    elif setup == "no recording":  # a transcript imported without its recording
        with seeded_catalogue.session() as db:
            session = get_session(db, SESSION4)
            store_transcript(db, session, _offsets_script(), language="fr", model="import:vtt")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert message in result.output
    with seeded_catalogue.session() as db:
        assert db.scalar(select(Segment.id).where(Segment.voice == "2")) is None
