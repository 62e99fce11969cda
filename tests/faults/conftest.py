"""Fixtures of the fault suite: small generated recordings, made once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import media_factory


@pytest.fixture(scope="session")
def camera_avi(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2 s MPEG-4/MP3 AVI: every ffmpeg step (audio, playable copy, poster) has work to do."""
    folder = tmp_path_factory.mktemp("fault-media")
    return media_factory.tone_video(folder / "caméra.avi", seconds=2, codec="mpeg4", size="160x120")
