"""The `archive` command line: one click group, the first interface of the archive.

The archive home is `--home DIR`, else `$ARCHIVE_HOME`, else `./instance`.
This module is the composition root of the CLI: it wires the ingest pipeline
to the index, so neither package needs to know the other.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from core.errors import ArchiveError
from core.manifest import is_language_code
from core.settings import Settings, load_settings
from ingest.errors import DuplicateRecordingError

EXIT_USAGE = 2


class Context:
    """Lazily opened archive: commands that only print help never touch the disk."""

    def __init__(self, home: str | None) -> None:
        self.home = home
        self._settings: Settings | None = None
        self._catalogue = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.home)
        return self._settings

    @property
    def catalogue(self):
        if self._catalogue is None:
            from core.catalogue import open_catalogue

            self._catalogue = open_catalogue(self.settings)
        return self._catalogue

    def indexer(self):
        """Return the callback the pipeline uses to reindex one session."""
        from index.service import index_session

        return lambda slug: index_session(self.catalogue, self.settings.index_dir, slug)


def fail(message: str, code: int = 1) -> None:
    """Print an error for a person and exit with code."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    envvar="ARCHIVE_HOME",
    help="Archive home folder (default: $ARCHIVE_HOME, else ./instance).",
)
@click.pass_context
def main(click_ctx: click.Context, home: str | None) -> None:
    """Video archive and transcript portal for recorded seminars."""
    click_ctx.obj = Context(home)


@main.command("import")
@click.argument("manifest", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def import_command(ctx: Context, manifest: Path) -> None:
    """Load series, people and sessions from a YAML manifest (re-import updates)."""
    from core.catalogue.importer import apply_manifest
    from core.catalogue.queries import current_transcript, get_session
    from core.manifest import load_manifest
    from index.errors import SearchIndexError
    from index.service import index_session

    try:
        loaded = load_manifest(manifest)
        with ctx.catalogue.session() as db:
            report = apply_manifest(db, loaded)
        with ctx.catalogue.session() as db:
            transcribed = [
                slug
                for slug in report.sessions
                if current_transcript(db, get_session(db, slug, include_drafts=True))
            ]
        for slug in transcribed:  # names and affiliations may have changed
            index_session(ctx.catalogue, ctx.settings.index_dir, slug)
    except ArchiveError as exc:
        fail(str(exc))
    except SearchIndexError as exc:  # the catalogue is updated; only search lags behind
        fail(
            f"imported {manifest.name} ({report.summary()}), but the search index could not "
            f"be updated: {exc}; run `archive reindex`"
        )
    click.echo(f"Imported {manifest.name}: {report.summary()}.")


@main.command("ingest")
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
@click.pass_obj
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
    from ingest.pipeline import create_ingest_job, run_job, unfinished_job_for

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
        if queued:
            from portal.tasks import enqueue_job

            enqueue_job(ctx.settings, job_id)
            click.echo(f"Queued job {job_id}; run `archive worker` to process it.")
            return
        with _ProgressBar() as bar:
            job = run_job(
                ctx.catalogue, ctx.settings, job_id, indexer=ctx.indexer(), on_progress=bar.update
            )
    except ArchiveError as exc:
        fail(str(exc))
    _print_outcome(ctx, job, time.monotonic() - started)


class _ProgressBar:
    """A tqdm bar in percent with the step name and the pipeline's own ETA."""

    def __enter__(self):
        from tqdm import tqdm

        self.bar = tqdm(
            total=100,
            unit="%",
            file=sys.stderr,
            dynamic_ncols=True,
            bar_format="{desc:<11} {percentage:3.0f}%|{bar}| {postfix}",
        )
        return self

    def update(self, progress) -> None:
        self.bar.set_description_str(progress.step)
        self.bar.n = round(progress.fraction * 100, 1)
        eta = progress.eta_s
        self.bar.set_postfix_str(f"ETA {_clock(eta)}" if eta is not None else "", refresh=False)
        self.bar.refresh()

    def __exit__(self, *exc_info) -> None:
        self.bar.close()


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


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


@main.command("sessions")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_obj
def sessions_command(ctx: Context, as_json: bool) -> None:
    """List sessions (drafts included, marked as such)."""
    from core.catalogue.queries import session_summaries

    with ctx.catalogue.session() as db:
        rows = session_summaries(db)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        state = "" if row["published"] else " [draft]"
        click.echo(
            f"{row['date'] or '----------'}  {row['slug']}{state}\n"
            f"            {row['title']} ({row['segments']} segments)"
        )


@main.command("export")
@click.argument("slug")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["vtt", "srt", "txt", "json"]),
    default="vtt",
    show_default=True,
)
@click.option(
    "--version",
    "version",
    type=click.IntRange(min=1),
    help="Transcript version (default: the current one).",
)
@click.pass_obj
def export_command(ctx: Context, slug: str, fmt: str, version: int | None) -> None:
    """Write a session's transcript to standard output."""
    from core.catalogue.queries import export_view, get_session, transcript_version
    from ingest.exports import export_transcript

    with ctx.catalogue.session() as db:
        session = get_session(db, slug, include_drafts=True)
        if session is None:
            fail(f"no session '{slug}' (see `archive sessions`)")
        transcript = transcript_version(db, session, version) if version else None
        if version and transcript is None:
            fail(f"session '{slug}' has no transcript version {version}")
        view = export_view(db, session, transcript)
    if view is None:
        fail(f"session '{slug}' has no transcript yet; ingest a recording first")
    click.echo(export_transcript(view, fmt), nl=False)


@main.command("search")
@click.argument("query")
@click.option("--session", "session_slug", help="Only this session.")
@click.option("--speaker", "speaker_slug", help="Only this speaker (slug).")
@click.option("--page", type=int, default=1, show_default=True)
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance")
@click.option("--drafts", is_flag=True, help="Include unpublished sessions.")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON contract.")
@click.pass_obj
def search_command(
    ctx: Context,
    query: str,
    session_slug: str | None,
    speaker_slug: str | None,
    page: int,
    sort: str,
    drafts: bool,
    as_json: bool,
) -> None:
    """Search what was said; each hit is timed to its first matched word."""
    from index.errors import SearchIndexError
    from index.search import SearchRequest, search

    try:
        results = search(
            ctx.settings.index_dir,
            SearchRequest(
                q=query,
                session=session_slug,
                speaker=speaker_slug,
                page=page,
                sort=sort,
                include_unpublished=drafts,
            ),
        )
    except SearchIndexError as exc:
        fail(str(exc))
    if as_json:
        from portal.shapes import search_json

        click.echo(json.dumps(search_json(results), ensure_ascii=False, indent=2))
        return
    if results.notice:
        click.echo(results.notice, err=True)
    click.echo(f"{results.total} hit(s)")
    for hit in results.hits:
        who = hit.speaker_name or "unknown speaker"
        click.echo(f"{hit.session_slug}  {_clock(hit.start_ms / 1000)}  {who}\n    {hit.text}")
    if not results.total and results.suggestion:
        click.echo(f"Did you mean: {results.suggestion}?")


@main.command("reindex")
@click.pass_obj
def reindex_command(ctx: Context) -> None:
    """Rebuild the search index from the catalogue (the old one serves meanwhile)."""
    from index.errors import SearchIndexError
    from index.service import rebuild_index

    started = time.monotonic()
    try:
        count = rebuild_index(ctx.catalogue, ctx.settings.index_dir)
    except SearchIndexError as exc:
        fail(str(exc))
    click.echo(f"Indexed {count} segments in {time.monotonic() - started:.1f} s.")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--debug", is_flag=True)
@click.pass_obj
def serve_command(ctx: Context, host: str, port: int, debug: bool) -> None:
    """Serve the portal (development server; use a WSGI server in production)."""
    import os

    from portal import create_app

    os.environ["ARCHIVE_HOME"] = str(ctx.settings.home)  # keeps the usual config layering
    app = create_app()
    app.run(host=host, port=port, debug=debug, use_reloader=False)


def _register_workspace_commands() -> None:
    try:
        from portal.cli_workspace import user_group, worker_command
    except ImportError:  # the workspace is optional in a stripped-down install
        return
    main.add_command(user_group)
    main.add_command(worker_command)


_register_workspace_commands()


if __name__ == "__main__":
    # Run the module's importable twin: sub-commands find the group's Context by
    # class, and a class defined in __main__ would not be the one they look for.
    from portal.cli import main as archive_main

    archive_main()
