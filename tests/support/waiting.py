"""Waiting for another process (a worker) to reach a state, with a bound on the wait."""

from __future__ import annotations

import time
from collections.abc import Callable

from core.catalogue.db import Catalogue
from core.catalogue.schema import Job


def wait_for(predicate: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Poll predicate every 0.2 s; fail naming what was awaited after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def job_row(catalogue: Catalogue, job_id: int) -> Job:
    """Read a job row afresh."""
    with catalogue.session() as db:
        return db.get(Job, job_id)
