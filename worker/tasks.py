"""Background tasks: ingest jobs, finished uploads, reindexing, recovery and sweeping.

`build_tasks` registers the tasks on a queue it is given (or builds) and binds
them to a `TaskContext`: the settings, the catalogue and, for tests, a
transcriber. Tasks receive their context through that binding, never from a
module global. Claims and heartbeats (`core.claims`) make a message delivered
twice run once and let a job whose worker died be taken over.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from huey import Huey, crontab
from sqlalchemy import select

from core.catalogue.db import Catalogue, open_catalogue
from core.catalogue.schema import Job, Upload
from core.claims import WAITING, WORKING, Heartbeat, claim, is_orphaned
from core.errors import ArchiveError
from core.settings import Settings
from core.states import UploadState
from worker.queue import build_queue

log = logging.getLogger(__name__)


@dataclass
class TaskContext:
    """What tasks need in the process that runs them."""

    settings: Settings
    catalogue: Catalogue
    transcriber_factory: Callable[[], Any] | None = None  # None: the configured model
    heartbeat_s: float = 15.0
    stale_s: float = 120.0  # a running job silent this long lost its worker
    abandon_after_s: float = 7 * 24 * 3600  # an unfinished upload is deleted after a week


@dataclass
class Tasks:
    """A queue and the tasks registered on it; calling a task enqueues it."""

    huey: Huey
    context: TaskContext
    run_ingest: Callable[[int], Any]
    finish_upload: Callable[[str], Any]
    reindex_session: Callable[[str], Any]

    def recover(self) -> list[str]:
        """Requeue jobs and uploads whose worker died or whose message was lost; say which."""
        return recover(self)


def build_tasks(
    settings: Settings,
    catalogue: Catalogue | None = None,
    *,
    queue: Huey | None = None,
    immediate: bool = False,
    **options: Any,
) -> Tasks:
    """Register the archive's tasks on queue (default: one built from settings)."""
    huey = queue or build_queue(settings, immediate=immediate)
    ctx = TaskContext(settings, catalogue or open_catalogue(settings), **options)

    @huey.task(name="run_ingest")
    def run_ingest(job_id: int) -> str:
        return ingest_job(ctx, job_id)

    @huey.task(name="finish_upload")
    def finish_upload(upload_id: str) -> None:
        job_id = process_upload(ctx, upload_id)  # None: refused, or another worker has it
        if job_id is not None:
            run_ingest(job_id)

    @huey.task(name="reindex_session")
    def reindex_session(session_slug: str) -> None:
        from index.service import index_session

        index_session(ctx.catalogue, ctx.settings.index_dir, session_slug)

    tasks = Tasks(huey, ctx, run_ingest, finish_upload, reindex_session)

    @huey.periodic_task(crontab(minute="*"), name="recover_periodically")
    def recover_periodically() -> None:
        recover(tasks)  # every minute, requeue work whose worker died

    @huey.periodic_task(crontab(minute="17", hour="*"), name="sweep_uploads_hourly")
    def sweep_uploads_hourly() -> None:
        sweep_uploads(ctx.catalogue, ctx.settings, ctx.abandon_after_s)

    return tasks


def ingest_job(ctx: TaskContext, job_id: int) -> str:
    """Run or resume one ingest job unless another worker holds it."""
    from index.service import index_session
    from ingest.pipeline import run_job

    if not claim(ctx.catalogue, Job, job_id, ctx.stale_s):
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


def process_upload(ctx: TaskContext, upload_id: str) -> int | None:
    """Check a fully received upload and store it; return its ingest job, None if refused."""
    from worker.uploads import finalize_upload

    if not claim(ctx.catalogue, Upload, upload_id, ctx.stale_s):
        return None
    with Heartbeat(ctx.catalogue, Upload, upload_id, ctx.heartbeat_s):
        return finalize_upload(ctx.catalogue, ctx.settings, upload_id)


def sweep_uploads(catalogue: Catalogue, settings: Settings, abandon_after_s: float) -> list[str]:
    """Cancel uploads untouched for abandon_after_s, remove leftovers; return the ids."""
    from worker.uploads import cancel_upload, part_path, remove_files

    cutoff = datetime.now(UTC) - timedelta(seconds=abandon_after_s)
    swept = []
    settled = (UploadState.UPLOADING, UploadState.REJECTED, UploadState.DONE)
    with catalogue.session() as db:
        for upload in db.scalars(select(Upload).where(Upload.state.in_(settled))):
            leftover = (
                part_path(settings, upload.id).exists()
                or (settings.uploads_dir / upload.id).exists()
            )
            uploading = upload.state == UploadState.UPLOADING
            if uploading and upload.updated_at < cutoff:
                cancel_upload(settings, upload, "abandoned: nothing arrived for a long time")
                swept.append(upload.id)
            elif not uploading and leftover:
                remove_files(settings, upload)
                swept.append(upload.id)
    return swept


def recover(tasks: Tasks) -> list[str]:
    """Requeue jobs and uploads whose worker died or whose message was lost; say which."""
    ctx = tasks.context
    pending = {(type(t).__name__, t.args[0]) for t in tasks.huey.pending() if t.args}
    stale = datetime.now(UTC) - timedelta(seconds=ctx.stale_s)
    requeued: list[str] = []
    for model, task, label in (
        (Job, tasks.run_ingest, "job"),
        (Upload, tasks.finish_upload, "upload"),
    ):
        waiting, working = WAITING[model], WORKING[model]
        with ctx.catalogue.session() as db:
            rows = list(db.scalars(select(model).where(model.state.in_((waiting, working)))))
        for row in rows:
            lost = row.state == waiting and (task.task_class.__name__, row.id) not in pending
            if lost or is_orphaned(row, working, stale):
                task(row.id)
                requeued.append(f"{label} {row.id}")
    return requeued
