"""Claiming a job or an upload for one worker, and keeping the claim alive.

A row is claimed in the catalogue before it is worked on and kept alive by a
heartbeat, so a message delivered twice runs once, and work whose worker died
(even by `kill -9`) is found, taken over and resumed. The queue only carries
messages; the catalogue is where the truth about who works on what lives.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, update

from core.catalogue.db import Catalogue
from core.catalogue.schema import Job, Upload
from core.states import JobState, UploadState, advance

log = logging.getLogger(__name__)
MAX_INTERRUPTIONS = 3  # a job that kills its worker this often fails instead of looping

# Per kind of work: the state while waiting, while worked on, and once given up.
WAITING = {Job: JobState.QUEUED, Upload: UploadState.RECEIVED}
WORKING = {Job: JobState.RUNNING, Upload: UploadState.PROCESSING}
GIVEN_UP = {Job: JobState.FAILED, Upload: UploadState.REJECTED}


def worker_identity() -> str:
    """Return 'host:pid' of this process, recorded on what it claims."""
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(catalogue: Catalogue, model: type, key: object, stale_s: float) -> bool:
    """Atomically mark a waiting or orphaned job or upload as ours; False when we may not."""
    now = datetime.now(UTC)
    stale = now - timedelta(seconds=stale_s)
    working = WORKING[model]
    with catalogue.session() as db:
        row = db.get(model, key)
        if row is None:
            return False
        orphaned = is_orphaned(row, working, stale)
        interrupted = int((row.params or {}).get("interrupted", 0)) + (1 if orphaned else 0)
        if orphaned and interrupted > MAX_INTERRUPTIONS:
            advance(row, GIVEN_UP[model])
            row.error = (
                f"the worker stopped {interrupted} times while processing this "
                "recording; check the worker's memory and disk space, then retry"
            )
            return False
        claimable = model.state == WAITING[model]
        if orphaned:  # compare-and-set on the heartbeat we saw: two rescuers, one winner
            claimable = or_(
                claimable, (model.state == working) & (model.updated_at == row.updated_at)
            )
        result = db.execute(
            update(model)
            .where(model.id == key, claimable)
            .values(state=working, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            return False
        db.expire(row)
        row.params = {**(row.params or {}), "worker": worker_identity(), "interrupted": interrupted}
        return True


def is_orphaned(row: Job | Upload, working: str, stale: datetime) -> bool:
    """Say whether a row worked on has lost its worker (silent since stale, or its pid is gone).

    Timestamps come back UTC-aware from every backend (`UTCDateTime`), so they compare as read.
    """
    return row.state == working and (row.updated_at < stale or owner_dead(row.params))


def owner_dead(params: dict | None) -> bool:
    """Say whether the worker recorded in params is a process of this host that is gone."""
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
        working = WORKING[self.model]
        while not self._stop.wait(self.every_s):
            try:
                with self.catalogue.session() as db:
                    db.execute(
                        update(self.model)
                        .where(self.model.id == self.key, self.model.state == working)
                        .values(updated_at=datetime.now(UTC))
                        .execution_options(synchronize_session=False)
                    )
            except Exception:  # noqa: BLE001 - a missed beat must not kill the job
                log.exception("heartbeat of %s %s failed", self.model.__name__, self.key)
