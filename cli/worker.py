"""`archive worker`: process queued ingests, uploads and reindexing."""

from __future__ import annotations

import click

from cli.context import Context, pass_archive


@click.command("worker")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Jobs run at the same time (each transcription uses several cores).",
)
@click.option(
    "--stale-after",
    "stale_s",
    type=click.FloatRange(10),
    default=120.0,
    show_default=True,
    help="Seconds without a heartbeat before a job is taken over.",
)
@pass_archive
def worker_command(ctx: Context, workers: int, stale_s: float) -> None:
    """Run the background worker: process queued ingest jobs, uploads and reindexing."""
    from worker.consumer import run_worker

    run_worker(ctx.settings, ctx.catalogue, workers=workers, stale_s=stale_s)
