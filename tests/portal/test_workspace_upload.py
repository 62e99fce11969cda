"""Uploads: good and bad files, resumption after an interruption, duplicates."""

from __future__ import annotations

import hashlib
import io
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from core.catalogue.queries import current_transcript, get_session
from core.catalogue.schema import Job, Recording, Upload
from tests.portal.builders import SLUG
from tests.portal.workspace_fixtures import *  # noqa: F403
from tests.portal.workspace_fixtures import HEARD, home_of, token
from tests.support import media_factory

CHUNK = 64 * 1024


@pytest.fixture(scope="module")
def talk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3-second H.264/AAC recording."""
    folder = tmp_path_factory.mktemp("upload-media")
    return media_factory.tone_video(
        folder / "séance 4.mp4", seconds=3, codec="h264", size="160x120"
    )


def create(client, csrf: str, **fields):
    """POST /workspace/uploads with JSON fields."""
    return client.post("/workspace/uploads", json=fields, headers={"X-CSRFToken": csrf})


def patch(client, csrf: str, upload_id: str, offset: int, data: bytes):
    """Send one chunk at offset."""
    return client.patch(
        f"/workspace/uploads/{upload_id}",
        data=data,
        headers={
            "X-CSRFToken": csrf,
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
        },
    )


def send_all(client, csrf: str, upload_id: str, data: bytes, offset: int = 0):
    """Send data from offset in chunks; return the last response."""
    response = None
    while offset < len(data):
        response = patch(client, csrf, upload_id, offset, data[offset : offset + CHUNK])
        assert response.status_code == 200, response.get_data(as_text=True)
        offset = int(response.headers["Upload-Offset"])
    return response


def leftovers(app) -> list[Path]:
    """Return whatever is left in the uploads folder."""
    return sorted(p for p in (home_of(app) / "uploads").rglob("*") if p.is_file())


def test_upload_into_new_session_is_transcribed(ws_app, archivist, talk):
    csrf = token(archivist)
    data = talk.read_bytes()
    created = create(
        archivist,
        csrf,
        filename=talk.name,
        size=len(data),
        language="fr",
        new_session={
            "title": "Séance de test",
            "date": "2018-03-12",
            "language": "fr",
            "series": "ville-intelligente-cycle-2",
            "programme": "Ouverture | Gilles Jeannot (LATTS)\n"
            "Exposé | Nouvelle Personne (Ailleurs)",
        },
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.get_json()
    assert body["offset"] == 0 and body["session"] == "2018-03-12-seance-de-test"
    final = send_all(archivist, csrf, body["id"], data).get_json()
    assert final["state"] == "done", final
    archive = ws_app.extensions["archive"]
    with archive.catalogue.session() as db:
        session = get_session(db, body["session"], include_drafts=True)
        assert session.published is False and session.series.slug == "ville-intelligente-cycle-2"
        assert [i.title for i in session.items] == ["Ouverture", "Exposé"]
        assert session.items[1].appearances[0].person.name == "Nouvelle Personne"
        recording = db.scalar(select(Recording).where(Recording.session_id == session.id))
        assert recording.sha256 == hashlib.sha256(data).hexdigest()
        assert recording.original_name == "séance 4.mp4"
        assert (archive.settings.home / recording.original_path).read_bytes() == data
        transcript = current_transcript(db, session)
        assert [s.text for s in transcript.segments] == [text for _, _, text in HEARD]
        assert db.get(Job, final["job"]).state == "done"
    assert leftovers(ws_app) == []


def test_interrupted_upload_resumes_where_it_stopped(ws_app, archivist, talk):
    csrf = token(archivist)
    data = talk.read_bytes()
    upload_id = create(
        archivist, csrf, filename=talk.name, size=len(data), session=SLUG
    ).get_json()["id"]
    half = len(data) // 2
    # The connection drops mid-chunk: the body ends before its announced length.
    archivist.patch(
        f"/workspace/uploads/{upload_id}",
        input_stream=io.BytesIO(data[:half]),
        content_length=len(data),
        headers={
            "X-CSRFToken": csrf,
            "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream",
        },
    )
    head = archivist.head(f"/workspace/uploads/{upload_id}")
    assert head.headers["Upload-Offset"] == str(half)
    assert head.headers["Upload-Length"] == str(len(data))
    restart = patch(archivist, csrf, upload_id, 0, data[:CHUNK])  # a client that restarts
    assert restart.status_code == 409 and restart.headers["Upload-Offset"] == str(half)
    # Picking the same file again finds the unfinished upload instead of starting over.
    again = create(archivist, csrf, filename=talk.name, size=len(data), session=SLUG).get_json()
    assert again["id"] == upload_id and again["offset"] == half
    final = send_all(archivist, csrf, upload_id, data, offset=half).get_json()
    assert final["state"] == "done"
    with ws_app.extensions["archive"].catalogue.session() as db:
        recording = db.scalar(select(Recording).where(Recording.original_name == talk.name))
        assert recording.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("name", "size", "status", "reason"),
    [
        ("vide.mp4", 0, 400, "is empty"),
        ("moins.mp4", -1, 400, "is not a byte count"),
        ("notes.txt", 100, 415, ".txt files are not accepted"),
        ("../../../etc/cron.d/x.mp4", 100, 400, "must not contain folders"),
        ("..\\..\\evil.mp4", 100, 400, "must not contain folders"),
        (".hidden.mp4", 100, 400, "starts with a dot"),
        ("énorme.mp4", 2_000_001, 413, "over the limit"),
    ],
)
def test_refused_files_get_a_reason_and_leave_nothing(
    ws_app, archivist, name, size, status, reason, monkeypatch
):
    state = ws_app.extensions["archive"]
    monkeypatch.setattr(state, "settings", replace(state.settings, upload_max_bytes=2_000_000))
    csrf = token(archivist)
    response = create(archivist, csrf, filename=name, size=size, session=SLUG)
    assert response.status_code == status
    assert reason in response.get_json()["error"]["message"]
    assert leftovers(ws_app) == []
    with ws_app.extensions["archive"].catalogue.session() as db:
        assert db.scalar(select(Upload)) is None
    assert not (home_of(ws_app).parent / "etc").exists()


def test_a_refused_new_file_creates_no_session(ws_app, archivist):
    csrf = token(archivist)
    response = create(
        archivist,
        csrf,
        filename="slides.pdf",
        size=10,
        new_session={"title": "Ne doit pas exister"},
    )
    assert response.status_code == 415
    with ws_app.extensions["archive"].catalogue.session() as db:
        assert get_session(db, "ne-doit-pas-exister", include_drafts=True) is None


def test_text_named_mp4_is_rejected_after_upload_with_the_reason(ws_app, archivist, tmp_path):
    fake = media_factory.text_as_mp4(tmp_path / "compte-rendu.mp4").read_bytes()
    csrf = token(archivist)
    upload_id = create(
        archivist, csrf, filename="compte-rendu.mp4", size=len(fake), session=SLUG
    ).get_json()["id"]
    final = send_all(archivist, csrf, upload_id, fake).get_json()
    assert final["state"] == "rejected"
    assert "compte-rendu.mp4" in final["error"]
    assert leftovers(ws_app) == []
    page = archivist.get("/workspace/upload").get_data(as_text=True)
    assert final["error"].split(":")[0] in page  # the reason is on the page too


def test_chunk_beyond_the_announced_size_is_refused(ws_app, archivist):
    csrf = token(archivist)
    upload_id = create(archivist, csrf, filename="a.mp3", size=10, session=SLUG).get_json()["id"]
    assert patch(archivist, csrf, upload_id, 0, b"x" * 11).status_code == 413
    assert archivist.head(f"/workspace/uploads/{upload_id}").headers["Upload-Offset"] == "0"


def test_same_file_twice_is_not_processed_twice(ws_app, archivist, talk):
    csrf = token(archivist)
    data = talk.read_bytes()
    first = create(archivist, csrf, filename=talk.name, size=len(data), session=SLUG).get_json()
    assert send_all(archivist, csrf, first["id"], data).get_json()["state"] == "done"
    second = create(archivist, csrf, filename="copie.mp4", size=len(data), session=SLUG).get_json()
    final = send_all(archivist, csrf, second["id"], data).get_json()
    assert final["state"] == "rejected" and "already in the archive" in final["error"]
    known = create(
        archivist,
        csrf,
        filename="encore.mp4",
        size=len(data),
        session=SLUG,
        sha256=hashlib.sha256(data).hexdigest(),
    )
    assert known.status_code == 409  # announced by hash: refused before a byte is sent
    with ws_app.extensions["archive"].catalogue.session() as db:
        assert len(list(db.scalars(select(Job)))) == 1
    assert leftovers(ws_app) == []


def test_cancelled_upload_deletes_what_arrived(ws_app, archivist):
    csrf = token(archivist)
    upload_id = create(archivist, csrf, filename="long.wav", size=100, session=SLUG).get_json()[
        "id"
    ]
    patch(archivist, csrf, upload_id, 0, b"RIFF" * 10)
    cancelled = archivist.delete(
        f"/workspace/uploads/{upload_id}", headers={"X-CSRFToken": csrf}
    ).get_json()
    assert cancelled["state"] == "rejected"
    assert leftovers(ws_app) == []
    assert patch(archivist, csrf, upload_id, 40, b"more").status_code == 409
