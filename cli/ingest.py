"""`archive ingest` and `archive diarize`: transcribe, find voices, attribute, store, index."""

from __future__ import annotations

import time
from pathlib import Path

import click

from cli.context import EXIT_USAGE, Context, fail, pass_archive
from cli.progress import ProgressDisplay
from core.errors import ArchiveError
from core.manifest import is_language_code
from ingest.errors import DuplicateRecordingError


@click.command("ingest")
@click.argument("media", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--session", "session_slug", help="Slug of the session this recording belongs to.")
@click.option("--language", help="Spoken language (fr, en…); default: the session's, or detect.")
@click.option("--model", help="Speech model: base (default), tiny.en, a folder, or a hub name.")
@click.option(
    "--transcript",
    "transcript_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Use this existing .vtt, .srt or .json transcript instead of Whisper.",
)
@click.option("--queue", "queued", is_flag=True, help="Enqueue for `archive worker` and return.")
@click.option("--force", is_flag=True, help="Transcribe again a file that was already ingested.")
@pass_archive
def ingest_command(
    ctx: Context,
    media: Path,
    session_slug: str | None,
    language: str | None,
    model: str | None,
    transcript_file: Path | None,
    queued: bool,
    force: bool,
) -> None:
    """Ingest a recording: probe, transcribe, attribute speakers, store and index."""
    from core.jobs import unfinished_job_for
    from ingest.pipeline import create_ingest_job

    if language is not None and not is_language_code(language.lower()):
        fail(f"--language must be a two-letter code such as fr or en, not {language!r}", EXIT_USAGE)
    started = time.monotonic()
    try:
        try:
            job_id = create_ingest_job(
                ctx.catalogue,
                ctx.settings,
                media,
                session_slug=session_slug,
                language=language.lower() if language else None,
                model=model,
                transcript_file=transcript_file,
                force=force,
            )
        except DuplicateRecordingError as exc:
            job_id = unfinished_job_for(ctx.catalogue, exc.recording_id)
            if job_id is None:
                raise
            click.echo(f"Resuming unfinished job {job_id} for this file.", err=True)
        job = _queue_or_run(ctx, job_id, queued)
    except ArchiveError as exc:
        fail(str(exc))
    if job is not None:
        _print_outcome(ctx, job, time.monotonic() - started)


def _queue_or_run(ctx: Context, job_id: int, queued: bool):
    """Enqueue the job for `archive worker` (None), or run it here with progress shown."""
    from ingest.pipeline import run_job

    if queued:
        ctx.tasks().run_ingest(job_id)
        click.echo(f"Queued job {job_id}; run `archive worker` to process it.")
        return None
    index_later = ctx.index_writer_queued()
    with ProgressDisplay() as bar:
        job = run_job(
            ctx.catalogue,
            ctx.settings,
            job_id,
            indexer=None if index_later else ctx.indexer(),
            on_progress=bar.update,
        )
    if index_later:
        _hand_to_index_writer(ctx, job_id)
    return job


@click.command("diarize")
@click.argument("session_slug")
@click.option("--queue", "queued", is_flag=True, help="Enqueue for `archive worker` and return.")
@pass_archive
def diarize_command(ctx: Context, session_slug: str, queued: bool) -> None:
    """Find a session's voices again under its current transcript, keeping its text.

    The result is a new transcript version: speakers and voices found again,
    names an archivist confirmed kept, text corrections untouched.
    """
    from ingest.pipeline import create_diarize_job

    try:
        job = _queue_or_run(
            ctx, create_diarize_job(ctx.catalogue, ctx.settings, session_slug), queued
        )
    except ArchiveError as exc:
        fail(str(exc))
    if job is None:
        return
    speakers = job.steps_done.get("speakers", {})
    how = ", ".join(f"{n} by {rule}" for rule, n in speakers.get("named_by", {}).items())
    click.echo(
        f"Session '{session_slug}': transcript version {job.steps_done['store']['version']}, "
        f"{speakers.get('voices', 0)} voices, {speakers.get('named', 0)} named"
        f"{f' ({how})' if how else ''}."
    )


def _hand_to_index_writer(ctx: Context, job_id: int) -> None:
    """In `queue` mode, leave the finished job's session to `archive worker --index-writer`."""
    from worker.indexing import mark_waiting

    slug = mark_waiting(ctx.catalogue, job_id)  # before the message: the writer finds the mark
    if slug is not None:
        ctx.tasks().reindex_session(slug)
        click.echo(
            "The index writer (`archive worker --index-writer`) will make it searchable.",
            err=True,
        )


def _print_outcome(ctx: Context, job, elapsed_s: float) -> None:
    store = job.steps_done.get("store", {})
    transcribe = job.steps_done.get("transcribe") or job.steps_done.get("import") or {}
    with ctx.catalogue.session() as db:
        from core.catalogue.schema import Session

        session = db.get(Session, job.session_id)
        click.echo(
            f"Ingested into session '{session.slug}'"
            f"{'' if session.published else ' (draft)'}: transcript version "
            f"{store.get('version')}, {store.get('segments', 0)} segments, language "
            f"{transcribe.get('language', session.language)}, {elapsed_s:.1f} s."
        )
