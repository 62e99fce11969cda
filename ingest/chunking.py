"""Plan where to cut a long recording so that transcription can resume by chunk.

A 3-hour seminar is transcribed in chunks of about ten minutes; each finished
chunk is saved, so a run that crashed or was killed resumes at the chunk it was
in rather than at the start. Cuts are placed in the quietest moment near each
nominal boundary so that no word is cut in half.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

CHUNK_MS = 10 * 60 * 1000
SEARCH_MS = 5_000  # look this far either side of a nominal boundary for a pause
FRAME_MS = 100


def plan_chunks(wav_path: Path, chunk_ms: int = CHUNK_MS) -> list[tuple[int, int]]:
    """Return (start_ms, end_ms) chunks covering a 16-bit mono WAV, cut at pauses."""
    with wave.open(str(wav_path), "rb") as wav:
        rate = wav.getframerate()
        total_ms = wav.getnframes() * 1000 // rate
        if total_ms <= chunk_ms * 1.5:
            return [(0, total_ms)]
        cuts = [
            _quietest_point(wav, rate, nominal, total_ms)
            for nominal in range(chunk_ms, total_ms - chunk_ms // 2, chunk_ms)
        ]
    bounds = [0, *cuts, total_ms]
    return [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]


def _quietest_point(wav: wave.Wave_read, rate: int, nominal_ms: int, total_ms: int) -> int:
    start_ms = max(0, nominal_ms - SEARCH_MS)
    end_ms = min(total_ms, nominal_ms + SEARCH_MS)
    wav.setpos(start_ms * rate // 1000)
    raw = wav.readframes((end_ms - start_ms) * rate // 1000)
    samples = np.frombuffer(raw, dtype="<i2").astype(np.float32)
    frame = rate * FRAME_MS // 1000
    frames = len(samples) // frame
    if frames == 0:
        return nominal_ms
    energy = (samples[: frames * frame].reshape(frames, frame) ** 2).mean(axis=1)
    # Prefer the pause closest to the nominal boundary among the quietest frames.
    quiet = np.flatnonzero(energy <= energy.min() * 1.5 + 1e-3)
    centre = (nominal_ms - start_ms) // FRAME_MS
    best = int(quiet[np.argmin(np.abs(quiet - centre))])
    return start_ms + best * FRAME_MS + FRAME_MS // 2
