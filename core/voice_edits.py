"""Correct who speaks by voice: rename or merge voices, split a turn at a word, join segments.

Each operation stores ONE new transcript version (with the caller's note, worded
in the archivist's language) and keeps the session's voices and the voiceprints
in step: naming a voice confirms it, which is what voiceprints learn from.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy.orm import Session as OrmSession

from core.catalogue.queries import words_of
from core.catalogue.schema import Person, Segment, Session, Transcript
from core.contracts import TranscribedSegment, Word
from core.corrections import KEEP, copy_segment, editable, store_edit
from core.errors import CatalogueError
from core.text import join_words
from core.timing import estimate_words
from core.voiceprints import confirm_voice, merge_session_voices, session_voice


class VoiceEditError(CatalogueError):
    """A voice edit that cannot apply; `reason` and `values` let an interface word it."""

    def __init__(self, reason: str, message: str, **values: object) -> None:
        super().__init__(message)
        self.reason, self.values = reason, values


def voice_labels(segments: list[Segment]) -> list[str]:
    """Return the voice labels of a version's segments, "2" before "10"."""
    labels = {s.voice for s in segments if s.voice}
    return sorted(labels, key=lambda label: (len(label), label))


def voice_speaker(
    db: OrmSession, session: Session, segments: list[Segment], label: str
) -> Person | None:
    """Return who a voice is: its confirmed person, else who most of its segments are."""
    row = session_voice(db, session, label)
    if row is not None and row.person is not None:
        return row.person
    counts = Counter(s.speaker_id for s in segments if s.voice == label and s.speaker_id)
    return db.get(Person, counts.most_common(1)[0][0]) if counts else None


def rename_voice(
    db: OrmSession,
    session: Session,
    base_version: int,
    label: str,
    person: Person | None,
    author: str,
    note: str,
) -> Transcript | None:
    """Give every segment of a voice to person (None: nobody) and confirm the voice.

    Returns the new version, or None when every segment already had that speaker.
    """
    current, segments = editable(db, session, base_version)
    _require_voice(segments, label)
    slug = person.slug if person is not None else None
    confirm_voice(db, session, label, person)
    changed = [s.position for s in segments if s.voice == label and _slug(s) != slug]
    if not changed:
        return None
    edited = [
        (copy_segment(s, None, slug if s.voice == label else KEEP), s.verified) for s in segments
    ]
    settings = {"voice": label, "speaker": slug, "speakers": changed}
    return store_edit(db, session, current, edited, author, note, settings)


def merge_voices(
    db: OrmSession,
    session: Session,
    base_version: int,
    into: str,
    merged: str,
    author: str,
    note: str,
) -> Transcript:
    """Give voice `merged`'s segments the label and speaker of voice `into`; one voice remains."""
    current, segments = editable(db, session, base_version)
    if into == merged:
        raise VoiceEditError("same_voice", "choose two different voices to merge")
    _require_voice(segments, into)
    _require_voice(segments, merged)
    speaker = voice_speaker(db, session, segments, into)
    slug = speaker.slug if speaker is not None else None
    edited = [
        (
            copy_segment(s, None, slug, into) if s.voice == merged else copy_segment(s, None, KEEP),
            s.verified,
        )
        for s in segments
    ]
    merge_session_voices(db, session, into, merged)
    settings = {"merged_voice": merged, "into_voice": into}
    return store_edit(db, session, current, edited, author, note, settings)


def split_segment(
    db: OrmSession,
    session: Session,
    base_version: int,
    position: int,
    word: int,
    author: str,
    note: str,
    *,
    voice: str | None = None,
    person: Person | None = None,
) -> Transcript:
    """Split a segment before its word number `word` (from 0); the second part is voice or person.

    Word timings are kept: the first part ends where that word starts.
    """
    current, segments = editable(db, session, base_version)
    segment = next((s for s in segments if s.position == position), None)
    if segment is None:
        raise VoiceEditError(
            "no_segment", f"no segment #{position + 1} in this version", n=position + 1
        )
    words = list(words_of(segment)) or estimate_words(
        segment.text, segment.start_ms, segment.end_ms
    )
    if len(words) < 2:
        raise VoiceEditError(
            "single_word",
            f"segment #{position + 1} has a single word: there is nothing to split",
            n=position + 1,
        )
    if not 1 <= word < len(words):
        raise VoiceEditError(
            "split_range",
            f"segment #{position + 1} can be split before word 2 to {len(words)}",
            n=position + 1,
            words=len(words),
        )
    if voice is not None:
        _require_voice(segments, voice)
        person = voice_speaker(db, session, segments, voice)
    edited: list[tuple[TranscribedSegment, bool]] = []
    for s in segments:
        if s is not segment:
            edited.append((copy_segment(s, None, KEEP), s.verified))
            continue
        head, tail = words[:word], words[word:]
        first = copy_segment(s, None, KEEP)
        edited.append(
            (
                _part(first, head, s.start_ms, tail[0].start_ms, first.speaker_slug, s.voice),
                s.verified,
            )
        )
        slug = person.slug if person is not None else None
        edited.append((_part(first, tail, tail[0].start_ms, s.end_ms, slug, voice), s.verified))
    settings = {"split": position, "word": word, "voice": voice, "speaker": person and person.slug}
    return store_edit(db, session, current, edited, author, note, settings)


def merge_with_previous(
    db: OrmSession, session: Session, base_version: int, position: int, author: str, note: str
) -> Transcript:
    """Join segment `position` to the one before it, as one segment of the earlier's speaker.

    Word timings are kept; the joined segment is verified only if both parts were.
    """
    current, segments = editable(db, session, base_version)
    if not 1 <= position < len(segments):
        raise VoiceEditError(
            "merge_range",
            f"segment #{position + 1} has no segment before it to join",
            n=position + 1,
        )
    earlier, later = segments[position - 1], segments[position]
    edited: list[tuple[TranscribedSegment, bool]] = []
    for s in segments:
        if s is later:
            continue
        if s is not earlier:
            edited.append((copy_segment(s, None, KEEP), s.verified))
            continue
        first = copy_segment(earlier, None, KEEP)
        words = list(words_of(earlier)) + list(words_of(later))
        joined = TranscribedSegment(
            start_ms=earlier.start_ms,
            end_ms=max(earlier.end_ms, later.end_ms),
            text=f"{earlier.text} {later.text}".strip(),
            words=words,
            confidence=first.confidence,
            speaker_slug=first.speaker_slug,
            voice=earlier.voice,
        )
        edited.append((joined, earlier.verified and later.verified))
    return store_edit(db, session, current, edited, author, note, {"joined": position})


def _part(
    like: TranscribedSegment,
    words: list[Word],
    start_ms: int,
    end_ms: int,
    speaker_slug: str | None,
    voice: str | None,
) -> TranscribedSegment:
    return TranscribedSegment(
        start_ms=start_ms,
        end_ms=max(start_ms, end_ms),
        text=join_words(words),
        words=words,
        confidence=like.confidence,
        speaker_slug=speaker_slug,
        voice=voice,
    )


def _require_voice(segments: list[Segment], label: str) -> None:
    if not any(s.voice == label for s in segments):
        raise VoiceEditError(
            "unknown_voice", f"no voice “{label}” in this version of the transcript", voice=label
        )


def _slug(segment: Segment) -> str | None:
    return segment.speaker.slug if segment.speaker else None
