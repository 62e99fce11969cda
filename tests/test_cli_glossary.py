"""`archive glossary`: list, add, remove and seed a series' terms; wrong arguments fail clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli import main
from core.catalogue import Catalogue
from core.settings import Settings

SERIES = "ville-intelligente-cycle-2"


@pytest.fixture
def home(seeded_catalogue: Catalogue, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An archive home with the seed manifest imported (its glossary seeded)."""
    monkeypatch.delenv("ARCHIVE_HOME", raising=False)
    monkeypatch.delenv("ARCHIVE_GLOSSARY_MAX_TERMS", raising=False)
    return settings.home


def run(home: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--home", str(home), "glossary", *args])


def terms(home: Path) -> list[str]:
    result = run(home, "list", SERIES, "--json")
    assert result.exit_code == 0, result.output
    return [row["term"] for row in json.loads(result.stdout)]


def test_add_list_remove_and_seed_again(home: Path) -> None:
    assert {"Neocity", "Tenevia", "LKSpatialist", "Cityscoot", "PUCA", "LATTS"} <= set(terms(home))
    added = run(home, "add", SERIES, "Grande Arche", "--kind=place", "--heard-as=grand arrache")
    assert added.exit_code == 0 and "Added “Grande Arche” (place)" in added.output
    listed = run(home, "list", SERIES)
    assert "Grande Arche\tplace\t" in listed.output and "heard as grand arrache" in listed.output
    removed = run(home, "remove", SERIES, "neocity")
    assert removed.exit_code == 0 and "Removed “Neocity”" in removed.output
    assert "Neocity" not in terms(home)
    seeded = run(home, "seed", SERIES)
    assert seeded.exit_code == 0 and "Neocity" in seeded.output and "Neocity" in terms(home)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("list", "nope"), "Error: unknown series 'nope'"),
        (("add", "nope", "Neocity"), "Error: unknown series 'nope'"),
        (("add", SERIES, "Neocity"), "Error: “Neocity” is already in the glossary"),
        (("add", SERIES, "   "), "Error: type the term to add"),
        (("add", SERIES, "x" * 81), "Error: a glossary term is at most 80 characters"),
        (("add", SERIES, "Passy", "--kind", "building"), "Invalid value for '--kind'"),
        (("remove", SERIES, "Passy"), "Error: “Passy” is not in the glossary"),
        (("seed", "nope"), "Error: unknown series 'nope'"),
        (("add", SERIES), "Missing argument 'TERM'"),
    ],
)
def test_wrong_arguments_fail_with_one_clear_line(
    home: Path, args: tuple[str, ...], message: str
) -> None:
    result = run(home, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_full_glossary_says_which_setting_raises_the_limit(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARCHIVE_GLOSSARY_MAX_TERMS", str(len(terms(home))))
    result = run(home, "add", SERIES, "Passy", "--kind", "place")
    assert result.exit_code == 2
    assert "is full" in result.output and "ARCHIVE_GLOSSARY_MAX_TERMS" in result.output
