"""`archive replace`: a scripted clean-up of a misheard name, searchable right after."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli import main
from core.catalogue import open_catalogue
from core.catalogue.queries import current_transcript, get_session
from core.settings import load_settings
from tests.portal.builders import DRAFT_SLUG, SLUG, BuiltArchive
from tests.support.misheard import SESSION1, VILA_S1_MS, VILA_S4_MS, hear_vila_telixante

SERIES = "ville-intelligente-cycle-2"


@pytest.fixture
def home(fresh_archive: BuiltArchive, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An archive where "Vila-Telixante" was heard in two published sessions and a draft."""
    monkeypatch.delenv("ARCHIVE_HOME", raising=False)
    monkeypatch.delenv("ARCHIVE_REPLACE_MAX_OCCURRENCES", raising=False)
    hear_vila_telixante(fresh_archive.settings)
    return fresh_archive.settings.home


def run(home: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--home", str(home), *args])


def versions(home: Path) -> dict[str, int]:
    catalogue = open_catalogue(load_settings(test_config={"ARCHIVE_HOME": str(home)}))
    try:
        with catalogue.session() as db:
            return {
                slug: current_transcript(db, get_session(db, slug, include_drafts=True)).version
                for slug in (SLUG, SESSION1, DRAFT_SLUG)
            }
    finally:
        catalogue.dispose()


def search(home: Path, query: str, *options: str) -> list[dict]:
    result = run(home, "search", query, "--json", *options)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["hits"]


def test_dry_run_prints_each_occurrence_and_changes_nothing(home: Path) -> None:
    before = versions(home)
    result = run(home, "replace", "vila telixante", "Ville intelligente", "--all", "--dry-run")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert f"{SESSION1}  0:07  Intervenant 2: LAPUCA finance la [Vila-Telixante] depuis" in (
        result.stdout
    )
    assert f"{SLUG}  0:14  Stève Bernardin: Nous parlerons" in result.stdout
    assert sum("[Vila-Telixante]" in line or "[vila-telixante]" in line for line in lines) == 5
    assert "5 occurrence(s) in 3 session(s); nothing changed (--dry-run)." in result.stdout
    assert versions(home) == before


def test_replace_across_the_archive_is_searchable_at_the_replaced_words_second(
    home: Path,
) -> None:
    assert search(home, '"ville intelligente"') == []
    result = run(home, "replace", "Vila-Telixante", "Ville intelligente", "--all")
    assert result.exit_code == 0, result.output
    assert f"Session '{SLUG}': transcript version 3." in result.stdout
    assert f"Session '{SESSION1}': transcript version 2." in result.stdout
    assert "Replaced “Vila-Telixante” with “Ville intelligente” 5 time(s) in 3 session(s)." in (
        result.stdout
    )
    hits = search(home, '"ville intelligente"')
    starts = sorted((hit["session"], round(hit["start"] * 1000)) for hit in hits)
    assert starts == sorted(
        [(SLUG, ms) for ms in VILA_S4_MS] + [(SESSION1, ms) for ms in VILA_S1_MS]
    )
    assert search(home, "Telixante") == [] and search(home, "Telixante", "--drafts") == []
    by_speaker = search(home, '"ville intelligente"', "--speaker", "steve-bernardin")
    assert [(hit["session"], round(hit["start"] * 1000)) for hit in by_speaker] == [
        (SLUG, VILA_S4_MS[0])
    ]
    assert [hit["session"] for hit in search(home, '"ville intelligente"', "--drafts")].count(
        DRAFT_SLUG
    ) == 1  # drafts are replaced too, and stay hidden from viewers
    again = run(home, "replace", "Vila-Telixante", "Ville intelligente", "--all")
    assert again.exit_code == 0 and "No occurrence of “Vila-Telixante”." in again.stdout


def test_series_and_session_scopes(home: Path) -> None:
    result = run(home, "replace", "LAPUCA", "le PUCA", "--series", SERIES)
    assert result.exit_code == 0, result.output
    assert versions(home) == {SLUG: 2, SESSION1: 2, DRAFT_SLUG: 1}
    result = run(home, "replace", "brouillon", "projet", "--session", DRAFT_SLUG)
    assert result.exit_code == 0, result.output
    assert versions(home)[DRAFT_SLUG] == 2


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["a", "b"], 2, "choose exactly one scope"),
        (["a", "b", "--all", "--session", SLUG], 2, "choose exactly one scope"),
        (["", "b", "--all"], 2, "give the word or phrase to replace"),
        (["Vila", "Vila", "--all"], 2, "the same as the text to replace"),
        (["a", "b", "--session", "nope"], 1, "no session 'nope'"),
        (["a", "b", "--series", "nope"], 1, "no series 'nope'"),
    ],
)
def test_bad_arguments_get_a_message_not_a_traceback(home: Path, args, code, message) -> None:
    result = run(home, "replace", *args)
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit)
    assert message in result.stderr and "Traceback" not in result.output


def test_more_occurrences_than_the_setting_are_refused(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARCHIVE_REPLACE_MAX_OCCURRENCES", "4")
    result = run(home, "replace", "Vila-Telixante", "Ville", "--all")
    assert result.exit_code == 1 and "more than 4 occurrences" in result.stderr
    assert versions(home) == {SLUG: 2, SESSION1: 1, DRAFT_SLUG: 1}
