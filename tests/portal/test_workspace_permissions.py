"""Every workspace URL, as a visitor, an archivist and an admin; CSRF on every change."""

from __future__ import annotations

import pytest

from core.catalogue.queries import get_session
from core.catalogue.schema import Job
from tests.portal.builders import DRAFT_SLUG, SLUG
from tests.portal.workspace_fixtures import *  # noqa: F403
from tests.portal.workspace_fixtures import home_of, sign_in, token
from worker.uploads import UploadPolicy, create_upload

UPLOAD = "{upload}"
READS = [
    "/workspace/",
    "/workspace/upload",
    "/workspace/jobs",
    "/workspace/jobs?rows=1",
    "/workspace/jobs.json",
    f"/workspace/sessions/{SLUG}",
    f"/workspace/sessions/{DRAFT_SLUG}",
    f"/workspace/sessions/{SLUG}/transcript",
    f"/workspace/sessions/{SLUG}/transcript?version=1",
    f"/workspace/sessions/{SLUG}/media",
    f"/workspace/uploads/{UPLOAD}",
]
ADMIN_READS = ["/workspace/users"]
WRITES = [
    ("POST", "/workspace/uploads", {"json": {"filename": "a.mp4", "size": 10, "session": SLUG}}),
    (
        "PATCH",
        f"/workspace/uploads/{UPLOAD}",
        {
            "data": b"0123456789",
            "headers": {"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
        },
    ),
    ("DELETE", f"/workspace/uploads/{UPLOAD}", {}),
    ("POST", "/workspace/jobs/1/retry", {}),
    ("POST", f"/workspace/sessions/{SLUG}/retranscribe", {"data": {"model": "tiny"}}),
    ("POST", f"/workspace/sessions/{SLUG}/metadata", {"data": {"title": "T", "language": "fr"}}),
    ("POST", f"/workspace/sessions/{SLUG}/programme", {"data": {}}),
    ("POST", f"/workspace/sessions/{SLUG}/transcript", {"json": {"base_version": 1, "texts": {}}}),
    (
        "POST",
        f"/workspace/sessions/{SLUG}/speakers",
        {"data": {"first": "1", "last": "1", "base_version": "1"}},
    ),
    ("POST", f"/workspace/sessions/{SLUG}/versions/1/restore", {}),
    ("POST", f"/workspace/sessions/{DRAFT_SLUG}/publish", {}),
    ("POST", f"/workspace/sessions/{SLUG}/unpublish", {}),
]
ADMIN_WRITES = [
    ("POST", "/workspace/users", {"data": {"username": "x"}}),
    ("POST", "/workspace/users/1", {"data": {"role": "admin", "active": "on"}}),
]


@pytest.fixture
def upload_id(ws_app) -> str:
    """An unfinished 10-byte upload to address (and a finished job, number 1)."""
    archive = ws_app.extensions["archive"]
    with archive.catalogue.session() as db:
        session = get_session(db, SLUG)
        db.add(Job(id=1, kind="ingest", session_id=session.id, state="done", step="done"))
        return create_upload(
            db,
            archive.settings,
            UploadPolicy(),
            filename="a.mp4",
            size_bytes=10,
            session=session,
            username="ada",
        ).id


def _client(ws_app, who: str):
    client = ws_app.test_client()
    if who != "visitor":
        assert sign_in(client, {"archivist": "ada", "admin": "root"}[who]).status_code == 302
    return client


def _send(client, method: str, url: str, options: dict, csrf: str | None):
    options = {**options, "headers": dict(options.get("headers", {}))}
    if csrf:
        options["headers"]["X-CSRFToken"] = csrf
    return client.open(url, method=method, **options)


@pytest.mark.parametrize("who", ["visitor", "archivist", "admin"])
def test_reads(ws_app, upload_id, who):
    client = _client(ws_app, who)
    for url in READS + ADMIN_READS:
        status = client.get(url.replace(UPLOAD, upload_id)).status_code
        if who == "visitor":
            expected = 404  # invisible, not forbidden
        elif url in ADMIN_READS and who == "archivist":
            expected = 403
        else:
            expected = 200
        assert status == expected, f"{who} GET {url}: {status}"


@pytest.mark.parametrize("who", ["visitor", "archivist", "admin"])
def test_writes(ws_app, upload_id, who):
    client = _client(ws_app, who)
    csrf = token(client) if who != "visitor" else None
    for method, url, options in WRITES + ADMIN_WRITES:
        status = _send(client, method, url.replace(UPLOAD, upload_id), options, csrf).status_code
        if who == "visitor":
            assert status == 404, f"{method} {url}: {status}"
        elif (method, url, options) in ADMIN_WRITES and who == "archivist":
            assert status == 403, f"{method} {url}: {status}"
        else:
            assert status not in (400, 403, 404, 405), f"{who} {method} {url}: {status}"


def test_every_change_without_csrf_token_is_refused_and_changes_nothing(ws_app, upload_id):
    client = _client(ws_app, "admin")
    for method, url, options in WRITES + ADMIN_WRITES:
        status = _send(client, method, url.replace(UPLOAD, upload_id), options, None).status_code
        assert status == 400, f"{method} {url} without CSRF token: {status}"
    assert (home_of(ws_app) / "uploads" / f"{upload_id}.part").stat().st_size == 0
    with ws_app.extensions["archive"].catalogue.session() as db:
        assert get_session(db, DRAFT_SLUG, include_drafts=True).published is False
        assert get_session(db, SLUG).title != "T"


def test_drafts_are_visible_in_the_workspace_but_not_publicly(ws_app):
    visitor = ws_app.test_client()
    assert visitor.get(f"/sessions/{DRAFT_SLUG}").status_code == 404
    archivist = _client(ws_app, "archivist")
    page = archivist.get("/workspace/").get_data(as_text=True)
    assert f"/workspace/sessions/{DRAFT_SLUG}" in page


def test_an_archivist_previews_a_draft_as_viewers_will_see_it_and_nobody_else_does(ws_app):
    with ws_app.extensions["archive"].catalogue.session() as db:
        get_session(db, SLUG).published = False  # the session with a recording, as a draft
    visitor = ws_app.test_client()
    archivist = _client(ws_app, "archivist")
    page = archivist.get(f"/sessions/{SLUG}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'content="noindex"' in html and "/media/" in html
    media_url = html.split('src="/media/', 1)[1].split('"', 1)[0]
    media = archivist.get(f"/media/{media_url}")
    assert media.status_code == 200
    assert "private" in media.headers["Cache-Control"]  # no shared cache keeps a draft
    assert "public" not in media.headers["Cache-Control"]
    for url in (f"/sessions/{SLUG}", f"/media/{media_url}", f"/sessions/{SLUG}/transcript.vtt"):
        assert visitor.get(url).status_code == 404, url
