"""The catalogue and the pipeline on a real PostgreSQL server (DATABASE_URL selects it).

CI starts a server with scripts/start-services.sh and sets ARCHIVE_TEST_POSTGRES_URL;
each test gets a database of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from core.catalogue import Segment, Session, Transcript, open_catalogue
from core.catalogue.importer import apply_manifest
from core.catalogue.queries import export_view, get_session
from core.contracts import TranscribedSegment, Word
from core.manifest import load_manifest
from core.settings import Settings, load_settings
from ingest.errors import DuplicateRecordingError
from ingest.exports import export_transcript
from ingest.pipeline import create_ingest_job, ingest_file, run_job
from tests.conftest import SEED_MANIFEST, SESSION4
from tests.support.fake_transcriber import ScriptedTranscriber
from tests.support.media_factory import speech_recording

SERVER_URL = os.environ.get("ARCHIVE_TEST_POSTGRES_URL", "")
pytestmark = pytest.mark.skipif(
    not SERVER_URL,
    reason='no PostgreSQL server: run `eval "$(scripts/start-services.sh)"` (CI does)',
)


@pytest.fixture
def pg_settings(tmp_path: Path) -> Iterator[Settings]:
    """Settings whose catalogue is a fresh PostgreSQL database."""
    name = f"archive_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = SERVER_URL.rsplit("/", 1)[0] + "/" + name
    yield load_settings(test_config={"ARCHIVE_HOME": str(tmp_path / "home")}, database_url=url)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def _segments() -> list[TranscribedSegment]:
    return [
        TranscribedSegment(
            0, 2000, " Bonjour à tous.", [Word(0, 900, " Bonjour"), Word(900, 2000, " à tous.")]
        ),
        TranscribedSegment(
            3000,
            5000,
            " La ville intelligente.",
            [
                Word(3000, 3500, " La"),
                Word(3500, 4000, " ville"),
                Word(4000, 5000, " intelligente."),
            ],
        ),
    ]


def test_migrations_import_and_reimport_on_postgres(pg_settings: Settings) -> None:
    catalogue = open_catalogue(pg_settings)
    open_catalogue(pg_settings).dispose()  # a second open finds the schema up to date
    manifest = load_manifest(SEED_MANIFEST)
    with catalogue.session() as db:
        apply_manifest(db, manifest)
    with catalogue.session() as db:
        apply_manifest(db, manifest)
    with catalogue.session() as db:
        assert db.scalar(select(text("count(*)")).select_from(Session)) == 4
        session = get_session(db, SESSION4)
        assert [i.kind for i in session.items][:2] == ["opening", "introduction"]
    catalogue.dispose()


def test_ingest_versions_and_duplicates_on_postgres(pg_settings: Settings, tmp_path: Path) -> None:
    catalogue = open_catalogue(pg_settings)
    with catalogue.session() as db:
        apply_manifest(db, load_manifest(SEED_MANIFEST))
    recording = tmp_path / "ouverture.wav"
    speech_recording(recording, [("fr+edward", "Bonjour à tous.")])
    transcriber = ScriptedTranscriber(_segments())
    job = ingest_file(
        catalogue, pg_settings, recording, session_slug=SESSION4, transcriber=transcriber
    )
    assert job.state == "done"
    with pytest.raises(DuplicateRecordingError):
        create_ingest_job(catalogue, pg_settings, recording, session_slug=SESSION4)
    again = create_ingest_job(catalogue, pg_settings, recording, session_slug=SESSION4, force=True)
    run_job(catalogue, pg_settings, again, transcriber=transcriber)
    with catalogue.session() as db:
        session = get_session(db, SESSION4)
        versions = db.scalars(
            select(Transcript.version)
            .where(Transcript.session_id == session.id)
            .order_by(Transcript.version)
        ).all()
        assert versions == [1, 2]
        assert db.scalar(select(text("count(*)")).select_from(Segment)) == 4
        vtt = export_transcript(export_view(db, session), "vtt")
    assert "ville intelligente" in vtt
    catalogue.dispose()


def test_processes_opening_a_fresh_postgres_catalogue_at_once_all_come_up(
    pg_settings: Settings,
) -> None:
    from tests.core.test_migrations import open_concurrently

    outcomes = open_concurrently(pg_settings.db_url, str(pg_settings.home))
    assert outcomes == ["ok"] * 4
