"""An archive whose media folder is a link to a shared mount (NFS, another disk).

Deployments mount shared media somewhere and link `<home>/media` to it; the
pipeline must still store paths under home and the portal must serve them.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from core.catalogue.db import open_catalogue
from core.catalogue.importer import apply_manifest
from core.catalogue.schema import Recording
from core.manifest import load_manifest
from core.settings import Settings, load_settings
from ingest.pipeline import ingest_file
from portal import create_app
from tests.conftest import SEED_MANIFEST, SESSION4
from tests.support import media_factory


def test_a_media_folder_linked_to_another_disk_is_ingested_and_served(tmp_path: Path) -> None:
    home = tmp_path / "home"
    shared = tmp_path / "shared-mount" / "media"
    shared.mkdir(parents=True)
    home.mkdir()
    (home / "media").symlink_to(shared)
    settings: Settings = load_settings(test_config={"ARCHIVE_HOME": str(home)})
    catalogue = open_catalogue(settings)
    with catalogue.session() as db:
        apply_manifest(db, load_manifest(SEED_MANIFEST))
    talk = media_factory.tone_video(tmp_path / "talk.mp4", seconds=2, size="160x120")
    vtt = tmp_path / "talk.vtt"
    vtt.write_text("WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nSur un autre disque.\n")

    job = ingest_file(catalogue, settings, talk, session_slug=SESSION4, transcript_file=vtt)

    assert job.state == "done", job.error
    with catalogue.session() as db:
        recording = db.scalars(select(Recording)).one()
        stored = recording.playable_path or recording.original_path
        sha = recording.sha256
    assert stored.startswith("media/")  # under home as configured, not the mount's path
    assert any(shared.rglob("*.mp4"))  # the bytes went to the shared mount
    client = create_app({"ARCHIVE_HOME": str(home), "TESTING": True}).test_client()
    page = client.get(f"/sessions/{SESSION4}")
    assert page.status_code == 200
    media_url = next(
        part.split('"')[0]
        for part in page.get_data(as_text=True).split('src="')[1:]
        if f"/media/{sha}/" in part.split('"')[0]
    )
    answer = client.get(media_url, headers={"Range": "bytes=0-99"})
    assert answer.status_code == 206
    assert len(answer.data) == 100
    catalogue.dispose()
