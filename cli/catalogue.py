"""`archive import`, `archive sessions` and `archive export`: the catalogue, by command."""

from __future__ import annotations

import json
from pathlib import Path

import click

from cli.context import Context, fail, pass_archive
from core.errors import ArchiveError
from portal.services.bounds import MAX_ID


@click.command("import")
@click.argument("manifest", type=click.Path(dir_okay=False, path_type=Path))
@pass_archive
def import_command(ctx: Context, manifest: Path) -> None:
    """Load series, people and sessions from a YAML manifest (re-import updates)."""
    from core.catalogue.importer import apply_manifest
    from core.catalogue.queries import current_transcript, get_session
    from core.glossary import GlossaryLimits
    from core.manifest import load_manifest
    from index.errors import SearchIndexError

    try:
        loaded = load_manifest(manifest)
        with ctx.catalogue.session() as db:
            report = apply_manifest(db, loaded, GlossaryLimits.from_settings(ctx.settings))
        with ctx.catalogue.session() as db:
            transcribed = [
                slug
                for slug in report.sessions
                if current_transcript(db, get_session(db, slug, include_drafts=True))
            ]
        update = ctx.indexer()
        for slug in transcribed:  # names and affiliations may have changed
            update(slug)
    except ArchiveError as exc:
        fail(str(exc))
    except SearchIndexError as exc:  # the catalogue is updated; only search lags behind
        fail(
            f"imported {manifest.name} ({report.summary()}), but the search index could not "
            f"be updated: {exc}; run `archive reindex`"
        )
    click.echo(f"Imported {manifest.name}: {report.summary()}.")


@click.command("sessions")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@pass_archive
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


@click.command("export")
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
    type=click.IntRange(min=1, max=MAX_ID),  # larger: no SQL integer holds it
    help="Transcript version (default: the current one).",
)
@pass_archive
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
