"""What the ingest side leaves on disk: files others can read, no temporary file of a dead run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.settings import Settings
from ingest import media
from ingest.storage import create_partial, store_original, sweep_partials, write_text_atomic


@pytest.fixture
def umask_022():
    """Run the test under the usual umask 022, whatever the runner's is."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_media_and_exports_are_written_readable_by_the_group_and_others(
    settings: Settings, h264_video: Path, tmp_path: Path, umask_022
) -> None:
    original = store_original(settings, h264_video, "ab" * 32, "lecture.mp4")
    export = settings.home / "exports" / "seance" / "v1.vtt"
    write_text_atomic(export, "WEBVTT\n")
    probe = media.probe(h264_video)
    poster = media.make_poster(
        h264_video, original.parent / "poster.jpg", probe, media.find_ffmpeg()
    )
    # A portal and a worker running as different users both read these.
    assert [_mode(p) for p in (original, export, poster)] == [0o644, 0o644, 0o644]
    assert _mode(original.parent) == 0o755


def test_a_stricter_umask_is_respected(settings: Settings, tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        target = tmp_path / "out.txt"
        write_text_atomic(target, "x")
    finally:
        os.umask(previous)
    assert _mode(target) == 0o640


def test_temporary_files_of_a_dead_process_are_swept_and_live_ones_kept(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(dead.stdout)  # reaped by run(): this pid is gone
    fd, ours = create_partial(tmp_path, ".mp4")
    os.close(fd)
    theirs = tmp_path / ours.name.replace(f"-{os.getpid()}@", f"-{dead_pid}@", 1)
    theirs.write_bytes(b"half")
    kept_name = tmp_path / "playable.mp4"
    kept_name.write_bytes(b"done")
    assert sweep_partials(tmp_path) == [theirs]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([ours.name, "playable.mp4"])
