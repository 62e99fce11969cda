"""Index updates through the queue: which ingests wait for the index, coalescing, recovery.

With `index_writer = "queue"` an ingest worker never opens the index. Its job
is `done` once the catalogue holds the transcript (the session page shows it),
but its step stays `index` ("updating the search" on the jobs page) and
`steps_done["index"]["indexed"]` stays false until the index writer has
committed the session: then the step becomes `done` ("finished"). The job row,
not the queue, says what still needs indexing, so a lost message is found by
`recover_index` and an update is never lost with the queue.

A reindex is idempotent (it replaces the session's documents by what the
catalogue holds when it runs), so several messages for one session coalesce:
a message skips itself when another one for the same session waits behind it,
since that later one reads the catalogue later.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from huey import Huey
from sqlalchemy import or_, select

from core.catalogue.db import Catalogue
from core.catalogue.schema import Job, Session
from core.states import JobState

WAITING_STEP = "index"  # the step a done job shows until the index writer has committed it
REINDEX_TASK = "reindex_session"
RECENT_S = 24 * 3600.0  # how far back recovery looks for an ingest that died before its mark


def _index_record(job: Job) -> dict:
    return dict((job.steps_done or {}).get("index") or {})


def needs_index(job: Job) -> bool:
    """Say whether a finished ingest's session still has to be written into the index."""
    return job.state == JobState.DONE and _index_record(job).get("indexed") is False


def mark_waiting(catalogue: Catalogue, job_id: int) -> str | None:
    """Record that a finished job waits for the index writer; return its session's slug.

    None when the job needs no index update (it failed, or was indexed inline).
    Called before the message is sent, so the writer always finds the mark.
    """
    with catalogue.session() as db:
        job = db.get(Job, job_id)
        if job is None or not needs_index(job):
            return None
        job.step = WAITING_STEP
        job.steps_done = {**job.steps_done, "index": {**_index_record(job), "queued": True}}
        return db.get(Session, job.session_id).slug


def waiting_jobs(catalogue: Catalogue, session_slug: str) -> list[int]:
    """Return the finished jobs of a session that wait for the index."""
    with catalogue.session() as db:
        jobs = db.scalars(
            select(Job).where(
                Job.state == JobState.DONE, Job.session.has(Session.slug == session_slug)
            )
        )
        return [job.id for job in jobs if needs_index(job)]


def mark_indexed(catalogue: Catalogue, job_ids: list[int], segments: int) -> None:
    """Record that these jobs' session is in the index (their step becomes `done`)."""
    if not job_ids:
        return
    with catalogue.session() as db:
        for job in db.scalars(select(Job).where(Job.id.in_(job_ids))):
            record = {**_index_record(job), "indexed": True, "segments": segments}
            job.steps_done = {**job.steps_done, "index": record}
            if job.step == WAITING_STEP:
                job.step = "done"


def queued_again(huey: Huey, session_slug: str) -> bool:
    """Say whether another reindex of this session waits in the queue (it will do ours)."""
    return any(
        type(task).__name__ == REINDEX_TASK and task.args and task.args[0] == session_slug
        for task in huey.pending()
    )


def reindex(catalogue: Catalogue, index_dir: Path, huey: Huey, session_slug: str) -> int | None:
    """Write one session into the index unless a later message will; return the count."""
    from index.service import index_session

    if queued_again(huey, session_slug):
        return None
    # Jobs marked before this read stored their transcript before it: the read has them.
    waiting = waiting_jobs(catalogue, session_slug)
    count = index_session(catalogue, index_dir, session_slug)
    mark_indexed(catalogue, waiting, count)
    return count


def sessions_to_index(catalogue: Catalogue, recent_s: float = RECENT_S) -> list[str]:
    """Return the sessions of finished jobs still waiting for the index, oldest first.

    Jobs marked waiting, and jobs finished lately whose worker stopped before
    marking them (their step is still `done`).
    """
    since = datetime.now(UTC) - timedelta(seconds=recent_s)
    with catalogue.session() as db:
        jobs = db.scalars(
            select(Job)
            .where(
                Job.state == JobState.DONE,
                or_(Job.step == WAITING_STEP, Job.finished_at >= since),
            )
            .order_by(Job.id)
        )
        slugs = [db.get(Session, job.session_id).slug for job in jobs if needs_index(job)]
    return list(dict.fromkeys(slugs))


def recover_index(catalogue: Catalogue, huey: Huey, enqueue: Callable[[str], Any]) -> list[str]:
    """Requeue the reindex of every session waiting for the index with no message; say which."""
    pending = {t.args[0] for t in huey.pending() if type(t).__name__ == REINDEX_TASK and t.args}
    requeued = []
    for slug in sessions_to_index(catalogue):
        if slug not in pending:
            enqueue(slug)
            requeued.append(f"reindex of {slug}")
    return requeued
