"""Voices found by diarization: how they are named when nobody is, and how embeddings are kept.

Embeddings are stored as little-endian float32 bytes, L2-normalised, so a
cosine score is a dot product. They are biometric data: nothing here formats
them for display, and no public route reads them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# What an unnamed voice is called in exports and captions, by transcript language.
_UNNAMED = {"fr": "Intervenant {n}", "en": "Speaker {n}"}


def voice_name(label: str, language: str) -> str:
    """Return "Intervenant 2" (fr) or "Speaker 2" (other languages) for voice label "2"."""
    return _UNNAMED.get(language, _UNNAMED["en"]).format(n=label)


def pack_embedding(vector: Sequence[float] | np.ndarray) -> bytes:
    """Store an embedding: L2-normalised float32, little-endian."""
    array = np.asarray(vector, dtype="<f4").ravel()
    norm = float(np.linalg.norm(array))
    return (array / norm if norm > 0 else array).astype("<f4").tobytes()


def unpack_embedding(data: bytes) -> np.ndarray:
    """Read an embedding stored by pack_embedding."""
    return np.frombuffer(data, dtype="<f4").astype(np.float32)


def mean_embedding(vectors: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    """Return the weighted mean of normalised embeddings, normalised again (a voiceprint)."""
    stacked = np.vstack([np.asarray(v, dtype=np.float32) for v in vectors])
    mean = np.average(stacked, axis=0, weights=np.asarray(weights, dtype=np.float64))
    norm = float(np.linalg.norm(mean))
    return (mean / norm if norm > 0 else mean).astype(np.float32)
