"""The migrations build exactly the tables the models describe.

A column added to a model without a migration works in a fresh test database
made from the models, then fails on a real archive upgraded by Alembic: this
compares the migrated schema with the models, so that cannot ship.
"""

from __future__ import annotations

import multiprocessing

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


def _open_at(barrier, url: str, home: str, results) -> None:
    from core.catalogue import open_catalogue
    from core.settings import load_settings

    settings = load_settings(test_config={"ARCHIVE_HOME": home}, database_url=url)
    barrier.wait()
    try:
        open_catalogue(settings).dispose()
        results.put("ok")
    except Exception as exc:  # the failure is the finding: report it to the parent
        results.put(repr(exc))


def open_concurrently(url: str, home: str, processes: int = 4) -> list[str]:
    """Open a fresh catalogue from several processes at the same instant; their outcomes."""
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(processes), context.Queue()
    workers = [
        context.Process(target=_open_at, args=(barrier, url, home, results))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    return outcomes


def test_processes_opening_a_fresh_archive_at_once_all_come_up(tmp_path) -> None:
    # make demo starts the portal and a worker on a new home at the same moment.
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    assert open_concurrently(url, str(tmp_path / "home")) == ["ok"] * 4
