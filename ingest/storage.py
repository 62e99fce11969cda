"""Where files live in an archive home, and how they get there safely.

Originals are stored once per content hash (`media/ab/abcd…/original.ext`) and
never modified; every write goes through a temporary file and an atomic rename.

Temporary files are named `.partial-<pid>@<host>-…`: a process killed mid-write
(kill -9 leaves no chance to clean up) is recognised as gone by the next run or
worker, which deletes what it left (`sweep_partials`). They are created with the
process umask's mode (normally 0644), not mkstemp's 0600, so that a portal and a
worker running as different users can both read what the other wrote.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import tempfile
import time
import unicodedata
from pathlib import Path

from core.settings import Settings

PARTIAL_PREFIX = ".partial-"
# A temporary file of an older version carries no owner; one untouched this long is dead.
UNOWNED_PARTIAL_AGE_S = 24 * 3600
_OWNER = re.compile(r"^\.partial-(\d+)@([A-Za-z0-9.]*)-")


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
    fd, tmp = create_partial(folder, ".part")
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)  # copies bytes only: tmp keeps the mode create_partial gave
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def relative_to_home(settings: Settings, path: Path) -> str:
    """Return path relative to the archive home (stored in the catalogue).

    Taken on the path as written, not with symlinks resolved: `<home>/media`
    may be a link to a shared mount, and what is stored must stay under home.
    """
    try:
        return str(Path(os.path.abspath(path)).relative_to(settings.home))
    except ValueError:  # given through another spelling of the home (e.g. a resolved link)
        return str(Path(path).resolve().relative_to(settings.home.resolve()))


def write_json_atomic(path: Path, data) -> None:
    """Write JSON through a temporary file so readers never see half of it."""
    write_text_atomic(path, json.dumps(data, ensure_ascii=False))


def write_text_atomic(path: Path, text: str) -> None:
    """Write text through a temporary file and an atomic rename."""
    fd, tmp = create_partial(path.parent, f".{path.name}")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def create_partial(folder: Path, suffix: str = "") -> tuple[int, Path]:
    """Create an empty temporary file in folder, named after its owner, with the umask's mode.

    Returns the open descriptor and the path; the caller renames it into place or deletes it.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    prefix = f"{PARTIAL_PREFIX}{os.getpid()}@{_host()}-"
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)
    try:
        os.fchmod(fd, 0o666 & ~process_umask())  # mkstemp makes 0600 whatever the umask
    except BaseException:
        os.close(fd)
        Path(name).unlink(missing_ok=True)
        raise
    return fd, Path(name)


def sweep_partials(folder: Path) -> list[Path]:
    """Delete the temporary files in folder whose writer is gone; return what was deleted.

    A file of a live process (this one included) or of another host is left alone:
    only this host can tell that one of its processes has died.
    """
    removed = []
    try:
        candidates = [p for p in Path(folder).iterdir() if p.name.startswith(PARTIAL_PREFIX)]
    except (FileNotFoundError, NotADirectoryError):
        return removed
    for path in candidates:
        if _owner_alive(path):
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            continue  # its owner renamed or deleted it meanwhile
        removed.append(path)
    return removed


def sweep_home_partials(settings: Settings) -> list[Path]:
    """Delete the dead writers' temporary files of a whole archive home (at worker start)."""
    folders = [
        *settings.media_dir.glob("*/*"),
        *settings.work_dir.glob("job-*"),
        *(settings.home / "exports").glob("*"),
    ]
    return [path for folder in folders for path in sweep_partials(folder)]


def process_umask() -> int:
    """Return the process umask without changing it (other threads may be creating files)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    # No /proc (macOS, old kernels): the only portable read sets it, so set it straight back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def process_alive(pid: int) -> bool:
    """Say whether a process of this host runs with pid (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return True  # no /proc: kill(0) is all we know


def _owner_alive(path: Path) -> bool:
    match = _OWNER.match(path.name)
    if match is None:  # written by an older version, which named no owner
        try:
            return time.time() - path.stat().st_mtime < UNOWNED_PARTIAL_AGE_S
        except FileNotFoundError:
            return True  # already gone: nothing to do
    pid, host = int(match.group(1)), match.group(2)
    return host != _host() or process_alive(pid)


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9.]", "", socket.gethostname())[:64]
