"""The issue's "done when", through the installed `archive` command and the real base model.

Real French read speech (FLEURS) is laid out as one session-4 recording whose
clips belong to different programme speakers; search must find a phrase at the
second it was said, attributed to the right person. JFK checks accuracy (WER).
"""

from __future__ import annotations

import json
import re
import wave
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import SEED_MANIFEST, SESSION4, seed_overlay
from tests.support import media_factory
from tests.support.archive_cli import run_archive as _archive

pytestmark = pytest.mark.slow

# Recording order: clip -> (speaker in session 4, a distinctive word of the clip that the
# base model hears right; "rugissement" and "avion" it mishears).
CLIPS = {
    "fleurs-fr-003": ("pierre-saulnier", "tigre"),
    "fleurs-fr-004": ("arnaud-brun", "ligne"),
    "fleurs-fr-007": ("lahouari-kaddouri", "malheureusement"),
    "fleurs-fr-005": ("ludovic-halbert", "voiture"),
}
TOLERANCE_MS = 1_500
JFK_REFERENCE = (
    "And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)


def _clock(ms: int) -> str:
    return f"{ms // 3_600_000}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


@pytest.fixture(scope="module")
def media_dir() -> Path:
    return media_factory.require_shared_media()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One archive home for the module, so the base model is assembled once."""
    home = tmp_path_factory.mktemp("e2e") / "home"
    _archive(home, "import", SEED_MANIFEST)
    return home


@pytest.fixture(scope="module")
def french_session(home: Path, media_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """Session 4 ingested from the FLEURS clips, its speakers timed by a re-imported overlay."""
    folder = tmp_path_factory.mktemp("e2e-fr")
    spans = media_factory.french_clips_recording(folder / "seance-4.wav", media_dir, list(CLIPS))
    starts = {}
    for index, span in enumerate(spans):
        speaker = CLIPS[span["clip"]][0]
        # Each turn begins mid-way through the silence before its clip.
        starts[speaker] = _clock(0 if index == 0 else span["start_ms"] - 750)
    _archive(home, "import", seed_overlay(folder / "offsets.yaml", starts))
    ingest = _archive(home, "ingest", folder / "seance-4.wav", "--session", SESSION4)
    assert f"Ingested into session '{SESSION4}': transcript version 1" in ingest.stdout
    for span in spans:
        span["speech_ms"] = _speech_span(folder / "seance-4.wav", span["start_ms"], span["end_ms"])
    by_clip = {span["clip"]: span for span in spans}
    return {**by_clip, "ingest_log": ingest.stderr}


def _speech_span(wav_path: Path, start_ms: int, end_ms: int) -> tuple[int, int]:
    """Return where speech starts and ends within [start_ms, end_ms), from 20 ms frame levels."""
    with wave.open(str(wav_path), "rb") as wav:
        rate = wav.getframerate()
        wav.setpos(start_ms * rate // 1000)
        raw = wav.readframes((end_ms - start_ms) * rate // 1000)
    samples = np.frombuffer(raw, dtype="<i2").astype(np.float64)
    frame = rate // 50
    count = len(samples) // frame
    rms = np.sqrt((samples[: count * frame].reshape(count, frame) ** 2).mean(axis=1))
    loud = np.flatnonzero(rms > rms.max() * 0.1)  # within 20 dB of the clip's loudest frame
    return start_ms + int(loud[0]) * 20, start_ms + (int(loud[-1]) + 1) * 20


def test_ingest_progress_advances_through_transcription_with_a_time_left(
    french_session: dict,
) -> None:
    # The jobs page and the CLI read the same progress: during transcription it must
    # climb in steps with an estimate of the time left, not jump from 8 % to 97 %.
    lines = [line.split() for line in french_session["ingest_log"].splitlines()]
    transcribing = [words for words in lines if words[:1] == ["transcribe"]]
    percents = [int(words[1].rstrip("%")) for words in transcribing]
    assert len({p // 10 for p in percents if 10 <= p < 90}) >= 4, french_session["ingest_log"]
    assert percents == sorted(percents)
    assert any("ETA" in words for words in transcribing if int(words[1].rstrip("%")) < 80)


@pytest.mark.parametrize("clip", list(CLIPS))
def test_search_finds_a_phrase_said_by_the_right_speaker_at_the_right_second(
    home: Path, french_session: dict, clip: str
) -> None:
    speaker, word = CLIPS[clip]
    span = french_session[clip]
    found = json.loads(_archive(home, "search", word, "--session", SESSION4, "--json").stdout)
    assert found["total"] >= 1, f"'{word}' not found; transcript: {_transcript(home)}"
    hit = found["hits"][0]
    start_ms = round(hit["start"] * 1000)
    assert hit["speaker"] == speaker, hit
    assert span["start_ms"] <= start_ms <= span["end_ms"], (span, hit)
    # Where the word falls in the clip's speech, by its share of the reference text.
    reference = span["reference"]
    share = reference.index(word) / len(reference)
    speech_start_ms, speech_end_ms = span["speech_ms"]
    expected_ms = speech_start_ms + share * (speech_end_ms - speech_start_ms)
    assert abs(start_ms - expected_ms) <= TOLERANCE_MS, (expected_ms, hit)
    assert hit["url"] == f"/sessions/{SESSION4}?t={start_ms // 1000}"
    # The speaker filter agrees with the attribution.
    filtered = json.loads(_archive(home, "search", word, "--speaker", speaker, "--json").stdout)
    assert [h["start"] for h in filtered["hits"]][:1] == [hit["start"]]


def test_french_session_export_names_the_programme_speakers(
    home: Path, french_session: dict
) -> None:
    vtt = _archive(home, "export", SESSION4, "--format", "vtt").stdout
    for name in ("Pierre Saulnier", "Arnaud Brun", "Lahouari Kaddouri", "Ludovic Halbert"):
        assert f"<v {name}>" in vtt


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def test_jfk_with_the_default_model_is_accurate_and_word_timed(home: Path, media_dir: Path) -> None:
    import jiwer

    ingest = _archive(home, "ingest", media_dir / "jfk.flac")
    assert "Ingested into session 'jfk' (draft)" in ingest.stdout
    assert "language en" in ingest.stdout  # detected, and learnt by the draft session
    document = json.loads(_archive(home, "export", "jfk", "--format", "json").stdout)
    hypothesis = " ".join(segment["text"] for segment in document["segments"])
    error_rate = jiwer.wer(_normalise(JFK_REFERENCE), _normalise(hypothesis))
    assert error_rate < 0.10, (error_rate, hypothesis)
    words = [w for segment in document["segments"] for w in segment["words"]]
    assert len(words) >= 20
    starts = [w["start"] for w in words]
    assert starts == sorted(starts) and all(w["end"] >= w["start"] for w in words)
    assert 0 <= starts[0] < 11.1 and words[-1]["end"] <= 11.1
    country = [w for w in words if _normalise(w["word"]) == "country"]
    assert len(country) == 2 and country[0]["start"] < country[1]["start"]


def _transcript(home: Path) -> str:
    return _archive(home, "export", SESSION4, "--format", "txt").stdout
