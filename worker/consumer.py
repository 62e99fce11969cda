"""The consumer loop of `archive worker`: recover orphaned work, then process the queue."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from core.catalogue.db import Catalogue
from core.errors import ConfigError
from core.settings import Settings
from ingest.storage import sweep_home_partials
from worker.queue import INDEX_QUEUE_NAME, INLINE, describe_queue, index_writer_mode
from worker.tasks import build_tasks


def run_worker(
    settings: Settings,
    catalogue: Catalogue,
    *,
    workers: int = 1,
    stale_s: float = 120.0,
    transcriber_factory: Callable[[], Any] | None = None,
    index_writer: bool = False,
) -> None:
    """Build the queue and tasks, requeue orphaned work, then consume until stopped.

    index_writer: consume only the `archive-index` queue, in one thread: the one
    process that writes the index when `index_writer` is `queue`.
    """
    mode = index_writer_mode(settings)
    if index_writer and mode == INLINE:
        raise ConfigError(
            "ARCHIVE_INDEX_WRITER is 'inline': every worker writes the index itself, so there "
            "is no index writer to run; set ARCHIVE_INDEX_WRITER=queue on every host (portal "
            "and workers) to have `archive worker --index-writer` write it alone"
        )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    tasks = build_tasks(
        settings,
        catalogue,
        transcriber_factory=transcriber_factory,
        stale_s=stale_s,
        heartbeat_s=min(15.0, stale_s / 4),
    )
    where = describe_queue(settings)
    if index_writer:
        print(f"Index writer for {settings.index_dir}, queue {INDEX_QUEUE_NAME}: {where}",
              file=sys.stderr)  # fmt: skip
        for item in tasks.recover_index():
            print(f"Requeued {item} (its message was lost)", file=sys.stderr)
        # One thread: the index has one writer; each commit is one session.
        consumer = tasks.index_queue.create_consumer(
            workers=1, worker_type="thread", max_delay=2.0, periodic=True
        )
        consumer.run()
        return
    index = "written inline" if mode == INLINE else "sent to `archive worker --index-writer`"
    print(f"Worker for {settings.home}, queue: {where}; index: {index}", file=sys.stderr)
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
