"""Speech regions from the Silero VAD that faster-whisper bundles.

The recording is read in 10-minute pieces so that a long one never has to be
converted to float whole; a region cut by a piece boundary is joined again.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ingest.diarization.audio import SAMPLE_RATE, to_float
from ingest.transcribe import speech_spans

PIECE_S = 600
# Short silences split regions so that a change of speaker at a pause is a boundary.
MIN_SILENCE_MS = 300
SPEECH_PAD_MS = 60


def speech_regions(
    samples: np.ndarray, progress: Callable[[float], None] | None = None
) -> list[tuple[int, int]]:
    """Return (start, end) sample spans of speech, in order, never overlapping."""
    piece = PIECE_S * SAMPLE_RATE
    joined: list[tuple[int, int]] = []
    pad = SPEECH_PAD_MS * SAMPLE_RATE // 1000
    for first in range(0, len(samples), piece):
        chunk = to_float(samples[first : first + piece])
        for start, end in speech_spans(chunk, MIN_SILENCE_MS, SPEECH_PAD_MS):
            start, end = start + first, end + first
            if joined and start <= joined[-1][1] + 2 * pad and start - first <= pad:
                joined[-1] = (joined[-1][0], max(end, joined[-1][1]))
            elif joined and start < joined[-1][1]:
                joined[-1] = (joined[-1][0], max(end, joined[-1][1]))
            elif end > start:
                joined.append((start, end))
        if progress is not None:
            progress(min(1.0, (first + piece) / max(1, len(samples))))
    return joined
