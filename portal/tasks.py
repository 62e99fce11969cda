"""Background tasks run by `archive worker`: ingest jobs, finished uploads, reindexing.

A job is claimed in the catalogue before it runs and kept alive by a heartbeat,
so a message delivered twice runs once, and a job whose worker died (even by
`kill -9`) is found by `recover` and resumed from its last finished step.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Flask
from huey import crontab
from sqlalchemy import or_, select, update

from core.catalogue.db import Catalogue, open_catalogue
from core.catalogue.schema import Job, Upload
from core.errors import ArchiveError, ConfigError
from core.settings import Settings
from ingest.transcribe import Transcriber
from portal.queue import configure_queue, huey

log = logging.getLogger(__name__)
MAX_INTERRUPTIONS = 3  # a job that kills its worker this often fails instead of looping


@dataclass
class TaskContext:
    """What tasks need in the process that runs them."""

    settings: Settings
    catalogue: Catalogue
    transcriber_factory: Callable[[], Transcriber | None] | None = None
    heartbeat_s: float = 15.0
    stale_s: float = 120.0  # a running job silent this long lost its worker
    abandon_after_s: float = 7 * 24 * 3600  # an unfinished upload is deleted after a week


_context: list[TaskContext] = []


def configure_tasks(
    settings: Settings, catalogue: Catalogue | None = None, **options: object
) -> TaskContext:
    """Set the settings, catalogue and (for tests) transcriber the tasks of this process use."""
    context = TaskContext(settings, catalogue or open_catalogue(settings), **options)
    _context[:] = [context]
    return context


def task_context() -> TaskContext:
    """Return the configured context, or fail with a clear message."""
    if not _context:
        raise ConfigError("background tasks are not configured: start them with `archive worker`")
    return _context[0]


def enqueue_job(settings: Settings, job_id: int) -> None:
    """Queue an ingest job for the worker of this archive (the CLI's `ingest --queue`)."""
    configure_queue(settings)
    run_ingest(job_id)


def worker_identity() -> str:
    """Return 'host:pid' of this process, recorded on what it claims."""
    return f"{socket.gethostname()}:{os.getpid()}"


@huey.task()
def run_ingest(job_id: int) -> str:
    """Run or resume one ingest job unless another worker holds it."""
    from index.service import index_session
    from ingest.pipeline import run_job

    ctx = task_context()
    if not claim(ctx.catalogue, Job, job_id, ctx.stale_s, ("queued",)):
        return "skipped"
    transcriber = ctx.transcriber_factory() if ctx.transcriber_factory else None
    with Heartbeat(ctx.catalogue, Job, job_id, ctx.heartbeat_s):
        try:
            run_job(
                ctx.catalogue,
                ctx.settings,
                job_id,
                transcriber=transcriber,
                indexer=lambda slug: index_session(ctx.catalogue, ctx.settings.index_dir, slug),
            )
        except ArchiveError as exc:  # already recorded on the job, in words for the archivist
            log.warning("job %s failed: %s", job_id, exc)
            return "failed"
    return "done"


@huey.task()
def finish_upload(upload_id: str) -> str:
    """Check a fully received upload, store it and queue its ingest job."""
    from portal.uploads import finalize_upload

    ctx = task_context()
    if not claim(ctx.catalogue, Upload, upload_id, ctx.stale_s, ("received",)):
        return "skipped"
    with Heartbeat(ctx.catalogue, Upload, upload_id, ctx.heartbeat_s):
        job_id = finalize_upload(ctx.catalogue, ctx.settings, upload_id)
    if job_id is not None:
        run_ingest(job_id)
    return "done" if job_id is not None else "rejected"


@huey.task()
def reindex_session(session_slug: str) -> None:
    """Bring one session's search documents in line with the catalogue."""
    from index.service import index_session

    ctx = task_context()
    index_session(ctx.catalogue, ctx.settings.index_dir, session_slug)


@huey.periodic_task(crontab(minute="*"))
def recover_periodically() -> None:
    """Every minute, requeue work whose worker died."""
    recover(task_context())


@huey.periodic_task(crontab(minute="17", hour="*"))
def sweep_uploads_hourly() -> None:
    """Every hour, delete abandoned uploads and anything a refused one left behind."""
    ctx = task_context()
    sweep_uploads(ctx.catalogue, ctx.settings, ctx.abandon_after_s)


def sweep_uploads(catalogue: Catalogue, settings: Settings, abandon_after_s: float) -> list[str]:
    """Cancel uploads untouched for abandon_after_s, remove leftovers; return the ids."""
    from portal.uploads import cancel_upload, part_path, remove_files

    cutoff = datetime.now(UTC) - timedelta(seconds=abandon_after_s)
    swept = []
    with catalogue.session() as db:
        for upload in db.scalars(
            select(Upload).where(Upload.state.in_(("uploading", "rejected", "done")))
        ):
            leftover = (
                part_path(settings, upload.id).exists()
                or (settings.uploads_dir / upload.id).exists()
            )
            if upload.state == "uploading" and _aware(upload.updated_at) < cutoff:
                cancel_upload(settings, upload, "abandoned: nothing arrived for a long time")
                swept.append(upload.id)
            elif upload.state != "uploading" and leftover:
                remove_files(settings, upload)
                swept.append(upload.id)
    return swept


def claim(
    catalogue: Catalogue, model: type, key: object, stale_s: float, from_states: tuple[str, ...]
) -> bool:
    """Atomically mark a job or upload as ours; False when someone alive already has it."""
    now = datetime.now(UTC)
    stale = now - timedelta(seconds=stale_s)
    with catalogue.session() as db:
        row = db.get(model, key)
        if row is None:
            return False
        running = "running" if model is Job else "processing"
        orphaned = row.state == running and (
            _aware(row.updated_at) < stale or _owner_dead(row.params)
        )
        interrupted = int((row.params or {}).get("interrupted", 0)) + (1 if orphaned else 0)
        if orphaned and interrupted > MAX_INTERRUPTIONS:
            row.state = "failed" if model is Job else "rejected"
            row.error = (
                f"the worker stopped {interrupted} times while processing this "
                "recording; check the worker's memory and disk space, then retry"
            )
            return False
        claimable = model.state.in_(from_states)
        if orphaned:  # compare-and-set on the heartbeat we saw: two rescuers, one winner
            claimable = or_(
                claimable, (model.state == running) & (model.updated_at == row.updated_at)
            )
        result = db.execute(
            update(model)
            .where(model.id == key, claimable)
            .values(state=running, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            return False
        db.expire(row)
        row.params = {**(row.params or {}), "worker": worker_identity(), "interrupted": interrupted}
        return True


def recover(ctx: TaskContext) -> list[str]:
    """Requeue jobs and uploads whose worker died or whose message was lost; say which."""
    pending = {(type(t).__name__, t.args[0]) for t in huey.pending() if t.args}
    stale = datetime.now(UTC) - timedelta(seconds=ctx.stale_s)
    requeued: list[str] = []
    with ctx.catalogue.session() as db:
        jobs = list(db.scalars(select(Job).where(Job.state.in_(("queued", "running")))))
        uploads = list(
            db.scalars(select(Upload).where(Upload.state.in_(("received", "processing"))))
        )
    # (rows, state while waiting, state while worked on, task that processes one, label)
    for rows, waiting, working, task, label in (
        (jobs, "queued", "running", run_ingest, "job"),
        (uploads, "received", "processing", finish_upload, "upload"),
    ):
        for row in rows:
            lost = row.state == waiting and (task.task_class.__name__, row.id) not in pending
            dead = row.state == working and (
                _aware(row.updated_at) < stale or _owner_dead(row.params)
            )
            if lost or dead:
                task(row.id)
                requeued.append(f"{label} {row.id}")
    return requeued


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; the catalogue always writes UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _owner_dead(params: dict | None) -> bool:
    # Only a worker on this host can tell that another one here is gone for sure.
    host, _, pid = str((params or {}).get("worker", "")).rpartition(":")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class Heartbeat:
    """Touch a claimed row every few seconds from a thread, so others know we are alive."""

    def __init__(self, catalogue: Catalogue, model: type, key: object, every_s: float) -> None:
        self.catalogue, self.model, self.key, self.every_s = catalogue, model, key, every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{key}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        running = "running" if self.model is Job else "processing"
        while not self._stop.wait(self.every_s):
            try:
                with self.catalogue.session() as db:
                    db.execute(
                        update(self.model)
                        .where(self.model.id == self.key, self.model.state == running)
                        .values(updated_at=datetime.now(UTC))
                        .execution_options(synchronize_session=False)
                    )
            except Exception:  # noqa: BLE001 - a missed beat must not kill the job
                log.exception("heartbeat of %s %s failed", self.model.__name__, self.key)


def init_app(app: Flask) -> None:
    """Configure the queue and the tasks for a portal app (inline tasks when testing)."""
    archive = app.extensions["archive"]
    immediate = bool(app.config.get("ARCHIVE_QUEUE_IMMEDIATE", app.testing))
    configure_queue(archive.settings, immediate=immediate)
    configure_tasks(
        archive.settings,
        archive.catalogue,
        transcriber_factory=app.config.get("ARCHIVE_TRANSCRIBER_FACTORY"),
    )
