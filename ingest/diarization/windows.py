"""Short overlapping windows inside speech, and one embedding per window.

A window is one partial utterance of the network (160 frames, 1.6 s). Regions
shorter than that give one zero-padded window, as Resemblyzer pads the tail of
an utterance. Each window is raised to -30 dBFS on its own, so a quiet speaker
and a loud one are compared by voice, not by level.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from ingest.diarization.audio import to_float
from ingest.diarization.encoder import BATCH, embed_partials
from ingest.diarization.features import HOP, PARTIAL_FRAMES, TARGET_DBFS, mel_spectrogram

WINDOW = PARTIAL_FRAMES * HOP  # samples in one window (1.6 s)
DEFAULT_HOP = 8_000  # 0.5 s between window starts
_INT16_MAX = 2**15 - 1


@dataclass(frozen=True)
class Window:
    """One embedded stretch of speech, in samples: [start, end) inside region `region`."""

    start: int
    end: int
    region: int


def plan_windows(regions: Sequence[tuple[int, int]], hop: int = DEFAULT_HOP) -> list[Window]:
    """Cover every region with windows `hop` apart; the last one ends at the region's end."""
    windows: list[Window] = []
    for index, (start, end) in enumerate(regions):
        if end - start <= WINDOW:
            windows.append(Window(start, end, index))
            continue
        starts = list(range(start, end - WINDOW + 1, hop))
        if end - (starts[-1] + WINDOW) > hop // 2:
            starts.append(end - WINDOW)
        windows.extend(Window(s, s + WINDOW, index) for s in starts)
    return windows


def _gain_squared(samples: np.ndarray) -> float:
    """Mel power scales with the square of the gain that brings a window to -30 dBFS."""
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) * _INT16_MAX
    if rms <= 0.0:
        return 1.0
    change_db = TARGET_DBFS - 20.0 * np.log10(rms / _INT16_MAX)
    return float(10 ** (change_db / 10)) if change_db > 0 else 1.0


def _partials(
    samples: np.ndarray, regions: Sequence[tuple[int, int]], windows: Sequence[Window]
) -> Iterator[np.ndarray]:
    """Yield each window's (160, 40) mel, computing each region's spectrogram once."""
    current, mel = -1, np.zeros((0, 0), dtype=np.float32)
    for window in windows:
        region_start, region_end = regions[window.region]
        if window.region != current:
            current = window.region
            mel = mel_spectrogram(to_float(samples[region_start:region_end]))
        first = (window.start - region_start) // HOP
        frames = mel[first : first + PARTIAL_FRAMES]
        if len(frames) < PARTIAL_FRAMES:
            frames = np.pad(frames, ((0, PARTIAL_FRAMES - len(frames)), (0, 0)))
        gain = _gain_squared(to_float(samples[window.start : window.end]))
        yield frames * np.float32(gain)


def embed_windows(
    samples: np.ndarray,
    regions: Sequence[tuple[int, int]],
    windows: Sequence[Window],
    progress: Callable[[float], None] | None = None,
) -> np.ndarray:
    """Return (len(windows), 256) unit embeddings, batch by batch to bound memory."""
    out = np.empty((len(windows), 256), dtype=np.float32)
    batch = np.empty((BATCH, PARTIAL_FRAMES, 40), dtype=np.float32)
    filled = done = 0
    for frames in _partials(samples, regions, windows):
        batch[filled] = frames
        filled += 1
        if filled == BATCH:
            out[done : done + filled] = embed_partials(batch[:filled])
            done, filled = done + filled, 0
            if progress is not None:
                progress(done / len(windows))
    if filled:
        out[done : done + filled] = embed_partials(batch[:filled])
    return out
