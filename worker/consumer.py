"""The consumer loop of `archive worker`: recover orphaned work, then process the queue."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from core.catalogue.db import Catalogue
from core.settings import Settings
from ingest.storage import sweep_home_partials
from worker.queue import describe_queue
from worker.tasks import build_tasks


def run_worker(
    settings: Settings,
    catalogue: Catalogue,
    *,
    workers: int = 1,
    stale_s: float = 120.0,
    transcriber_factory: Callable[[], Any] | None = None,
) -> None:
    """Build the queue and tasks, requeue orphaned work, then consume until stopped."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    tasks = build_tasks(
        settings,
        catalogue,
        transcriber_factory=transcriber_factory,
        stale_s=stale_s,
        heartbeat_s=min(15.0, stale_s / 4),
    )
    print(f"Worker for {settings.home}, queue: {describe_queue(settings)}", file=sys.stderr)
    swept = sweep_home_partials(settings)
    if swept:
        print(f"Deleted {len(swept)} temporary files of stopped workers", file=sys.stderr)
    for item in tasks.recover():
        print(f"Requeued {item} (its worker had stopped)", file=sys.stderr)
    # Short polling delays so that a correction is searchable within seconds.
    consumer = tasks.huey.create_consumer(
        workers=workers, worker_type="thread", max_delay=2.0, periodic=True
    )
    consumer.run()
