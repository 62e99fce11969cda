"""Where the index lives on disk: generations, the "current" pointer and the write lock.

Layout of `index_dir`:
    CURRENT       name of the generation being served (replaced atomically)
    write.lock    held (flock) by the one process allowed to write
    gen-000001/   a complete Whoosh index
A rebuild fills a new generation and only then switches CURRENT, so a crash
halfway leaves the previous generation serving. The generation that was
replaced is kept until the next switch, for readers that still have it open.

A served generation is never written again: an incremental commit forks the
current one (hard links, no copying) and commits into the fork. So a folder
named by CURRENT is complete and immutable, which is what lets the index be
replicated to web hosts (`rsync` the generations, then CURRENT) or read over a
read-only mount without any locking across machines (docs/deploy.md).
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import Index

from index.errors import IndexBusyError, SearchIndexError
from index.schema import build_schema

POINTER = "CURRENT"
LOCK_FILE = "write.lock"
_GEN_RE = re.compile(r"^gen-(\d{6})$")


def current_generation(index_dir: Path) -> Path | None:
    """Return the folder of the generation being served, or None if there is none."""
    try:
        name = (Path(index_dir) / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    if not _GEN_RE.match(name):
        raise SearchIndexError(f"{index_dir}/{POINTER} is corrupt ({name!r}); run a reindex")
    return Path(index_dir) / name


def open_current(index_dir: Path) -> Index | None:
    """Open the served index, or return None when nothing was ever indexed."""
    for _ in range(3):
        gen = current_generation(index_dir)
        if gen is None:
            return None
        try:
            return whoosh_index.open_dir(str(gen))
        except (FileNotFoundError, whoosh_index.EmptyIndexError):
            # A rebuild switched generations between reading CURRENT and opening.
            time.sleep(0.05)
        except Exception as exc:  # a damaged TOC or schema: Whoosh raises many kinds
            raise SearchIndexError(
                f"the search index in {gen} cannot be opened ({exc}); run a reindex"
            ) from exc
    raise SearchIndexError(f"cannot open the search index in {index_dir}; run a reindex")


def new_generation(index_dir: Path) -> tuple[Path, Index]:
    """Create an empty index in a fresh generation folder (not served yet)."""
    gen = _next_generation_path(Path(index_dir))
    gen.mkdir()
    return gen, whoosh_index.create_in(str(gen), build_schema())


def _next_generation_path(index_dir: Path) -> Path:
    index_dir.mkdir(parents=True, exist_ok=True)
    numbers = [int(m.group(1)) for p in index_dir.iterdir() if (m := _GEN_RE.match(p.name))]
    return index_dir / f"gen-{max(numbers, default=0) + 1:06d}"


def fork_generation(index_dir: Path) -> tuple[Path, Index]:
    """Return a new unserved generation holding the current index (hard links), opened.

    Whoosh never rewrites a file it wrote (segments are immutable, each commit
    writes a new TOC), so the fork can share every file with the generation
    being served; a commit into the fork leaves the served folder untouched.
    """
    index_dir = Path(index_dir)
    current = current_generation(index_dir)
    if current is None:
        return new_generation(index_dir)
    gen = _next_generation_path(index_dir)
    gen.mkdir()
    try:
        for path in current.iterdir():
            # Whoosh's own lock and half-written TOCs belong to no commit.
            if path.is_file() and not path.name.endswith("_WRITELOCK") and ".toc." not in path.name:
                os.link(path, gen / path.name)
        return gen, whoosh_index.open_dir(str(gen))
    except BaseException:
        shutil.rmtree(gen, ignore_errors=True)
        raise


def switch_to(index_dir: Path, gen: Path) -> None:
    """Serve `gen` from now on; drop generations older than the one it replaces."""
    index_dir = Path(index_dir)
    previous = current_generation(index_dir)
    tmp = index_dir / f"{POINTER}.tmp"
    tmp.write_text(gen.name, encoding="utf-8")
    os.replace(tmp, index_dir / POINTER)  # atomic: readers see the old or the new name
    keep = {gen.name, previous.name if previous else None}
    remove_generations(index_dir, keep)


def remove_leftovers(index_dir: Path) -> None:
    """Delete generations newer than the served one: a commit or rebuild that crashed."""
    current = current_generation(index_dir)
    served = int(_GEN_RE.match(current.name).group(1)) if current else 0
    numbered = [(p.name, m) for p in Path(index_dir).iterdir() if (m := _GEN_RE.match(p.name))]
    remove_generations(index_dir, {name for name, m in numbered if int(m.group(1)) <= served})


def remove_generations(index_dir: Path, keep: set[str | None]) -> None:
    """Delete generation folders not named in `keep` (e.g. left by a crashed rebuild)."""
    for path in Path(index_dir).iterdir():
        if _GEN_RE.match(path.name) and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)


@contextmanager
def write_lock(index_dir: Path, timeout_s: float = 30.0) -> Iterator[None]:
    """Hold the index's write lock, waiting at most `timeout_s` for another writer."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    # flock is released by the kernel if the holder dies, so a crash never
    # leaves a stale lock behind.
    with open(index_dir / LOCK_FILE, "a+b") as handle:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusyError(
                        f"another process is writing the search index in {index_dir} "
                        f"(waited {timeout_s:g} s); try again when it has finished"
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
