"""The README is the front door: every setting and every command must be documented there."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from cli import main
from core.settings import describe_settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
SETTINGS = list(describe_settings())


@pytest.mark.parametrize("info", SETTINGS, ids=lambda info: info.variable)
def test_every_setting_is_documented_with_its_aliases(info) -> None:
    row = next((line for line in README.splitlines() if f"`{info.variable}`" in line), None)
    assert row is not None, f"{info.variable} is missing from the README's configuration table"
    for alias in info.aliases:
        assert f"`{alias}`" in row, f"{info.variable}: its alias {alias} is undocumented"


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
