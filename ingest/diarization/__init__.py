"""Who speaks when: speaker diarization without torch and without downloads.

Silero VAD (bundled with faster-whisper) finds speech; Resemblyzer's voice
encoder (weights from its pinned wheel, run in numpy) embeds 1.6 s windows
every 0.5 s; spectral clustering with an eigengap count groups them into
voices; windows become turns `[start_ms, end_ms, voice]`, voices numbered "1",
"2", … in order of first appearance. Times are integer ms, end exclusive.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from core.contracts import Diarization, Voice, VoiceTurn
from ingest.diarization.audio import SAMPLE_RATE, read_wav
from ingest.diarization.clustering import centroids, cluster
from ingest.diarization.encoder import encoder_weights
from ingest.diarization.turns import pieces
from ingest.diarization.vad import speech_regions
from ingest.diarization.windows import DEFAULT_HOP, embed_windows, plan_windows

MODEL_NAME = "resemblyzer-0.1.4"

__all__ = ["MODEL_NAME", "Diarization", "Voice", "VoiceTurn", "diarize", "embed_speech"]


# (window embeddings, window starts in samples, max speakers) -> labels
Clusterer = Callable[[np.ndarray, np.ndarray, int], np.ndarray]


def diarize(
    audio: Path, *, max_speakers: int = 20, progress: Callable[[float], None] | None = None
) -> Diarization:
    """Find who speaks when in a 16 kHz mono PCM WAV; progress gets 0..1."""
    return diarize_with(audio, max_speakers=max_speakers, progress=progress)


def diarize_with(
    audio: Path,
    *,
    max_speakers: int = 20,
    progress: Callable[[float], None] | None = None,
    hop: int = DEFAULT_HOP,
    clusterer: Clusterer = cluster,
) -> Diarization:
    """The engine with its window hop (samples) and clustering open, to measure alternatives."""
    encoder_weights()  # a missing or damaged model fails before minutes of VAD
    samples = read_wav(audio)
    report = progress or (lambda _fraction: None)
    regions = speech_regions(samples, lambda f: report(0.2 * f))
    windows = plan_windows(regions, hop)
    if not windows:
        report(1.0)
        return Diarization(MODEL_NAME, (), ())
    embeddings = embed_windows(samples, regions, windows, lambda f: report(0.2 + 0.7 * f))
    starts = np.array([w.start for w in windows], dtype=np.int64)
    labels = clusterer(embeddings, starts, max(1, max_speakers))
    found = pieces(regions, windows, labels)
    # Voices are numbered in the order they first hold the floor.
    order: dict[int, str] = {}
    for piece in found:
        order.setdefault(piece.label, str(len(order) + 1))
    turns = tuple(VoiceTurn(p.start_ms, p.end_ms, order[p.label]) for p in found)
    means = centroids(embeddings, labels)
    voices = tuple(
        Voice(
            label=name,
            embedding=tuple(float(v) for v in means[label]),
            speech_ms=sum(t.end_ms - t.start_ms for t in turns if t.voice == name),
        )
        for label, name in sorted(order.items(), key=lambda item: int(item[1]))
    )
    report(1.0)
    return Diarization(MODEL_NAME, turns, voices)


def embed_speech(audio: Path, spans: list[tuple[int, int]]) -> tuple[float, ...]:
    """Return the unit mean embedding of these (start_ms, end_ms) spans, for a voiceprint."""
    samples = read_wav(audio)
    regions = []
    for start_ms, end_ms in sorted(spans):
        start = max(0, start_ms * SAMPLE_RATE // 1000)
        end = min(len(samples), end_ms * SAMPLE_RATE // 1000)
        if end > start:
            regions.append((start, end))
    if not regions:
        raise ValueError("no speech in the given spans: nothing to embed")
    embeddings = embed_windows(samples, regions, plan_windows(regions))
    mean = embeddings.astype(np.float64).mean(axis=0)
    return tuple(float(v) for v in mean / max(float(np.linalg.norm(mean)), 1e-12))
