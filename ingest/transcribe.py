"""Speech recognition behind a small interface; faster-whisper is imported only here.

`Transcriber` is what the pipeline depends on; `WhisperTranscriber` is the real
one, `tests/support/fake_transcriber.py` a scripted one for fast tests.
"""

from __future__ import annotations

import functools
import math
import os
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core.contracts import TranscribedSegment, TranscriptionResult, Word
from core.settings import Settings
from ingest.errors import MediaError, ModelError, TranscriptionError
from ingest.whisper_models import ModelSpec, resolve_model

Progress = Callable[[int, int], None]

# Whisper allows about 223 prompt tokens; staying well below leaves room to decode a full window.
MAX_PROMPT_TOKENS = 120
# 500 ms pauses split speech chunks: short enough to skip gaps between sentences.
VAD_PARAMETERS = {"threshold": 0.5, "min_silence_duration_ms": 500, "speech_pad_ms": 400}
# Alignment reads one Whisper window: 30 s of audio, 3000 mel frames, a few hundred tokens.
ALIGN_MAX_MS = 30_000
ALIGN_WINDOW_FRAMES = 3000
ALIGN_MAX_TOKENS = 400
ALIGN_SPEECH_PAD_MS = 100  # kept around the speech heard in an alignment window
DECODE_OPTIONS = {
    "beam_size": 5,
    "word_timestamps": True,
    "vad_filter": True,
    # Not feeding the previous window back avoids Whisper's repetition loops.
    "condition_on_previous_text": False,
}


class Transcriber(ABC):
    """Turn a recording into timed text; subclasses wrap one recogniser."""

    name: str = "transcriber"

    @abstractmethod
    def transcribe(
        self,
        audio_path: Path,
        language: str | None = None,
        initial_prompt: str | None = None,
        progress: Progress | None = None,
    ) -> TranscriptionResult:
        """Transcribe `audio_path`; call progress(done_ms, total_ms) as text comes out."""

    def align(
        self,
        audio_path: Path,
        start_ms: int,
        end_ms: int,
        text: str,
        language: str | None,
        offset_ms: int = 0,
    ) -> list[Word] | None:
        """Time the words of a known text (`text.split()`) said in [start_ms, end_ms).

        audio_path is a 16 kHz mono WAV holding the recording from offset_ms on
        (a window cut out of it); times in and out are the recording's. Returns
        one Word per token with the aligner's probability, or None when this
        transcriber cannot align (the caller keeps its estimate). The base class
        cannot: subclasses that can override it.
        """
        return None


def quiet_onnxruntime() -> None:
    """Turn off onnxruntime's telemetry; call before anything imports onnxruntime.

    Since 1.29 its Linux wheels report each model session to Microsoft and keep
    a device id under ~/.cache unless ORT_DISABLE_TELEMETRY is set before it
    loads. faster-whisper's Silero VAD (transcription's filter, diarization's
    speech finder) runs on onnxruntime: an archive of people's voices must not
    tell anyone what it processes. A deployment that sets the variable keeps its choice.
    """
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")


@functools.lru_cache(maxsize=4)
def _load_model(
    model_ref: str, device: str, compute_type: str, cpu_threads: int, download_root: str | None
) -> Any:
    """Load a faster-whisper model once per process for each combination of settings."""
    quiet_onnxruntime()
    from faster_whisper import WhisperModel  # heavy: only when a model is really needed

    return WhisperModel(
        model_ref,
        device=device,
        compute_type=compute_type,
        cpu_threads=cpu_threads,
        download_root=download_root,
    )


class WhisperTranscriber(Transcriber):
    """Transcribe with a faster-whisper model described by a ModelSpec."""

    def __init__(
        self, spec: ModelSpec, device: str = "cpu", compute_type: str = "int8", cpu_threads: int = 0
    ) -> None:
        self.spec = spec
        self.name = spec.name
        self.device = device
        self.compute_type = compute_type
        self.cpu_threads = cpu_threads

    def load(self) -> Any:
        """Load the model (once per process) or raise ModelError saying what to do."""
        spec = self.spec
        model_ref = str(spec.path) if spec.path is not None else spec.hub_name
        cache = str(spec.cache_dir) if spec.cache_dir is not None else None
        try:
            return _load_model(model_ref, self.device, self.compute_type, self.cpu_threads, cache)
        except (OSError, ValueError, RuntimeError) as exc:
            reason = " ".join(str(exc).split())  # one line, for logs and the job page
            if spec.path is None:
                raise ModelError(
                    f"model '{spec.name}' is not bundled and could not be fetched from the "
                    f"Hugging Face Hub ({reason}); offline, use 'base', 'tiny.en' or a local "
                    "model folder"
                ) from exc
            raise ModelError(
                f"could not load model '{spec.name}' from {spec.path} "
                f"({self.device}, {self.compute_type}): {reason}"
            ) from exc

    def transcribe(
        self,
        audio_path: Path,
        language: str | None = None,
        initial_prompt: str | None = None,
        progress: Progress | None = None,
    ) -> TranscriptionResult:
        """Transcribe `audio_path` with word timestamps, VAD and the archive's decode settings."""
        audio_path = Path(audio_path)
        if not audio_path.is_file():
            raise MediaError(f"cannot transcribe {audio_path}: no such file")
        language = _normalise_language(language)
        # Checked before loading so a wrong request fails at once, and after with the
        # model's own list, since a local folder or Hub name may be English-only too.
        self._check_language(language, ["en"] if not self.spec.multilingual else None)
        model = self.load()
        self._check_language(language, model.supported_languages)
        prompt = _truncate_prompt(model.hf_tokenizer, initial_prompt)
        started = time.perf_counter()
        try:
            # The prompt goes in as "hotwords": unlike initial_prompt it reaches every
            # 30 s window, so programme names help through the whole recording.
            raw_segments, info = model.transcribe(
                str(audio_path),
                language=language,
                hotwords=prompt,
                vad_parameters=VAD_PARAMETERS,
                **DECODE_OPTIONS,
            )
        except (OSError, ValueError, IndexError) as exc:
            raise MediaError(f"could not decode the audio of {audio_path}: {exc}") from exc
        total_ms = _to_ms(info.duration)
        if progress is not None:
            progress(0, total_ms)  # voice and language detection are done; decoding starts
        segments: list[TranscribedSegment] = []
        try:
            for raw in raw_segments:
                segments.append(_convert(raw))
                if progress is not None:
                    progress(min(segments[-1].end_ms, total_ms), total_ms)
        except RuntimeError as exc:
            raise TranscriptionError(f"{self.name} failed on {audio_path}: {exc}") from exc
        if progress is not None:
            progress(total_ms, total_ms)
        settings = {
            **self._model_settings(),
            **DECODE_OPTIONS,
            "vad_parameters": dict(VAD_PARAMETERS),
            "language_requested": language,
            "language_detected": info.language if language is None else None,
            "language_probability": round(float(info.language_probability), 3),
            "initial_prompt": prompt,
            "speech_ms": _to_ms(info.duration_after_vad),
            "transcribe_s": round(time.perf_counter() - started, 3),
        }
        return TranscriptionResult(
            language=info.language,
            segments=segments,
            model=self.name,
            settings=settings,
            duration_ms=total_ms,
        )

    def align(
        self,
        audio_path: Path,
        start_ms: int,
        end_ms: int,
        text: str,
        language: str | None,
        offset_ms: int = 0,
    ) -> list[Word] | None:
        """Force-align text to [start_ms, end_ms) of the recording, as Whisper times words.

        The same cross-attention alignment faster-whisper runs for word
        timestamps, given our text instead of the decoded one: one encoder pass
        over the window and one alignment pass, no decoding. None when the window is longer than
        Whisper's 30 s or the text does not map back onto its tokens.
        """
        tokens = text.split()
        if not tokens or not offset_ms <= start_ms < end_ms or end_ms - start_ms > ALIGN_MAX_MS:
            return None
        samples = _read_wav_window(Path(audio_path), start_ms - offset_ms, end_ms - offset_ms)
        # Whisper's alignment path starts at the window's first frame: silence before
        # the speech would stretch the first word back over it, so the window is cut
        # to where the voice activity detector hears speech.
        spans = speech_spans(samples, min_silence_ms=300, speech_pad_ms=ALIGN_SPEECH_PAD_MS)
        if not spans:
            return None
        first, last = spans[0][0], spans[-1][1]
        samples = samples[first:last]
        start_ms += first // 16
        language = _normalise_language(language) or "en"
        self._check_language(language, ["en"] if not self.spec.multilingual else None)
        model = self.load()
        from faster_whisper.tokenizer import Tokenizer

        try:
            tokenizer = Tokenizer(
                model.hf_tokenizer, model.model.is_multilingual, "transcribe", language
            )
            text_tokens = tokenizer.encode(" " + " ".join(tokens))
            if len(text_tokens) > ALIGN_MAX_TOKENS:
                return None
            features = model.feature_extractor(samples)
            num_frames = min(features.shape[-1] - 1, ALIGN_WINDOW_FRAMES)
            # Only the window's frames, not padded to 30 s as for decoding: the encoder
            # then costs about a twentieth, and the word times land as close to the
            # recogniser's (benchmarks/realign.py).
            encoded = model.encode(features[:, :num_frames])
            (pieces,) = model.find_alignment(tokenizer, [text_tokens], encoded, num_frames)
        except (RuntimeError, ValueError, IndexError) as exc:
            raise TranscriptionError(f"{self.name} could not align “{text[:60]}”: {exc}") from exc
        timed = [
            (str(p["word"]), float(p["start"]), float(p["end"]), float(p["probability"]))
            for p in pieces
        ]
        return _words_from_pieces(tokens, _trim_edges(timed), start_ms)

    def _check_language(self, language: str | None, supported: list[str] | None) -> None:
        if language is None or supported is None or language in supported:
            return
        if supported == ["en"]:
            raise TranscriptionError(
                f"{self.name} only transcribes English; use base (multilingual) "
                f"for language '{language}'"
            )
        raise TranscriptionError(f"model {self.name} does not know language '{language}'")

    def _model_settings(self) -> dict:
        from faster_whisper import __version__ as engine_version

        return {
            "engine": f"faster-whisper {engine_version}",
            "model": self.name,
            "model_path": str(self.spec.path) if self.spec.path else None,
            "hub_name": self.spec.hub_name,
            "device": self.device,
            "compute_type": self.compute_type,
            "cpu_threads": self.cpu_threads,
        }


def make_transcriber(model_name: str, settings: Settings) -> Transcriber:
    """Build a transcriber for `model_name` (empty: the configured one) from the settings."""
    spec = resolve_model(model_name or settings.model, settings.models_dir)
    return WhisperTranscriber(
        spec,
        device=settings.device,
        compute_type=settings.compute_type,
        cpu_threads=settings.cpu_threads,
    )


def _normalise_language(language: str | None) -> str | None:
    """Map '', 'auto' and None to detection, 'fr-FR' / 'FR' to 'fr'."""
    if language is None or language.strip().lower() in ("", "auto"):
        return None
    return language.strip().lower().replace("_", "-").split("-")[0]


def _truncate_prompt(tokenizer: Any, prompt: str | None) -> str | None:
    """Keep the start of the prompt within MAX_PROMPT_TOKENS, cut at a word boundary."""
    if prompt is None or not prompt.strip():
        return None
    prompt = " ".join(prompt.split())
    ids = tokenizer.encode(" " + prompt, add_special_tokens=False).ids
    if len(ids) <= MAX_PROMPT_TOKENS:
        return prompt
    kept = tokenizer.decode(ids[:MAX_PROMPT_TOKENS]).strip()
    return kept.rsplit(" ", 1)[0] if " " in kept else kept


def _read_wav_window(path: Path, start_ms: int, end_ms: int) -> Any:
    """Return [start_ms, end_ms) of a 16 kHz mono 16-bit WAV as float32, peak-normalised."""
    import numpy as np

    from ingest.diarization.audio import read_wav, to_float  # here: the package imports us

    samples = to_float(read_wav(path)[max(0, start_ms) * 16 : max(0, end_ms) * 16])
    if not samples.size:
        raise MediaError(f"{path.name} has no audio between {start_ms} and {end_ms} ms")
    # A window cut from a quiet original is not loudness-normalised like audio.wav is.
    peak = float(np.abs(samples).max())
    return samples * (0.5 / peak) if peak > 1e-4 else samples


def _trim_edges(
    pieces: list[tuple[str, float, float, float]],
) -> list[tuple[str, float, float, float]]:
    """Shorten a first or last word that lasts over twice the median word, as faster-whisper does.

    What is left of a pause at a window's edge goes to its outer words; the
    median word (at most 0.7 s) says how long a word can really last.
    """
    durations = sorted(end - start for _, start, end, _ in pieces if end > start)
    if not durations:
        return pieces
    longest = 2 * min(0.7, durations[len(durations) // 2])
    trimmed = list(pieces)
    word, start, end, probability = trimmed[0]
    if end - start > longest:
        trimmed[0] = (word, end - longest, end, probability)
    word, start, end, probability = trimmed[-1]
    if end - start > longest:
        trimmed[-1] = (word, start, start + longest, probability)
    return trimmed


def _words_from_pieces(
    tokens: list[str], pieces: list[tuple[str, float, float, float]], offset_ms: int
) -> list[Word] | None:
    """Group Whisper's word pieces (" l", "'accueil", ",") back into our tokens.

    Times come from a token's pieces that hold a letter or digit (a lone comma
    gets a time of its own in Whisper's alignment). None when the pieces do not
    spell the tokens, so nothing is ever timed against the wrong word.
    """
    words: list[Word] = []
    index = 0
    for token in tokens:
        spelled, group = "", []
        while len(spelled) < len(token) and index < len(pieces):
            spelled += pieces[index][0].strip()
            group.append(pieces[index])
            index += 1
        if spelled != token:
            return None
        timed = [p for p in group if any(ch.isalnum() for ch in p[0])] or group
        start_ms = offset_ms + _to_ms(timed[0][1])
        end_ms = offset_ms + _to_ms(timed[-1][2])
        probability = sum(p[3] for p in timed) / len(timed)
        words.append(Word(start_ms, max(start_ms, end_ms), token, probability))
    if any(piece[0].strip() for piece in pieces[index:]):
        return None
    return words


def _to_ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))


def _convert(raw: Any) -> TranscribedSegment:
    """Turn a faster-whisper segment into ours: integer ms, words clamped into the segment."""
    start_ms = _to_ms(raw.start)
    end_ms = max(start_ms, _to_ms(raw.end))
    words = []
    for word in raw.words or []:
        text = word.word.strip()
        if not text:
            continue
        word_start = min(max(_to_ms(word.start), start_ms), end_ms)
        word_end = min(max(_to_ms(word.end), word_start), end_ms)
        words.append(Word(word_start, word_end, text, float(word.probability)))
    if words:
        confidence = sum(w.probability for w in words) / len(words)
    else:
        confidence = min(1.0, math.exp(raw.avg_logprob))
    return TranscribedSegment(
        start_ms=start_ms,
        end_ms=end_ms,
        text=raw.text.strip(),
        words=words,
        confidence=confidence,
        no_speech_prob=float(raw.no_speech_prob),
        avg_logprob=float(raw.avg_logprob),
        compression_ratio=float(raw.compression_ratio),
    )


def speech_spans(samples: Any, min_silence_ms: int, speech_pad_ms: int) -> list[tuple[int, int]]:
    """Return (start, end) sample spans of speech in 16 kHz mono float32 audio.

    The Silero VAD that faster-whisper bundles; it lives here so that
    faster-whisper stays imported in one module (the diarization engine uses it).
    """
    quiet_onnxruntime()
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(min_silence_duration_ms=min_silence_ms, speech_pad_ms=speech_pad_ms)
    found = get_speech_timestamps(samples, options, sampling_rate=16_000)
    return [(int(span["start"]), int(span["end"])) for span in found]
