"""Speech recognition: real models on real speech (slow) and the contract around them (fast)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import jiwer
import pytest

from core.contracts import TranscribedSegment, TranscriptionResult, Word
from core.settings import Settings
from ingest.cleaning import clean_segments
from ingest.errors import MediaError, ModelError, TranscriptionError
from ingest.transcribe import MAX_PROMPT_TOKENS, WhisperTranscriber, make_transcriber
from ingest.whisper_models import resolve_model
from tests.support.fake_transcriber import ScriptedTranscriber

MEDIA = Path(__file__).resolve().parents[2] / ".." / "shared" / "media"
JFK_TEXT = (
    "And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)
# The two longest FLEURS clips: about 38 s of French read speech.
FLEURS_CLIPS = ("fleurs-fr-001", "fleurs-fr-009")


def media(name: str) -> Path:
    """Return a shared speech sample, or skip when the shared media folder is absent."""
    path = MEDIA / name
    if not path.is_file():
        pytest.skip(f"{path} not found: the shared speech samples are not available")
    return path


def normalise(text: str) -> str:
    """Lowercase, unify apostrophes and turn punctuation and hyphens into spaces."""
    text = text.lower().replace("’", "'")
    return " ".join(re.sub(r"[^\w']+", " ", text).split())


def wer(reference: str, segments: list[TranscribedSegment]) -> float:
    hypothesis = normalise(" ".join(s.text for s in segments)) or "<nothing>"
    return jiwer.wer(normalise(reference), hypothesis)


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def base(models_dir: Path) -> WhisperTranscriber:
    """The multilingual base model, loaded once per test session."""
    transcriber = WhisperTranscriber(resolve_model("base", models_dir), cpu_threads=2)
    transcriber.load()
    return transcriber


@pytest.fixture(scope="session")
def tiny_en(models_dir: Path) -> WhisperTranscriber:
    """The English-only tiny model, loaded once per test session."""
    transcriber = WhisperTranscriber(resolve_model("tiny.en", models_dir), cpu_threads=2)
    transcriber.load()
    return transcriber


def assert_well_timed(result: TranscriptionResult) -> None:
    """Words lie inside their segment, in order; segments follow each other."""
    previous_end = 0
    for segment in result.segments:
        assert previous_end <= segment.start_ms <= segment.end_ms <= result.duration_ms
        assert segment.words, f"no words in {segment.text!r}"
        word_end = segment.start_ms
        for word in segment.words:
            assert segment.start_ms <= word.start_ms <= word.end_ms <= segment.end_ms
            assert word.start_ms >= word_end
            word_end = word.end_ms
        assert segment.confidence == pytest.approx(
            sum(w.probability for w in segment.words) / len(segment.words)
        )
        previous_end = segment.end_ms


@pytest.mark.slow
@pytest.mark.parametrize("model", ["base", "tiny_en"])
def test_jfk_is_transcribed_accurately_with_word_times(
    model: str, request: pytest.FixtureRequest
) -> None:
    transcriber = request.getfixturevalue(model)
    seen: list[tuple[int, int]] = []
    result = transcriber.transcribe(media("jfk.flac"), progress=lambda d, t: seen.append((d, t)))
    assert wer(JFK_TEXT, result.segments) < 0.10
    assert result.language == "en"
    assert result.duration_ms == pytest.approx(11_000, abs=100)
    assert_well_timed(result)
    assert seen[-1] == (result.duration_ms, result.duration_ms)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert result.settings["word_timestamps"] and result.settings["vad_filter"]
    assert result.settings["condition_on_previous_text"] is False


@pytest.mark.slow
def test_language_is_detected_and_recorded(base: WhisperTranscriber) -> None:
    result = base.transcribe(media("jfk.flac"))
    assert result.settings["language_detected"] == "en"
    assert result.settings["language_probability"] > 0.5
    assert result.model == "base"


@pytest.mark.slow
def test_french_read_speech_with_base(
    base: WhisperTranscriber, record_property: pytest.RecordProperty
) -> None:
    references, hypotheses = [], []
    for clip in FLEURS_CLIPS:
        result = base.transcribe(media(f"fleurs_fr/{clip}.ogg"), language="fr")
        assert result.language == "fr"
        assert_well_timed(result)
        references.append(normalise(media(f"fleurs_fr/{clip}.txt").read_text(encoding="utf-8")))
        hypotheses.append(normalise(" ".join(s.text for s in result.segments)))
    score = jiwer.wer(references, hypotheses)
    record_property("fleurs_fr_wer", round(score, 3))
    print(f"FLEURS fr WER with base: {score:.3f}")
    assert score < 0.35


@pytest.mark.slow
def test_prompt_spells_names_beyond_the_first_window(
    base: WhisperTranscriber, tmp_path: Path
) -> None:
    # 38 s of other sentences, then the clip naming Giancarlo Fisichella (in the 2nd window).
    clips = [media(f"fleurs_fr/fleurs-fr-{n}.ogg") for n in ("001", "009", "005")]
    joined = tmp_path / "joined.wav"
    inputs = [arg for clip in clips for arg in ("-i", str(clip))]
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-loglevel",
            "error",
            *inputs,
            "-filter_complex",
            "concat=n=3:v=0:a=1",
            "-ar",
            "16000",
            "-ac",
            "1",
            str(joined),
        ],
        check=True,
    )
    result = base.transcribe(joined, language="fr", initial_prompt="Giancarlo Fisichella")
    late = " ".join(s.text for s in result.segments if s.start_ms > 30_000)
    assert "Giancarlo Fisichella" in late


@pytest.mark.slow
def test_unknown_language_code_is_refused(base: WhisperTranscriber) -> None:
    with pytest.raises(TranscriptionError, match="does not know language 'xx'"):
        base.transcribe(media("jfk.flac"), language="xx")


@pytest.mark.slow
def test_silence_gives_no_segments(base: WhisperTranscriber, tmp_path: Path) -> None:
    silence = tmp_path / "silence.wav"
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "anullsrc=r=16000:cl=mono",
            "-t",
            "10",
            str(silence),
        ],
        check=True,
    )
    result = base.transcribe(silence, language="fr")
    assert result.duration_ms == 10_000
    assert clean_segments(result.segments, result.language) == []


@pytest.mark.slow
def test_long_prompt_is_cut_to_a_safe_length(base: WhisperTranscriber) -> None:
    names = ", ".join(f"Intervenant{i} Dupont-Lefèvre" for i in range(150))
    prompt = "Kennedy, Americans, " + names
    result = base.transcribe(media("jfk.flac"), initial_prompt=prompt)
    used = result.settings["initial_prompt"]
    assert prompt.startswith(used) and len(used) < len(prompt)
    token_count = len(base.load().hf_tokenizer.encode(" " + used, add_special_tokens=False).ids)
    assert token_count <= MAX_PROMPT_TOKENS
    assert wer(JFK_TEXT, result.segments) < 0.10


@pytest.mark.slow
def test_a_file_that_is_not_audio_is_a_media_error(
    tiny_en: WhisperTranscriber, tmp_path: Path
) -> None:
    text_file = tmp_path / "notes.wav"
    text_file.write_text("this is not a recording")
    with pytest.raises(MediaError, match="notes.wav"):
        tiny_en.transcribe(text_file)


def test_english_only_model_refuses_french(models_dir: Path, tmp_path: Path) -> None:
    recording = tmp_path / "talk.wav"
    recording.write_bytes(b"refused before it is ever decoded")
    transcriber = WhisperTranscriber(resolve_model("tiny.en", models_dir))
    with pytest.raises(TranscriptionError, match="tiny.en only transcribes English; use base"):
        transcriber.transcribe(recording, language="fr-FR")


def test_missing_file_is_a_media_error(models_dir: Path, tmp_path: Path) -> None:
    transcriber = WhisperTranscriber(resolve_model("tiny.en", models_dir))
    with pytest.raises(MediaError, match="no such file"):
        transcriber.transcribe(tmp_path / "absent.wav")


def test_unbundled_model_offline_is_a_clear_model_error(tmp_path: Path) -> None:
    # A name that exists nowhere, so this never downloads weights even with a network.
    spec = resolve_model("seminar-archive-tests/no-such-whisper-model", tmp_path)
    with pytest.raises(ModelError, match="could not be fetched.*use 'base', 'tiny.en'"):
        WhisperTranscriber(spec).load()


def test_factory_uses_the_archive_settings(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, model="base", compute_type="int8", cpu_threads=2)
    transcriber = make_transcriber("tiny.en", settings)
    assert isinstance(transcriber, WhisperTranscriber)
    assert transcriber.name == "tiny.en"
    assert transcriber.spec.path == settings.models_dir / "tiny.en"
    assert (transcriber.device, transcriber.compute_type, transcriber.cpu_threads) == (
        "cpu",
        "int8",
        2,
    )


def test_scripted_transcriber_plays_its_script(tmp_path: Path) -> None:
    script = [
        TranscribedSegment(0, 1500, "Bonjour.", [Word(0, 1500, "Bonjour.")]),
        TranscribedSegment(2000, 4000, "Commençons."),
    ]
    fake = ScriptedTranscriber(script, duration_ms=5000)
    seen: list[tuple[int, int]] = []
    result = fake.transcribe(
        tmp_path / "a.wav",
        initial_prompt="Ville intelligente",
        progress=lambda d, t: seen.append((d, t)),
    )
    assert [s.text for s in result.segments] == ["Bonjour.", "Commençons."]
    assert seen == [(1500, 5000), (4000, 5000), (5000, 5000)]
    assert fake.calls[0].initial_prompt == "Ville intelligente"
    result.segments[0].text = "changed"
    assert fake.transcribe(tmp_path / "a.wav").segments[0].text == "Bonjour."


def test_scripted_transcriber_can_fail(tmp_path: Path) -> None:
    fake = ScriptedTranscriber([], fail_with=TranscriptionError("model crashed"))
    with pytest.raises(TranscriptionError, match="model crashed"):
        fake.transcribe(tmp_path / "a.wav")
    assert len(fake.calls) == 1
