"""Portal fixtures: a real archive (catalogue, media, transcript, index) built once per run."""

from __future__ import annotations

import pytest

from portal import create_app
from tests.portal.builders import BuiltArchive


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
