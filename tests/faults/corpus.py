"""The hostile-file corpus: what an archivist or a browser may hand the archive by mistake.

Each entry is a file (or something that is not one) and the words the refusal
must contain. Plain functions, so `benchmarks/faults.py` builds the same corpus.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.support import media_factory

_NON_UTF8_NAME = b"s\xe9ance-latin1.mp4"  # a name copied from an old Windows share


def huge_dimensions(folder: Path) -> Path:
    """Write an AVI whose header declares a 60000×60000 picture (its frames are 160×120)."""
    small = folder / ".small-ffv1.avi"
    media_factory._run(  # the factory's own runner: same ffmpeg, same flags
        media_factory.ffmpeg.output(
            media_factory.ffmpeg.input("testsrc=size=160x120:rate=5", f="lavfi", t=1),
            media_factory.ffmpeg.input("sine=sample_rate=16000", f="lavfi", t=1),
            str(small),
            vcodec="ffv1",
            acodec="pcm_s16le",
        )
    )
    data = small.read_bytes()
    small.unlink()
    declared = (160).to_bytes(4, "little") + (120).to_bytes(4, "little")
    huge = (60_000).to_bytes(4, "little") * 2
    dest = folder / "énorme.avi"
    dest.write_bytes(data.replace(declared, huge))
    return dest


def file_corpus(folder: Path, valid_mp4: Path) -> dict[str, tuple[Path, str]]:
    """Return hostile files that are files: case -> (path, words of the refusal)."""
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "empty file": (media_factory.empty_file(folder / "vide.mp4"), "is empty (0 bytes)"),
        "truncated mp4": (
            media_factory.truncated_mp4(valid_mp4, folder / "coupé.mp4"),
            "incomplete MP4",
        ),
        "text renamed .mp4": (
            media_factory.text_as_mp4(folder / "compte-rendu.mp4"),
            "is a text file",
        ),
        "huge declared dimensions": (huge_dimensions(folder), "picture size"),
        "zero duration": (
            media_factory.zero_duration_audio(folder / "muet.wav"),
            "lasts 0 seconds",
        ),
        "video without audio": (
            media_factory.video_without_audio(folder / "sans-son.mp4", seconds=1),
            "has no audio track",
        ),
    }


def path_corpus(folder: Path) -> dict[str, tuple[Path, str]]:
    """Return what only a command line can be given: not regular files, odd names."""
    folder.mkdir(parents=True, exist_ok=True)
    fifo = folder / "tube.mp4"
    os.mkfifo(fifo)
    directory = folder / "dossier.mp4"
    directory.mkdir()
    loop = folder / "boucle.mp4"
    loop.symlink_to(folder / "boucle-2.mp4")
    (folder / "boucle-2.mp4").symlink_to(loop)
    odd = Path(os.fsdecode(bytes(folder) + b"/" + _NON_UTF8_NAME))
    media_factory.text_as_mp4(odd)
    return {
        "FIFO": (fifo, "is a FIFO (named pipe), not a regular file"),
        "directory": (directory, "is a directory"),
        "symlink loop": (loop, "loops back on itself"),
        "non-UTF-8 name": (odd, "is a text file"),
    }
