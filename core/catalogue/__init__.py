"""The catalogue: series, sessions, programme, people, recordings, transcripts, jobs.

SQLAlchemy 2 models with Alembic migrations; SQLite in the archive home by
default, PostgreSQL when `DATABASE_URL` says so.
"""

from core.catalogue.db import Catalogue, open_catalogue
from core.catalogue.schema import (
    Appearance,
    Base,
    Job,
    Person,
    ProgrammeItem,
    Recording,
    Segment,
    Series,
    Session,
    Transcript,
    User,
)

__all__ = [
    "Appearance",
    "Base",
    "Catalogue",
    "Job",
    "Person",
    "ProgrammeItem",
    "Recording",
    "Segment",
    "Series",
    "Session",
    "Transcript",
    "User",
    "open_catalogue",
]
