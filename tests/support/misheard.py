"""An archive where Whisper misheard "Ville intelligente" as "Vila-Telixante" in three sessions.

Session 4 (published, with a recording), session 1 (published, no recording, one
unnamed voice) and a draft of the same series each get a new current version
saying the misheard name; all three are indexed, as after ingest.
"""

from __future__ import annotations

from dataclasses import replace

from core.catalogue import open_catalogue
from core.catalogue.queries import get_session
from core.catalogue.transcripts import store_transcript
from core.contracts import TranscribedSegment
from core.settings import Settings
from index.service import index_session
from tests.portal.builders import DRAFT_SLUG, LINES, SLUG, segments_from

SESSION1 = "2017-01-27-politiques-de-la-ville-intelligente"
# Session 4's line 3 (10.2–14.8 s): "Vila-Telixante." is its 8th word, at 14.225 s.
SESSION4_LINES = list(LINES)
SESSION4_LINES[2] = (*LINES[2][:3], "Nous parlerons des modèles économiques de la Vila-Telixante.")
SESSION4_LINES[4] = (*LINES[4][:3], "vila-telixante et Neocity impliquent les usagers.")
VILA_S4_MS = [14_225, 20_300]
SESSION1_SEGMENTS = [
    (1_000, 5_000, "gilles-jeannot", None, "Bienvenue au séminaire sur la Vila-Telixante."),
    (6_000, 10_000, None, "2", "LAPUCA finance la Vila-Telixante depuis 2015, dit-on."),
]
VILA_S1_MS = [4_333, 7_714]
DRAFT_SEGMENTS = [(0, 3_000, None, None, "La Vila-Telixante en brouillon.")]


def _segments(rows) -> list[TranscribedSegment]:
    """Segments as builders.segments_from makes them, each with its voice (or None)."""
    built = segments_from([(s, e, speaker, text) for s, e, speaker, _voice, text in rows])
    return [replace(segment, voice=row[3]) for segment, row in zip(built, rows, strict=True)]


def hear_vila_telixante(settings: Settings) -> None:
    """Store the misheard versions (session 4: v2, session 1: v1, the draft: v1) and index them."""
    catalogue = open_catalogue(settings)
    try:
        with catalogue.session() as db:
            for slug, segments in (
                (SLUG, segments_from(SESSION4_LINES)),
                (SESSION1, _segments(SESSION1_SEGMENTS)),
                (DRAFT_SLUG, _segments(DRAFT_SEGMENTS)),
            ):
                session = get_session(db, slug, include_drafts=True)
                store_transcript(db, session, segments, language="fr", model="base")
        for slug in (SLUG, SESSION1, DRAFT_SLUG):
            index_session(catalogue, settings.index_dir, slug)
    finally:
        catalogue.dispose()
