"""Long recordings are cut at pauses and transcribed chunk by chunk, resumably."""

from __future__ import annotations

import json
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from core.catalogue import Catalogue
from core.contracts import TranscribedSegment, Word
from core.settings import Settings
from ingest.chunking import CHUNK_MS, SEARCH_MS, plan_chunks
from ingest.errors import TranscriptionError
from ingest.steps import RunContext, step_transcribe
from tests.conftest import SESSION4
from tests.support.fake_transcriber import ScriptedTranscriber
from tests.support.media_factory import ffmpeg_bin

LONG_S = 26 * 60  # a tail over half a chunk gets its own chunk
# Speech-like gating: a short breath every 7 s, and longer pauses near the 10 and 20 minute marks.
GATE = "if(between(mod(t,7),6.6,7)+between(t,597,598.2)+between(t,1203,1204.5),0,1)"


def _tone(dest: Path, seconds: float, gate: str | None) -> Path:
    """Write a 16 kHz mono 16-bit tone, silenced wherever gate is 0 (cheap: no per-sample eval)."""
    command = [
        ffmpeg_bin(),
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"sine=frequency=220:sample_rate=16000:duration={seconds}",
    ]
    if gate:
        command += ["-af", f"volume='{gate}':eval=frame"]
    subprocess.run([*command, "-ac", "1", "-c:a", "pcm_s16le", str(dest)], check=True)
    return dest


@pytest.fixture(scope="module")
def long_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """26 minutes of gated tone: a short seminar session."""
    return _tone(tmp_path_factory.mktemp("chunking") / "long.wav", LONG_S, GATE)


def _samples_around(path: Path, ms: int, radius_ms: int) -> np.ndarray:
    with wave.open(str(path), "rb") as wav:
        rate = wav.getframerate()
        wav.setpos((ms - radius_ms) * rate // 1000)
        raw = wav.readframes(2 * radius_ms * rate // 1000)
    return np.frombuffer(raw, dtype="<i2")


def test_long_recording_is_cut_in_pauses_near_every_ten_minutes(long_wav: Path) -> None:
    chunks = plan_chunks(long_wav)
    assert len(chunks) == 3
    assert chunks[0][0] == 0 and chunks[-1][1] == LONG_S * 1000
    assert all(a[1] == b[0] for a, b in zip(chunks, chunks[1:], strict=False))
    for (_, cut), nominal in zip(chunks[:-1], (CHUNK_MS, 2 * CHUNK_MS), strict=True):
        assert abs(cut - nominal) <= SEARCH_MS
        # No word is cut in half: the 40 ms around the cut are silent.
        assert not _samples_around(long_wav, cut, 20).any(), f"cut at {cut} ms is not in a pause"


def test_without_pauses_the_cut_falls_at_the_nominal_boundary(tmp_path: Path) -> None:
    steady = _tone(tmp_path / "steady.wav", LONG_S, None)
    cuts = [end for _, end in plan_chunks(steady)[:-1]]
    assert [round(c / 1000) for c in cuts] == [600, 1200]


@pytest.mark.parametrize(("seconds", "count"), [(89, 1), (91, 2), (300, 5)])
def test_short_recordings_stay_whole_and_last_chunk_absorbs_the_tail(
    tmp_path: Path, seconds: int, count: int
) -> None:
    wav = _tone(tmp_path / "short.wav", seconds, "if(between(mod(t,7),6.6,7),0,1)")
    chunks = plan_chunks(wav, chunk_ms=60_000)
    assert len(chunks) == count
    assert chunks[-1][1] == seconds * 1000
    assert all(end - start >= 30_000 - SEARCH_MS for start, end in chunks)


class _FailsOnCall(ScriptedTranscriber):
    """Scripted recogniser that crashes on its n-th call, like a worker killed mid-run."""

    def __init__(self, segments: list[TranscribedSegment], fail_on: int) -> None:
        super().__init__(segments)
        self.fail_on = fail_on

    def transcribe(self, audio_path, language=None, initial_prompt=None, progress=None):
        crash = len(self.calls) + 1 == self.fail_on
        self.fail_with = TranscriptionError("worker killed") if crash else None
        return super().transcribe(audio_path, language, initial_prompt, progress)


def test_resumed_transcription_skips_chunks_already_saved(
    long_wav: Path, seeded_catalogue: Catalogue, settings: Settings, tmp_path: Path
) -> None:
    work = tmp_path / "job-work"
    work.mkdir()
    (work / "audio.wav").symlink_to(long_wav)
    script = [TranscribedSegment(1_000, 2_000, "Bonjour", [Word(1_000, 2_000, "Bonjour")])]

    def context(transcriber: ScriptedTranscriber) -> RunContext:
        return RunContext(
            settings=settings,
            catalogue=seeded_catalogue,
            job_id=1,
            session_slug=SESSION4,
            recording_id=1,
            work_dir=work,
            params={"created_session": True},  # a draft: language detected
            transcriber_factory=lambda _model: transcriber,
        )

    crashing = _FailsOnCall(script, fail_on=2)
    with pytest.raises(TranscriptionError):
        step_transcribe(context(crashing))
    assert sorted(p.name for p in work.glob("chunk-*.json")) == ["chunk-0000.json"]
    assert (work / "language.txt").read_text() == "fr"  # detected once, on the first chunk

    resumed = ScriptedTranscriber(script)
    produced = step_transcribe(context(resumed))
    assert produced["chunks"] == 3 and produced["segments"] == 3
    assert [c.audio_path.name for c in resumed.calls] == ["chunk-0001.wav", "chunk-0002.wav"]
    assert {c.language for c in resumed.calls} == {"fr"}
    assert not list(work.glob("chunk-*.wav"))  # windows are scratch
    cuts = [start for start, _ in plan_chunks(long_wav)]
    stored = json.loads((work / "transcription.json").read_text())
    assert [s["start_ms"] for s in stored["segments"]] == [cut + 1_000 for cut in cuts]
    assert [s["words"][0]["start_ms"] for s in stored["segments"]] == [c + 1_000 for c in cuts]
