"""Transcript corrections: each save is a new version saying who changed what.

Corrected segments are marked verified; their word timings are re-aligned to
the new words (unchanged words keep their times, replaced ones share the time
of the words they replace, marked estimated), so search still lands on the right second.
The worker then times the estimated words from the audio (`ingest.alignment`).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from sqlalchemy.orm import Session as OrmSession

from core.catalogue.queries import current_transcript, transcript_segments, words_of
from core.catalogue.schema import Recording, Segment, Session, Transcript
from core.catalogue.transcripts import store_transcript
from core.contracts import TranscribedSegment, Word
from core.errors import CatalogueError
from core.text import fold
from core.timing import estimate_words

KEEP = object()  # "leave this segment's speaker as it is"


class CorrectionError(CatalogueError):
    """A correction that cannot be stored as asked.

    `reason` names the refusal ("no_transcript", "unknown_segment", "all_removed",
    "conflict") and `values` what it is about, so the portal can say it in the
    archivist's language.
    """

    def __init__(self, message: str, reason: str = "", **values: object) -> None:
        super().__init__(message)
        self.reason, self.values = reason, values


class VersionConflict(CorrectionError):
    """Someone saved a newer version since the editor loaded the transcript."""


@dataclass
class Changes:
    """Edits to the current version, by segment position."""

    texts: dict[int, str] = field(default_factory=dict)
    speakers: dict[int, str | None] = field(default_factory=dict)  # position -> person slug
    verified: set[int] = field(default_factory=set)  # confirmed without a change
    voices: dict[int, str] = field(default_factory=dict)  # position -> voice label
    # Emptied by the archivist: nothing was said there (a recogniser's hallucination).
    removed: set[int] = field(default_factory=set)
    # Said but not heard: new text for the silence after a position (-1: before the first).
    inserts: dict[int, str] = field(default_factory=dict)

    def summary(self) -> str:
        """Say in words what these changes do, for the version's note."""
        parts = []
        if self.texts:
            parts.append(
                f"corrected {_count(self.texts, 'segment')} ({segment_numbers(self.texts)})"
            )
        if self.speakers:
            parts.append(
                f"reassigned the speaker of {_count(self.speakers, 'segment')} "
                f"({segment_numbers(self.speakers)})"
            )
        if self.voices:
            parts.append(
                f"gave voice {', '.join(sorted(set(self.voices.values())))} to "
                f"{_count(self.voices, 'segment')} ({segment_numbers(self.voices)})"
            )
        if self.verified - set(self.texts):
            parts.append(f"verified {_count(self.verified - set(self.texts), 'segment')}")
        if self.removed:
            parts.append(
                f"removed {_count(self.removed, 'segment')} ({segment_numbers(self.removed)})"
            )
        if self.inserts:
            parts.append(f"added {_count(self.inserts, 'segment')}")
        return "; ".join(parts)


def save_changes(
    db: OrmSession, session: Session, base_version: int, changes: Changes, author: str
) -> Transcript | None:
    """Store the current version with changes as the next one; None when nothing changed."""
    current, segments = editable(db, session, base_version)
    positions = {s.position for s in segments}
    unknown = (
        set(changes.texts)
        | set(changes.speakers)
        | changes.verified
        | set(changes.voices)
        | changes.removed
        | (set(changes.inserts) - {-1})
    ) - positions
    if unknown:
        raise CorrectionError(
            f"no segment at position(s) {sorted(unknown)}",
            "unknown_segment",
            numbers=segment_numbers(unknown),
        )
    effective = _effective(segments, changes)
    if not (
        effective.texts
        or effective.speakers
        or effective.verified
        or effective.voices
        or effective.removed
        or effective.inserts
    ):
        return None
    gaps = _gaps(segments, effective.inserts)
    if effective.removed >= positions:
        raise CorrectionError(
            "a transcript keeps at least one segment; not every one can go", "all_removed"
        )
    # (segment, verified) in the new version's order: positions close up behind a removed
    # segment and open up for an inserted one, and each verified mark follows its segment.
    edited: list[tuple[TranscribedSegment, bool]] = []
    if -1 in effective.inserts:
        edited.append((_inserted(effective.inserts[-1], gaps[-1]), True))
    for segment in segments:
        position = segment.position
        if position not in effective.removed:
            copied = copy_segment(
                segment,
                effective.texts.get(position),
                effective.speakers.get(position, KEEP),
                effective.voices.get(position),
            )
            was_verified = segment.verified or position in effective.verified
            edited.append((copied, was_verified or position in effective.texts))
        if position in effective.inserts:  # after this one, in the silence before the next
            edited.append((_inserted(effective.inserts[position], gaps[position]), True))
    new_segments = [segment for segment, _ in edited]
    verified = {n for n, (_, checked) in enumerate(edited) if checked}
    transcript = store_transcript(
        db,
        session,
        new_segments,
        language=current.language,
        model=current.model,
        source="edit",
        recording=current_recording(db, current),
        author=author,
        note=effective.summary(),
        settings={
            "base_version": current.version,
            "texts": sorted(effective.texts),
            "speakers": sorted(effective.speakers),
            "verified": sorted(effective.verified),
            **({"voices": effective.voices} if effective.voices else {}),
            **({"removed": sorted(effective.removed)} if effective.removed else {}),
            **({"inserted": len(effective.inserts)} if effective.inserts else {}),
        },
    )
    _mark_verified(db, transcript, verified)
    return transcript


MIN_INSERT_MS = 300  # the shortest silence a new segment can be put in


def _gaps(segments: list[Segment], inserts: dict[int, str]) -> dict[int, tuple[int, int]]:
    """The silence each insert goes into: after a segment, up to the next one's start.

    Refused when there is none to speak of (split a segment instead), so a new
    segment never overlaps another one's time.
    """
    index_of = {segment.position: i for i, segment in enumerate(segments)}  # in position order
    gaps = {}
    for after in inserts:
        index = index_of.get(after, -1)
        start = segments[index].end_ms if index >= 0 else 0
        following = segments[index + 1] if index + 1 < len(segments) else None
        end = following.start_ms if following is not None else start + 10_000
        if end - start < MIN_INSERT_MS:
            raise CorrectionError(
                f"no silence after segment #{after + 1} to put a new segment in",
                "no_gap",
                number=after + 1,
            )
        gaps[after] = (start, end)
    return gaps


def _inserted(text: str, gap: tuple[int, int]) -> TranscribedSegment:
    """A segment the archivist typed into a silence: words spread, aligned later by the worker."""
    start_ms, end_ms = gap
    return TranscribedSegment(
        start_ms=start_ms,
        end_ms=end_ms,
        text=text,
        words=estimate_words(text, start_ms, end_ms),
        confidence=1.0,
        speaker_slug=None,
    )


def editable(
    db: OrmSession, session: Session, base_version: int
) -> tuple[Transcript, list[Segment]]:
    """Return the current version and its segments, refusing an edit made on an older one."""
    current = current_transcript(db, session)
    if current is None:
        raise CorrectionError("this session has no transcript to correct yet", "no_transcript")
    if current.version != base_version:
        raise VersionConflict(
            f"version {current.version} was saved by {current.author or 'the pipeline'} while "
            f"you were editing version {base_version}; reload to see it, then redo your change",
            "conflict",
            current=current.version,
            author=current.author or "",
            base=base_version,
        )
    return current, transcript_segments(db, current)


def store_edit(
    db: OrmSession,
    session: Session,
    current: Transcript,
    segments: list[tuple[TranscribedSegment, bool]],
    author: str,
    note: str,
    settings: dict,
) -> Transcript:
    """Store edited segments (each with its verified mark) as the version after `current`."""
    ordered = sorted(segments, key=lambda pair: (pair[0].start_ms, pair[0].end_ms))
    transcript = store_transcript(
        db,
        session,
        [segment for segment, _ in ordered],
        language=current.language,
        model=current.model,
        source="edit",
        recording=current_recording(db, current),
        author=author,
        note=note,
        settings={"base_version": current.version, **settings},
    )
    _mark_verified(db, transcript, {i for i, (_, verified) in enumerate(ordered) if verified})
    return transcript


def restore_version(
    db: OrmSession, session: Session, version: Transcript, author: str
) -> Transcript:
    """Store an older version's segments (verified marks included) as the newest version."""
    old = transcript_segments(db, version)
    transcript = store_transcript(
        db,
        session,
        [copy_segment(s, None, KEEP) for s in old],
        language=version.language,
        model=version.model,
        source="edit",
        recording=current_recording(db, version),
        author=author,
        note=f"restored version {version.version}",
        settings={"restored_from": version.version},
    )
    _mark_verified(db, transcript, {s.position for s in old if s.verified})
    return transcript


def current_recording(db: OrmSession, transcript: Transcript) -> Recording | None:
    """Return the recording a version was made from (None for a session without one)."""
    return db.get(Recording, transcript.recording_id) if transcript.recording_id else None


def retime_words(words: list[Word], text: str, start_ms: int, end_ms: int) -> list[Word]:
    """Return timed words for corrected text, reusing the old words' times where they match."""
    new_tokens = text.split()
    if not words:
        return estimate_words(text, start_ms, end_ms)
    old_keys = [_key(w.text) for w in words]
    new_keys = [_key(t) for t in new_tokens]
    matcher = difflib.SequenceMatcher(a=old_keys, b=new_keys, autojunk=False)
    timed: list[Word] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        tokens = new_tokens[j1:j2]
        if op == "equal":
            timed += [
                Word(w.start_ms, w.end_ms, t, w.probability)
                for w, t in zip(words[i1:i2], tokens, strict=True)
            ]
        elif op == "replace":
            timed += estimate_words(" ".join(tokens), words[i1].start_ms, words[i2 - 1].end_ms)
        elif op == "insert":
            left = timed[-1].end_ms if timed else start_ms
            right = words[i1].start_ms if i1 < len(words) else end_ms
            timed += estimate_words(" ".join(tokens), left, max(left, right))
    return timed


def _effective(segments: list[Segment], changes: Changes) -> Changes:
    # Drop "changes" that change nothing, so a save without edits adds no version.
    # A text emptied by the archivist removes its segment: nothing was said there.
    by_position = {s.position: s for s in segments}
    removed = set(changes.removed) | {p for p, t in changes.texts.items() if not t.split()}
    texts = {
        p: " ".join(t.split())
        for p, t in changes.texts.items()
        if p not in removed and " ".join(t.split()) != by_position[p].text
    }
    speakers = {
        p: slug
        for p, slug in changes.speakers.items()
        if p not in removed
        and slug != (by_position[p].speaker.slug if by_position[p].speaker else None)
    }
    verified = {p for p in changes.verified if p not in removed and not by_position[p].verified}
    voices = {
        p: label
        for p, label in changes.voices.items()
        if p not in removed and label != by_position[p].voice
    }
    inserts = {p: " ".join(t.split()) for p, t in changes.inserts.items() if t.split()}
    return Changes(texts, speakers, verified, voices, removed, inserts)


def copy_segment(
    segment: Segment, text: str | None, speaker: object, voice: str | None = None
) -> TranscribedSegment:
    """Return a stored segment for the next version: new text, speaker (or KEEP) or voice."""
    words = list(words_of(segment))
    if text is not None:
        words = retime_words(words, text, segment.start_ms, segment.end_ms)
    slug = (segment.speaker.slug if segment.speaker else None) if speaker is KEEP else speaker
    return TranscribedSegment(
        start_ms=segment.start_ms,
        end_ms=segment.end_ms,
        text=segment.text if text is None else text,
        words=words,
        confidence=1.0 if text is not None else (segment.confidence or 0.0),
        speaker_slug=slug,
        voice=voice or segment.voice,
    )


def _mark_verified(db: OrmSession, transcript: Transcript, positions: set[int]) -> None:
    for segment in transcript_segments(db, transcript):
        segment.verified = segment.position in positions
    db.flush()


def _key(token: str) -> str:
    return re.sub(r"[^\w]", "", fold(token))


def _count(items, noun: str) -> str:
    return f"{len(items)} {noun}{'s' if len(items) != 1 else ''}"


def segment_numbers(positions) -> str:
    """Segment positions (from 0; ints or JSON strings) as the editor numbers them: "#1, #2"."""
    shown = sorted(int(p) for p in positions)
    return ", ".join(f"#{p + 1}" for p in shown[:10]) + ("…" if len(shown) > 10 else "")
