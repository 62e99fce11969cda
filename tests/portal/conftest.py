"""Portal fixtures: a real archive (catalogue, media, transcript, index) built once per run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from portal import create_app
from tests.portal.builders import BuiltArchive, build_archive


@pytest.fixture(scope="session")
def built_archive(tmp_path_factory: pytest.TempPathFactory) -> BuiltArchive:
    """An archive shared by read-only tests."""
    return build_archive(tmp_path_factory.mktemp("archive-home"))


@pytest.fixture
def fresh_archive(tmp_path: Path, built_archive: BuiltArchive) -> BuiltArchive:
    """A private copy of the archive for tests that change it."""
    home = tmp_path / "home"
    shutil.copytree(built_archive.settings.home, home)
    from core.settings import load_settings

    settings = load_settings(test_config={"ARCHIVE_HOME": str(home)})
    media = settings.home / built_archive.media_path.relative_to(built_archive.settings.home)
    return BuiltArchive(
        settings=settings, slug=built_archive.slug, media_path=media, sha256=built_archive.sha256
    )


@pytest.fixture
def app(built_archive: BuiltArchive):
    """The portal on the shared archive."""
    app = create_app(
        {"ARCHIVE_HOME": str(built_archive.settings.home), "TESTING": True, "SECRET_KEY": "test"}
    )
    yield app
    app.extensions["archive"].catalogue.dispose()


@pytest.fixture
def client(app):
    """A test client; French interface unless a test asks otherwise."""
    return app.test_client()
