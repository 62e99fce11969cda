"""The background worker: the job queue, its tasks, uploads and the consumer loop.

Imports `core`, `ingest` and `index`; never Flask or `portal`. The portal and
the CLI build a queue with `worker.tasks.build_tasks` to enqueue; `archive
worker` runs `worker.consumer.run_worker` to consume.
"""
