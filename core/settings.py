"""Every setting of the archive, with its default and its meaning, in one typed object.

The CLI, the worker and the portal all read one `Settings`. Values are layered:
defaults, then the archive home's `portal.cfg` (Python syntax, `ARCHIVE_*`
names), then `ARCHIVE_*` environment variables (read as JSON when they parse
as JSON). A test mapping replaces the file and the environment, so a test never
picks up a developer's `DATABASE_URL`. Flask's config is derived from it
(`portal.create_app`), and the README's table is checked against it.
"""

from __future__ import annotations

import json
import os
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from core.errors import ConfigError

INSTANCE_FILE = "portal.cfg"
DEFAULT_MODEL = "base"
DEFAULT_UPLOAD_EXTENSIONS = (
    "mp4", "m4v", "mov", "mkv", "webm", "avi", "mpg", "mpeg", "ts", "mts",
    "mp3", "m4a", "aac", "wav", "flac", "ogg", "oga", "opus", "wma",
)  # fmt: skip


def setting(default: Any, doc: str, *aliases: str) -> Any:
    """Declare a setting: its default, what it means, and other variable names it answers to."""
    return field(default=default, metadata={"doc": doc, "aliases": aliases})


@dataclass(frozen=True)
class Settings:
    """Resolved configuration of one archive home; every key the archive reads."""

    home: Path = setting(Path("instance"), "the archive home (same as `--home`)")
    database_url: str = setting(
        "",
        "catalogue database; empty means `sqlite:///<home>/archive.sqlite3`",
        "DATABASE_URL",
    )
    model: str = setting(DEFAULT_MODEL, "speech model: `base`, `tiny.en` or a model folder")
    ffmpeg: str = setting("", "ffmpeg binary; empty means `ffmpeg` on PATH, else imageio-ffmpeg")
    device: str = setting("cpu", "CTranslate2 device (`cuda` on a GPU)")
    compute_type: str = setting("int8", "CTranslate2 precision (`float16` on a GPU)")
    cpu_threads: int = setting(0, "transcription threads; 0 lets CTranslate2 decide")
    doubt_threshold: float = setting(
        0.5, "word probability under which the editor shades a word as doubtful"
    )
    diarization: bool = setting(True, "find who speaks when by voice at ingest")
    diarization_max_speakers: int = setting(20, "most voices diarization may find in a recording")
    voiceprint_threshold: float = setting(
        0.86, "cosine score from which a stored voiceprint proposes a name"
    )
    redis_url: str = setting("", "Redis job queue shared by several workers", "REDIS_URL")
    queue_immediate: bool = setting(False, "run jobs inline instead of in a worker (tests)")
    index_writer: str = setting(
        "inline",
        "who writes the search index: `inline` (every worker, all on the index host) or "
        "`queue` (only `archive worker --index-writer`; workers may run on other hosts)",
    )
    secret_key: str = setting("", "signs portal session cookies; empty: <home>/secret_key")
    site_name: str = setting("Archives des séminaires", "the portal's name")
    languages: tuple[str, ...] = setting(("fr", "en"), "interface languages, the default first")
    timezone: str = setting("Europe/Paris", "time zone of dates shown in the portal")
    page_size: int = setting(20, "search hits per page")
    max_page_size: int = setting(100, "largest `page_size` the API accepts")
    max_page: int = setting(500, "last search result page served")
    max_query_chars: int = setting(500, "longer queries are cut, never refused")
    search_postings_cache_mb: float = setting(
        64.0, "memory each warm searcher keeps for frequent words' decoded postings (0: none)"
    )
    concordance_max_rows: int = setting(
        100_000, "most rows a concordance download or `archive search --all` lists"
    )
    replace_max_occurrences: int = setting(
        2000, "most occurrences one find-and-replace previews or applies"
    )
    hotwords_max_chars: int = setting(
        225,
        "longest hot-word prompt given to Whisper (programme names, then the series' glossary)",
    )
    glossary_max_terms: int = setting(500, "most glossary terms one series may hold")
    glossary_term_chars: int = setting(80, "longest glossary term, in characters (at most 200)")
    media_max_age_s: int = setting(365 * 24 * 3600, "cache lifetime of media files")
    accel_redirect: str = setting(
        "",
        "nginx `internal` location of the media folder (e.g. `/_media/`): media answers "
        "carry `X-Accel-Redirect` and nginx sends the bytes; empty: the portal sends them",
    )
    upload_max_bytes: int = setting(16 * 1024**3, "largest accepted upload")
    upload_extensions: tuple[str, ...] = setting(
        DEFAULT_UPLOAD_EXTENSIONS, "accepted upload types (comma-separated)"
    )
    upload_chunk_bytes: int = setting(8 * 1024**2, "chunk size the upload page sends")
    login_max_failures: int = setting(5, "failed sign-ins per account per window, then locked")
    login_window_s: int = setting(900, "sign-in throttling window")
    login_address_max_failures: int = setting(
        50, "failed sign-ins per address per window, then slowed to one per window/this"
    )
    trusted_proxies: int = setting(
        0, "reverse proxies whose X-Forwarded-For/-Proto/-Host are believed; 0 trusts none"
    )
    iiif_rights: str = setting(
        "", "licence URL (Creative Commons or RightsStatements.org) of IIIF manifests; empty: none"
    )
    embed_frame_ancestors: tuple[str, ...] = setting(
        ("*",), "sites that may frame the embeddable player (CSP frame-ancestors); `*`: any"
    )
    oai_page_size: int = setting(100, "OAI-PMH records or identifiers per list response")
    oai_admin_email: str = setting(
        "", "OAI-PMH Identify's contact address; empty: `webmaster@` the repository host"
    )
    oai_repository_identifier: str = setting(
        "", "host name in OAI identifiers (`oai:HOST:slug`); empty: the request's host"
    )
    oai_rights: str = setting("", "`dc:rights` statement of every OAI-PMH record; empty: none")

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


@dataclass(frozen=True)
class SettingInfo:
    """One documented setting: its field, its variable names, default and meaning."""

    name: str
    variable: str
    aliases: tuple[str, ...]
    default: Any
    doc: str


def variable_name(name: str) -> str:
    """Return the `ARCHIVE_*` variable of a settings field."""
    return "ARCHIVE_" + name.upper()


def describe_settings() -> Iterator[SettingInfo]:
    """Yield every setting with its documentation (the README's table is checked against it)."""
    for f in fields(Settings):
        yield SettingInfo(
            f.name, variable_name(f.name), f.metadata["aliases"], f.default, f.metadata["doc"]
        )


_BY_VARIABLE = {variable_name(f.name): f for f in fields(Settings)}
_BY_VARIABLE.update({alias: f for f in fields(Settings) for alias in f.metadata["aliases"]})


def load_settings(
    home: str | os.PathLike | None = None,
    test_config: Mapping[str, Any] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Resolve settings: defaults, the home's portal.cfg, the environment, then overrides.

    `home` (the CLI's `--home`) beats every layer. With a `test_config` mapping of
    `ARCHIVE_*` names, neither the file nor the environment is read. Keyword
    `overrides` name fields directly (`database_url=…`).
    """
    environ = os.environ if environ is None else environ
    if test_config is not None:
        layers = [_archive_keys(test_config, "the test configuration", flask_secret=True)]
    else:
        env_values = _archive_keys(environ, "the environment")
        raw_home = home or env_values.get("home") or "instance"
        instance = read_instance_file(Path(raw_home))
        layers = [_archive_keys(instance, INSTANCE_FILE, flask_secret=True), env_values]
    values: dict[str, Any] = {}
    for layer in layers:
        values.update(layer)
    values.update({k: v for k, v in overrides.items() if v is not None})
    if home:
        values["home"] = home
    values["home"] = Path(values.get("home") or "instance").expanduser().resolve()
    try:
        return Settings(**values)
    except TypeError as exc:
        raise ConfigError(f"unknown setting: {exc}") from exc


def read_instance_file(home: Path) -> dict[str, Any]:
    """Return the upper-case names a home's portal.cfg assigns (empty when there is none)."""
    path = home.expanduser() / INSTANCE_FILE
    if not path.is_file():
        return {}
    namespace: dict[str, Any] = {"__file__": str(path)}
    try:
        exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    except Exception as exc:  # a syntax error in the file must say where, not crash later
        raise ConfigError(f"{path}: {exc}") from exc
    return {k: v for k, v in namespace.items() if k.isupper()}


def flask_keys(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """Return the keys of a mapping that are Flask's own (not archive settings)."""
    return {k: v for k, v in mapping.items() if k.isupper() and not k.startswith("ARCHIVE_")}


def _archive_keys(
    mapping: Mapping[str, Any], source: str, flask_secret: bool = False
) -> dict[str, Any]:
    """Pick the archive settings out of a mapping of variable names, typed.

    flask_secret also reads Flask's own `SECRET_KEY` spelling, which a portal.cfg
    or a test mapping may use; never from the environment, where a `SECRET_KEY`
    of some other program would silently become the portal's.
    """
    values: dict[str, Any] = {}
    for name, raw in mapping.items():
        f = _BY_VARIABLE.get(name)
        if f is None or raw is None or raw == "":
            continue
        if f.name in values and name in f.metadata["aliases"]:
            continue  # ARCHIVE_REDIS_URL beats REDIS_URL
        values[f.name] = _typed(f.name, raw, source)
    if flask_secret and mapping.get("SECRET_KEY") and "secret_key" not in values:
        values["secret_key"] = str(mapping["SECRET_KEY"])
    return values


_TYPES = typing.get_type_hints(Settings)
_KIND_WORDS = {int: "a whole number", bool: "true or false", str: "text", Path: "a folder"}


def _typed(name: str, raw: Any, source: str) -> Any:
    """Convert a raw value (JSON text from the environment, or Python) to the field's type."""
    kind = _TYPES[name]
    value = raw
    if isinstance(raw, str) and kind is not str:
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
    try:
        if kind is Path:
            return Path(str(value))
        if kind is bool:
            if isinstance(value, str):
                value = {"true": True, "false": False, "1": True, "0": False}[value.lower()]
            return bool(value)
        if kind is int:
            return int(value)
        if kind is str:
            return str(value)
        if isinstance(value, str):  # tuple[str, ...]: "fr, en" or "mp4,mkv"
            value = value.split(",")
        return tuple(str(v).strip().lower().lstrip(".") for v in value if str(v).strip())
    except (KeyError, TypeError, ValueError) as exc:
        wanted = _KIND_WORDS.get(kind, "a list of words separated by commas")
        raise ConfigError(
            f"{variable_name(name)} in {source} is {raw!r}; it must be {wanted}"
        ) from exc
