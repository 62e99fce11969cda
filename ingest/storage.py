"""Where files live in an archive home, and how they get there safely.

Originals are stored once per content hash (`media/ab/abcd…/original.ext`) and
never modified; every write goes through a temporary file and an atomic rename.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path

from core.settings import Settings


def recording_dir(settings: Settings, sha256: str) -> Path:
    """Return the folder holding an original and its derivatives."""
    return settings.media_dir / sha256[:2] / sha256


def safe_name(name: str) -> str:
    """Return the last path component of a user-supplied name, without control characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return base.lstrip(".") or "recording"


def store_original(
    settings: Settings, src: Path, sha256: str, original_name: str, move: bool = False
) -> Path:
    """Put src into the media store (once per hash) and return its path.

    With move=True (a finished upload the archive owns) the file is renamed into
    place rather than copied, so a 4 GB recording is not written twice.
    """
    folder = recording_dir(settings, sha256)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(safe_name(original_name)).suffix.lower()[:10]
    target = folder / f"original{suffix}"
    if target.exists() and target.stat().st_size == src.stat().st_size:
        return target
    if move:
        try:
            os.replace(src, target)
            return target
        except OSError:
            pass  # another file system: fall back to a copy
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".original-", suffix=".part")
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def relative_to_home(settings: Settings, path: Path) -> str:
    """Return path relative to the archive home (stored in the catalogue)."""
    return str(Path(path).resolve().relative_to(settings.home))


def write_json_atomic(path: Path, data) -> None:
    """Write JSON through a temporary file so readers never see half of it."""
    write_text_atomic(path, json.dumps(data, ensure_ascii=False))


def write_text_atomic(path: Path, text: str) -> None:
    """Write text through a temporary file and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
