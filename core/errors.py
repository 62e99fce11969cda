"""One exception hierarchy for the whole archive, so callers can catch precisely.

Messages are written for an archivist: they say what went wrong and what to do.
The ingest side adds its own errors (media, model, transcription) under
`ArchiveError` in `ingest.errors`.
"""

from __future__ import annotations


class ArchiveError(Exception):
    """Base class of every error the archive raises on purpose."""


class ConfigError(ArchiveError):
    """The archive's configuration is missing or contradictory."""


class ManifestError(ArchiveError):
    """A programme manifest is invalid; names the file, the entry and the field."""


class CatalogueError(ArchiveError):
    """A catalogue lookup or write failed (unknown slug, conflicting data)."""
