"""Data contracts passed between pipeline steps.

Times are integer milliseconds unless a name says otherwise; intervals are
start inclusive, end exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class StreamInfo:
    """One stream of a media container, as the probe saw it."""

    kind: str  # "audio" or "video"
    codec: str
    channels: int | None = None
    sample_rate: int | None = None
    width: int | None = None
    height: int | None = None
    pix_fmt: str | None = None  # video pixel format, e.g. "yuv420p"


@dataclass(frozen=True)
class ProbeResult:
    """What a recording contains: duration, container and its streams."""

    path: Path
    duration_ms: int
    container: str
    streams: tuple[StreamInfo, ...]

    @property
    def has_video(self) -> bool:
        return any(s.kind == "video" for s in self.streams)

    @property
    def has_audio(self) -> bool:
        return any(s.kind == "audio" for s in self.streams)


@dataclass(frozen=True)
class Word:
    """A recognised word with its time span in the recording (ms)."""

    start_ms: int
    end_ms: int
    text: str
    probability: float = 1.0


@dataclass
class TranscribedSegment:
    """A recognised stretch of speech (ms), before or after cleaning."""

    start_ms: int
    end_ms: int
    text: str
    words: list[Word] = field(default_factory=list)
    confidence: float = 1.0  # mean word probability, 0..1
    no_speech_prob: float = 0.0
    avg_logprob: float = 0.0
    compression_ratio: float = 1.0
    speaker_slug: str | None = None
    speaker_name: str | None = None  # as read from an imported file's voice tags
    voice: str | None = None  # the diarization's voice label in this session ("1", "2"…)


@dataclass
class TranscriptionResult:
    """The recogniser's output for a whole recording."""

    language: str
    segments: list[TranscribedSegment]
    model: str
    settings: dict = field(default_factory=dict)
    duration_ms: int = 0


@dataclass(frozen=True)
class ExportSegment:
    """A stored segment as exports need it: times in ms, speaker already resolved."""

    start_ms: int
    end_ms: int
    text: str
    words: tuple[Word, ...] = ()
    speaker_slug: str | None = None
    speaker_name: str | None = None
    affiliation: str | None = None
    confidence: float | None = None
    verified: bool = False
    voice: str | None = None  # diarization label, shown as "Speaker N" when nobody is named


@dataclass(frozen=True)
class ExportTranscript:
    """One transcript version of a session, ready to be written in any export format."""

    session_slug: str
    session_title: str
    language: str
    version: int
    model: str
    segments: tuple[ExportSegment, ...]
    session_date: str | None = None  # ISO date
    series_title: str | None = None
    source: str = "whisper"  # whisper | import | edit: who made this version's text

    @property
    def verified_count(self) -> int:
        """How many segments an archivist corrected or confirmed."""
        return sum(1 for s in self.segments if s.verified)


@dataclass(frozen=True)
class ProgrammeSlot:
    """What attribution needs of a programme item: its offset and its people."""

    start_ms: int | None
    # (person_slug, role, own start_ms or None), in programme order
    people: tuple[tuple[str, str, int | None], ...]


@dataclass(frozen=True)
class VoiceTurn:
    """From start_ms to end_ms, the voice labelled `voice` speaks (diarization)."""

    start_ms: int
    end_ms: int
    voice: str


@dataclass(frozen=True)
class Voice:
    """One voice diarization found: its label, mean embedding (L2-normalised) and speech."""

    label: str
    embedding: tuple[float, ...]
    speech_ms: int


@dataclass(frozen=True)
class Diarization:
    """Who speaks when in one recording, by voice, before anyone is named."""

    model: str
    turns: tuple[VoiceTurn, ...]
    voices: tuple[Voice, ...]
