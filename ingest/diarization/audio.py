"""Read the work folder's 16 kHz mono 16-bit PCM WAV without loading it whole.

The samples are memory-mapped, so a 3-hour recording costs no resident memory
until a region of it is read.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from ingest.errors import MediaError

SAMPLE_RATE = 16_000
_PCM = 1
_EXTENSIBLE = 0xFFFE


def read_wav(path: Path) -> np.ndarray:
    """Return the int16 samples of `path` as a read-only memory map."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            header = handle.read(12)
            if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
                raise MediaError(f"{path.name} is not a WAV file")
            fmt = None
            while True:
                chunk = handle.read(8)
                if len(chunk) < 8:
                    raise MediaError(f"{path.name} has no audio data chunk")
                name, length = chunk[:4], struct.unpack("<I", chunk[4:])[0]
                if name == b"fmt ":
                    fmt = struct.unpack("<HHIIHH", handle.read(16))
                    handle.seek(length - 16 + (length & 1), 1)
                elif name == b"data":
                    offset = handle.tell()
                    break
                else:
                    handle.seek(length + (length & 1), 1)
    except OSError as error:
        raise MediaError(f"cannot read {path}: {error}") from error
    if fmt is None:
        raise MediaError(f"{path.name} has no format chunk")
    audio_format, channels, rate, _, _, bits = fmt
    if (
        audio_format not in (_PCM, _EXTENSIBLE)
        or channels != 1
        or rate != SAMPLE_RATE
        or bits != 16
    ):
        raise MediaError(
            f"{path.name} is {channels}-channel {bits}-bit at {rate} Hz; finding voices and "
            "aligning words need the 16 kHz mono 16-bit PCM WAV that the audio step writes"
        )
    # ffmpeg writing to a pipe leaves the data length unset: trust the file's size instead.
    count = min(length, size - offset) // 2
    if count <= 0:
        return np.zeros(0, dtype="<i2")
    return np.memmap(path, dtype="<i2", mode="r", offset=offset, shape=(count,))


def to_float(samples: np.ndarray) -> np.ndarray:
    """Scale int16 samples to float32 in [-1, 1)."""
    return np.asarray(samples, dtype=np.float32) / np.float32(32768)
