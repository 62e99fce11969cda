"""Adding ingest jobs to the catalogue and finding the unfinished one of a recording.

The pipeline, the CLI and the workspace all queue work through these two
functions, so a job row always starts the same way (see `core.states`).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from core.catalogue.db import Catalogue
from core.catalogue.schema import Job, Recording, Session
from core.states import JobState


def add_job(
    db: OrmSession,
    session: Session,
    recording: Recording,
    *,
    language: str | None = None,
    model: str | None = None,
    transcript_file: Path | None = None,
    created_session: bool = False,
    author: str = "",
    note: str = "",
) -> Job:
    """Add a queued ingest job for a stored recording (a first ingest or a re-transcription)."""
    job = Job(
        kind="ingest",
        session_id=session.id,
        recording_id=recording.id,
        state=JobState.QUEUED,
        params={
            "language": language,
            "model": model,
            "transcript_file": str(transcript_file) if transcript_file else None,
            "created_session": created_session,
            "author": author,
            "note": note,
        },
    )
    db.add(job)
    db.flush()
    return job


def unfinished_job_for(catalogue: Catalogue, recording_id: int) -> int | None:
    """Return the id of a queued, running or failed job of that recording, if any."""
    with catalogue.session() as db:
        return db.scalar(
            select(Job.id)
            .where(Job.recording_id == recording_id, Job.state != JobState.DONE)
            .order_by(Job.id.desc())
            .limit(1)
        )
