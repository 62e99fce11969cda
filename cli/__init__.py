"""The `archive` command line: one click group, one module per command family.

This package is the composition root of the CLI: it wires the ingest pipeline
to the index and the queue, so none of them needs to know the others."""

from __future__ import annotations

import click

from cli import catalogue, glossary, ingest, replace, search, serve, users, voiceprints, worker
from cli.context import Context


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


for command in (
    catalogue.import_command,
    ingest.ingest_command,
    ingest.diarize_command,
    catalogue.sessions_command,
    catalogue.export_command,
    glossary.glossary_group,
    replace.replace_command,
    search.search_command,
    search.reindex_command,
    serve.serve_command,
    users.user_group,
    voiceprints.voiceprints_group,
    worker.worker_command,
):
    main.add_command(command)
