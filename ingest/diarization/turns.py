"""From labelled windows to speaker turns, and from turns to transcript words.

Times are integer milliseconds, start inclusive, end exclusive. Inside a speech
region each window owns the stretch closest to its centre; a median filter over
the labels removes one-window flickers, and turns shorter than `MIN_TURN_MS`
are absorbed by their longer neighbour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ingest.diarization.audio import SAMPLE_RATE
from ingest.diarization.windows import Window

MEDIAN_WIDTH = 3
MIN_TURN_MS = 500


@dataclass(frozen=True)
class Piece:
    """A stretch of speech (ms) and the cluster that holds it."""

    start_ms: int
    end_ms: int
    label: int


def _ms(samples: int) -> int:
    return int(round(samples * 1000 / SAMPLE_RATE))


def median_filter(labels: np.ndarray, width: int = MEDIAN_WIDTH) -> np.ndarray:
    """Replace each label by the most common one around it (a categorical median)."""
    if width < 2 or len(labels) < width:
        return labels.copy()
    half = width // 2
    out = labels.copy()
    for i in range(half, len(labels) - half):
        values, counts = np.unique(labels[i - half : i + half + 1], return_counts=True)
        if counts.max() > width // 2:
            out[i] = values[np.argmax(counts)]
    return out


def pieces(
    regions: Sequence[tuple[int, int]], windows: Sequence[Window], labels: np.ndarray
) -> list[Piece]:
    """Split each region at the midpoints between window centres whose labels differ."""
    found: list[Piece] = []
    by_region: dict[int, list[int]] = {}
    for index, window in enumerate(windows):
        by_region.setdefault(window.region, []).append(index)
    for region, members in sorted(by_region.items()):
        start, end = regions[region]
        smoothed = median_filter(labels[members])
        centres = [(windows[i].start + windows[i].end) // 2 for i in members]
        cut = start
        for j in range(len(members)):
            last = j == len(members) - 1
            if last or smoothed[j + 1] != smoothed[j]:
                stop = end if last else (centres[j] + centres[j + 1]) // 2
                found.append(Piece(_ms(cut), _ms(stop), int(smoothed[j])))
                cut = stop
    return absorb_short(found)


def absorb_short(found: list[Piece], min_ms: int = MIN_TURN_MS) -> list[Piece]:
    """Give a too-short piece that touches a neighbour to the longer neighbour; merge equals."""
    result = list(found)
    changed = True
    while changed:
        changed = False
        for i, piece in enumerate(result):
            if piece.end_ms - piece.start_ms >= min_ms:
                continue
            before = result[i - 1] if i > 0 and result[i - 1].end_ms == piece.start_ms else None
            after = (
                result[i + 1]
                if i + 1 < len(result) and result[i + 1].start_ms == piece.end_ms
                else None
            )
            neighbours = [n for n in (before, after) if n is not None]
            if not neighbours:
                continue
            longest = max(neighbours, key=lambda n: n.end_ms - n.start_ms)
            if longest.label != piece.label:
                result[i] = Piece(piece.start_ms, piece.end_ms, longest.label)
                changed = True
        result = _merge_touching(result)
    return result


def _merge_touching(found: list[Piece]) -> list[Piece]:
    merged: list[Piece] = []
    for piece in found:
        if merged and merged[-1].label == piece.label and merged[-1].end_ms == piece.start_ms:
            merged[-1] = Piece(merged[-1].start_ms, piece.end_ms, piece.label)
        else:
            merged.append(piece)
    return merged
