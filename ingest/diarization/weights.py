"""Find, verify and read Resemblyzer's voice-encoder weights without torch.

The weights ship inside the pinned `Resemblyzer==0.1.4` wheel (installed with
`--no-deps`, since its requirements pull torch). The file is a torch state dict
in torch's legacy serialisation: a few pickles followed by the raw storages. A
restricted unpickler reads it into numpy arrays; any other global is refused,
so a tampered file cannot run code even before the sha256 check would catch it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import io
import pickle
import struct
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from ingest.errors import ModelError

DISTRIBUTION = "Resemblyzer"
RESOURCE = "resemblyzer/pretrained.pt"
REQUIREMENT = "pip install --no-deps resemblyzer==0.1.4"
SHA256 = "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e"
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL = 1001
_DTYPES = {
    "FloatStorage": np.dtype("<f4"),
    "DoubleStorage": np.dtype("<f8"),
    "HalfStorage": np.dtype("<f2"),
    "LongStorage": np.dtype("<i8"),
    "IntStorage": np.dtype("<i4"),
}
_CHUNK_BYTES = 8 * 1024 * 1024


def weights_path() -> Path:
    """Return the installed pretrained.pt, or say which pip command installs it."""
    try:
        distribution = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise ModelError(
            f"the speaker-embedding weights are not installed; run `{REQUIREMENT}`"
        ) from None
    path = Path(str(distribution.locate_file(RESOURCE)))
    if not path.is_file():
        raise ModelError(
            f"{RESOURCE} is missing from the installed Resemblyzer; "
            f"run `{REQUIREMENT} --force-reinstall`"
        )
    return path


@functools.lru_cache(maxsize=2)
def load_weights(path: Path | None = None) -> dict[str, np.ndarray]:
    """Verify `path` (default: the installed weights) and read its tensors, once per process."""
    path = weights_path() if path is None else Path(path)
    data = path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != SHA256:
        raise ModelError(
            f"speaker-embedding weights {path} are corrupt: expected sha256 {SHA256}, "
            f"got {actual}; reinstall with `{REQUIREMENT} --force-reinstall`"
        )
    state = read_torch_legacy(io.BytesIO(data))
    model_state = state.get("model_state") if isinstance(state, dict) else None
    if not isinstance(model_state, dict):
        raise ModelError(f"{path} holds no 'model_state' dictionary")
    return {name: value for name, value in model_state.items() if isinstance(value, np.ndarray)}


@dataclass
class _Storage:
    """A storage named by the pickle; its bytes follow the pickles in the file."""

    dtype: np.dtype
    key: str
    numel: int
    array: np.ndarray | None = None


@dataclass
class _TensorRef:
    storage: _Storage
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]

    def materialise(self) -> np.ndarray:
        assert self.storage.array is not None
        if not self.shape:
            return self.storage.array[self.offset].copy()
        itemsize = self.storage.dtype.itemsize
        span = 1 + sum((n - 1) * s for n, s in zip(self.shape, self.stride, strict=True))
        if self.offset + span > self.storage.array.size:
            raise ModelError("a tensor in the weights file reaches past its storage")
        view = np.lib.stride_tricks.as_strided(
            self.storage.array[self.offset :],
            shape=self.shape,
            strides=tuple(s * itemsize for s in self.stride),
        )
        return np.array(view, copy=True)


def _rebuild_tensor_v2(
    storage: _Storage,
    offset: int,
    shape: tuple[int, ...],
    stride: tuple[int, ...],
    *_unused: Any,
) -> _TensorRef:
    return _TensorRef(storage, int(offset), tuple(shape), tuple(stride))


class _StorageType:
    def __init__(self, name: str) -> None:
        self.dtype = _DTYPES[name]


class _RestrictedUnpickler(pickle.Unpickler):
    """Allow only what a plain state dict needs: OrderedDict, tensors and storages."""

    def __init__(self, file: BinaryIO, storages: dict[str, _Storage]) -> None:
        super().__init__(file)
        self.storages = storages

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor_v2
        if module == "torch" and name in _DTYPES:
            return _StorageType(name)
        raise ModelError(f"the weights file refers to {module}.{name}, which is not allowed")

    def persistent_load(self, pid: Any) -> _Storage:
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise ModelError(f"unexpected persistent id in the weights file: {pid!r}")
        storage_type, key, _location, numel = pid[1:5]
        if not isinstance(storage_type, _StorageType) or (len(pid) > 5 and pid[5] is not None):
            raise ModelError("the weights file uses a storage form this reader does not know")
        key = str(key)
        if key not in self.storages:
            self.storages[key] = _Storage(storage_type.dtype, key, int(numel))
        return self.storages[key]


def read_torch_legacy(handle: BinaryIO) -> Any:
    """Read a torch legacy-format file (torch.save before 1.6) into numpy arrays."""
    if zipfile.is_zipfile(handle):
        raise ModelError("the weights file is a torch zip archive; expected the legacy format")
    handle.seek(0)
    storages: dict[str, _Storage] = {}
    try:
        magic = _RestrictedUnpickler(handle, storages).load()
        protocol = _RestrictedUnpickler(handle, storages).load()
        if magic != _LEGACY_MAGIC or protocol != _LEGACY_PROTOCOL:
            raise ModelError("the weights file is not a torch legacy-format file")
        sys_info = _RestrictedUnpickler(handle, storages).load()
        if not (isinstance(sys_info, dict) and sys_info.get("little_endian")):
            raise ModelError("the weights file was not written on a little-endian machine")
        result = _RestrictedUnpickler(handle, storages).load()
        keys = _RestrictedUnpickler(handle, storages).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as error:
        raise ModelError(f"the weights file cannot be read: {error}") from error
    for key in keys:
        storage = storages[str(key)]
        (numel,) = struct.unpack("<q", handle.read(8))
        raw = handle.read(numel * storage.dtype.itemsize)
        if numel != storage.numel or len(raw) != numel * storage.dtype.itemsize:
            raise ModelError("the weights file is truncated")
        storage.array = np.frombuffer(raw, dtype=storage.dtype)
    return _materialise(result)


def _materialise(value: Any) -> Any:
    if isinstance(value, _TensorRef):
        return value.materialise()
    if isinstance(value, dict):
        return {k: _materialise(v) for k, v in value.items()}
    return value
