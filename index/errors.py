"""One exception hierarchy for the search index, so callers can catch precisely.

Messages are written for an archivist: they say what went wrong and what to do.
"""

from __future__ import annotations


class SearchIndexError(Exception):
    """Base class of every error raised by the index package."""


class IndexBusyError(SearchIndexError):
    """Another process holds the index's write lock for longer than we could wait."""


class RebuildError(SearchIndexError):
    """A full rebuild failed; the previous index is still the one being served."""

    def __init__(self, message: str, cause: BaseException | None = None) -> None:
        super().__init__(message)
        self.cause = cause
