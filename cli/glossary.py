"""`archive glossary`: the names and terms of a series that teach the recogniser to spell them."""

from __future__ import annotations

import getpass
import json

import click

from cli.context import EXIT_USAGE, Context, fail, pass_archive
from core.errors import ArchiveError

KIND_CHOICE = click.Choice(["person", "place", "organisation", "term"])


@click.group("glossary")
def glossary_group() -> None:
    """List or change a series' glossary (hot words at the next ingest, editor suggestions)."""


@glossary_group.command("list")
@click.argument("series_slug", metavar="SERIES")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@pass_archive
def glossary_list_command(ctx: Context, series_slug: str, as_json: bool) -> None:
    """List a series' terms, people first: term, kind, heard-as spellings, who added it."""
    from core.glossary import list_terms, series_or_error

    try:
        with ctx.catalogue.session() as db:
            rows = [
                {
                    "term": t.term,
                    "kind": t.kind,
                    "heard_as": t.heard_as.splitlines(),
                    "note": t.note,
                    "created_by": t.created_by,
                }
                for t in list_terms(db, series_or_error(db, series_slug))
            ]
    except ArchiveError as exc:
        fail(str(exc), EXIT_USAGE)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(f"The glossary of {series_slug} is empty: seed it with `archive glossary seed`.")
    for row in rows:
        heard = f"\theard as {', '.join(row['heard_as'])}" if row["heard_as"] else ""
        click.echo(f"{row['term']}\t{row['kind']}\t{row['created_by'] or '?'}{heard}")


@glossary_group.command("add")
@click.argument("series_slug", metavar="SERIES")
@click.argument("term")
@click.option("--kind", type=KIND_CHOICE, default="term", show_default=True, help="What it is.")
@click.option("--heard-as", multiple=True, help="A misspelling seen in transcripts (repeatable).")
@click.option("--note", default="", help="A note for archivists.")
@pass_archive
def glossary_add_command(
    ctx: Context, series_slug: str, term: str, kind: str, heard_as: tuple[str, ...], note: str
) -> None:
    """Add TERM to the glossary of SERIES; it joins the hot words at the next ingest."""
    from core.glossary import GlossaryLimits, add_term, series_or_error

    try:
        with ctx.catalogue.session() as db:
            entry = add_term(
                db,
                series_or_error(db, series_slug),
                term,
                kind=kind,
                heard_as=heard_as,
                note=note,
                created_by=_author(),
                limits=GlossaryLimits.from_settings(ctx.settings),
            )
            added = entry.term
    except ArchiveError as exc:
        fail(str(exc), EXIT_USAGE)
    click.echo(f"Added “{added}” ({kind}) to the glossary of {series_slug}.")


@glossary_group.command("remove")
@click.argument("series_slug", metavar="SERIES")
@click.argument("term")
@pass_archive
def glossary_remove_command(ctx: Context, series_slug: str, term: str) -> None:
    """Remove TERM (any case or accents) from the glossary of SERIES."""
    from core.glossary import remove_term, series_or_error

    try:
        with ctx.catalogue.session() as db:
            removed = remove_term(db, series_or_error(db, series_slug), term).term
    except ArchiveError as exc:
        fail(str(exc), EXIT_USAGE)
    click.echo(f"Removed “{removed}” from the glossary of {series_slug}.")


@glossary_group.command("seed")
@click.argument("series_slug", metavar="SERIES")
@pass_archive
def glossary_seed_command(ctx: Context, series_slug: str) -> None:
    """Add the programme's people, affiliations and proper nouns not yet in the glossary."""
    from core.glossary import GlossaryLimits, seed_from_programme, series_or_error

    try:
        with ctx.catalogue.session() as db:
            report = seed_from_programme(
                db,
                series_or_error(db, series_slug),
                limits=GlossaryLimits.from_settings(ctx.settings),
            )
    except ArchiveError as exc:
        fail(str(exc), EXIT_USAGE)
    added = ", ".join(report.added) or "nothing new"
    click.echo(f"Seeded the glossary of {series_slug}: {added} ({report.skipped} left out).")


def _author() -> str:
    try:
        return f"{getpass.getuser()} (command line)"
    except (KeyError, OSError):
        return "command line"
