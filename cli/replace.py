"""`archive replace`: fix a misheard word once, in a session, a series or the whole archive."""

from __future__ import annotations

import functools
import getpass

import click

from cli.context import EXIT_USAGE, Context, fail, pass_archive
from core.errors import ArchiveError
from core.timecodes import format_short_clock


@click.command("replace")
@click.argument("old")
@click.argument("new")
@click.option("--session", "session_slug", help="Only this session (drafts included).")
@click.option("--series", "series_slug", help="Every session of this series.")
@click.option("--all", "everywhere", is_flag=True, help="Every session of the archive.")
@click.option("--dry-run", is_flag=True, help="Print the occurrences; change nothing.")
@pass_archive
def replace_command(
    ctx: Context,
    old: str,
    new: str,
    session_slug: str | None,
    series_slug: str | None,
    everywhere: bool,
    dry_run: bool,
) -> None:
    """Replace OLD with NEW in current transcripts: one new version per session touched.

    Whole words only, ignoring case and accents ("vila telixante" finds
    "Vila-Telixante"). Each occurrence is printed with its session, time and
    context; the sessions touched are reindexed.

    \b
        archive replace "Vila-Telixante" "Ville intelligente" --all --dry-run
    """
    from core.replace import apply_replacements, check_phrases, find_occurrences

    if sum((bool(session_slug), bool(series_slug), everywhere)) != 1:
        fail("choose exactly one scope: --session SLUG, --series SLUG or --all", EXIT_USAGE)
    limit = ctx.settings.replace_max_occurrences
    try:
        old, new = check_phrases(old, new)
    except ArchiveError as exc:
        fail(str(exc), EXIT_USAGE)
    try:
        with ctx.catalogue.session() as db:
            found = find_occurrences(
                db,
                old,
                session=session_slug,
                series=series_slug,
                include_drafts=True,
                limit=limit,
            )
            if len(found) > limit:
                fail(
                    f"more than {limit} occurrences of “{old}”: narrow the scope, or raise "
                    "ARCHIVE_REPLACE_MAX_OCCURRENCES"
                )
            for occurrence in found:
                click.echo(
                    f"{occurrence.session_slug}  {format_short_clock(occurrence.at_ms)}  "
                    f"{occurrence.speaker + ': ' if occurrence.speaker else ''}"
                    f"{occurrence.before}[{occurrence.match}]{occurrence.after}"
                )
            if not found:
                click.echo(f"No occurrence of “{old}”.")
                return
            sessions = len({o.session_slug for o in found})
            if dry_run:
                click.echo(
                    f"{len(found)} occurrence(s) in {sessions} session(s); nothing changed "
                    "(--dry-run)."
                )
                return
            stored = apply_replacements(
                db, old, new, [o.selection for o in found], author=_author()
            )
            touched = [(t.session.slug, t.version) for t in stored]
    except ArchiveError as exc:
        fail(str(exc))
    _realign(ctx, [slug for slug, _ in touched])
    _reindex(ctx, [slug for slug, _ in touched])
    for slug, version in touched:
        click.echo(f"Session '{slug}': transcript version {version}.")
    click.echo(f"Replaced “{old}” with “{new}” {len(found)} time(s) in {len(touched)} session(s).")


def _author() -> str:
    """Name the person at the terminal as the versions' author (as `archive` has no sign-in)."""
    try:
        return f"{getpass.getuser()} (command line)"
    except (KeyError, OSError):
        return "command line"


def _realign(ctx: Context, slugs: list[str]) -> None:
    """Time the replacing words from each recording, as the worker does after a portal save."""
    from ingest.alignment import realign_session
    from ingest.transcribe import make_transcriber

    transcriber = functools.cache(lambda: make_transcriber("", ctx.settings))  # built once
    for slug in slugs:
        report = realign_session(ctx.catalogue, ctx.settings, slug, transcriber)
        if report.words or report.kept:
            kept = f"; kept estimated in {len(report.kept)} segment(s)" if report.kept else ""
            click.echo(f"Session '{slug}': {report.words} word(s) timed from the recording{kept}.")


def _reindex(ctx: Context, slugs: list[str]) -> None:
    from index.errors import SearchIndexError

    update = ctx.indexer()
    try:
        for slug in slugs:
            update(slug)
    except (ArchiveError, SearchIndexError) as exc:  # stored; only search lags behind
        fail(
            f"the replacements are stored, but search could not be updated: {exc}; run "
            "`archive reindex`"
        )
