"""`archive voiceprints`: list people's voiceprints and delete one (biometric data)."""

from __future__ import annotations

import json

import click

from cli.context import Context, fail, pass_archive


@click.group("voiceprints")
def voiceprints_group() -> None:
    """List or delete voiceprints (people recognised by voice; biometric data)."""


@voiceprints_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@pass_archive
def voiceprints_list_command(ctx: Context, as_json: bool) -> None:
    """List people with a voiceprint: seconds of speech, voices averaged, last update."""
    from core.voiceprints import voiceprints_summary

    with ctx.catalogue.session() as db:
        rows = voiceprints_summary(db)
    if as_json:
        out = [
            {
                "person": row.person_slug,
                "name": row.person_name,
                "model": row.model,
                "speech_s": round(row.speech_ms / 1000, 1),
                "voices": row.voices,
                "updated": row.updated_at.isoformat() if row.updated_at else None,
            }
            for row in rows
        ]
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("No voiceprints stored.")
    for row in rows:
        updated = row.updated_at.strftime("%Y-%m-%d %H:%M") if row.updated_at else "?"
        click.echo(
            f"{row.person_slug}\t{row.person_name}\t{row.model}\t"
            f"{row.speech_ms / 1000:.0f} s\t{row.voices} voice(s)\tupdated {updated}"
        )


@voiceprints_group.command("delete")
@click.argument("person_slug")
@pass_archive
def voiceprints_delete_command(ctx: Context, person_slug: str) -> None:
    """Delete a person's voiceprint and erase the session embeddings it was made from."""
    from sqlalchemy import select

    from core.catalogue.schema import Person
    from core.voiceprints import delete_voiceprint, has_voiceprint

    with ctx.catalogue.session() as db:
        person = db.scalar(select(Person).where(Person.slug == person_slug))
        if person is None:
            fail(f"no person with the slug “{person_slug}”; `archive voiceprints list` shows them")
        if not has_voiceprint(db, person):
            fail(f"{person.name} ({person_slug}) has no voiceprint: nothing to delete")
        count = delete_voiceprint(db, person)
        name = person.name
    click.echo(
        f"Deleted {count} voiceprint(s) of {name}; the embeddings of their confirmed "
        "voices are erased too."
    )
