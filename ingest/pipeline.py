"""The ingest orchestrator: create a job for a recording, then run or resume it.

It only sequences steps (each described once, in `ingest.registry`), reports
progress by their weights and records what each produced in the job row, so a
run that crashed or was killed resumes after the last finished step and never
stores the same transcript twice. A failure marks the
job failed with the step and a readable reason; the session and its earlier
transcripts are untouched because a transcript version is stored in a single
transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from core.catalogue.db import Catalogue
from core.catalogue.queries import current_transcript, get_session, latest_recording
from core.catalogue.schema import Job, Recording, Session
from core.errors import ArchiveError, CatalogueError
from core.jobs import add_job
from core.settings import Settings
from core.states import JobState, advance
from core.text import slugify
from ingest import media, steps
from ingest.errors import DuplicateRecordingError, IngestError, MediaError, PipelineError
from ingest.registry import Step, route_for, route_progress
from ingest.storage import (
    recording_dir,
    relative_to_home,
    safe_name,
    store_original,
    sweep_partials,
)
from ingest.transcribe import Transcriber, make_transcriber
from ingest.voices_io import DiarizerFactory


@dataclass(frozen=True)
class JobProgress:
    """A progress report: the step, overall fraction 0..1 and an ETA in seconds."""

    job_id: int
    step: str
    fraction: float
    eta_s: float | None


def create_ingest_job(
    catalogue: Catalogue,
    settings: Settings,
    media_path: Path,
    *,
    session_slug: str | None = None,
    language: str | None = None,
    model: str | None = None,
    transcript_file: Path | None = None,
    original_name: str | None = None,
    force: bool = False,
    author: str = "",
    consume: bool = False,
) -> int:
    """Validate a recording, store it, and create a queued ingest job; return the job id.

    consume=True lets the archive move media_path into its store instead of copying
    it (for uploads it received itself; an archivist's own file is always copied).
    """
    media_path = Path(media_path)
    info = media.probe(media_path)  # refuses non-media before anything is written
    if transcript_file is not None:
        from ingest.subtitles import read_transcript_file

        read_transcript_file(Path(transcript_file))  # refuse a bad file up front
    sha256 = media.sha256_file(media_path)
    name = safe_name(original_name or media_path.name)
    with catalogue.session() as db:
        session = (
            _existing_session(db, session_slug, "leave out --session") if session_slug else None
        )
        duplicate = db.scalar(select(Recording).where(Recording.sha256 == sha256))
        if duplicate is not None and not force:
            owner = db.get(Session, duplicate.session_id)
            raise DuplicateRecordingError(
                f"this file was already ingested (session '{owner.slug}', recording "
                f"{duplicate.id}); use --force to transcribe it again",
                session_slug=owner.slug,
                recording_id=duplicate.id,
            )
    stored = store_original(settings, media_path, sha256, name, move=consume)
    with catalogue.session() as db:
        created = session is None
        if created:
            session = _draft_session(db, name, language)
        else:
            session = db.merge(session)
        recording = Recording(
            session_id=session.id,
            original_name=name,
            original_path=relative_to_home(settings, stored),
            sha256=sha256,
            size_bytes=stored.stat().st_size,
            duration_ms=info.duration_ms,
            container=info.container,
            streams=[vars(s) for s in info.streams],
        )
        db.add(recording)
        db.flush()
        job = add_job(
            db,
            session,
            recording,
            language=language,
            model=model,
            transcript_file=Path(transcript_file).resolve() if transcript_file else None,
            created_session=created,
            author=author,
        )
        return job.id


REDIARIZE_NOTE = "voices found again by diarization; text unchanged"


def create_diarize_job(
    catalogue: Catalogue, settings: Settings, session_slug: str, *, author: str = ""
) -> int:
    """Queue a job that finds the voices again under the session's current transcript.

    The text, its corrections included, stays as it is; the result is a new
    version whose speakers and voices are found again, names an archivist
    confirmed kept.
    """
    if not settings.diarization:
        raise IngestError(
            "diarization is turned off (setting `diarization`): "
            "set ARCHIVE_DIARIZATION=true to find the voices"
        )
    with catalogue.session() as db:
        session = _existing_session(db, session_slug)
        transcript = current_transcript(db, session)
        if transcript is None:
            raise IngestError(
                f"session '{session_slug}' has no transcript yet: "
                f"ingest its recording first (archive ingest FILE --session {session_slug})"
            )
        recording = (
            db.get(Recording, transcript.recording_id)
            if transcript.recording_id
            else latest_recording(db, session)
        )
        if recording is None:
            raise IngestError(
                f"session '{session_slug}' has no recording to listen to: "
                f"ingest one first (archive ingest FILE --session {session_slug})"
            )
        job = add_job(db, session, recording, author=author, note=REDIARIZE_NOTE)
        job.params = {**job.params, "rediarize": True}
        return job.id


def _existing_session(db, slug: str, alternative: str = "") -> Session:
    """Return the session (drafts included) or refuse, saying how to make it exist."""
    session = get_session(db, slug, include_drafts=True)
    if session is None:
        raise CatalogueError(
            f"no session '{slug}': import its manifest first (archive import FILE.yaml)"
            + (f" or {alternative}" if alternative else "")
        )
    return session


def _draft_session(db, file_name: str, language: str | None) -> Session:
    stem = Path(file_name).stem
    base = slugify(stem)
    slug, number = base, 1
    while db.scalar(select(Session.id).where(Session.slug == slug)) is not None:
        number += 1
        slug = f"{base}-{number}"
    title = " ".join(stem.replace("_", " ").split()) or slug
    session = Session(slug=slug, title=title, language=language or "fr", published=False)
    db.add(session)
    db.flush()
    return session


def run_job(
    catalogue: Catalogue,
    settings: Settings,
    job_id: int,
    *,
    transcriber: Transcriber | None = None,
    indexer: Callable[[str], None] | None = None,
    on_progress: Callable[[JobProgress], None] | None = None,
    route: tuple[Step, ...] | None = None,
    diarizer_factory: DiarizerFactory | None = None,
) -> Job:
    """Run (or resume) an ingest job to completion; raise PipelineError on failure.

    route overrides the steps the job's parameters choose (tests add one this way);
    diarizer_factory replaces the bundled diarization engine (tests script voices).
    """
    with catalogue.session() as db:
        job = db.get(Job, job_id)
        if job is None:
            raise CatalogueError(f"no job {job_id}")
        if job.state == JobState.DONE:
            return job
        advance(job, JobState.RUNNING)
        job.error = ""
        job.attempts = (job.attempts or 0) + 1
        job.started_at = job.started_at or datetime.now(UTC)
        params, done = dict(job.params or {}), dict(job.steps_done or {})
        session_slug = db.get(Session, job.session_id).slug
        recording_id = job.recording_id
        sha256 = db.get(Recording, recording_id).sha256
    route = route or route_for(params)
    reporter = _Reporter(catalogue, job_id, route, on_progress)
    ctx = steps.RunContext(
        settings=settings,
        catalogue=catalogue,
        job_id=job_id,
        session_slug=session_slug,
        recording_id=recording_id,
        params=params,
        work_dir=settings.work_dir / f"job-{job_id}",
        transcriber_factory=(lambda _name: transcriber)
        if transcriber
        else (lambda name: make_transcriber(name, settings)),
        indexer=indexer,
        diarizer_factory=diarizer_factory,
        report=reporter.report,
    )
    ctx.work_dir.mkdir(parents=True, exist_ok=True)
    # A run killed mid-write (kill -9) left temporary files named after its dead process.
    for folder in (
        ctx.work_dir,
        recording_dir(settings, sha256),
        settings.home / "exports" / session_slug,
    ):
        sweep_partials(folder)
    for step in route:
        # A step whose files vanished (a cleaned work folder) must run again.
        if step.name in done and step.outputs_exist(ctx.work_dir):
            continue
        reporter.report(step.name, 0.0, None, force=True)
        step_started = time.perf_counter()
        try:
            produced = step.run(ctx)
        except Exception as exc:  # noqa: BLE001 - every failure is recorded, then re-raised
            _fail(catalogue, job_id, step.name, exc)
            raise PipelineError(step.name, exc) from exc
        produced = {**produced, "elapsed_s": round(time.perf_counter() - step_started, 3)}
        done[step.name] = produced
        _record_step(catalogue, job_id, step.name, produced)
    finished = _finish(catalogue, job_id, ctx.work_dir)
    if on_progress:
        on_progress(JobProgress(job_id, "done", 1.0, None))
    return finished


def _record_step(catalogue: Catalogue, job_id: int, name: str, produced: dict) -> None:
    with catalogue.session() as db:
        job = db.get(Job, job_id)
        job.steps_done = {**(job.steps_done or {}), name: produced}


def _fail(catalogue: Catalogue, job_id: int, step: str, exc: Exception) -> None:
    if isinstance(exc, ArchiveError):
        reason = str(exc)
    else:
        reason = f"unexpected error ({type(exc).__name__}: {exc}); please report it"
    with catalogue.session() as db:
        job = db.get(Job, job_id)
        advance(job, JobState.FAILED)
        job.step, job.error, job.eta_s = step, reason, None
        job.finished_at = datetime.now(UTC)


def _finish(catalogue: Catalogue, job_id: int, work_dir: Path) -> Job:
    with catalogue.session() as db:
        job = db.get(Job, job_id)
        advance(job, JobState.DONE)
        job.step, job.progress, job.eta_s = "done", 1.0, None
        job.finished_at = datetime.now(UTC)
    # Large scratch audio is no longer needed; step records stay in the job row.
    for scratch in work_dir.glob("*.wav"):
        scratch.unlink(missing_ok=True)
    return job


class _Reporter:
    """Turns step progress into overall progress by the route's weights, throttles writes."""

    def __init__(
        self,
        catalogue: Catalogue,
        job_id: int,
        route: tuple[Step, ...],
        callback: Callable[[JobProgress], None] | None,
    ) -> None:
        self.catalogue, self.job_id, self.callback = catalogue, job_id, callback
        self.route = route
        self.last_write = 0.0

    def report(self, step: str, fraction: float, eta_s: float | None, force: bool = False) -> None:
        overall = round(min(1.0, max(0.0, route_progress(self.route, step, fraction))), 4)
        progress = JobProgress(self.job_id, step, overall, eta_s)
        if self.callback:
            self.callback(progress)
        now = time.monotonic()
        if force or now - self.last_write >= 1.0:
            self.last_write = now
            with self.catalogue.session() as db:
                job = db.get(Job, self.job_id)
                job.step, job.progress, job.eta_s = step, overall, eta_s


def ingest_file(catalogue: Catalogue, settings: Settings, media_path: Path, **kwargs) -> Job:
    """Create and run a job in the foreground (the CLI's path); return the finished job."""
    runner_keys = ("transcriber", "indexer", "on_progress", "diarizer_factory")
    run_kwargs = {k: kwargs.pop(k) for k in runner_keys if k in kwargs}
    job_id = create_ingest_job(catalogue, settings, media_path, **kwargs)
    return run_job(catalogue, settings, job_id, **run_kwargs)


__all__ = [
    "JobProgress",
    "MediaError",
    "create_diarize_job",
    "create_ingest_job",
    "ingest_file",
    "run_job",
]
