"""Build a small real archive for portal and browser tests, without Whisper.

The seed manifest is imported, a short H.264/AAC recording is generated with
ffmpeg, hand-written French segments (word timings, speakers) are stored as
transcript version 1 and the session is indexed.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import select

from core.catalogue import Recording, Session, open_catalogue
from core.catalogue.importer import apply_manifest
from core.catalogue.queries import get_session
from core.catalogue.transcripts import store_transcript
from core.contracts import TranscribedSegment, Word
from core.manifest import load_manifest
from core.settings import Settings, load_settings
from index.service import index_session
from ingest.media import find_ffmpeg, make_poster, probe, sha256_file
from tests.support import media_factory

REPO = Path(__file__).resolve().parents[2]
MANIFEST = REPO / "manifests" / "ville-intelligente-cycle-2.yaml"
SLUG = "2018-01-29-start-up-numerique-acteurs-municipaux"
DRAFT_SLUG = "2017-05-04-modeles-et-big-data"
MEDIA_SECONDS = 40

# Programme item starts (ms): opening, introduction, then three talks.
ITEM_STARTS_MS = [0, 10_000, 20_000, 28_000, 34_000]

# (start_ms, end_ms, speaker slug, text)
LINES: list[tuple[int, int, str | None, str]] = [
    (
        500,
        4_500,
        "gilles-jeannot",
        "Bonjour à toutes et à tous, bienvenue à cette quatrième séance.",
    ),
    (4_800, 9_500, "francois-menard", "Le PUCA accompagne ce séminaire depuis le premier cycle."),
    (
        10_200,
        14_800,
        "steve-bernardin",
        "Nous parlerons des modèles économiques de la ville intelligente.",
    ),
    (15_000, 19_600, "marie-veltz", "Les élus municipaux découvrent ces start-up du numérique."),
    (
        20_300,
        23_900,
        "pierre-saulnier",
        "Neocity propose des applications pour impliquer les usagers.",
    ),
    (
        24_100,
        27_700,
        "pierre-saulnier",
        "Les données ouvertes des collectivités nourrissent nos services.",
    ),
    (28_200, 31_000, "arnaud-brun", "Nos capteurs surveillent la qualité des rivières."),
    (31_200, 33_800, "arnaud-brun", "Les risques naturels exigent une alerte rapide."),
    (
        34_300,
        37_200,
        "lahouari-kaddouri",
        "La gestion foncière aide les promoteurs et les collectivités.",
    ),
    (37_400, 39_600, None, "Merci, place aux questions de la salle."),
]


@dataclass
class BuiltArchive:
    """What a test needs to know about the archive it runs against."""

    settings: Settings
    slug: str
    media_path: Path
    sha256: str


def words_for(start_ms: int, end_ms: int, text: str) -> list[Word]:
    """Spread the words of text evenly over [start_ms, end_ms), Whisper-style (leading spaces)."""
    tokens = text.split()
    step = (end_ms - start_ms) / len(tokens)
    return [
        Word(
            start_ms=round(start_ms + i * step),
            end_ms=round(start_ms + (i + 1) * step),
            text=(" " if i else "") + token,
            probability=0.9,
        )
        for i, token in enumerate(tokens)
    ]


def segments_from(lines: list[tuple[int, int, str | None, str]]) -> list[TranscribedSegment]:
    """Return transcribed segments with word timings for the given lines."""
    return [
        TranscribedSegment(
            start_ms=s,
            end_ms=e,
            text=text,
            words=words_for(s, e, text),
            confidence=0.9,
            speaker_slug=speaker,
        )
        for s, e, speaker, text in lines
    ]


def make_media(folder: Path, seconds: int = MEDIA_SECONDS) -> Path:
    """Write a small H.264/AAC MP4 test pattern with a tone, fast-start."""
    folder.mkdir(parents=True, exist_ok=True)
    return media_factory.tone_video(
        folder / "seance.mp4", seconds=seconds, codec="h264", size="320x180"
    )


def build_archive(
    home: Path,
    media_source: Path | None = None,
    lines: list[tuple[int, int, str | None, str]] | None = None,
    item_starts_ms: list[int] | None = None,
    poster: bool = False,
) -> BuiltArchive:
    """Create a complete archive in home: manifest, recording, transcript v1, index.

    poster: take a poster frame, as ingest does (cards and og:image show it).
    """
    settings = load_settings(test_config={"ARCHIVE_HOME": str(home)})
    catalogue = open_catalogue(settings)
    try:
        with catalogue.session() as db:
            apply_manifest(db, load_manifest(MANIFEST))
            draft = get_session(db, DRAFT_SLUG, include_drafts=True)
            draft.published = False  # one draft, to prove drafts stay hidden
        media = media_source or make_media(home / "generated")
        found = probe(media)
        sha = sha256_file(media)
        target = settings.media_dir / sha / f"playable{media.suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(media, target)
        relative = str(target.relative_to(settings.home))
        frame = target.parent / "poster.jpg"
        poster_path = make_poster(target, frame, found, find_ffmpeg("")) if poster else None
        with catalogue.session() as db:
            session = db.scalar(select(Session).where(Session.slug == SLUG))
            for item, start_ms in zip(
                session.items, item_starts_ms or ITEM_STARTS_MS, strict=False
            ):
                item.start_ms = start_ms
            recording = Recording(
                session=session,
                original_name=media.name,
                original_path=relative,
                sha256=sha,
                size_bytes=target.stat().st_size,
                duration_ms=found.duration_ms,
                container=found.container,
                playable_path=relative,
                poster_path=str(poster_path.relative_to(settings.home)) if poster_path else None,
                streams=[asdict(stream) for stream in found.streams],
            )
            db.add(recording)
            db.flush()
            store_transcript(
                db,
                session,
                segments_from(lines or LINES),
                language="fr",
                model="hand-written",
                source="import",
                recording=recording,
            )
        index_session(catalogue, settings.index_dir, SLUG)
    finally:
        catalogue.dispose()
    return BuiltArchive(settings=settings, slug=SLUG, media_path=target, sha256=sha)


def build_french_clips_archive(home: Path, shared_media: Path) -> tuple[BuiltArchive, list]:
    """Create the archive with the real French FLEURS clips as the session's audio recording.

    Each clip becomes one transcript line (its reference text) said by the next
    speaker of the programme; each programme item starts at a clip.
    """
    home.mkdir(parents=True, exist_ok=True)
    audio = home / "fleurs-seance.m4a"
    clips = media_factory.french_clips_recording(audio, shared_media)
    speakers = [
        "gilles-jeannot",
        "francois-menard",
        "steve-bernardin",
        "marie-veltz",
        "pierre-saulnier",
        "arnaud-brun",
        "lahouari-kaddouri",
        "bertrand-fleurose",
        "vincent-bustarret",
        "ludovic-halbert",
    ]
    lines = [
        (
            clip["start_ms"],
            clip["end_ms"],
            speakers[i % len(speakers)],
            clip["reference"][:1].upper() + clip["reference"][1:] + ".",
        )
        for i, clip in enumerate(clips)
    ]
    starts = [clips[i]["start_ms"] for i in (0, 2, 4, 5, 6, 7, 9) if i < len(clips)]
    return build_archive(home, media_source=audio, lines=lines, item_starts_ms=starts), clips


def add_correction(settings: Settings, position: int, new_text: str) -> int:
    """Store a corrected transcript version where one line's text changed; return its number."""
    catalogue = open_catalogue(settings)
    try:
        with catalogue.session() as db:
            session = get_session(db, SLUG)
            lines = list(LINES)
            start, end, speaker, _ = lines[position]
            lines[position] = (start, end, speaker, new_text)
            transcript = store_transcript(
                db,
                session,
                segments_from(lines),
                language="fr",
                model="hand-written",
                source="edit",
                author="test",
            )
            version = transcript.version
        index_session(catalogue, settings.index_dir, SLUG)
    finally:
        catalogue.dispose()
    return version
