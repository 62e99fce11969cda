"""`archive user add`: archivist and admin accounts."""

from __future__ import annotations

import sys

import click

from cli.context import Context, pass_archive
from core.errors import ArchiveError


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
@pass_archive
def user_add_command(ctx: Context, name: str, role: str, password_stdin: bool) -> None:
    """Create an account; asks for the password twice without echoing it."""
    from core.accounts import check_password, create_user

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
