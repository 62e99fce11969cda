"""Corrected words get real times: align a corrected segment's words to the recording.

A save spreads new words evenly over the time of the words they replace
(`core.timing.estimate_words`, marked ESTIMATED). This step, run in the worker
after the save, cuts the segment's audio (a little wider, never into a
neighbour's words) from the original, asks the transcriber to force-align the
segment's text there, and gives the estimated words their aligned times in
place: the same version, no new one for the archivist to see. Words nobody
changed keep their recognised times; where alignment fails, the estimate and its
mark stay. Times are integer milliseconds.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from core.catalogue.db import Catalogue
from core.catalogue.queries import current_transcript, get_session, transcript_segments, words_of
from core.catalogue.schema import Recording, Segment, Transcript
from core.contracts import Word
from core.errors import ArchiveError
from core.settings import Settings
from core.timing import ESTIMATED, adopt_alignment
from ingest import media
from ingest.transcribe import ALIGN_MAX_MS, Transcriber

log = logging.getLogger(__name__)

MARGIN_MS = 500  # audio kept either side of a segment: its edges are approximate
MARK = "aligned"  # the transcript settings key saying this version was aligned, and how
SETTLE_S = 120.0  # a save's own alignment message gets this long before recovery resends it
RECENT_S = 86_400.0  # versions older than a day are not looked at again


def sessions_to_realign(
    catalogue: Catalogue, settle_s: float = SETTLE_S, recent_s: float = RECENT_S
) -> list[str]:
    """Return sessions whose current version still waits for its alignment, oldest first.

    A save sends its alignment message; if that message is lost (a queue emptied,
    a worker stopped mid-task) the corrected words would keep their estimates
    until the session's next save. These are the versions saved by archivists
    more than `settle_s` ago (younger ones are left to their own message), within
    `recent_s`, still current and never looked at by `realign_session`, which
    marks every version it reads, aligned or with nothing to align.
    """
    now = datetime.now(UTC)
    with catalogue.session() as db:
        versions = db.scalars(
            select(Transcript)
            .where(
                Transcript.source == "edit",
                Transcript.created_at >= now - timedelta(seconds=recent_s),
                Transcript.created_at <= now - timedelta(seconds=settle_s),
            )
            .order_by(Transcript.created_at)
        )
        slugs = []
        for version in versions:
            if MARK in (version.settings or {}):
                continue
            current = current_transcript(db, version.session)
            if current is not None and current.id == version.id:
                slugs.append(version.session.slug)
    return list(dict.fromkeys(slugs))


@dataclass
class Target:
    """A corrected segment with estimated words, as read before aligning it."""

    segment_id: int
    position: int
    start_ms: int
    end_ms: int
    text: str
    words: list[Word]
    stored: list  # the segment's words as stored: written back only if still the same
    window: tuple[int, int]  # the audio to align in (ms)


@dataclass
class Realignment:
    """What one run did: segments and words aligned, segments whose estimate was kept."""

    session_slug: str
    version: int | None = None
    transcript_id: int | None = None
    segments: int = 0
    words: int = 0
    kept: dict[int, str] = field(default_factory=dict)  # position -> why the estimate stayed
    align_s: float = 0.0

    def as_settings(self) -> dict:
        """Return the record kept in the version's settings (positions as JSON keys)."""
        return {
            "segments": self.segments,
            "words": self.words,
            "kept": {str(p): why for p, why in sorted(self.kept.items())},
            "align_s": round(self.align_s, 3),
        }


def realign_session(
    catalogue: Catalogue,
    settings: Settings,
    session_slug: str,
    transcriber_factory: Callable[[], Transcriber],
) -> Realignment:
    """Align the estimated words of the current version's corrected segments, in place.

    Runs once per version: its settings keep the outcome under "aligned", also
    for a version with no corrected estimated words (nothing aligned), so the
    worker's recovery (`sessions_to_realign`) never reads it again.
    """
    report = Realignment(session_slug)
    targets, original, language = _read_targets(catalogue, settings, report)
    if not targets:
        if report.transcript_id is not None:  # a version not yet looked at: mark it
            _write(catalogue, report, [], {})
        return report
    started = time.perf_counter()
    found = _align_all(settings, targets, original, language, transcriber_factory, report)
    report.align_s = time.perf_counter() - started
    _write(catalogue, report, targets, found)
    log.info(
        "session %s version %s: %d word(s) aligned in %d segment(s), %d kept estimated (%.1f s)",
        session_slug,
        report.version,
        report.words,
        report.segments,
        len(report.kept),
        report.align_s,
    )
    return report


def _read_targets(
    catalogue: Catalogue, settings: Settings, report: Realignment
) -> tuple[list[Target], Path | None, str | None]:
    """Return the corrected segments still holding estimated words, the original, the language."""
    with catalogue.session() as db:
        session = get_session(db, report.session_slug, include_drafts=True)
        transcript = current_transcript(db, session) if session is not None else None
        if transcript is None or transcript.source != "edit" or MARK in (transcript.settings or {}):
            return [], None, None
        report.version, report.transcript_id = transcript.version, transcript.id
        segments = transcript_segments(db, transcript)
        targets = []
        for index, segment in enumerate(segments):
            words = list(words_of(segment))
            if not segment.verified or not any(w.probability == ESTIMATED for w in words):
                continue
            targets.append(
                Target(
                    segment.id,
                    segment.position,
                    segment.start_ms,
                    segment.end_ms,
                    segment.text,
                    words,
                    list(segment.words or []),
                    _window(segments, index),
                )
            )
        recording = db.get(Recording, transcript.recording_id) if transcript.recording_id else None
        original = settings.home / recording.original_path if recording is not None else None
        return targets, original, transcript.language or session.language


def _window(segments: list[Segment], index: int) -> tuple[int, int]:
    """Return the segment widened by MARGIN_MS, stopping at its neighbours' words."""
    segment = segments[index]
    start_ms, end_ms = max(0, segment.start_ms - MARGIN_MS), segment.end_ms + MARGIN_MS
    if index > 0:
        before = words_of(segments[index - 1])
        start_ms = max(start_ms, before[-1].end_ms if before else segments[index - 1].end_ms)
    if index + 1 < len(segments):
        after = words_of(segments[index + 1])
        end_ms = min(end_ms, after[0].start_ms if after else segments[index + 1].start_ms)
    start_ms, end_ms = min(start_ms, segment.start_ms), max(end_ms, segment.end_ms)
    if end_ms - start_ms > ALIGN_MAX_MS:  # Whisper hears 30 s at once: margins go first
        spare_ms = max(0, ALIGN_MAX_MS - (segment.end_ms - segment.start_ms)) // 2
        start_ms = max(start_ms, segment.start_ms - spare_ms)
        end_ms = min(end_ms, segment.end_ms + spare_ms)
    return start_ms, end_ms


def _align_all(
    settings: Settings,
    targets: list[Target],
    original: Path | None,
    language: str | None,
    transcriber_factory: Callable[[], Transcriber],
    report: Realignment,
) -> dict[int, list[Word]]:
    """Align each target; return the new words by segment id, noting why others were kept."""
    if original is None or not original.is_file():
        reason = "no recording to align on" if original is None else "the recording is missing"
        report.kept.update({t.position: reason for t in targets})
        return {}
    try:
        transcriber = transcriber_factory()
        ffmpeg = media.find_ffmpeg(settings.ffmpeg)
    except ArchiveError as exc:
        report.kept.update({t.position: str(exc) for t in targets})
        return {}
    found: dict[int, list[Word]] = {}
    with tempfile.TemporaryDirectory(prefix="archive-align-") as scratch:
        for target in targets:
            words, reason = _align_one(
                transcriber, original, ffmpeg, Path(scratch), target, language
            )
            if words is None:
                report.kept[target.position] = reason
            else:
                found[target.segment_id] = words
    return found


def _align_one(
    transcriber: Transcriber,
    original: Path,
    ffmpeg: str,
    scratch: Path,
    target: Target,
    language: str | None,
) -> tuple[list[Word] | None, str]:
    start_ms, end_ms = target.window
    if end_ms - start_ms > ALIGN_MAX_MS:
        return None, "the segment is longer than the 30 s the model aligns at once"
    try:
        wav = media.audio_window(original, start_ms, end_ms, scratch / "window.wav", ffmpeg)
        aligned = transcriber.align(wav, start_ms, end_ms, target.text, language, start_ms)
    except ArchiveError as exc:
        return None, str(exc)
    if aligned is None:
        return None, "the model could not align this text"
    return adopt_alignment(target.words, aligned, target.window, (target.start_ms, target.end_ms))


def _write(
    catalogue: Catalogue, report: Realignment, targets: list[Target], found: dict[int, list[Word]]
) -> None:
    """Store the aligned words in place (unless the segment changed meanwhile) and the record."""
    with catalogue.session() as db:
        transcript = db.get(Transcript, report.transcript_id)
        if transcript is None or MARK in (transcript.settings or {}):
            report.segments = report.words = 0  # another run (a message sent twice) did it
            return
        for target in targets:
            words = found.get(target.segment_id)
            if words is None:
                continue
            segment = db.get(Segment, target.segment_id)
            if segment is None or list(segment.words or []) != target.stored:
                report.kept[target.position] = "the segment changed while it was aligned"
                continue
            segment.words = [[w.start_ms, w.end_ms, w.text, round(w.probability, 4)] for w in words]
            report.segments += 1
            report.words += sum(w.probability != ESTIMATED for w in words) - sum(
                w.probability != ESTIMATED for w in target.words
            )
        transcript.settings = {**(transcript.settings or {}), MARK: report.as_settings()}
