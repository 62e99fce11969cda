"""Workspace commands of the `archive` CLI: `user add` and `worker`.

`portal.cli` adds `user_group` and `worker_command` to its click group; both
read the archive home from the group's context object (its `--home`).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

import click

from core.catalogue.db import Catalogue
from core.errors import ArchiveError
from core.settings import Settings
from ingest.transcribe import Transcriber


def _context(click_ctx: click.Context) -> Any:
    # The main group's Context when run as `archive …`; a bare one when invoked alone.
    from portal.cli import Context

    return click_ctx.find_object(Context) or Context(None)


@click.group("user")
def user_group() -> None:
    """Manage archivist and admin accounts."""


@user_group.command("add")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(["archivist", "admin"]),
    default="archivist",
    show_default=True,
    help="admin also manages accounts.",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input (for scripts).",
)
@click.pass_context
def user_add_command(click_ctx: click.Context, name: str, role: str, password_stdin: bool) -> None:
    """Create an account; asks for the password twice without echoing it."""
    from core.accounts import check_password, create_user

    ctx = _context(click_ctx)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        check_password(password)
        with ctx.catalogue.session() as db:
            create_user(db, name, password, role)
    except ArchiveError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"Created {role} account “{name}”.")


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
@click.pass_context
def worker_command(click_ctx: click.Context, workers: int, stale_s: float) -> None:
    """Run the background worker: process queued ingest jobs, uploads and reindexing."""
    ctx = _context(click_ctx)
    run_worker(ctx.settings, ctx.catalogue, workers=workers, stale_s=stale_s)


def run_worker(
    settings: Settings,
    catalogue: Catalogue,
    *,
    workers: int = 1,
    stale_s: float = 120.0,
    transcriber_factory: Callable[[], Transcriber | None] | None = None,
) -> None:
    """Configure the queue and tasks, requeue orphaned work, then consume until stopped."""
    from portal.queue import configure_queue, describe_queue
    from portal.tasks import configure_tasks, recover

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    huey = configure_queue(settings)
    context = configure_tasks(
        settings,
        catalogue,
        transcriber_factory=transcriber_factory,
        stale_s=stale_s,
        heartbeat_s=min(15.0, stale_s / 4),
    )
    click.echo(f"Worker for {settings.home}, queue: {describe_queue(settings)}", err=True)
    for item in recover(context):
        click.echo(f"Requeued {item} (its worker had stopped)", err=True)
    # Short polling delays so that a correction is searchable within seconds.
    consumer = huey.create_consumer(
        workers=workers, worker_type="thread", max_delay=2.0, periodic=True
    )
    consumer.run()
