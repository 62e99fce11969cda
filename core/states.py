"""The life of an ingest job and of an upload: their states and the moves allowed between them.

Every write of `Job.state` or `Upload.state` goes through `advance`, so a state
nobody planned for (a finished job running again, a rejected upload processed)
is refused at the point where it would happen rather than found later.
"""

from __future__ import annotations

from enum import StrEnum

from core.errors import CatalogueError


class JobState(StrEnum):
    """Where an ingest job stands."""

    QUEUED = "queued"  # waiting for a worker
    RUNNING = "running"  # claimed by a worker, which keeps a heartbeat
    DONE = "done"
    FAILED = "failed"  # the error says why in words; retry queues it again


class UploadState(StrEnum):
    """Where an upload stands."""

    UPLOADING = "uploading"  # chunks arriving; resumable
    RECEIVED = "received"  # every byte is on disk, waiting for a worker to check it
    PROCESSING = "processing"  # claimed by a worker, which keeps a heartbeat
    DONE = "done"  # stored and handed to an ingest job
    REJECTED = "rejected"  # refused or abandoned; the error says why


JOB_MOVES: dict[JobState, frozenset[JobState]] = {
    # RUNNING -> RUNNING: a worker takes over the job of a dead one.
    JobState.QUEUED: frozenset({JobState.RUNNING, JobState.FAILED}),
    JobState.RUNNING: frozenset({JobState.RUNNING, JobState.DONE, JobState.FAILED}),
    JobState.FAILED: frozenset({JobState.QUEUED, JobState.RUNNING}),  # retry, or resume by CLI
    JobState.DONE: frozenset(),
}

UPLOAD_MOVES: dict[UploadState, frozenset[UploadState]] = {
    UploadState.UPLOADING: frozenset({UploadState.RECEIVED, UploadState.REJECTED}),
    UploadState.RECEIVED: frozenset({UploadState.PROCESSING, UploadState.REJECTED}),
    UploadState.PROCESSING: frozenset(
        {UploadState.PROCESSING, UploadState.DONE, UploadState.REJECTED}
    ),
    UploadState.DONE: frozenset({UploadState.REJECTED}),  # a swept leftover of a done upload
    UploadState.REJECTED: frozenset({UploadState.REJECTED}),
}


def advance(row: object, target: JobState | UploadState) -> None:
    """Set a job's or an upload's state to target, refusing a move that is not allowed."""
    current = row.state
    allowed = JOB_MOVES if isinstance(target, JobState) else UPLOAD_MOVES
    if current is not None and target not in allowed[type(target)(current)]:
        kind = "job" if isinstance(target, JobState) else "upload"
        raise CatalogueError(f"{kind} {row.id} cannot go from {current} to {target}")
    row.state = target
