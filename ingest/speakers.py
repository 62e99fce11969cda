"""Attribute transcript segments to the speakers of the session's programme.

The programme says who speaks when: each item may have a start offset in the
recording, and in an item with several speakers each may have their own. A
segment that straddles a change of speaker is split at the word where the new
speaker starts, so a quotation is never attributed to the wrong person.
An item whose speaker cannot be known (several speakers, no offsets) yields
"unknown" rather than a guess.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from core.contracts import ProgrammeSlot, TranscribedSegment, VoiceTurn, Word
from core.text import join_words


@dataclass(frozen=True)
class SpeakerTurn:
    """From start_ms on (until the next turn), person_slug speaks; None means unknown."""

    start_ms: int
    person_slug: str | None


def programme_turns(slots: Iterable[ProgrammeSlot]) -> list[SpeakerTurn]:
    """Turn programme items with offsets into a sorted list of speaker turns."""
    turns: list[SpeakerTurn] = []
    for slot in slots:
        timed_people = [(start, slug) for slug, _role, start in slot.people if start is not None]
        if slot.start_ms is not None:
            turns.append(SpeakerTurn(slot.start_ms, _sole_speaker(slot)))
        turns.extend(SpeakerTurn(start, slug) for start, slug in timed_people)
    turns.sort(key=lambda t: t.start_ms)
    # Keep the last of turns sharing a start: a person's own offset beats the item's.
    deduped: dict[int, SpeakerTurn] = {}
    for turn in turns:
        deduped[turn.start_ms] = turn
    return list(deduped.values())


def _sole_speaker(slot: ProgrammeSlot) -> str | None:
    speakers = [slug for slug, role, _ in slot.people if role == "speaker"]
    if len(speakers) == 1:
        return speakers[0]
    if not speakers and len(slot.people) == 1:
        return slot.people[0][0]  # e.g. a discussion led by its discussant alone
    return None


def attribute_speakers(
    segments: list[TranscribedSegment], turns: list[SpeakerTurn]
) -> list[TranscribedSegment]:
    """Return segments with speaker_slug set from turns, split where a turn starts mid-segment."""
    if not turns:
        return [replace(s) for s in segments]
    starts = [t.start_ms for t in turns]

    def speaker_at(ms: int) -> str | None:
        index = bisect.bisect_right(starts, ms) - 1
        return turns[index].person_slug if index >= 0 else None

    result: list[TranscribedSegment] = []
    for number, segment in enumerate(segments):
        if not segment.words:
            middle = (segment.start_ms + segment.end_ms) // 2
            result.append(replace(segment, speaker_slug=speaker_at(middle)))
            continue
        previous_end = segments[number - 1].end_ms if number else None
        next_start = segments[number + 1].start_ms if number + 1 < len(segments) else None
        times = _attribution_times(segment.words, starts, previous_end, next_start)
        result.extend(_split_by_speaker(segment, [speaker_at(t) for t in times]))
    return result


# A change of speaker falls in a pause: Whisper tends to start the first word of a
# new speaker early, inside that pause, so a programme offset is snapped to the
# longest pause within this distance of it.
SNAP_MS = 2_000
MIN_PAUSE_MS = 150  # shorter gaps are the flow of speech, not a change of speaker


def _attribution_times(
    words: list[Word], boundaries: list[int], previous_end: int | None, next_start: int | None
) -> list[int]:
    """Return, per word, the instant used to look up its speaker (its middle, or snapped)."""
    times = [(w.start_ms + w.end_ms) // 2 for w in words]
    # The first turn has nobody before it to hand words back to: only changes snap.
    for boundary in boundaries[1:]:
        if not words[0].start_ms - SNAP_MS <= boundary <= words[-1].end_ms + SNAP_MS:
            continue
        # Gap i lies before word i; gap 0 and gap len(words) are the pauses to the
        # neighbouring segments, so a cut between segments is a candidate too.
        edges = [previous_end] + [w.end_ms for w in words]
        starts = [w.start_ms for w in words] + [next_start]
        pauses = [
            (starts[i] - edges[i], -abs((edges[i] + starts[i]) // 2 - boundary), i)
            for i in range(len(words) + 1)
            if edges[i] is not None
            and starts[i] is not None
            and abs((edges[i] + starts[i]) // 2 - boundary) <= SNAP_MS
        ]
        if not pauses or max(pauses)[0] < MIN_PAUSE_MS:
            continue  # no clear pause: each word goes by its middle
        _, _, cut = max(pauses)  # the longest pause, the nearest one on a tie
        for i, time in enumerate(times):
            if i < cut and boundary <= time <= boundary + SNAP_MS:
                times[i] = boundary - 1
            elif i >= cut and boundary - SNAP_MS <= time < boundary:
                times[i] = boundary
    return times


def voice_of_word(word: Word, turns: Sequence[VoiceTurn], starts: Sequence[int]) -> str | None:
    """Return the voice whose turn covers most of word, else the nearest turn's (turns sorted)."""
    if not turns:
        return None
    last = bisect.bisect_left(starts, word.end_ms)  # turns from here on start after the word
    # Summed per voice: a word over two turns of one voice and a blip of another.
    heard: dict[str, int] = {}
    for turn in turns[max(0, last - 4) : last]:
        overlap = min(turn.end_ms, word.end_ms) - max(turn.start_ms, word.start_ms)
        if overlap > 0:
            heard[turn.voice] = heard.get(turn.voice, 0) + overlap
    if heard:
        return max(heard, key=lambda voice: heard[voice])
    nearby = turns[max(0, last - 4) : last + 1]
    return min(nearby, key=lambda t: _distance(t, word.start_ms, word.end_ms)).voice


def _distance(turn: VoiceTurn, start_ms: int, end_ms: int) -> int:
    return max(turn.start_ms - end_ms, start_ms - turn.end_ms, 0)


def assign_voices(
    segments: list[TranscribedSegment], turns: Sequence[VoiceTurn], names: dict[str, str]
) -> list[TranscribedSegment]:
    """Give each word the voice whose turn covers most of it; split segments where it changes.

    A speaker the offsets already gave (`speaker_slug`) stays; elsewhere the
    voice's name, if it has one, becomes the speaker. A word never straddles
    two voices: the cut falls between words.
    """
    ordered = sorted(turns, key=lambda t: t.start_ms)
    if not ordered:
        return [replace(s) for s in segments]
    starts = [t.start_ms for t in ordered]
    result: list[TranscribedSegment] = []
    for segment in segments:
        words = segment.words or [Word(segment.start_ms, segment.end_ms, segment.text)]
        voices = [voice_of_word(w, ordered, starts) for w in words]
        # Offsets already gave some words their speaker; the voice's name fills the rest.
        speakers = [segment.speaker_slug or names.get(v or "") for v in voices]
        if not segment.words:
            result.append(replace(segment, voice=voices[0], speaker_slug=speakers[0]))
            continue
        result.extend(_split_by_speaker(segment, speakers, voices))
    return result


def _split_by_speaker(
    segment: TranscribedSegment, speakers: list[str | None], voices: list[str | None] | None = None
) -> list[TranscribedSegment]:
    keys = list(zip(speakers, voices or [segment.voice] * len(speakers), strict=True))
    groups: list[tuple[tuple[str | None, str | None], list[Word]]] = []
    for word, key in zip(segment.words, keys, strict=True):
        if groups and groups[-1][0] == key:
            groups[-1][1].append(word)
        else:
            groups.append((key, [word]))
    if len(groups) == 1:
        speaker, voice = groups[0][0]
        return [replace(segment, speaker_slug=speaker, voice=voice)]
    parts = []
    for index, ((speaker, voice), words) in enumerate(groups):
        start = segment.start_ms if index == 0 else words[0].start_ms
        end = segment.end_ms if index == len(groups) - 1 else words[-1].end_ms
        parts.append(
            replace(
                segment,
                start_ms=start,
                end_ms=max(end, start + 1),
                text=join_words(words),
                words=list(words),
                confidence=sum(w.probability for w in words) / len(words),
                speaker_slug=speaker,
                voice=voice,
            )
        )
    return parts
