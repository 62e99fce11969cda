"""Where the archive lives and how it is configured.

One `Settings` object is shared by the CLI, the worker and the portal. Values
come from defaults, then `ARCHIVE_*` environment variables; callers (tests, the
portal's `test_config`) may override any field explicitly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

DEFAULT_MODEL = "base"


@dataclass(frozen=True)
class Settings:
    """Resolved configuration of one archive home."""

    home: Path
    database_url: str = ""
    model: str = DEFAULT_MODEL
    ffmpeg: str = ""  # explicit ffmpeg binary; empty means PATH, then imageio-ffmpeg
    device: str = "cpu"
    compute_type: str = "int8"
    cpu_threads: int = 0  # 0 lets CTranslate2 decide
    redis_url: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def media_dir(self) -> Path:
        """Originals and derived files, one folder per recording sha256."""
        return self.home / "media"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def models_dir(self) -> Path:
        """Assembled and verified speech models."""
        return self.home / "models"

    @property
    def work_dir(self) -> Path:
        """Scratch space of ingest runs, kept per job so a run can resume."""
        return self.home / "work"

    @property
    def uploads_dir(self) -> Path:
        return self.home / "uploads"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'archive.sqlite3'}"

    def ensure_dirs(self) -> None:
        """Create the home's folders; cheap and idempotent."""
        for path in (
            self.home,
            self.media_dir,
            self.index_dir,
            self.models_dir,
            self.work_dir,
            self.uploads_dir,
        ):
            path.mkdir(parents=True, exist_ok=True)


_ENV_FIELDS = {
    "database_url": ("ARCHIVE_DATABASE_URL", "DATABASE_URL"),
    "model": ("ARCHIVE_MODEL",),
    "ffmpeg": ("ARCHIVE_FFMPEG",),
    "device": ("ARCHIVE_DEVICE",),
    "compute_type": ("ARCHIVE_COMPUTE_TYPE",),
    "cpu_threads": ("ARCHIVE_CPU_THREADS",),
    "redis_url": ("ARCHIVE_REDIS_URL", "REDIS_URL"),
}


def load_settings(home: str | os.PathLike | None = None, **overrides) -> Settings:
    """Resolve settings: explicit home, else $ARCHIVE_HOME, else ./instance; env, then overrides."""
    raw_home = home or os.environ.get("ARCHIVE_HOME") or "instance"
    values: dict = {}
    for name, env_names in _ENV_FIELDS.items():
        for env_name in env_names:
            if os.environ.get(env_name):
                values[name] = os.environ[env_name]
                break
    if "cpu_threads" in values:
        values["cpu_threads"] = int(values["cpu_threads"])
    known = {f.name for f in fields(Settings)}
    values.update({k: v for k, v in overrides.items() if k in known and v is not None})
    settings = Settings(home=Path(raw_home).expanduser().resolve(), **values)
    return settings


def with_overrides(settings: Settings, **overrides) -> Settings:
    """Return a copy of settings with some fields replaced (None values ignored)."""
    return replace(settings, **{k: v for k, v in overrides.items() if v is not None})
