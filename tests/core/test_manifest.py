"""Programme manifests: the seed seminar, the accepted forms, and every refusal named precisely."""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import text

from core.catalogue import Catalogue
from core.catalogue.importer import apply_manifest
from core.errors import ManifestError
from core.manifest import load_manifest
from tests.conftest import REPO, SEED_MANIFEST, SESSION4

SEED_PROGRAMME = REPO / ".." / "shared" / "seed" / "ville-intelligente-cycle2-seance4.txt"

# Session 4 as printed: (item title, kind, [(slug, name, affiliation, role)]).
SESSION4_PROGRAMME = [
    (
        "Ouverture",
        "opening",
        [
            ("gilles-jeannot", "Gilles Jeannot", "LATTS", "speaker"),
            ("francois-menard", "François Ménard", "PUCA", "speaker"),
        ],
    ),
    (
        "Introduction scientifique",
        "introduction",
        [
            ("steve-bernardin", "Stève Bernardin", "LATTS", "speaker"),
            ("marie-veltz", "Marie Veltz", "LATTS", "speaker"),
        ],
    ),
    (
        "Applications en faveur de l'implication des usagers dans les services proposés par "
        "les collectivités",
        "talk",
        [("pierre-saulnier", "Pierre Saulnier", "Neocity", "speaker")],
    ),
    (
        "Solutions de surveillance de l'environnement et de gestion des risques naturels",
        "talk",
        [("arnaud-brun", "Arnaud Brun", "Tenevia", "speaker")],
    ),
    (
        "Solutions de gestion foncière à destination des promoteurs et des collectivités",
        "talk",
        [("lahouari-kaddouri", "Lahouari Kaddouri", "LKSpatialist", "speaker")],
    ),
    (
        "Solutions de transport via la mise à disposition d'applications de location de scooters "
        "électriques en libre-service",
        "talk",
        [
            ("bertrand-fleurose", "Bertrand Fleurose", "Cityscoot", "speaker"),
            ("vincent-bustarret", "Vincent Bustarret", "Cityscoot", "speaker"),
        ],
    ),
    ("Discussion", "discussion", [("ludovic-halbert", "Ludovic Halbert", "LATTS", "discussant")]),
]
CYCLE_SESSIONS = {
    dt.date(2017, 1, 27): "Les politiques de la « ville intelligente »",
    dt.date(2017, 5, 4): "Modèles et big data",
    dt.date(2017, 9, 19): "Transparence généralisée, filtrage ou déformation : ce que le big "
    "et l'open data donnent à voir de la ville",
    dt.date(2018, 1, 29): "Modèles économiques et réalités politiques : les start-up du "
    "numérique face aux acteurs municipaux",
}


def _write(tmp_path: Path, body: str, name: str = "programme.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def _folded(value: str) -> str:
    """Compare typography-insensitively: quotes, dashes and case vary between sources."""
    return re.sub(r"[\W_]+", " ", value).lower().strip()


def test_seed_manifest_holds_the_cycle_and_its_four_sessions() -> None:
    manifest = load_manifest(SEED_MANIFEST)
    assert [s.slug for s in manifest.series] == ["ville-intelligente-cycle-2"]
    assert {s.date: s.title for s in manifest.sessions} == CYCLE_SESSIONS
    assert {s.series for s in manifest.sessions} == {"ville-intelligente-cycle-2"}
    assert {s.language for s in manifest.sessions} == {"fr"}


def test_seed_manifest_gives_session_4_full_programme() -> None:
    manifest = load_manifest(SEED_MANIFEST)
    people = {p.slug: p for p in manifest.people}
    session = next(s for s in manifest.sessions if s.slug == SESSION4)
    assert "Salle Passy" in session.place.title() and "Grande Arche" in session.place
    programme = [
        (
            item.title,
            item.kind,
            [
                (
                    a.person,
                    people[a.person].name,
                    a.affiliation if a.affiliation is not None else people[a.person].affiliation,
                    a.role,
                )
                for a in item.appearances
            ],
        )
        for item in session.programme
    ]
    assert programme == SESSION4_PROGRAMME


def test_session_4_programme_matches_the_printed_one() -> None:
    if not SEED_PROGRAMME.is_file():
        pytest.skip("seed programme absent: ../shared/seed beside the repository")
    printed = _folded(SEED_PROGRAMME.read_text(encoding="utf-8"))
    for title, _kind, speakers in SESSION4_PROGRAMME[2:6]:  # talks are printed verbatim
        assert _folded(title) in printed
        for _slug, name, affiliation, _role in speakers:
            assert _folded(f"{name}, {affiliation}") in printed or _folded(name) in printed
            assert _folded(affiliation) in printed
    assert _folded("Ouverture : Gilles Jeannot, LATTS et François Ménard, PUCA") in printed
    assert _folded("Introduction scientifique : Stève Bernardin et Marie Veltz (LATTS)") in printed
    assert _folded("Discutant : Ludovic Halbert (LATTS)") in printed
    for date, title in CYCLE_SESSIONS.items():
        assert _folded(title) in printed, title
        assert str(date.year) in printed


def test_speakers_may_be_slugs_or_mappings_with_start_offsets(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
        people:
          - {slug: ada, name: Ada, affiliation: Lab}
          - {slug: bob, name: Bob}
        sessions:
          - slug: s1
            title: One
            date: 2020-02-03
            programme:
              - title: Talk
                start: "0:42:10"
                speakers: [ada]
              - title: Debate
                start: 1h02m03s
                speakers:
                  - {person: bob, affiliation: Elsewhere, role: chair, start: "1:05:00.5"}
                  - {person: ada, start: 0:50:00}
    """,
    )
    manifest = load_manifest(path)
    talk, debate = manifest.sessions[0].programme
    assert talk.start_ms == 2_530_000
    assert (talk.appearances[0].person, talk.appearances[0].role) == ("ada", "speaker")
    assert talk.appearances[0].affiliation is None  # falls back to the person's own
    assert debate.start_ms == 3_723_000
    bob, ada = debate.appearances
    assert (bob.role, bob.affiliation, bob.start_ms) == ("chair", "Elsewhere", 3_900_500)
    # Unquoted 0:50:00 is a YAML 1.1 base-60 number; it must still mean fifty minutes.
    assert ada.start_ms == 3_000_000
    assert manifest.sessions[0].date == dt.date(2020, 2, 3)


VALID_SESSION = """
    series:
      - {slug: cycle, title: Cycle}
    people:
      - {slug: ada, name: Ada Lovelace}
    sessions:
      - slug: good-session
        series: cycle
        title: A good session
        date: 2018-01-29
        programme:
          - {title: Talk, speakers: [ada]}
"""

INVALID = {
    "bad slug": (
        VALID_SESSION.replace("slug: good-session", "slug: Séance 4!"),
        ["sessions[1]", "'slug'", "Séance 4!"],
    ),
    "missing title": (
        VALID_SESSION.replace("title: A good session", "place: Paris"),
        ["sessions[1] (good-session)", "'title'", "required"],
    ),
    "bad date": (
        VALID_SESSION.replace("date: 2018-01-29", "date: 29/01/2018"),
        ["sessions[1] (good-session)", "'date'", "29/01/2018"],
    ),
    "impossible date": (
        VALID_SESSION.replace("date: 2018-01-29", "date: 2018-13-45"),
        ["sessions[1] (good-session)", "'date'", "2018-13-45"],
    ),
    "unknown field": (
        VALID_SESSION.replace(
            "title: A good session", "title: A good session\n        speaker: ada"
        ),
        ["sessions[1] (good-session)", "unknown field 'speaker'"],
    ),
    "unknown field in an item": (
        VALID_SESSION.replace("{title: Talk, speakers: [ada]}", "{title: Talk, speakrs: [ada]}"),
        ["sessions[1] (good-session) programme[1]", "unknown field 'speakrs'"],
    ),
    "undefined person": (
        VALID_SESSION.replace("speakers: [ada]", "speakers: [ada, grace-hopper]"),
        ["good-session", "programme[1]", "'grace-hopper'", "not defined"],
    ),
    "undefined series": (
        VALID_SESSION.replace("series: cycle\n", "series: cycle-3\n"),
        ["good-session", "series 'cycle-3'", "not defined"],
    ),
    "duplicate slug": (
        VALID_SESSION.replace("people:\n", "people:\n      - {slug: ada, name: Ada Byron}\n"),
        ["people (ada)", "slug appears twice"],
    ),
    "bad start": (
        VALID_SESSION.replace("{title: Talk,", "{title: Talk, start: '0:75:00',"),
        ["programme[1]", "'start'", "0:75:00"],
    ),
    "bad role": (
        VALID_SESSION.replace("speakers: [ada]", "speakers: [{person: ada, role: king}]"),
        ["programme[1]", "role", "'king'"],
    ),
    "affiliation not text": (
        VALID_SESSION.replace("speakers: [ada]", "speakers: [{person: ada, affiliation: [a, b]}]"),
        ["programme[1]", "'affiliation'", "text"],
    ),
    "draft not a boolean": (
        VALID_SESSION.replace(
            "title: A good session", "title: A good session\n        draft: 'no'"
        ),
        ["sessions[1] (good-session)", "'draft'", "'no'"],
    ),
    "not YAML": ("sessions:\n  - slug: x\n   title: [unclosed\n", ["not valid YAML"]),
    "not a mapping": ("- slug: x\n  title: y\n", ["expected a mapping"]),
    "not UTF-8": (None, ["not UTF-8"]),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_manifest_is_refused_whole_naming_file_entry_and_field(
    case: str, tmp_path: Path, seeded_catalogue: Catalogue
) -> None:
    body, expected = INVALID[case]
    path = tmp_path / "bad-programme.yaml"
    if body is None:
        path.write_bytes(b"sessions:\n  - slug: s\n    title: S\xe9ance\n")
    else:
        path.write_text(textwrap.dedent(body), encoding="utf-8")
    before = _catalogue_rows(seeded_catalogue)
    with pytest.raises(ManifestError) as caught:
        with seeded_catalogue.session() as db:
            apply_manifest(db, load_manifest(path))
    message = str(caught.value)
    assert str(path) in message
    for fragment in expected:
        assert fragment in message, f"{fragment!r} missing from: {message}"
    assert _catalogue_rows(seeded_catalogue) == before


def test_valid_variant_of_the_refusal_fixture_imports(
    tmp_path: Path, seeded_catalogue: Catalogue
) -> None:
    # Guards the parametrised refusals above: each differs from this file by its one defect.
    with seeded_catalogue.session() as db:
        report = apply_manifest(db, load_manifest(_write(tmp_path, VALID_SESSION)))
    assert report.created == {"series": ["cycle"], "people": ["ada"], "sessions": ["good-session"]}


def test_every_problem_of_a_file_is_listed_at_once(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
        sessions:
          - {slug: Bad Slug, title: One}
          - {slug: two, date: tomorrow}
    """,
    )
    with pytest.raises(ManifestError) as caught:
        load_manifest(path)
    message = str(caught.value)
    assert "sessions[1]" in message and "'slug'" in message
    assert "sessions[2] (two)" in message and "'title'" in message and "'date'" in message


def test_missing_manifest_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="no such file"):
        load_manifest(tmp_path / "absent.yaml")


def _catalogue_rows(catalogue: Catalogue) -> dict[str, list[tuple]]:
    tables = ("series", "people", "sessions", "programme_items", "appearances")
    with catalogue.engine.connect() as connection:
        return {
            table: sorted(tuple(row) for row in connection.execute(text(f"SELECT * FROM {table}")))
            for table in tables
        }
