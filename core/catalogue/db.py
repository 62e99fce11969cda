"""Connection lifecycle of the catalogue: engine, sessions, migrations.

Opening a catalogue upgrades its schema to the latest Alembic revision, so a
fresh archive home and an old one both come up ready to use.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from core.catalogue.stamps import watch
from core.settings import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


@dataclass
class Catalogue:
    """An open catalogue: the engine and a session factory bound to it."""

    engine: Engine
    sessionmaker: sessionmaker[OrmSession]

    @contextmanager
    def session(self) -> Iterator[OrmSession]:
        """Yield an ORM session that commits on success and rolls back on error."""
        db = self.sessionmaker()
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise
        finally:
            db.close()

    def dispose(self) -> None:
        """Close pooled connections (tests, forked workers)."""
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the portal read while a worker writes; busy_timeout waits out short locks.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine with the pragmas each backend needs."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine) -> Config:
    """Build an Alembic config that runs our migrations on the given engine."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.attributes["engine"] = engine
    return config


# Any fixed number: the PostgreSQL advisory lock every process takes to migrate.
_PG_MIGRATION_LOCK = 0x61726368  # "arch"


def upgrade(engine: Engine) -> None:
    """Bring the schema up to the latest revision (idempotent, one process at a time).

    The portal and a worker started together on a fresh archive (`make demo`,
    several gunicorn workers) each open the catalogue: without a lock both
    create the first tables and one dies on "table alembic_version already
    exists". The second process waits, then finds the schema current.
    """
    with _migration_lock(engine):
        command.upgrade(alembic_config(engine), "head")


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Hold an inter-process lock for migrating this database (a no-op where none exists)."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        with open(f"{url.database}.migrate-lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    elif url.get_backend_name() == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": _PG_MIGRATION_LOCK}
                )
                connection.commit()
    else:
        yield


def open_catalogue(settings: Settings, migrate: bool = True) -> Catalogue:
    """Open (and by default migrate) the catalogue of an archive home."""
    settings.ensure_dirs()
    engine = make_engine(settings.db_url)
    if migrate:
        upgrade(engine)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    watch(factory)  # any change a viewer sees makes its session newer (OAI-PMH datestamps)
    return Catalogue(engine=engine, sessionmaker=factory)
