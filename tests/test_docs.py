"""The README is the front door: every setting and every command must be documented there."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from core.settings import _ENV_FIELDS
from portal import DEFAULTS
from portal.cli import main

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
PORTAL_SETTINGS = sorted(
    k for k in DEFAULTS if k.startswith("ARCHIVE_") and k != "ARCHIVE_HOME"
) + ["ARCHIVE_UPLOAD_MAX_BYTES", "ARCHIVE_UPLOAD_EXTENSIONS", "ARCHIVE_UPLOAD_CHUNK_BYTES",
     "ARCHIVE_LOGIN_MAX_FAILURES", "ARCHIVE_LOGIN_WINDOW_S", "ARCHIVE_QUEUE_IMMEDIATE"]  # fmt: skip
ENV_SETTINGS = sorted({name for names in _ENV_FIELDS.values() for name in names} | {"ARCHIVE_HOME"})


@pytest.mark.parametrize("name", PORTAL_SETTINGS + ENV_SETTINGS)
def test_every_setting_is_documented(name: str) -> None:
    assert f"`{name}`" in README


def _commands(group: click.Group, prefix: str = "archive") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += _commands(command, f"{prefix} {name}")
        else:
            found.append((f"{prefix} {name}", command))
    return found


@pytest.mark.parametrize(("usage", "command"), _commands(main), ids=lambda v: str(v))
def test_every_command_and_option_is_documented(usage: str, command: click.Command) -> None:
    assert f"`{usage}" in README, f"{usage} is missing from the README's command table"
    row = next(line for line in README.splitlines() if line.startswith(f"| `{usage}"))
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            longest = max(param.opts, key=len)
            assert longest in row or longest in ("--help",), f"{usage}: {longest} undocumented"


def test_the_readme_states_the_two_commands() -> None:
    assert re.search(r"^make demo\b", README, re.M) and re.search(r"^make test\b", README, re.M)
