"""The job queues: Hueys built from settings, in SQLite in the archive home or in Redis.

`build_queue` makes a new instance each time it is called; whoever builds one
owns it (the portal app, the worker, a CLI command). Nothing here is global,
so two archives in one process (tests) never share a queue.

With `index_writer = "queue"` a second queue, `archive-index`, in the same
SQLite file or Redis server, carries index updates to the one process that
writes the index (`archive worker --index-writer`), so ingest workers can run
on hosts that have no index.
"""

from __future__ import annotations

from pathlib import Path

from huey import Huey, MemoryHuey, SqliteHuey

from core.errors import ConfigError
from core.settings import Settings

QUEUE_NAME = "archive"
INDEX_QUEUE_NAME = "archive-index"
INLINE, QUEUED = "inline", "queue"  # the values of the index_writer setting


def build_queue(settings: Settings, *, immediate: bool = False, name: str = QUEUE_NAME) -> Huey:
    """Return a Huey for the archive's queue, or one that runs tasks inline when immediate."""
    if immediate:
        return MemoryHuey(name, results=False, immediate=True)
    if settings.redis_url:
        return _redis_queue(settings.redis_url, name)
    settings.home.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, results=False, filename=str(queue_path(settings)), timeout=30)


def build_index_queue(settings: Settings, *, immediate: bool = False) -> Huey:
    """Return the Huey that carries index updates to the index writer (same store)."""
    return build_queue(settings, immediate=immediate, name=INDEX_QUEUE_NAME)


def index_writer_mode(settings: Settings) -> str:
    """Return who writes the index, `inline` or `queue`; refuse any other value."""
    mode = settings.index_writer.strip().lower()
    if mode not in (INLINE, QUEUED):
        raise ConfigError(
            f"ARCHIVE_INDEX_WRITER is {settings.index_writer!r}; it must be 'inline' (every "
            "worker writes the index, all on one host) or 'queue' (only `archive worker "
            "--index-writer` writes it)"
        )
    return mode


def queue_path(settings: Settings) -> Path:
    """Return the SQLite file of the default, server-less queue."""
    return settings.home / "queue.sqlite3"


def describe_queue(settings: Settings) -> str:
    """Return where the queue lives, for logs and `archive worker`'s first line."""
    if settings.redis_url:
        return f"Redis at {_redacted(settings.redis_url)}"
    return f"SQLite at {queue_path(settings)}"


def _redis_queue(url: str, name: str) -> Huey:
    try:
        from huey import RedisHuey

        return RedisHuey(name, results=False, url=url)
    except Exception as exc:  # huey raises its own ConfigurationError when redis is absent
        raise ConfigError(
            f"REDIS_URL is set but the Redis queue cannot be used ({exc}); install the "
            "'redis' extra (pip install 'seminar-archive[redis]') or unset REDIS_URL"
        ) from exc


def _redacted(url: str) -> str:
    # A Redis URL may carry a password: never print it.
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return scheme + sep + rest
