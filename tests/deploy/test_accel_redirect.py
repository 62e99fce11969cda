"""Media behind nginx: with `accel_redirect`, the portal checks and nginx sends the bytes."""

from __future__ import annotations

import pytest

from portal import create_app
from tests.portal.builders import BuiltArchive


@pytest.fixture
def accel_client(built_archive: BuiltArchive):
    app = create_app(
        {
            "ARCHIVE_HOME": str(built_archive.settings.home),
            "ARCHIVE_ACCEL_REDIRECT": "/_media/",
            "SECRET_KEY": "k",
        }
    )
    yield app.test_client()
    app.extensions["archive"].catalogue.dispose()


def test_media_answer_names_the_file_for_nginx_and_carries_no_bytes(accel_client, built_archive):
    relative = built_archive.media_path.resolve().relative_to(
        built_archive.settings.media_dir.resolve()
    )
    for headers in ({}, {"Range": "bytes=100-199"}):  # nginx answers the range itself
        response = accel_client.get(f"/media/{built_archive.sha256}/play.mp4", headers=headers)
        assert response.status_code == 200
        assert response.headers["X-Accel-Redirect"] == f"/_media/{relative.as_posix()}"
        assert response.data == b""
        assert response.content_type == "video/mp4"  # nginx keeps the portal's type
        assert "immutable" in response.headers["Cache-Control"]


def test_without_the_setting_the_portal_sends_the_bytes(client, built_archive):
    response = client.get(f"/media/{built_archive.sha256}/play.mp4")
    assert "X-Accel-Redirect" not in response.headers
    assert response.data == built_archive.media_path.read_bytes()


def test_permission_is_checked_before_nginx_is_asked(accel_client):
    response = accel_client.get("/media/" + "0" * 64 + "/play.mp4")
    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response.headers
