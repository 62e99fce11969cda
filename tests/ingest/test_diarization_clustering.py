"""Clustering details a user would see as one speaker shown as two, on controlled embeddings."""

from __future__ import annotations

import numpy as np

from ingest.diarization.clustering import SAME_VOICE_COSINE, merge_alike


def _voice(centre: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` unit embeddings scattered a little around `centre`."""
    points = centre[None, :] + 0.02 * rng.standard_normal((count, len(centre)))
    return points / np.linalg.norm(points, axis=1, keepdims=True)


def _pair(cosine: float, dims: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Two unit vectors at the given cosine."""
    first = np.zeros(dims)
    first[0] = 1.0
    second = np.zeros(dims)
    second[0], second[1] = cosine, np.sqrt(1 - cosine**2)
    return first, second


def test_one_voice_cut_in_two_clusters_is_joined_again() -> None:
    rng = np.random.default_rng(1)
    first, second = _pair(0.97)
    embeddings = np.vstack([_voice(first, 20, rng), _voice(second, 15, rng)])
    labels = np.array([0] * 20 + [1] * 15)
    assert set(merge_alike(embeddings, labels)) == {0}


def test_two_alike_but_different_voices_stay_two() -> None:
    rng = np.random.default_rng(2)
    first, second = _pair(0.85)
    embeddings = np.vstack([_voice(first, 20, rng), _voice(second, 15, rng)])
    labels = np.array([0] * 20 + [1] * 15)
    assert list(merge_alike(embeddings, labels)) == list(labels)


def test_the_threshold_is_the_edge() -> None:
    rng = np.random.default_rng(3)
    for cosine, joined in ((SAME_VOICE_COSINE + 0.02, True), (SAME_VOICE_COSINE - 0.02, False)):
        first, second = _pair(cosine)
        embeddings = np.vstack([_voice(first, 30, rng), _voice(second, 30, rng)])
        merged = merge_alike(embeddings, np.array([0] * 30 + [1] * 30))
        assert (len(set(merged)) == 1) is joined, cosine


def test_labels_come_back_without_gaps_in_order_of_first_appearance() -> None:
    rng = np.random.default_rng(4)
    a, a_again = _pair(0.98)
    b = np.zeros(64)
    b[5] = 1.0
    # Voice b first, then a, then a's second half (label 7), then b again.
    embeddings = np.vstack(
        [_voice(b, 5, rng), _voice(a, 5, rng), _voice(a_again, 5, rng), _voice(b, 5, rng)]
    )
    labels = np.array([3] * 5 + [9] * 5 + [7] * 5 + [3] * 5)
    assert list(merge_alike(embeddings, labels)) == [0] * 5 + [1] * 10 + [0] * 5
