"""Programme manifests: archivists describe series, people and sessions in YAML.

`load_manifest` validates the whole file first (so an invalid file changes
nothing) and names the file, the entry and the field of each problem;
`apply_manifest` then upserts by slug, so re-importing updates, never duplicates.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from core.errors import ManifestError
from core.timecodes import parse_timecode

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LANGUAGE_RE = re.compile(r"[a-z]{2}")


def is_language_code(value: str | None) -> bool:
    """Say whether value is a lowercase two-letter ISO 639-1 code such as fr or en."""
    return bool(value) and LANGUAGE_RE.fullmatch(value) is not None


ROLES = ("speaker", "chair", "discussant", "moderator", "organiser", "respondent")
ITEM_KINDS = (
    "talk",
    "opening",
    "introduction",
    "discussion",
    "keynote",
    "panel",
    "closing",
    "other",
)


@dataclass
class PersonEntry:
    slug: str
    name: str
    affiliation: str = ""
    bio: str = ""
    url: str = ""


@dataclass
class SeriesEntry:
    slug: str
    title: str
    description: str = ""
    language: str = "fr"


@dataclass
class AppearanceEntry:
    person: str
    role: str = "speaker"
    affiliation: str | None = None  # None: the person's affiliation in the manifest
    start_ms: int | None = None  # where this person starts, in a multi-speaker item


@dataclass
class ItemEntry:
    title: str
    kind: str = "talk"
    description: str = ""
    start_ms: int | None = None
    appearances: list[AppearanceEntry] = field(default_factory=list)


@dataclass
class SessionEntry:
    slug: str
    title: str
    series: str | None = None
    date: dt.date | None = None
    language: str = "fr"
    place: str = ""
    description: str = ""
    draft: bool = False
    programme: list[ItemEntry] | None = None  # None: keep the stored programme


@dataclass
class Manifest:
    """A validated manifest, ready to apply."""

    path: Path
    series: list[SeriesEntry] = field(default_factory=list)
    people: list[PersonEntry] = field(default_factory=list)
    sessions: list[SessionEntry] = field(default_factory=list)


class _Loader(yaml.SafeLoader):
    """A safe loader that keeps dates as text, so `_date` names the entry of a bad one."""


# PyYAML builds dates while parsing and raises a bare ValueError for 2018-13-45.
_Loader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


class _Problems:
    """Collects every problem of a file so the archivist fixes them in one go."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}")

    def raise_if_any(self) -> None:
        if self.items:
            listing = "\n  - ".join(self.items)
            raise ManifestError(
                f"{self.path}: invalid manifest, nothing was imported:\n  - {listing}"
            )


def load_manifest(path: Path) -> Manifest:
    """Read and validate a manifest file; raise ManifestError listing every problem."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except FileNotFoundError as exc:
        raise ManifestError(f"{path}: no such file") from exc
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    except yaml.YAMLError as exc:
        raise ManifestError(f"{path}: not valid YAML: {exc}") from exc
    problems = _Problems(path)
    if not isinstance(raw, dict):
        problems.add("file", "expected a mapping with 'series', 'people' and/or 'sessions'")
        problems.raise_if_any()
    unknown = set(raw) - {"series", "people", "sessions"}
    for key in sorted(unknown):
        problems.add(f"'{key}'", "unknown top-level key (expected series, people, sessions)")
    manifest = Manifest(path=path)
    manifest.series = [s for s in _entries(raw, "series", problems, _series) if s]
    manifest.people = [p for p in _entries(raw, "people", problems, _person) if p]
    manifest.sessions = [s for s in _entries(raw, "sessions", problems, _session) if s]
    _check_duplicates(manifest, problems)
    problems.raise_if_any()
    return manifest


def _entries(raw: dict, key: str, problems: _Problems, build) -> list:
    value = raw.get(key) or []
    if not isinstance(value, list):
        problems.add(f"'{key}'", "must be a list of entries")
        return []
    results = []
    for index, entry in enumerate(value, start=1):
        label = entry.get("slug") if isinstance(entry, dict) else None
        where = f"{key}[{index}]" + (f" ({label})" if label else "")
        if not isinstance(entry, dict):
            problems.add(where, "must be a mapping of fields")
            continue
        results.append(build(entry, where, problems))
    return results


def _text(entry: dict, name: str, where: str, problems: _Problems, required: bool = False) -> str:
    value = entry.get(name)
    if value is None:
        if required:
            problems.add(where, f"field '{name}' is required")
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        problems.add(where, f"field '{name}' must be text")
        return ""
    return str(value).strip()


def _slug(entry: dict, where: str, problems: _Problems, name: str = "slug") -> str:
    slug = _text(entry, name, where, problems, required=True)
    if slug and not SLUG_RE.match(slug):
        problems.add(
            where, f"field '{name}' must be lowercase letters, digits and hyphens: {slug!r}"
        )
    return slug


def _language(entry: dict, where: str, problems: _Problems, default: str = "fr") -> str:
    language = _text(entry, "language", where, problems) or default
    if not is_language_code(language):
        problems.add(
            where, f"field 'language' must be a two-letter code like fr or en: {language!r}"
        )
    return language


def _series(entry: dict, where: str, problems: _Problems) -> SeriesEntry:
    _unknown_fields(entry, {"slug", "title", "description", "language"}, where, problems)
    return SeriesEntry(
        slug=_slug(entry, where, problems),
        title=_text(entry, "title", where, problems, required=True),
        description=_text(entry, "description", where, problems),
        language=_language(entry, where, problems),
    )


def _person(entry: dict, where: str, problems: _Problems) -> PersonEntry:
    _unknown_fields(entry, {"slug", "name", "affiliation", "bio", "url"}, where, problems)
    return PersonEntry(
        slug=_slug(entry, where, problems),
        name=_text(entry, "name", where, problems, required=True),
        affiliation=_text(entry, "affiliation", where, problems),
        bio=_text(entry, "bio", where, problems),
        url=_text(entry, "url", where, problems),
    )


def _session(entry: dict, where: str, problems: _Problems) -> SessionEntry:
    allowed = {
        "slug",
        "series",
        "title",
        "date",
        "language",
        "place",
        "description",
        "draft",
        "programme",
    }
    _unknown_fields(entry, allowed, where, problems)
    session = SessionEntry(
        slug=_slug(entry, where, problems),
        title=_text(entry, "title", where, problems, required=True),
        series=_text(entry, "series", where, problems) or None,
        date=_date(entry.get("date"), where, problems),
        language=_language(entry, where, problems),
        place=_text(entry, "place", where, problems),
        description=_text(entry, "description", where, problems),
        draft=entry.get("draft") is True,
    )
    if entry.get("draft") not in (None, True, False):  # bool("no") would be True
        problems.add(where, f"field 'draft' must be true or false: {entry['draft']!r}")
    if "programme" in entry:
        programme = entry["programme"] or []
        if not isinstance(programme, list):
            problems.add(where, "field 'programme' must be a list of items")
        else:
            session.programme = [
                _item(item, f"{where} programme[{number}]", problems)
                for number, item in enumerate(programme, start=1)
            ]
    return session


def _date(value, where: str, problems: _Problems) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        problems.add(where, f"field 'date' must be a date like 2018-01-29: {value!r}")
        return None


def _item(item, where: str, problems: _Problems) -> ItemEntry:
    if not isinstance(item, dict):
        problems.add(where, "must be a mapping with at least a 'title'")
        return ItemEntry(title="")
    _unknown_fields(item, {"title", "kind", "description", "speakers", "start"}, where, problems)
    kind = _text(item, "kind", where, problems) or "talk"
    if kind not in ITEM_KINDS:
        problems.add(where, f"field 'kind' must be one of {', '.join(ITEM_KINDS)}: {kind!r}")
    start_ms = _start(item, where, problems)
    return ItemEntry(
        title=_text(item, "title", where, problems, required=True),
        kind=kind,
        description=_text(item, "description", where, problems),
        start_ms=start_ms,
        appearances=_appearances(item.get("speakers") or [], where, problems),
    )


def _start(entry: dict, where: str, problems: _Problems) -> int | None:
    if entry.get("start") is None:
        return None
    try:
        return parse_timecode(str(entry["start"]))
    except ValueError:
        problems.add(where, f"field 'start' must be a time like 0:42:10: {entry['start']!r}")
        return None


def _appearances(speakers, where: str, problems: _Problems) -> list[AppearanceEntry]:
    if not isinstance(speakers, list):
        problems.add(where, "field 'speakers' must be a list of slugs or mappings")
        return []
    result = []
    for speaker in speakers:
        if isinstance(speaker, str):
            result.append(AppearanceEntry(person=speaker.strip()))
        elif isinstance(speaker, dict):
            _unknown_fields(
                speaker, {"person", "affiliation", "role", "start"}, f"{where} speakers", problems
            )
            role = _text(speaker, "role", where, problems) or "speaker"
            if role not in ROLES:
                problems.add(where, f"speaker role must be one of {', '.join(ROLES)}: {role!r}")
            affiliation = _text(speaker, "affiliation", f"{where} speakers", problems)
            result.append(
                AppearanceEntry(
                    person=_slug(speaker, f"{where} speakers", problems, name="person"),
                    role=role,
                    # Absent means "the person's usual affiliation"; "" is a deliberate blank.
                    affiliation=None if speaker.get("affiliation") is None else affiliation,
                    start_ms=_start(speaker, f"{where} speakers", problems),
                )
            )
        else:
            problems.add(where, f"speaker must be a slug or a mapping: {speaker!r}")
    return result


def _unknown_fields(entry: dict, allowed: set[str], where: str, problems: _Problems) -> None:
    for name in sorted(set(entry) - allowed):
        problems.add(where, f"unknown field '{name}' (allowed: {', '.join(sorted(allowed))})")


def _check_duplicates(manifest: Manifest, problems: _Problems) -> None:
    for key, entries in (
        ("series", manifest.series),
        ("people", manifest.people),
        ("sessions", manifest.sessions),
    ):
        seen: set[str] = set()
        for entry in entries:
            if entry.slug in seen:
                problems.add(f"{key} ({entry.slug})", "slug appears twice in this file")
            seen.add(entry.slug)
