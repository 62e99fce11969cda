"""Resemblyzer's voice encoder run in numpy: a 3-layer LSTM, a linear layer, ReLU, L2 norm.

Windows are processed in batches so that a 3-hour recording needs no more
memory than a short one; within a batch every time step is one matrix product
over all windows.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ingest.diarization.weights import load_weights

HIDDEN = 256
LAYERS = 3
BATCH = 128


@dataclass(frozen=True)
class _Layer:
    w_ih_t: np.ndarray  # (inputs, 4H), gates reordered to i, f, o, g
    w_hh_t: np.ndarray  # (H, 4H)
    bias: np.ndarray  # (4H,)


@dataclass(frozen=True)
class EncoderWeights:
    """The network's parameters, laid out for fast numpy products."""

    layers: tuple[_Layer, ...]
    linear_t: np.ndarray  # (H, 256)
    linear_bias: np.ndarray  # (256,)


def _reorder(matrix: np.ndarray) -> np.ndarray:
    """Torch stores gates as i, f, g, o; put the three sigmoid gates first."""
    i, f, g, o = np.split(matrix, 4, axis=0)
    return np.concatenate([i, f, o, g], axis=0)


@functools.lru_cache(maxsize=1)
def encoder_weights() -> EncoderWeights:
    """Load the verified weights once per process and lay them out."""
    state = load_weights()
    layers = tuple(
        _Layer(
            w_ih_t=np.ascontiguousarray(_reorder(state[f"lstm.weight_ih_l{n}"]).T),
            w_hh_t=np.ascontiguousarray(_reorder(state[f"lstm.weight_hh_l{n}"]).T),
            bias=_reorder(state[f"lstm.bias_ih_l{n}"] + state[f"lstm.bias_hh_l{n}"]),
        )
        for n in range(LAYERS)
    )
    return EncoderWeights(
        layers=layers,
        linear_t=np.ascontiguousarray(state["linear.weight"].T),
        linear_bias=state["linear.bias"],
    )


def _sigmoid_inplace(x: np.ndarray) -> None:
    # 0.5 * (1 + tanh(x / 2)) never overflows, unlike 1 / (1 + exp(-x)).
    x *= 0.5
    np.tanh(x, out=x)
    x += 1.0
    x *= 0.5


def _run_batch(mels: np.ndarray, weights: EncoderWeights) -> np.ndarray:
    """Embed a (B, T, 40) batch; return (B, 256) L2-normalised embeddings."""
    batch, steps, _ = mels.shape
    sequence = np.ascontiguousarray(mels.transpose(1, 0, 2), dtype=np.float32)  # (T, B, F)
    hidden = np.zeros((batch, HIDDEN), dtype=np.float32)
    for index, layer in enumerate(weights.layers):
        inputs = sequence.reshape(steps * batch, -1) @ layer.w_ih_t
        inputs = inputs.reshape(steps, batch, 4 * HIDDEN)
        inputs += layer.bias
        last = index == LAYERS - 1
        outputs = None if last else np.empty((steps, batch, HIDDEN), dtype=np.float32)
        hidden = np.zeros((batch, HIDDEN), dtype=np.float32)
        cell = np.zeros((batch, HIDDEN), dtype=np.float32)
        for t in range(steps):
            gates = inputs[t]
            gates += hidden @ layer.w_hh_t
            _sigmoid_inplace(gates[:, : 3 * HIDDEN])
            np.tanh(gates[:, 3 * HIDDEN :], out=gates[:, 3 * HIDDEN :])
            cell *= gates[:, HIDDEN : 2 * HIDDEN]
            cell += gates[:, :HIDDEN] * gates[:, 3 * HIDDEN :]
            hidden = gates[:, 2 * HIDDEN : 3 * HIDDEN] * np.tanh(cell)
            if outputs is not None:
                outputs[t] = hidden
        if outputs is not None:
            sequence = outputs
    raw = np.maximum(hidden @ weights.linear_t + weights.linear_bias, 0.0)
    norms = np.linalg.norm(raw, axis=1, keepdims=True)
    return raw / np.maximum(norms, 1e-12)


def embed_partials(mels: np.ndarray, batch: int = BATCH) -> np.ndarray:
    """Embed (N, 160, 40) partial utterances; return (N, 256) float32 unit vectors."""
    weights = encoder_weights()
    out = np.empty((len(mels), weights.linear_t.shape[1]), dtype=np.float32)
    for first in range(0, len(mels), batch):
        out[first : first + batch] = _run_batch(mels[first : first + batch], weights)
    return out
