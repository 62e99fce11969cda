"""What every `archive` command shares: the archive home, opened lazily, and one way to fail.

The home is `--home DIR`, else `$ARCHIVE_HOME`, else `./instance`. Commands that
only print help never touch the disk.
"""

from __future__ import annotations

import sys

import click

from core.errors import ConfigError
from core.settings import Settings, load_settings

EXIT_USAGE = 2


class Context:
    """Lazily opened archive: commands that only print help never touch the disk."""

    def __init__(self, home: str | None = None) -> None:
        self.home = home
        self._settings: Settings | None = None
        self._catalogue = None
        self._tasks = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = load_settings(self.home)
            except ConfigError as exc:  # a bad variable or portal.cfg: one line, no traceback
                fail(str(exc))
        return self._settings

    @property
    def catalogue(self):
        if self._catalogue is None:
            from core.catalogue import open_catalogue

            self._catalogue = open_catalogue(self.settings)
        return self._catalogue

    def indexer(self):
        """Return the callback that brings one session's search entries up to date.

        With `ARCHIVE_INDEX_WRITER=queue` this host may not hold the index: the
        session goes to `archive worker --index-writer` through the index queue
        instead of being written here.
        """
        if self.index_writer_queued():
            reindex_later = self.tasks().reindex_session
            return lambda slug: reindex_later(slug)
        from index.service import index_session

        return lambda slug: index_session(self.catalogue, self.settings.index_dir, slug)

    def index_writer_queued(self) -> bool:
        """Say whether the index is written by the index writer alone (`queue` mode)."""
        from worker.queue import QUEUED, index_writer_mode

        try:
            return index_writer_mode(self.settings) == QUEUED
        except ConfigError as exc:
            fail(str(exc))

    def tasks(self):
        """Return the archive's queue tasks (built once), to enqueue work for the workers."""
        if self._tasks is None:
            from worker.tasks import build_tasks

            self._tasks = build_tasks(self.settings, self.catalogue)
        return self._tasks


def fail(message: str, code: int = 1) -> None:
    """Print an error for a person and exit with code."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


pass_archive = click.make_pass_decorator(Context, ensure=True)
