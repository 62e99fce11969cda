"""Media serving: range requests for seeking, cache headers, published sessions only."""

from __future__ import annotations

from core.catalogue import open_catalogue
from core.catalogue.queries import get_session


def media_url(archive) -> str:
    return f"/media/{archive.sha256}/play.mp4"


def test_full_file_with_cache_headers(client, built_archive):
    response = client.get(media_url(built_archive))
    body = built_archive.media_path.read_bytes()
    assert response.status_code == 200
    assert response.data == body
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.content_type == "video/mp4"
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]
    assert response.headers.get("ETag")


def test_range_request_returns_the_asked_bytes(client, built_archive):
    body = built_archive.media_path.read_bytes()
    response = client.get(media_url(built_archive), headers={"Range": "bytes=100-199"})
    assert response.status_code == 206
    assert response.data == body[100:200]
    assert response.headers["Content-Range"] == f"bytes 100-199/{len(body)}"
    tail = client.get(media_url(built_archive), headers={"Range": "bytes=-50"})
    assert tail.status_code == 206 and tail.data == body[-50:]
    open_ended = client.get(media_url(built_archive), headers={"Range": f"bytes={len(body) - 10}-"})
    assert open_ended.data == body[-10:]


def test_unsatisfiable_range_is_416(client, built_archive):
    size = built_archive.media_path.stat().st_size
    response = client.get(media_url(built_archive), headers={"Range": f"bytes={size + 10}-"})
    assert response.status_code == 416


def test_revalidation_answers_304(client, built_archive):
    etag = client.get(media_url(built_archive)).headers["ETag"]
    again = client.get(media_url(built_archive), headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_unknown_media_and_missing_poster_are_404(client, built_archive):
    assert client.get("/media/" + "0" * 64 + "/play.mp4").status_code == 404
    assert client.get("/media/short/play.mp4").status_code == 404
    assert client.get(f"/media/{built_archive.sha256}/poster.jpg").status_code == 404
    assert client.get(f"/media/{built_archive.sha256}/other.mp4").status_code == 404


def test_media_of_an_unpublished_session_is_404(fresh_archive):
    from portal import create_app

    catalogue = open_catalogue(fresh_archive.settings)
    with catalogue.session() as db:
        get_session(db, fresh_archive.slug).published = False
    catalogue.dispose()
    app = create_app({"ARCHIVE_HOME": str(fresh_archive.settings.home), "SECRET_KEY": "k"})
    response = app.test_client().get(f"/media/{fresh_archive.sha256}/play.mp4")
    assert response.status_code == 404
    app.extensions["archive"].catalogue.dispose()
