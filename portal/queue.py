"""The job queue: one Huey instance, stored in SQLite in the archive home or in Redis.

Tasks (`portal.tasks`) are declared on `huey` at import time, but where the
queue lives depends on the archive home, known only at run time: so the
instance starts unconfigured (enqueuing fails loudly) and `configure_queue`
points it at `<home>/queue.sqlite3`, at `REDIS_URL`, or at nothing at all in
immediate mode, where tasks run inline (tests).
"""

from __future__ import annotations

from pathlib import Path

from huey import Huey
from huey.storage import BlackHoleStorage, MemoryStorage, SqliteStorage

from core.errors import ConfigError
from core.settings import Settings

QUEUE_NAME = "archive"


class _Unconfigured(BlackHoleStorage):
    """Storage of a queue nobody configured: refuse rather than silently drop a job."""

    def enqueue(self, data: bytes, priority: float | None = None) -> None:
        raise ConfigError(
            "the job queue is not configured; the portal and the CLI call "
            "portal.queue.configure_queue(settings) before enqueuing"
        )


class ArchiveHuey(Huey):
    """A Huey whose storage is chosen by `configure_queue`."""

    storage_class = _Unconfigured


huey = ArchiveHuey(QUEUE_NAME, results=False)
_configured: dict[str, str] = {}


def queue_path(settings: Settings) -> Path:
    """Return the SQLite file of the default, server-less queue."""
    return settings.home / "queue.sqlite3"


def describe_queue(settings: Settings) -> str:
    """Return where the queue lives, for logs and `archive worker`'s first line."""
    if settings.redis_url:
        return f"Redis at {_redacted(settings.redis_url)}"
    return f"SQLite at {queue_path(settings)}"


def configure_queue(settings: Settings, *, immediate: bool = False) -> Huey:
    """Point the shared Huey at the archive's queue (or run tasks inline when immediate)."""
    key = "immediate" if immediate else describe_queue(settings)
    if _configured.get("key") == key:
        return huey  # reconfiguring would drop an in-memory queue or reopen a connection
    if immediate:
        storage = MemoryStorage(QUEUE_NAME)
    elif settings.redis_url:
        storage = _redis_storage(settings.redis_url)
    else:
        settings.home.mkdir(parents=True, exist_ok=True)
        storage = SqliteStorage(QUEUE_NAME, filename=str(queue_path(settings)), timeout=30)
    huey.immediate = immediate
    huey.storage = storage  # set after `immediate`, whose setter builds a storage of its own
    _configured["key"] = key
    return huey


def _redis_storage(url: str):
    try:
        from huey.storage import RedisStorage

        return RedisStorage(QUEUE_NAME, url=url)
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
