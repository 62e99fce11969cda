"""Resemblyzer's front end in numpy: a 40-band mel power spectrogram of 16 kHz audio.

It reproduces `librosa.feature.melspectrogram(y, sr=16000, n_fft=400,
hop_length=160, n_mels=40)` as Resemblyzer calls it: a periodic Hann window,
centre padding with zeros, power 2, Slaney mel scale and area normalisation.
The network was trained on these features, so they must match, not just resemble.
"""

from __future__ import annotations

import functools

import numpy as np

SAMPLE_RATE = 16_000
N_FFT = 400  # 25 ms
HOP = 160  # 10 ms
N_MELS = 40
PARTIAL_FRAMES = 160  # one partial utterance: 1.6 s of frames
TARGET_DBFS = -30.0  # Resemblyzer raises quieter audio to this level
_CHUNK_FRAMES = 4096  # bounds the complex STFT buffer to ~6 MB


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale: linear below 1 kHz, logarithmic above."""
    hz = np.asarray(hz, dtype=np.float64)
    f_sp = 200.0 / 3
    mels = hz / f_sp
    min_log_mel = 1000.0 / f_sp
    logstep = np.log(6.4) / 27.0
    log_part = min_log_mel + np.log(np.maximum(hz, 1e-10) / 1000.0) / logstep
    return np.where(hz >= 1000.0, log_part, mels)


def _mel_to_hz(mels: np.ndarray) -> np.ndarray:
    f_sp = 200.0 / 3
    min_log_mel = 1000.0 / f_sp
    logstep = np.log(6.4) / 27.0
    linear = f_sp * mels
    return np.where(mels >= min_log_mel, 1000.0 * np.exp(logstep * (mels - min_log_mel)), linear)


@functools.lru_cache(maxsize=1)
def mel_filters() -> np.ndarray:
    """Return the (40, 201) Slaney-normalised triangular filters librosa builds."""
    fft_freqs = np.fft.rfftfreq(N_FFT, d=1.0 / SAMPLE_RATE)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(0.0), _hz_to_mel(SAMPLE_RATE / 2), N_MELS + 2))
    widths = np.diff(edges)
    ramps = edges[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return weights.astype(np.float32)


@functools.lru_cache(maxsize=1)
def _window() -> np.ndarray:
    n = np.arange(N_FFT)
    return (0.5 - 0.5 * np.cos(2.0 * np.pi * n / N_FFT)).astype(np.float32)  # periodic Hann


def mel_spectrogram(samples: np.ndarray) -> np.ndarray:
    """Return the (frames, 40) float32 mel power spectrogram; frames = 1 + len // 160."""
    samples = np.asarray(samples, dtype=np.float32)
    padded = np.pad(samples, N_FFT // 2)
    n_frames = 1 + (len(padded) - N_FFT) // HOP
    out = np.empty((n_frames, N_MELS), dtype=np.float32)
    filters_t = mel_filters().T
    window = _window()
    for first in range(0, n_frames, _CHUNK_FRAMES):
        last = min(n_frames, first + _CHUNK_FRAMES)
        frames = np.lib.stride_tricks.sliding_window_view(
            padded[first * HOP : (last - 1) * HOP + N_FFT], N_FFT
        )[::HOP]
        spectrum = np.fft.rfft(frames * window, axis=1)
        power = spectrum.real**2 + spectrum.imag**2
        out[first:last] = power.astype(np.float32) @ filters_t
    return out
