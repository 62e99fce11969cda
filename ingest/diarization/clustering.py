"""Spectral clustering of window embeddings with an automatic number of speakers.

As 3D-Speaker does: cosine affinity, each row pruned to its strongest entries,
symmetrised; the normalised Laplacian's eigengap gives the number of speakers
and k-means on its first eigenvectors the labels. No fixed cosine threshold
decides the count (one measured 2 to 17 speakers on the same 10-speaker file).
The affinity is sharpened (cosine to the 4th power) and the count is the median
of the counts found with 2/3, 1 and 4/3 times the neighbours kept, because one
count alone flips with a single neighbour more or less (README, Measured).
Last, as 3D-Speaker does (`mer_cos`), clusters whose mean embeddings are more
alike than two halves of one voice's speech usually are become one: the graph
cuts a long turn of one voice in two when its two halves hold different words.
"""

from __future__ import annotations

import numpy as np

P_KEEP = 0.022  # share of each row's affinities kept (3D-Speaker's pval)
MIN_KEPT = 6  # ...but never fewer than this many neighbours
COUNT_SCALES = (2 / 3, 1.0, 4 / 3)  # the count: median over the neighbours kept times these
SMALLEST_VOICE = 6  # keep at most 1/6 of the windows as neighbours: a voice that holds
# fewer windows than the neighbours kept is tied to other voices and never counted
SHARPEN = 4  # affinity = cosine ** SHARPEN: the strongest neighbours weigh most
ONE_VOICE_FIEDLER = 0.1  # see speaker_count
MIN_POINTS = 6  # fewer windows than this (under 4 s of speech) are one voice
MAX_POINTS = 2_000  # larger sets: cluster an even subset, then assign the rest
SAME_SOUND_SAMPLES = 12_000  # windows starting under 0.75 s apart share over half their audio
SAME_VOICE_COSINE = 0.91  # centroids this alike are one voice (see merge_alike)
SEED = 0
_RESTARTS = 10


def cluster(embeddings: np.ndarray, starts: np.ndarray, max_speakers: int = 20) -> np.ndarray:
    """Label each window (unit embedding, start in samples) with a speaker number 0..k-1."""
    count = len(embeddings)
    if count < MIN_POINTS or max_speakers < 2:
        return np.zeros(count, dtype=np.int64)
    if count <= MAX_POINTS:
        return merge_alike(embeddings, _spectral(embeddings, starts, max_speakers))
    subset = np.linspace(0, count - 1, MAX_POINTS).round().astype(np.int64)
    labels = _spectral(embeddings[subset], starts[subset], max_speakers)
    return merge_alike(
        embeddings, assign_to_centroids(embeddings, centroids(embeddings[subset], labels))
    )


def merge_alike(
    embeddings: np.ndarray, labels: np.ndarray, threshold: float = SAME_VOICE_COSINE
) -> np.ndarray:
    """Join the two most alike clusters while their centroids' cosine reaches `threshold`.

    The eigengap still decides how many voices there are; this only undoes a split
    of one voice. Two halves of one FLEURS clip measure 0.78 to 0.95 (mean 0.87)
    and the closest two clips not suspected to be one speaker 0.85, so 0.91 joins
    only what is more alike than one voice usually is with itself (README, Measured).
    Labels come back numbered 0..k-1 in order of first appearance.
    """
    labels = np.asarray(labels, dtype=np.int64).copy()
    points = embeddings.astype(np.float64)
    while labels.max(initial=0) > 0:
        # A label emptied by a join has a zero centroid: cosine 0, never joined again.
        means = centroids(points, labels)
        similarity = means @ means.T
        np.fill_diagonal(similarity, -1.0)
        first, second = divmod(int(np.argmax(similarity)), len(similarity))
        if similarity[first, second] < threshold:
            break
        labels[labels == max(first, second)] = min(first, second)
    return _renumber(labels)


def _renumber(labels: np.ndarray) -> np.ndarray:
    """Number labels 0..k-1 in order of first appearance, leaving no gaps."""
    _, first_index, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.argsort(np.argsort(first_index))
    return rank[inverse].astype(np.int64)


def centroids(embeddings: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Return the unit mean embedding of each label 0..max(labels)."""
    k = int(labels.max()) + 1 if len(labels) else 0
    sums = np.zeros((k, embeddings.shape[1]), dtype=np.float64)
    np.add.at(sums, labels, embeddings)
    return sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)


def assign_to_centroids(embeddings: np.ndarray, means: np.ndarray) -> np.ndarray:
    """Label each embedding with its most similar centroid."""
    return np.argmax(embeddings @ means.T, axis=1).astype(np.int64)


def affinity(embeddings: np.ndarray, starts: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Sharpened cosine affinity, each row pruned to its strongest neighbours, symmetrised.

    Windows that share more than half their audio are alike because they hear the
    same sound, not because the same voice speaks: they are not counted as
    neighbours. Otherwise each turn forms a chain of its own and one voice with
    several turns looks like several voices.
    """
    similarity = np.clip(embeddings @ embeddings.T, 0.0, None).astype(np.float64) ** SHARPEN
    starts = np.asarray(starts, dtype=np.int64)
    similarity[np.abs(starts[:, None] - starts[None, :]) < SAME_SOUND_SAMPLES] = 0.0
    return _prune(similarity, scale)


def _prune(similarity: np.ndarray, scale: float) -> np.ndarray:
    """Keep each row's strongest neighbours (times `scale`; see SMALLEST_VOICE), symmetrised."""
    count = len(similarity)
    keep = int(round(max(MIN_KEPT, int(np.ceil(P_KEEP * count))) * scale))
    keep = min(keep, max(2, count // SMALLEST_VOICE))
    if keep < count:
        weakest = np.argpartition(similarity, count - keep, axis=1)[:, : count - keep]
        np.put_along_axis(similarity, weakest, 0.0, axis=1)
    return 0.5 * (similarity + similarity.T)


def speaker_count(eigenvalues: np.ndarray, max_speakers: int) -> int:
    """One voice when the graph has no sparse cut, else the eigengap's count (2 or more).

    The second eigenvalue of the normalised Laplacian bounds how well the neighbour
    graph can be cut in two (Cheeger): with one voice it stays well above zero (0.19 to
    0.42 measured), with two or more it is near zero (at most 0.01). Otherwise the
    count is the number of near-zero eigenvalues before the largest jump.
    """
    if len(eigenvalues) < 3 or eigenvalues[1] >= ONE_VOICE_FIEDLER:
        return 1
    head = eigenvalues[: max_speakers + 1]
    return int(np.argmax(np.diff(head)[1:])) + 2


def _laplacian(graph: np.ndarray) -> np.ndarray:
    scale = 1.0 / np.sqrt(np.maximum(graph.sum(axis=1), 1e-12))
    return np.eye(len(graph)) - scale[:, None] * graph * scale[None, :]


def _spectral(embeddings: np.ndarray, starts: np.ndarray, max_speakers: int) -> np.ndarray:
    graph = affinity(embeddings, starts)
    eigenvalues, eigenvectors = np.linalg.eigh(_laplacian(graph))
    counts = []
    for scale in COUNT_SCALES:
        if scale == 1.0:
            counts.append(speaker_count(eigenvalues, max_speakers))
        else:
            other = np.linalg.eigvalsh(_laplacian(affinity(embeddings, starts, scale)))
            counts.append(speaker_count(other, max_speakers))
    k = min(int(np.median(counts)), max_speakers, len(graph))
    if k == 1:
        return np.zeros(len(graph), dtype=np.int64)
    spectral = eigenvectors[:, :k]
    spectral = spectral / np.maximum(np.linalg.norm(spectral, axis=1, keepdims=True), 1e-12)
    return kmeans(spectral, k)


def kmeans(points: np.ndarray, k: int, iterations: int = 100) -> np.ndarray:
    """Seeded k-means++ with restarts; the labelling with the least inertia wins."""
    rng = np.random.default_rng(SEED)
    best, best_inertia = np.zeros(len(points), dtype=np.int64), np.inf
    for _ in range(_RESTARTS):
        centres = _kmeans_plus_plus(points, k, rng)
        labels = np.zeros(len(points), dtype=np.int64)
        for step in range(iterations):
            distances = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
            new_labels = np.argmin(distances, axis=1)
            if step > 0 and np.array_equal(new_labels, labels):
                break
            labels = new_labels
            for j in range(k):
                members = points[labels == j]
                if len(members):
                    centres[j] = members.mean(axis=0)
        inertia = float(((points - centres[labels]) ** 2).sum())
        if inertia < best_inertia:
            best, best_inertia = labels, inertia
    return best


def _kmeans_plus_plus(points: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    centres = [points[rng.integers(len(points))]]
    for _ in range(1, k):
        distances = np.min(
            ((points[:, None, :] - np.array(centres)[None, :, :]) ** 2).sum(axis=2), axis=1
        )
        total = distances.sum()
        if total <= 0:
            centres.append(points[rng.integers(len(points))])
        else:
            centres.append(points[rng.choice(len(points), p=distances / total)])
    return np.array(centres, dtype=np.float64)
