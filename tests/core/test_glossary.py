"""The series glossary: seeding from the programme, bounds, refusals and suggestions.

Real SQLite catalogue (and PostgreSQL when `ARCHIVE_TEST_POSTGRES_URL` is set),
the seed manifest of « Ville intelligente » cycle 2.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from core.catalogue import Catalogue, open_catalogue
from core.catalogue.importer import apply_manifest
from core.glossary import (
    GlossaryError,
    GlossaryLimits,
    Suggester,
    Suggestion,
    add_term,
    list_terms,
    remove_term,
    seed_from_programme,
    series_or_error,
)
from core.manifest import load_manifest
from core.settings import load_settings
from tests.conftest import SEED_MANIFEST

SERIES = "ville-intelligente-cycle-2"
NAMED_IN_THE_ISSUE = {"Neocity", "Tenevia", "LKSpatialist", "Cityscoot", "PUCA", "LATTS"}


def _terms(catalogue: Catalogue) -> dict[str, str]:
    with catalogue.session() as db:
        return {t.term: t.kind for t in list_terms(db, series_or_error(db, SERIES))}


def test_importing_a_series_seeds_its_glossary_from_the_programme(
    seeded_catalogue: Catalogue,
) -> None:
    terms = _terms(seeded_catalogue)
    assert NAMED_IN_THE_ISSUE <= set(terms)
    assert terms["Pierre Saulnier"] == "person" and terms["Neocity"] == "organisation"
    assert terms["Marne-la-Vallée"] == "place"  # from the series' description
    assert {"CNRS", "ParisTech"} <= set(terms)
    # Common words capitalised at a sentence start are not proper nouns.
    assert not {"Séminaire", "Comment", "Solutions", "Ouverture"} & set(terms)


def test_reimport_does_not_reseed_a_glossary_an_archivist_pruned(
    seeded_catalogue: Catalogue,
) -> None:
    with seeded_catalogue.session() as db:
        remove_term(db, series_or_error(db, SERIES), "cnrs")
    with seeded_catalogue.session() as db:
        apply_manifest(db, load_manifest(SEED_MANIFEST))
    assert "CNRS" not in _terms(seeded_catalogue)
    # An explicit seed brings back what the programme gives and adds nothing twice.
    with seeded_catalogue.session() as db:
        report = seed_from_programme(db, series_or_error(db, SERIES), created_by="ann")
    assert report.added == ["CNRS"] and report.skipped > 10


def test_add_refuses_duplicates_unknown_kinds_long_terms_and_a_full_glossary(
    seeded_catalogue: Catalogue,
) -> None:
    limits = GlossaryLimits(max_terms=21, max_chars=20)
    with seeded_catalogue.session() as db:
        series = series_or_error(db, SERIES)
        count = len(list_terms(db, series))
        assert count == 20
        for term, kind, reason in [
            ("neocity", "organisation", "exists"),  # folded: the same spelling entry
            ("  ", "term", "empty"),
            ("Défense", "building", "kind"),
            ("x" * 21, "term", "too_long"),
        ]:
            with pytest.raises(GlossaryError) as refused:
                add_term(db, series, term, kind=kind, limits=limits)
            assert refused.value.reason == reason
        entry = add_term(
            db,
            series,
            " La  Défense ",
            kind="place",
            heard_as="la des fonces, La Défense",
            limits=limits,
        )
        assert (entry.term, entry.heard_as, entry.key) == (
            "La Défense",
            "la des fonces",
            "la defense",
        )
        with pytest.raises(GlossaryError, match="full .21 terms.") as refused:
            add_term(db, series, "Passy", kind="place", limits=limits)
        assert refused.value.reason == "full"
    with seeded_catalogue.session() as db:
        with pytest.raises(GlossaryError, match="unknown series 'nope'"):
            series_or_error(db, "nope")
        with pytest.raises(GlossaryError, match="not in the glossary") as refused:
            remove_term(db, series_or_error(db, SERIES), "Passy")
        assert refused.value.reason == "unknown"


def test_a_seeded_term_added_by_a_person_becomes_theirs_with_the_spelling_heard(
    seeded_catalogue: Catalogue,
) -> None:
    # "Add « Marne-la-Vallée » to the glossary" after replacing « Marne la Vallée »: the
    # programme had seeded it; now an archivist asked for it (it gets their hot-word room).
    with seeded_catalogue.session() as db:
        series = series_or_error(db, SERIES)
        entry = add_term(
            db, series, "marne-la-vallée", heard_as="Marne la Vallée", created_by="ada"
        )
        assert (entry.term, entry.created_by, entry.heard_as) == (
            "Marne-la-Vallée",
            "ada",
            "Marne la Vallée",
        )
        assert len(list_terms(db, series)) == 20  # the same entry, not a second one
        with pytest.raises(GlossaryError) as refused:  # now a person's term: a repeat is refused
            add_term(db, series, "Marne-la-Vallée", created_by="bob")
        assert refused.value.reason == "exists"


def test_seeding_stops_at_the_size_limit(catalogue: Catalogue) -> None:
    with catalogue.session() as db:
        apply_manifest(db, load_manifest(SEED_MANIFEST), GlossaryLimits(max_terms=3))
    assert list(_terms(catalogue)) == ["François Ménard", "Gilles Jeannot", "Stève Bernardin"]


def test_misheard_names_get_the_glossary_spelling_offered(seeded_catalogue: Catalogue) -> None:
    with seeded_catalogue.session() as db:
        series = series_or_error(db, SERIES)
        add_term(db, series, "Grande Arche", kind="place", heard_as="grand arrache")
        suggester = Suggester(list_terms(db, series))
    said = (
        "Pierre Solnier, de Néo City, travaille avec le Puka, les Lats et Ténévilla "
        "au grand arrache."
    )
    assert suggester.suggest(said, doubtful=["Ténévilla"]) == [
        Suggestion("Pierre Solnier", "Pierre Saulnier"),
        Suggestion("Néo City", "Neocity"),
        Suggestion("Puka", "PUCA"),
        Suggestion("Lats", "LATTS"),
        Suggestion("Ténévilla", "Tenevia"),  # near, and the recogniser was unsure
        Suggestion("grand arrache", "Grande Arche"),
    ]
    assert suggester.suggest("Sitiscoute loue des scooters.") == [
        Suggestion("Sitiscoute", "Cityscoot")
    ]
    # Heard by base on the benchmark's recording, each word marked doubtful.
    heard = "organisé par l'Opika et Tynvia, puis Citesco."
    assert suggester.suggest(heard, doubtful=["l'Opika", "Tynvia,", "Citesco."]) == [
        Suggestion("Opika", "PUCA"),  # the elided article is not part of the name
        Suggestion("Tynvia", "Tenevia"),
        Suggestion("Citesco", "Cityscoot"),
    ]
    assert suggester.suggest(heard) == []
    # Right already, or only near a term while the recogniser was sure: nothing to offer.
    assert suggester.suggest("Neocity et Tenevia, puis Ténévilla.") == []


POSTGRES_URL = os.environ.get("ARCHIVE_TEST_POSTGRES_URL", "")


@pytest.fixture
def pg_catalogue(tmp_path: Path) -> Iterator[Catalogue]:
    """A catalogue on a fresh PostgreSQL database, migrated by Alembic."""
    if not POSTGRES_URL:
        pytest.skip('no PostgreSQL server: run `eval "$(scripts/start-services.sh)"` (CI does)')
    name = f"archive_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_URL.rsplit("/", 1)[0] + "/" + name
    settings = load_settings(test_config={"ARCHIVE_HOME": str(tmp_path / "home")}, database_url=url)
    catalogue = open_catalogue(settings)
    yield catalogue
    catalogue.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_glossary_on_postgres(pg_catalogue: Catalogue) -> None:
    with pg_catalogue.session() as db:
        apply_manifest(db, load_manifest(SEED_MANIFEST))
    assert NAMED_IN_THE_ISSUE <= set(_terms(pg_catalogue))
    with pg_catalogue.session() as db:
        series = series_or_error(db, SERIES)
        add_term(db, series, "Grande Arche", kind="place", created_by="ann")
    with pg_catalogue.session() as db:
        series = series_or_error(db, SERIES)
        with pytest.raises(GlossaryError):  # the unique (series, key) holds on PostgreSQL too
            add_term(db, series, "GRANDE ARCHE")
        remove_term(db, series, "grande arche")
    assert "Grande Arche" not in _terms(pg_catalogue)
