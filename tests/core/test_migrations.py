"""The migrations build exactly the tables the models describe.

A column added to a model without a migration works in a fresh test database
made from the models, then fails on a real archive upgraded by Alembic: this
compares the migrated schema with the models, so that cannot ship.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from core.catalogue.db import make_engine, upgrade
from core.catalogue.schema import Base


def test_migrated_sqlite_schema_matches_the_models(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'archive.sqlite3'}")
    upgrade(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
