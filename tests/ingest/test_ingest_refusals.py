"""What `create_ingest_job` refuses, before anything is stored: bad media, unknown sessions,
unreadable transcripts and files already ingested.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.catalogue import Catalogue, Job, Recording, Session
from core.errors import CatalogueError
from core.settings import Settings
from ingest.errors import DuplicateRecordingError, MediaError, SubtitleError
from ingest.pipeline import create_ingest_job
from tests.conftest import SESSION4
from tests.support import media_factory


def _count(catalogue: Catalogue, model) -> int:
    with catalogue.session() as db:
        return db.scalar(select(func.count()).select_from(model))


def _bad_inputs(folder: Path, valid_mp4: Path) -> dict[str, Path]:
    return {
        "empty file": media_factory.empty_file(folder / "empty.mp4"),
        "text named .mp4": media_factory.text_as_mp4(folder / "compte-rendu.mp4"),
        "truncated mp4": media_factory.truncated_mp4(valid_mp4, folder / "coupé.mp4"),
        "image": media_factory.image_file(folder / "affiche.png"),
        "missing file": folder / "absent.mp4",
    }


@pytest.mark.parametrize("with_session", [True, False])
def test_refused_files_leave_no_rows_and_no_files(
    seeded_catalogue: Catalogue,
    settings: Settings,
    h264_video: Path,
    tmp_path: Path,
    with_session: bool,
) -> None:
    folder = tmp_path / "incoming"
    folder.mkdir()
    for case, path in _bad_inputs(folder, h264_video).items():
        with pytest.raises(MediaError) as caught:
            create_ingest_job(
                seeded_catalogue, settings, path, session_slug=SESSION4 if with_session else None
            )
        assert path.name in str(caught.value), case
    counts = [_count(seeded_catalogue, model) for model in (Session, Recording, Job)]
    assert counts == [4, 0, 0]  # no draft session, recording or job was made
    assert [
        p for p in settings.home.rglob("*") if p.is_file() and "archive.sqlite3" not in p.name
    ] == []


def test_unknown_session_or_bad_transcript_file_is_refused_before_storing(
    seeded_catalogue: Catalogue, settings: Settings, h264_video: Path, tmp_path: Path
) -> None:
    with pytest.raises(CatalogueError, match="no session 'seance-inconnue'"):
        create_ingest_job(seeded_catalogue, settings, h264_video, session_slug="seance-inconnue")
    bad = tmp_path / "notes.vtt"
    bad.write_text("pas des sous-titres\n", encoding="utf-8")
    with pytest.raises(SubtitleError, match="notes.vtt"):
        create_ingest_job(
            seeded_catalogue, settings, h264_video, session_slug=SESSION4, transcript_file=bad
        )
    assert not any(settings.media_dir.rglob("*"))
    assert _count(seeded_catalogue, Recording) == 0


def test_same_file_twice_is_refused_unless_forced(
    seeded_catalogue: Catalogue, settings: Settings, h264_video: Path, tmp_path: Path
) -> None:
    first = create_ingest_job(seeded_catalogue, settings, h264_video, session_slug=SESSION4)
    renamed = tmp_path / "copie.mp4"
    renamed.write_bytes(h264_video.read_bytes())  # same bytes under another name
    with pytest.raises(DuplicateRecordingError) as caught:
        create_ingest_job(seeded_catalogue, settings, renamed)
    assert caught.value.session_slug == SESSION4 and SESSION4 in str(caught.value)
    with seeded_catalogue.session() as db:
        assert caught.value.recording_id == db.get(Job, first).recording_id
    assert [_count(seeded_catalogue, model) for model in (Session, Job)] == [4, 1]
    again = create_ingest_job(
        seeded_catalogue, settings, renamed, session_slug=SESSION4, force=True
    )
    with seeded_catalogue.session() as db:
        recordings = db.scalars(select(Recording)).all()
        assert again != first and len(recordings) == 2
        assert recordings[0].original_path == recordings[1].original_path  # stored once
