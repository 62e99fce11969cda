"""Shared fixtures: a temporary archive home, its catalogue, and the seed seminar imported."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from core.catalogue import Catalogue, open_catalogue
from core.catalogue.importer import apply_manifest
from core.manifest import load_manifest
from core.settings import Settings, load_settings
from tests.portal.builders import BuiltArchive, build_archive

REPO = Path(__file__).resolve().parents[1]
SEED_MANIFEST = REPO / "manifests" / "ville-intelligente-cycle-2.yaml"
SESSION4 = "2018-01-29-start-up-numerique-acteurs-municipaux"


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings of a fresh archive home under tmp_path, deaf to the developer's environment."""
    for name in (
        "ARCHIVE_HOME",
        "ARCHIVE_DATABASE_URL",
        "DATABASE_URL",
        "ARCHIVE_MODEL",
        "ARCHIVE_FFMPEG",
        "ARCHIVE_REDIS_URL",
        "REDIS_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    return load_settings(test_config={"ARCHIVE_HOME": str(tmp_path / "home")})


@pytest.fixture
def catalogue(settings: Settings) -> Iterator[Catalogue]:
    """The home's catalogue, migrated to the latest schema."""
    opened = open_catalogue(settings)
    yield opened
    opened.dispose()


@pytest.fixture
def seeded_catalogue(catalogue: Catalogue) -> Catalogue:
    """The catalogue with the seed manifest (cycle 2 of « Ville intelligente ») imported."""
    manifest = load_manifest(SEED_MANIFEST)
    with catalogue.session() as db:
        apply_manifest(db, manifest)
    return catalogue


def seed_overlay(dest: Path, starts: dict[str, str]) -> Path:
    """Write the seed manifest with session 4's speakers given start offsets (slug -> "h:mm:ss").

    Re-importing it updates session 4 in place, as an archivist does once the
    recording shows when each speaker began.
    """
    raw = yaml.safe_load(SEED_MANIFEST.read_text(encoding="utf-8"))
    session = next(s for s in raw["sessions"] if s["slug"] == SESSION4)
    for item in session["programme"]:
        speakers = [s if isinstance(s, dict) else {"person": s} for s in item["speakers"]]
        for speaker in speakers:
            if speaker["person"] in starts:
                speaker["start"] = starts[speaker["person"]]
        item["speakers"] = speakers
    dest.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return dest


@pytest.fixture(scope="session")
def built_archive(tmp_path_factory: pytest.TempPathFactory) -> BuiltArchive:
    """An archive shared by read-only tests."""
    return build_archive(tmp_path_factory.mktemp("archive-home"))


@pytest.fixture
def fresh_archive(tmp_path: Path, built_archive: BuiltArchive) -> BuiltArchive:
    """A private copy of the archive for tests that change it."""
    home = tmp_path / "home"
    shutil.copytree(built_archive.settings.home, home)
    from core.settings import load_settings

    settings = load_settings(test_config={"ARCHIVE_HOME": str(home)})
    media = settings.home / built_archive.media_path.relative_to(built_archive.settings.home)
    return BuiltArchive(
        settings=settings, slug=built_archive.slug, media_path=media, sha256=built_archive.sha256
    )
