"""Harvest queries page through published sessions by (updated_at, id), on SQLite and PostgreSQL.

Sessions stamped in the same microsecond (one import, one bulk update) must
still each come exactly once: the id breaks the tie, and the stored stamp must
compare equal to the one a resumption token carries back.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text, update

from core.catalogue import Session, open_catalogue
from core.catalogue.importer import apply_manifest
from core.catalogue.queries import (
    HarvestFilter,
    earliest_public_update,
    harvest_count,
    harvest_page,
    public_series,
)
from core.manifest import load_manifest
from core.settings import Settings, load_settings
from tests.conftest import SEED_MANIFEST

SERVER_URL = os.environ.get("ARCHIVE_TEST_POSTGRES_URL", "")
DRAFT = "2017-05-04-modeles-et-big-data"
INSTANT = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, tmp_path: Path) -> Iterator[Settings]:
    """Settings of a fresh catalogue on each backend (PostgreSQL when a server is given)."""
    home = str(tmp_path / "home")
    if request.param == "sqlite":
        yield load_settings(test_config={"ARCHIVE_HOME": home})
        return
    if not SERVER_URL:
        pytest.skip("no PostgreSQL server: set ARCHIVE_TEST_POSTGRES_URL")
    name = f"archive_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(SERVER_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = SERVER_URL.rsplit("/", 1)[0] + "/" + name
    try:
        yield load_settings(test_config={"ARCHIVE_HOME": home}, database_url=url)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_pages_of_one_cover_tied_sessions_once_each(backend: Settings) -> None:
    catalogue = open_catalogue(backend)
    try:
        with catalogue.session() as db:
            apply_manifest(db, load_manifest(SEED_MANIFEST))
            db.execute(update(Session).values(updated_at=INSTANT))
            db.execute(update(Session).where(Session.slug == DRAFT).values(published=False))
        with catalogue.session() as db:
            everything = HarvestFilter()
            seen, after = [], None
            for _ in range(10):  # bounded: three published sessions
                page = harvest_page(db, everything, after, 1)
                if not page:
                    break
                seen += [s.slug for s in page]
                after = (page[-1].updated_at, page[-1].id)
            assert len(seen) == len(set(seen)) == 3 == harvest_count(db, everything)
            assert DRAFT not in seen
            assert earliest_public_update(db) == INSTANT
            assert [s.slug for s in public_series(db)] == ["ville-intelligente-cycle-2"]
            second = timedelta(seconds=1)
            for wanted, count in [
                (HarvestFilter(since=INSTANT), 3),
                (HarvestFilter(since=INSTANT + second), 0),
                (HarvestFilter(before=INSTANT), 0),
                (HarvestFilter(before=INSTANT + second), 3),
                (HarvestFilter(series_slug="ville-intelligente-cycle-2"), 3),
                (HarvestFilter(series_slug="nope"), 0),
            ]:
                assert harvest_count(db, wanted) == count, wanted
                assert len(harvest_page(db, wanted, None, 10)) == count, wanted
    finally:
        catalogue.dispose()
