"""A scripted Transcriber for fast tests of everything downstream of speech recognition."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

from core.contracts import TranscribedSegment, TranscriptionResult, Word
from ingest.transcribe import Progress, Transcriber


@dataclass(frozen=True)
class TranscribeCall:
    """What the pipeline asked for, so tests can check prompts and languages."""

    audio_path: Path
    language: str | None
    initial_prompt: str | None


@dataclass(frozen=True)
class AlignCall:
    """An alignment asked for: the window (recording ms) and the text, with the audio it got."""

    audio_path: Path
    start_ms: int
    end_ms: int
    text: str
    language: str | None
    offset_ms: int


class ScriptedTranscriber(Transcriber):
    """Return the given segments for any recording, or raise `fail_with` when told to."""

    def __init__(
        self,
        segments: list[TranscribedSegment],
        language: str = "fr",
        duration_ms: int | None = None,
        fail_with: Exception | None = None,
        name: str = "scripted",
        alignments: dict[str, list[Word]] | None = None,
        align_fail_with: Exception | None = None,
    ) -> None:
        self.segments = segments
        self.language = language
        self.duration_ms = duration_ms
        self.fail_with = fail_with
        self.name = name
        self.calls: list[TranscribeCall] = []
        self.alignments = alignments or {}  # text -> its words, as the aligner would time them
        self.align_fail_with = align_fail_with
        self.align_calls: list[AlignCall] = []

    def transcribe(
        self,
        audio_path: Path,
        language: str | None = None,
        initial_prompt: str | None = None,
        progress: Progress | None = None,
    ) -> TranscriptionResult:
        """Record the call, report progress per segment, then return a copy of the script."""
        self.calls.append(TranscribeCall(Path(audio_path), language, initial_prompt))
        if self.fail_with is not None:
            raise self.fail_with
        segments = copy.deepcopy(self.segments)
        total_ms = self.duration_ms
        if total_ms is None:
            total_ms = max((s.end_ms for s in segments), default=0)
        if progress is not None:
            for segment in segments:
                progress(min(segment.end_ms, total_ms), total_ms)
            progress(total_ms, total_ms)
        return TranscriptionResult(
            language=language or self.language,
            segments=segments,
            model=self.name,
            settings={"scripted": True, "initial_prompt": initial_prompt},
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
        """Record the call; return the scripted words for this text (None if unscripted)."""
        self.align_calls.append(
            AlignCall(Path(audio_path), start_ms, end_ms, text, language, offset_ms)
        )
        if self.align_fail_with is not None:
            raise self.align_fail_with
        if text not in self.alignments:
            return None
        return list(self.alignments[text])


def evenly_timed(lines: list[tuple[int, int, str]], confidence: float) -> list[TranscribedSegment]:
    """Return recognised segments for (start_ms, end_ms, text) lines, words spread evenly.

    Whisper-like enough for the pipeline: every word has a time inside its
    segment and the same confidence.
    """
    segments = []
    for start_ms, end_ms, text in lines:
        tokens = text.split()
        step = (end_ms - start_ms) / len(tokens)
        words = [
            Word(round(start_ms + i * step), round(start_ms + (i + 1) * step), t, confidence)
            for i, t in enumerate(tokens)
        ]
        segments.append(TranscribedSegment(start_ms, end_ms, text, words, confidence=confidence))
    return segments
