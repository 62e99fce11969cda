"""Background tasks: ingest jobs, finished uploads, reindexing, recovery and sweeping.

`build_tasks` registers the tasks on a queue it is given (or builds) and binds
them to a `TaskContext`: the settings, the catalogue and, for tests, a
transcriber. Tasks receive their context through that binding, never from a
module global. Claims and heartbeats (`core.claims`) make a message delivered
twice run once and let a job whose worker died be taken over.

Who writes the index follows the `index_writer` setting: `inline`, each ingest
and `reindex_session` writes it in the worker that runs it (one host);
`queue`, `reindex_session` lives on the `archive-index` queue, consumed only by
`archive worker --index-writer`, and an ingest ends by sending it there
(`worker.indexing`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from huey import Huey, crontab
from sqlalchemy import select

from core.catalogue.db import Catalogue, open_catalogue
from core.catalogue.schema import Job, Upload
from core.claims import WAITING, WORKING, Heartbeat, claim, is_orphaned
from core.errors import ArchiveError
from core.settings import Settings
from core.states import UploadState
from worker.indexing import mark_waiting, recover_index, reindex
from worker.queue import QUEUED, build_index_queue, build_queue, index_writer_mode

log = logging.getLogger(__name__)


@dataclass
class TaskContext:
    """What tasks need in the process that runs them."""

    settings: Settings
    catalogue: Catalogue
    transcriber_factory: Callable[[], Any] | None = None  # None: the configured model
    diarizer_factory: Callable[[], Any] | None = None  # None: the bundled diarization engine
    heartbeat_s: float = 15.0
    stale_s: float = 120.0  # a running job silent this long lost its worker
    abandon_after_s: float = 7 * 24 * 3600  # an unfinished upload is deleted after a week
    # Set when index_writer is `queue`: sends a session to the index writer.
    index_later: Callable[[str], Any] | None = None


@dataclass
class Tasks:
    """The queues and the tasks registered on them; calling a task enqueues it."""

    huey: Huey
    context: TaskContext
    run_ingest: Callable[[int], Any]
    finish_upload: Callable[[str], Any]
    reindex_session: Callable[[str], Any]  # on index_huey
    index_huey: Huey | None = None  # the `archive-index` queue; None: `huey` (inline)
    # Aligns a corrected session's estimated words to its audio, then reindexes it.
    realign_session: Callable[[str], Any] | None = None

    @property
    def index_queue(self) -> Huey:
        """Return the queue that carries index updates."""
        return self.index_huey or self.huey

    def recover(self) -> list[str]:
        """Requeue jobs and uploads whose worker died or whose message was lost; say which."""
        return recover(self)

    def recover_index(self) -> list[str]:
        """Requeue the index updates of finished ingests whose message was lost; say which."""
        return recover_index(self.context.catalogue, self.index_queue, self.reindex_session)


def build_tasks(
    settings: Settings,
    catalogue: Catalogue | None = None,
    *,
    queue: Huey | None = None,
    index_queue: Huey | None = None,
    immediate: bool = False,
    **options: Any,
) -> Tasks:
    """Register the archive's tasks on queue (default: one built from settings).

    With index_writer `queue`, `reindex_session` goes on index_queue (default:
    the `archive-index` queue built from settings) instead.
    """
    queued_index = index_writer_mode(settings) == QUEUED
    huey = queue or build_queue(settings, immediate=immediate)
    index_huey = None
    if queued_index:
        index_huey = index_queue or build_index_queue(settings, immediate=immediate)
    ctx = TaskContext(settings, catalogue or open_catalogue(settings), **options)

    @huey.task(name="run_ingest")
    def run_ingest(job_id: int) -> str:
        return ingest_job(ctx, job_id)

    @huey.task(name="finish_upload")
    def finish_upload(upload_id: str) -> None:
        job_id = process_upload(ctx, upload_id)  # None: refused, or another worker has it
        if job_id is not None:
            run_ingest(job_id)

    index_home = index_huey or huey

    @index_home.task(name="reindex_session")
    def reindex_session(session_slug: str) -> None:
        reindex(ctx.catalogue, ctx.settings.index_dir, index_home, session_slug)

    if index_huey is not None:
        ctx.index_later = reindex_session

        @huey.task(name="reindex_session")
        def forward_reindex(session_slug: str) -> None:
            reindex_session(session_slug)  # sent by a process still set to `inline`

    @huey.task(name="realign_session")
    def realign_session(session_slug: str) -> None:
        if realign(ctx, session_slug).words:
            reindex_session(session_slug)  # search lands on the aligned seconds

    tasks = Tasks(
        huey, ctx, run_ingest, finish_upload, reindex_session, index_huey, realign_session
    )

    @index_home.periodic_task(crontab(minute="*"), name="recover_index_periodically")
    def recover_index_periodically() -> None:
        tasks.recover_index()  # every minute, resend index updates whose message was lost

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
    # In `queue` mode this process never opens the index: the index writer does.
    indexer = (
        None if ctx.index_later else partial(index_session, ctx.catalogue, ctx.settings.index_dir)
    )
    with Heartbeat(ctx.catalogue, Job, job_id, ctx.heartbeat_s):
        try:
            run_job(
                ctx.catalogue,
                ctx.settings,
                job_id,
                transcriber=transcriber,
                indexer=indexer,
                diarizer_factory=ctx.diarizer_factory,
            )
        except ArchiveError as exc:  # already recorded on the job, in words for the archivist
            log.warning("job %s failed: %s", job_id, exc)
            return "failed"
    if ctx.index_later is not None:
        slug = mark_waiting(ctx.catalogue, job_id)  # before the message: the writer finds it
        if slug is not None:
            ctx.index_later(slug)
            return "done, queued for indexing"
    return "done"


def realign(ctx: TaskContext, session_slug: str) -> Any:
    """Align the words corrected in a session's current version to its recording, in place.

    Run after a save, here rather than in the web process, which never loads the
    speech model. Returns the `ingest.alignment.Realignment` report.
    """
    from ingest.alignment import realign_session
    from ingest.transcribe import make_transcriber

    def transcriber() -> Any:
        if ctx.transcriber_factory is not None:
            return ctx.transcriber_factory()
        return make_transcriber("", ctx.settings)

    return realign_session(ctx.catalogue, ctx.settings, session_slug, transcriber)


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
    """Requeue jobs and uploads whose worker died or whose message was lost, and the
    alignment of saved corrections whose message was lost; say which."""
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
    from ingest.alignment import sessions_to_realign

    for slug in sessions_to_realign(ctx.catalogue):  # a save whose alignment message was lost
        if (tasks.realign_session.task_class.__name__, slug) not in pending:
            tasks.realign_session(slug)
            requeued.append(f"alignment of {slug}")
    return requeued
