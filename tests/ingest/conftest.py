"""Media fixtures for the ingest tests: generated once per session, read-only by convention."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import media_factory


@pytest.fixture(scope="session")
def ffmpeg_bin() -> str:
    """The ffmpeg binary, resolved like the application resolves it."""
    return media_factory.ffmpeg_bin()


@pytest.fixture(scope="session")
def generated_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A session folder for generated recordings that tests must not modify."""
    return tmp_path_factory.mktemp("generated-media")


@pytest.fixture(scope="session")
def h264_video(generated_media: Path) -> Path:
    """A 2 s H.264/AAC MP4: browser-playable as is."""
    return media_factory.tone_video(generated_media / "lecture.mp4", seconds=2, codec="h264")


@pytest.fixture(scope="session")
def mpeg4_avi(generated_media: Path) -> Path:
    """A 2 s MPEG-4 Part 2/MP3 AVI: an old camera's file that browsers cannot play."""
    return media_factory.tone_video(generated_media / "camera.avi", seconds=2, codec="mpeg4")
