"""`archive worker`: process queued ingests, uploads and reindexing."""

from __future__ import annotations

import click

from cli.context import EXIT_USAGE, Context, fail, pass_archive
from core.errors import ConfigError


@click.command("worker")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Jobs run at the same time (each transcription uses several cores). [default: 1]",
)
@click.option(
    "--stale-after",
    "stale_s",
    type=click.FloatRange(10),
    default=120.0,
    show_default=True,
    help="Seconds without a heartbeat before a job is taken over.",
)
@click.option(
    "--index-writer",
    is_flag=True,
    help="Be the index writer: only write queued index updates (ARCHIVE_INDEX_WRITER=queue).",
)
@pass_archive
def worker_command(ctx: Context, workers: int | None, stale_s: float, index_writer: bool) -> None:
    """Run the background worker: process queued ingest jobs, uploads and reindexing."""
    from worker.consumer import run_worker

    if index_writer and workers not in (None, 1):
        fail("--index-writer runs one thread (the index has one writer): leave out --workers",
             EXIT_USAGE)  # fmt: skip
    try:
        run_worker(
            ctx.settings,
            ctx.catalogue,
            workers=workers or 1,
            stale_s=stale_s,
            index_writer=index_writer,
        )
    except ConfigError as exc:
        fail(str(exc))
