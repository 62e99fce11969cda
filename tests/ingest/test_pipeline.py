"""The ingest pipeline end to end with real ffmpeg and SQLite, and a scripted transcriber.

Whisper is replaced by `ScriptedTranscriber` so these tests check everything
around recognition: derivatives, attribution, versioned storage, exports,
indexing, failure records and resuming.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.catalogue import Catalogue, Job, Recording, Segment, Session, Transcript
from core.catalogue.importer import apply_manifest
from core.catalogue.queries import get_session, transcript_segments, transcript_version
from core.contracts import TranscribedSegment, Word
from core.manifest import load_manifest
from core.settings import Settings
from ingest.errors import PipelineError, TranscriptionError
from ingest.media import probe
from ingest.pipeline import JobProgress, create_ingest_job, run_job
from ingest.registry import WHISPER_ROUTE, Step, route_progress
from ingest.steps import RunContext
from tests.conftest import SESSION4, seed_overlay
from tests.support.fake_transcriber import ScriptedTranscriber

ALL_STEPS = (
    "probe audio playable poster transcribe clean diarize speakers store export index".split()
)


def _script() -> list[TranscribedSegment]:
    """Two segments; the second straddles the change from Jeannot to Ménard at 1.0 s."""
    timed = [(500, 700, "Bienvenue"), (720, 950, "à"), (960, 990, "tous."),
             (1_100, 1_400, "Merci"), (1_450, 1_900, "Gilles.")]  # fmt: skip
    words = [Word(start, end, text, 0.8) for start, end, text in timed]
    return [
        TranscribedSegment(0, 400, "Bonjour.", [Word(0, 400, "Bonjour.", 0.9)], confidence=0.9),
        TranscribedSegment(500, 1_900, "Bienvenue à tous. Merci Gilles.", words, confidence=0.8),
    ]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class _Steps:
    """Collects the steps a run actually executed, from its progress reports."""

    def __init__(self) -> None:
        self.reports: list[JobProgress] = []

    def __call__(self, progress: JobProgress) -> None:
        self.reports.append(progress)

    @property
    def ran(self) -> list[str]:
        return list(dict.fromkeys(r.step for r in self.reports if r.step != "done"))


@pytest.fixture
def timed_catalogue(seeded_catalogue: Catalogue, tmp_path: Path) -> Catalogue:
    """Session 4 with Jeannot starting at 0 s and Ménard at 1 s (re-imported overlay)."""
    overlay = seed_overlay(
        tmp_path / "offsets.yaml", {"gilles-jeannot": "0:00:00", "francois-menard": "0:00:01"}
    )
    with seeded_catalogue.session() as db:
        apply_manifest(db, load_manifest(overlay))
    return seeded_catalogue


def _ingest(catalogue: Catalogue, settings: Settings, media: Path, transcriber, **kwargs):
    indexed: list[str] = []
    steps = _Steps()
    job_id = create_ingest_job(catalogue, settings, media, session_slug=SESSION4, **kwargs)
    job = run_job(
        catalogue,
        settings,
        job_id,
        transcriber=transcriber,
        indexer=indexed.append,
        on_progress=steps,
    )
    return job, indexed, steps


def _transcripts(catalogue: Catalogue) -> list[tuple[int, list[tuple[str, str | None]]]]:
    """Every stored version of session 4 as (version, [(text, speaker slug)])."""
    with catalogue.session() as db:
        session = get_session(db, SESSION4)
        query = select(Transcript).where(Transcript.session_id == session.id)
        return [
            (
                t.version,
                [(s.text, s.speaker and s.speaker.slug) for s in transcript_segments(db, t)],
            )
            for t in db.scalars(query.order_by(Transcript.version))
        ]


def _count(catalogue: Catalogue, model) -> int:
    with catalogue.session() as db:
        return db.scalar(select(func.count()).select_from(model))


def test_avi_is_ingested_into_playable_mp4_poster_attributed_transcript_exports_and_index(
    timed_catalogue: Catalogue, settings: Settings, mpeg4_avi: Path
) -> None:
    source_hash = _sha256(mpeg4_avi)
    transcriber = ScriptedTranscriber(_script())
    job, indexed, steps = _ingest(timed_catalogue, settings, mpeg4_avi, transcriber)

    assert (job.state, job.step, job.progress, job.error) == ("done", "done", 1.0, "")
    assert list(job.steps_done) == ALL_STEPS
    assert steps.ran == ALL_STEPS
    assert indexed == [SESSION4]
    with timed_catalogue.session() as db:
        recording = db.get(Recording, job.recording_id)
    original = settings.home / recording.original_path
    assert _sha256(original) == recording.sha256 == source_hash
    assert _sha256(mpeg4_avi) == source_hash  # the archivist's file is untouched
    playable = settings.home / recording.playable_path
    assert playable.name == "playable.mp4" and playable != original
    assert {(s.kind, s.codec) for s in probe(playable).streams} == {
        ("video", "h264"),
        ("audio", "aac"),
    }
    assert (settings.home / recording.poster_path).read_bytes()[:2] == b"\xff\xd8"  # JPEG
    # Jeannot speaks until Ménard's offset at 1 s; the straddling segment is cut at "Merci".
    assert _transcripts(timed_catalogue) == [
        (
            1,
            [
                ("Bonjour.", "gilles-jeannot"),
                ("Bienvenue à tous.", "gilles-jeannot"),
                ("Merci Gilles.", "francois-menard"),
            ],
        )
    ]
    # Programme names reach the recogniser as a prompt.
    assert "François Ménard" in transcriber.calls[0].initial_prompt
    exports = settings.home / "exports" / SESSION4
    assert sorted(p.name for p in exports.iterdir()) == ["v1.json", "v1.srt", "v1.txt", "v1.vtt"]
    assert "<v François Ménard>Merci Gilles." in (exports / "v1.vtt").read_text()
    words = json.loads((exports / "v1.json").read_text())["segments"][2]["words"]
    assert [(w["word"], w["start"]) for w in words] == [("Merci", 1.1), ("Gilles.", 1.45)]
    assert not list((settings.work_dir / f"job-{job.id}").glob("*.wav"))  # scratch cleaned up
    fractions = [r.fraction for r in steps.reports]  # the progress bar never goes back
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert steps.reports[-1].step == "done"  # the CLI's bar ends at 100 %
    with timed_catalogue.session() as db:
        stored = db.get(Job, job.id)
        assert (stored.finished_at - stored.started_at).total_seconds() >= 0  # both UTC-aware


def test_h264_mp4_is_served_as_is(
    seeded_catalogue: Catalogue, settings: Settings, h264_video: Path
) -> None:
    job, _, _ = _ingest(seeded_catalogue, settings, h264_video, ScriptedTranscriber(_script()))
    with seeded_catalogue.session() as db:
        recording = db.get(Recording, job.recording_id)
    assert recording.playable_path == recording.original_path
    assert job.steps_done["playable"]["derived"] is False
    assert recording.poster_path and (settings.home / recording.poster_path).is_file()
    assert recording.has_video and recording.duration_ms == pytest.approx(2_000, abs=100)


def test_second_ingest_adds_version_2_and_keeps_version_1(
    seeded_catalogue: Catalogue, settings: Settings, h264_video: Path, mpeg4_avi: Path
) -> None:
    _ingest(seeded_catalogue, settings, h264_video, ScriptedTranscriber(_script()))
    first = _transcripts(seeded_catalogue)
    retranscribed = [TranscribedSegment(0, 900, "Version corrigée.")]
    _ingest(seeded_catalogue, settings, h264_video, ScriptedTranscriber(retranscribed), force=True)
    _ingest(seeded_catalogue, settings, mpeg4_avi, ScriptedTranscriber(_script()[:1]))
    stored = _transcripts(seeded_catalogue)
    assert [v for v, _ in stored] == [1, 2, 3]
    assert stored[0] == first[0]
    assert stored[1][1] == [("Version corrigée.", None)]
    assert sorted(p.name for p in (settings.home / "exports" / SESSION4).glob("*.vtt")) == [
        "v1.vtt",
        "v2.vtt",
        "v3.vtt",
    ]


def test_run_that_crashed_in_transcription_resumes_without_redoing_earlier_steps(
    timed_catalogue: Catalogue, settings: Settings, mpeg4_avi: Path
) -> None:
    broken = ScriptedTranscriber(_script(), fail_with=TranscriptionError("decoder crashed"))
    job_id = create_ingest_job(timed_catalogue, settings, mpeg4_avi, session_slug=SESSION4)
    with pytest.raises(PipelineError) as caught:
        run_job(timed_catalogue, settings, job_id, transcriber=broken)
    assert caught.value.step == "transcribe"
    with timed_catalogue.session() as db:
        job = db.get(Job, job_id)
        assert (job.state, job.step) == ("failed", "transcribe")
        assert "decoder crashed" in job.error
        assert list(job.steps_done) == ["probe", "audio", "playable", "poster"]
        recording = db.get(Recording, job.recording_id)
    assert _transcripts(timed_catalogue) == []
    playable = settings.home / recording.playable_path
    made_at = playable.stat().st_mtime_ns

    working = ScriptedTranscriber(_script())
    steps = _Steps()
    job = run_job(timed_catalogue, settings, job_id, transcriber=working, on_progress=steps)
    assert job.state == "done" and job.attempts == 2
    assert steps.ran == ALL_STEPS[4:]
    assert len(broken.calls) == len(working.calls) == 1
    assert playable.stat().st_mtime_ns == made_at
    # The second run transcribed the audio the first one extracted.
    assert working.calls[0].audio_path == settings.work_dir / f"job-{job_id}" / "audio.wav"
    assert [v for v, _ in _transcripts(timed_catalogue)] == [1]


def test_run_that_crashed_after_storing_resumes_without_a_second_version(
    timed_catalogue: Catalogue, settings: Settings, h264_video: Path
) -> None:
    transcriber = ScriptedTranscriber(_script())
    job_id = create_ingest_job(timed_catalogue, settings, h264_video, session_slug=SESSION4)

    def broken_index(_slug: str) -> None:
        raise OSError("index volume full")

    with pytest.raises(PipelineError, match="index"):
        run_job(timed_catalogue, settings, job_id, transcriber=transcriber, indexer=broken_index)
    with timed_catalogue.session() as db:
        job = db.get(Job, job_id)
        assert (job.state, job.step) == ("failed", "index")
        assert "OSError" in job.error and "index volume full" in job.error
    stored = _transcripts(timed_catalogue)

    indexed: list[str] = []
    steps = _Steps()
    job = run_job(
        timed_catalogue,
        settings,
        job_id,
        transcriber=transcriber,
        indexer=indexed.append,
        on_progress=steps,
    )
    assert job.state == "done" and indexed == [SESSION4]
    assert steps.ran == ["index"]
    assert len(transcriber.calls) == 1
    assert _transcripts(timed_catalogue) == stored
    assert _count(timed_catalogue, Segment) == 3


def test_a_step_added_to_a_route_is_run_recorded_reported_and_resumed(
    seeded_catalogue: Catalogue, settings: Settings, h264_video: Path
) -> None:
    attempts: list[int] = []

    def step_checksum(ctx: RunContext) -> dict:
        attempts.append(ctx.job_id)
        if len(attempts) == 1:
            raise OSError("checksum disk busy")
        digest = _sha256(ctx.work_dir / "attributed.json")
        (ctx.work_dir / "checksum.txt").write_text(digest)
        return {"sha256": digest}

    # Everything the pipeline needs to know about the new step, in one place.
    checksum = Step("checksum", step_checksum, ("checksum.txt",), 0.01, "checking the sums")
    at = [s.name for s in WHISPER_ROUTE].index("store") + 1
    route = (*WHISPER_ROUTE[:at], checksum, *WHISPER_ROUTE[at:])
    transcriber = ScriptedTranscriber(_script())
    job_id = create_ingest_job(seeded_catalogue, settings, h264_video, session_slug=SESSION4)
    with pytest.raises(PipelineError, match="checksum"):
        run_job(seeded_catalogue, settings, job_id, transcriber=transcriber, route=route)
    with seeded_catalogue.session() as db:
        job = db.get(Job, job_id)
        assert (job.state, job.step) == ("failed", "checksum")
        assert "checksum disk busy" in job.error
        assert job.progress == round(route_progress(route, "checksum", 0), 4)

    steps = _Steps()
    job = run_job(
        seeded_catalogue, settings, job_id, transcriber=transcriber, on_progress=steps, route=route
    )
    assert job.state == "done" and steps.ran == ["checksum", "export", "index"]
    assert list(job.steps_done) == [s.name for s in route]
    assert job.steps_done["checksum"]["sha256"] == (
        (settings.work_dir / f"job-{job_id}" / "checksum.txt").read_text()
    )
    fractions = [r.fraction for r in steps.reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert len(transcriber.calls) == 1 and len(attempts) == 2


def test_export_failure_after_store_resumes_from_export(
    seeded_catalogue: Catalogue, settings: Settings, h264_video: Path
) -> None:
    blocker = settings.home / "exports" / SESSION4
    blocker.parent.mkdir(parents=True)
    blocker.write_text("not a folder")  # the export folder cannot be created
    transcriber = ScriptedTranscriber(_script())
    job_id = create_ingest_job(seeded_catalogue, settings, h264_video, session_slug=SESSION4)
    with pytest.raises(PipelineError, match="export"):
        run_job(seeded_catalogue, settings, job_id, transcriber=transcriber)
    blocker.unlink()
    steps = _Steps()
    run_job(seeded_catalogue, settings, job_id, transcriber=transcriber, on_progress=steps)
    assert steps.ran == ["export", "index"]
    assert [v for v, _ in _transcripts(seeded_catalogue)] == [1]
    assert (blocker / "v1.vtt").is_file()


def test_failed_reingest_leaves_session_and_earlier_transcript_intact(
    seeded_catalogue: Catalogue, settings: Settings, h264_video: Path
) -> None:
    _ingest(seeded_catalogue, settings, h264_video, ScriptedTranscriber(_script()))
    before = _transcripts(seeded_catalogue)
    with seeded_catalogue.session() as db:
        title = get_session(db, SESSION4).title
    broken = ScriptedTranscriber([], fail_with=RuntimeError("out of memory"))
    with pytest.raises(PipelineError):
        _ingest(seeded_catalogue, settings, h264_video, broken, force=True)
    assert _transcripts(seeded_catalogue) == before
    with seeded_catalogue.session() as db:
        session = get_session(db, SESSION4)
        assert session.title == title
        assert transcript_version(db, session, 1) is not None
        failed = db.scalar(select(Job).where(Job.state == "failed"))
        assert failed.step == "transcribe"
        assert "RuntimeError: out of memory" in failed.error


def test_silence_gives_an_empty_transcript_not_an_error(
    seeded_catalogue: Catalogue, settings: Settings, tmp_path: Path
) -> None:
    from tests.support.media_factory import silence_audio

    silent = silence_audio(tmp_path / "silence.m4a", seconds=3)
    job, indexed, _ = _ingest(seeded_catalogue, settings, silent, ScriptedTranscriber([]))
    assert job.state == "done" and indexed == [SESSION4]
    assert _transcripts(seeded_catalogue) == [(1, [])]
    assert job.steps_done["poster"]["path"] is None  # audio only: no poster
    vtt = (settings.home / "exports" / SESSION4 / "v1.vtt").read_text()
    assert vtt.startswith("WEBVTT") and "-->" not in vtt


def test_imported_transcript_replaces_whisper_and_keeps_voice_names(
    seeded_catalogue: Catalogue, settings: Settings, h264_video: Path, tmp_path: Path
) -> None:
    vtt = tmp_path / "old.vtt"
    vtt.write_text(
        "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n<v Arnaud Brun>Les capteurs.\n\n"
        "00:00:01.000 --> 00:00:02.000\n<v Inconnu>Une question.\n",
        encoding="utf-8",
    )
    job, indexed, steps = _ingest(seeded_catalogue, settings, h264_video, None, transcript_file=vtt)
    assert job.state == "done" and "transcribe" not in steps.ran and "import" in steps.ran
    assert _transcripts(seeded_catalogue) == [
        (1, [("Les capteurs.", "arnaud-brun"), ("Une question.", None)])
    ]
    with seeded_catalogue.session() as db:
        transcript = db.scalar(select(Transcript))
        assert (transcript.source, transcript.model) == ("import", "import:vtt")


def test_draft_session_is_made_from_the_file_name_when_none_is_given(
    catalogue: Catalogue, settings: Settings, h264_video: Path, tmp_path: Path
) -> None:
    job_id = create_ingest_job(
        catalogue, settings, h264_video, language="en", original_name="../../Séance n°4 — débat.mp4"
    )
    run_job(catalogue, settings, job_id, transcriber=ScriptedTranscriber(_script(), "en"))
    with catalogue.session() as db:
        session = db.scalar(select(Session))
        recording = db.scalar(select(Recording))
    assert (session.slug, session.title, session.published) == (
        "seance-n-4-debat",
        "Séance n°4 — débat",
        False,
    )
    assert session.language == "en"
    assert recording.original_name == "Séance n°4 — débat.mp4"
    stored = (settings.home / recording.original_path).resolve()
    assert stored.is_relative_to(settings.media_dir.resolve()) and stored.suffix == ".mp4"
    # Nothing escaped the home: its parent holds only the home and the test's own files.
    assert {p.name for p in settings.home.parent.iterdir()} <= {"home", "offsets.yaml"}


def test_language_is_the_sessions_unless_given_and_a_draft_detects_it(
    seeded_catalogue: Catalogue, settings: Settings, h264_video: Path, mpeg4_avi: Path
) -> None:
    catalogued = ScriptedTranscriber(_script(), language="en")
    _ingest(seeded_catalogue, settings, h264_video, catalogued)
    assert catalogued.calls[0].language == "fr"  # session 4 is in French
    detecting = ScriptedTranscriber(_script(), language="en")
    job_id = create_ingest_job(seeded_catalogue, settings, mpeg4_avi)  # no session: a draft
    job = run_job(seeded_catalogue, settings, job_id, transcriber=detecting)
    assert detecting.calls[0].language is None
    assert job.steps_done["transcribe"]["language"] == "en"
    with seeded_catalogue.session() as db:
        assert db.get(Session, job.session_id).language == "en"  # the draft learnt it


def test_an_upload_the_archive_owns_is_moved_into_the_store_not_copied(
    seeded_catalogue: Catalogue, settings: Settings, h264_video: Path, tmp_path: Path
) -> None:
    received = tmp_path / "received.mp4"
    received.write_bytes(h264_video.read_bytes())
    source_hash = _sha256(received)
    job_id = create_ingest_job(
        seeded_catalogue, settings, received, session_slug=SESSION4, consume=True
    )
    with seeded_catalogue.session() as db:
        stored = settings.home / db.get(Job, job_id).recording.original_path
    assert not received.exists() and _sha256(stored) == source_hash
    # An archivist's own file, by contrast, stays where it was.
    create_ingest_job(seeded_catalogue, settings, h264_video, session_slug=SESSION4, force=True)
    assert h264_video.exists()


class _PacedTranscriber(ScriptedTranscriber):
    """Reports progress like Whisper on a short file: after each pause (s), a share of it."""

    def __init__(self, segments, reports: list[tuple[float, float]]) -> None:
        super().__init__(segments)
        self.reports = reports

    def transcribe(self, audio_path, language=None, initial_prompt=None, progress=None):
        total_ms = probe(Path(audio_path)).duration_ms
        for pause_s, share in self.reports:
            time.sleep(pause_s)
            progress(int(total_ms * share), total_ms)
        return super().transcribe(audio_path, language, initial_prompt)


# A tenth after a first window, then nothing for seconds, then the end.
WINDOWED = [(1.2, 0.1), (3.5, 1.0)]
# Seconds of voice and language detection over the whole file, a report that decoding
# starts, then as WINDOWED.
SLOW_START = [(3.0, 0.0), *WINDOWED]
# Decoding starts, then nothing until the whole text.
LONG_FIRST_WINDOW = [(0.0, 0.0), (3.5, 1.0)]


def test_the_bar_moves_while_whisper_decodes_its_first_window(
    seeded_catalogue: Catalogue, settings: Settings, h264_video: Path
) -> None:
    # No pace is known before Whisper's first report: the bar still moves at a guessed
    # pace, showing no time left (a guess is not an estimate), and never goes back.
    _, _, steps = _ingest(
        seeded_catalogue, settings, h264_video, _PacedTranscriber(_script(), LONG_FIRST_WINDOW)
    )
    start = route_progress(WHISPER_ROUTE, "transcribe", 0.0)
    end = route_progress(WHISPER_ROUTE, "transcribe", 1.0)
    # (The file is a few seconds long: one tick at the guessed pace nearly reaches its end.)
    between = [r for r in steps.reports if r.step == "transcribe" and start < r.fraction < end]
    assert between, steps.reports
    assert all(r.eta_s is None for r in between)
    fractions = [r.fraction for r in steps.reports]
    assert fractions == sorted(fractions)


def test_time_before_decoding_does_not_slow_the_bar_down(
    seeded_catalogue: Catalogue, settings: Settings, h264_video: Path
) -> None:
    # Decoding ran at a tenth per 1.2 s: in the 3.5 s after the first window the bar moves
    # on at that pace (to about 35 %), not at a pace that counts the 3 s of detection
    # before decoding began (to about 17 %).
    _, _, steps = _ingest(
        seeded_catalogue, settings, h264_video, _PacedTranscriber(_script(), SLOW_START)
    )
    end = route_progress(WHISPER_ROUTE, "transcribe", 1.0)
    before_end = [r.fraction for r in steps.reports if r.step == "transcribe" and r.fraction < end]
    assert max(before_end) >= route_progress(WHISPER_ROUTE, "transcribe", 0.25), steps.reports


def test_progress_moves_on_with_a_time_left_between_whispers_reports(
    seeded_catalogue: Catalogue, settings: Settings, h264_video: Path
) -> None:
    _, _, steps = _ingest(
        seeded_catalogue, settings, h264_video, _PacedTranscriber(_script(), WINDOWED)
    )
    first_window = route_progress(WHISPER_ROUTE, "transcribe", 0.1)
    end = route_progress(WHISPER_ROUTE, "transcribe", 1.0)
    between = [
        r
        for r in steps.reports
        if r.step == "transcribe" and first_window + 0.01 < r.fraction < end - 0.01
    ]
    # Whisper said nothing for 3.5 s: the bar still moved, with a time left each time.
    assert len({round(r.fraction, 3) for r in between}) >= 2, steps.reports
    assert all(r.eta_s is not None and r.eta_s > 0 for r in between)
    fractions = [r.fraction for r in steps.reports]
    assert fractions == sorted(fractions)
