"""Name the voices diarization found: from typed offsets, programme order, voiceprints, or kept.

Pure functions over contracts, so each rule is tested alone. Times are integer
milliseconds, intervals start inclusive, end exclusive. The rules, strongest first:

1. offsets: a programme item with an offset and a single speaker, or a person's
   own offset, names the voice that dominates the span up to the next turn;
2. kept: a voice an archivist confirmed in the session's earlier diarization
   names the new voice that overlaps it most in time;
3. order: with no offsets at all, the programme's people in order name the
   voices in the order they first hold the floor (speak for a sustained stretch);
4. voiceprint: a stored voiceprint scoring at least the threshold proposes its
   person; the proposal names the voice only when that person is in this
   session's programme and no other rule named them.

A voice no rule names stays unnamed ("Intervenant N"): never a guessed name.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from core.contracts import ProgrammeSlot, Voice, VoiceTurn
from ingest.speakers import SpeakerTurn

# A voice holds the floor once it has spoken this long within a window: a talk
# does, a three-second question from the floor does not.
FLOOR_SPEECH_MS = 20_000
FLOOR_WINDOW_MS = 60_000
# A voice that holds the floor but speaks less than this share of the median
# floor-holder's speech is taken for the floor (questions), not a programme speaker.
SPEAKER_SHARE = 0.15
# A voice names an offset's span only if it speaks at least this share of its speech.
DOMINANCE = 0.5

OFFSETS, KEPT, ORDER, VOICEPRINT = "offsets", "kept", "order", "voiceprint"


@dataclass(frozen=True)
class Proposal:
    """A stored voiceprint's suggestion for a voice: the person and the cosine score."""

    person_slug: str
    score: float


@dataclass
class Naming:
    """Who each voice is (label → person slug), by which rule, and the voiceprint proposals."""

    names: dict[str, str] = field(default_factory=dict)
    how: dict[str, str] = field(default_factory=dict)
    proposals: dict[str, Proposal] = field(default_factory=dict)

    def name(self, label: str, person_slug: str, how: str) -> None:
        self.names[label] = person_slug
        self.how[label] = how

    def summary(self) -> dict[str, int]:
        """Count named voices per rule, for the job's step record."""
        counts: dict[str, int] = {}
        for how in self.how.values():
            counts[how] = counts.get(how, 0) + 1
        return counts


def speech_by_voice(turns: Iterable[VoiceTurn], start_ms: int, end_ms: int) -> dict[str, int]:
    """Return how long each voice speaks between start_ms and end_ms."""
    spoken: dict[str, int] = {}
    for turn in turns:
        overlap = min(turn.end_ms, end_ms) - max(turn.start_ms, start_ms)
        if overlap > 0:
            spoken[turn.voice] = spoken.get(turn.voice, 0) + overlap
    return spoken


def floor_order(turns: Sequence[VoiceTurn]) -> list[str]:
    """Return the voices in the order they first hold the floor; the others are left out."""
    by_voice: dict[str, list[VoiceTurn]] = {}
    for turn in sorted(turns, key=lambda t: t.start_ms):
        by_voice.setdefault(turn.voice, []).append(turn)
    taken: list[tuple[int, str]] = []
    for voice, own in by_voice.items():
        for turn in own:
            window_end = turn.start_ms + FLOOR_WINDOW_MS
            if sum(speech_by_voice(own, turn.start_ms, window_end).values()) >= FLOOR_SPEECH_MS:
                taken.append((turn.start_ms, voice))
                break
    return [voice for _start, voice in sorted(taken)]


def programme_people(slots: Iterable[ProgrammeSlot]) -> list[str]:
    """Return the programme's people in order (items in order, their people in order), once each."""
    return list(dict.fromkeys(slug for slot in slots for slug, _role, _start in slot.people))


def has_offsets(slots: Iterable[ProgrammeSlot]) -> bool:
    """Say whether an archivist typed any start offset into this programme."""
    return any(
        slot.start_ms is not None or any(start is not None for _s, _r, start in slot.people)
        for slot in slots
    )


def name_by_offsets(
    turns: Sequence[VoiceTurn], speaker_turns: Sequence[SpeakerTurn], end_ms: int
) -> dict[str, str]:
    """Name the voice dominating each offset's span (to the next turn) after that span's person."""
    candidates: list[tuple[float, int, str, str]] = []
    for index, turn in enumerate(speaker_turns):
        if turn.person_slug is None:
            continue
        stop = speaker_turns[index + 1].start_ms if index + 1 < len(speaker_turns) else end_ms
        spoken = speech_by_voice(turns, turn.start_ms, stop)
        total = sum(spoken.values())
        if not total:
            continue
        voice, most = max(spoken.items(), key=lambda item: (item[1], item[0]))
        if most >= DOMINANCE * total:
            candidates.append((most / total, most, voice, turn.person_slug))
    names: dict[str, str] = {}
    for _share, _ms, voice, person in sorted(candidates, reverse=True):
        names.setdefault(voice, person)  # a voice dominating two spans takes its clearest
    return names


def name_by_order(turns: Sequence[VoiceTurn], people: Sequence[str]) -> dict[str, str]:
    """Map people in programme order onto the voices in the order they first hold the floor.

    Only voices that speak like a programme speaker are mapped: a voice with less
    than a fraction of the typical floor-holder's speech asked questions from the
    floor (and, when more voices remain than people, the ones that speak most).
    So a long question does not push every later speaker one name down; the
    voices left out stay unnamed.
    """
    if not turns:
        return {}
    ordered = floor_order(turns)
    spoken = speech_by_voice(turns, min(t.start_ms for t in turns), max(t.end_ms for t in turns))
    if ordered:
        typical = statistics.median(spoken[v] for v in ordered)
        ordered = [v for v in ordered if spoken[v] >= SPEAKER_SHARE * typical]
    if len(ordered) > len(people):
        most = set(sorted(ordered, key=lambda v: (-spoken[v], ordered.index(v)))[: len(people)])
        ordered = [voice for voice in ordered if voice in most]
    return dict(zip(ordered, people, strict=False))


def carry_confirmed(
    turns: Sequence[VoiceTurn],
    old_segments: Iterable[tuple[int, int, str | None]],
    confirmed: dict[str, str],
) -> dict[str, str]:
    """Give each new voice the confirmed name of the old voice it overlaps most in time.

    old_segments are the current transcript's (start_ms, end_ms, voice);
    confirmed maps old voice labels to the person an archivist confirmed.
    """
    overlap: dict[str, dict[str, int]] = {}
    for start_ms, end_ms, old in old_segments:
        if old is None:
            continue
        for new, ms in speech_by_voice(turns, start_ms, end_ms).items():
            overlap.setdefault(new, {})
            overlap[new][old] = overlap[new].get(old, 0) + ms
    kept: dict[str, str] = {}
    for new, olds in overlap.items():
        old = max(olds.items(), key=lambda item: (item[1], item[0]))[0]
        if old in confirmed:
            kept[new] = confirmed[old]
    return kept


def propose(
    voices: Sequence[Voice], voiceprints: Sequence[tuple[str, np.ndarray]], threshold: float
) -> dict[str, Proposal]:
    """Score each voice against every voiceprint (unit vectors: a dot product); best ≥ threshold."""
    if not voiceprints:
        return {}
    people = [slug for slug, _ in voiceprints]
    matrix = np.vstack([np.asarray(vector, dtype=np.float32) for _, vector in voiceprints])
    proposals: dict[str, Proposal] = {}
    for voice in voices:
        vector = np.asarray(voice.embedding, dtype=np.float32)
        if vector.shape[0] != matrix.shape[1]:
            continue  # another model's embedding: not comparable
        scores = matrix @ vector
        best = int(np.argmax(scores))
        if float(scores[best]) >= threshold:
            proposals[voice.label] = Proposal(people[best], round(float(scores[best]), 4))
    return proposals


def name_voices(
    turns: Sequence[VoiceTurn],
    voices: Sequence[Voice],
    slots: Sequence[ProgrammeSlot],
    speaker_turns: Sequence[SpeakerTurn],
    *,
    end_ms: int,
    kept: dict[str, str] | None = None,
    voiceprints: Sequence[tuple[str, np.ndarray]] = (),
    threshold: float = 1.0,
) -> Naming:
    """Apply the rules in order of strength; a voice named by a stronger rule keeps that name."""
    naming = Naming(proposals=propose(voices, voiceprints, threshold))
    ordered = sorted(turns, key=lambda t: t.start_ms)
    for label, person in name_by_offsets(ordered, speaker_turns, end_ms).items():
        naming.name(label, person, OFFSETS)
    for label, person in (kept or {}).items():
        if label not in naming.names:
            naming.name(label, person, KEPT)
    if not has_offsets(slots):
        # A kept name takes its voice and its person out of the order; the rest are mapped
        # in order (the archivist who confirmed someone else's place corrected the programme).
        taken = set(naming.names.values())
        unnamed = [t for t in ordered if t.voice not in naming.names]
        people = [p for p in programme_people(slots) if p not in taken]
        for label, person in name_by_order(unnamed, people).items():
            naming.name(label, person, ORDER)
    in_programme = set(programme_people(slots)) - set(naming.names.values())
    by_score = sorted(naming.proposals.items(), key=lambda item: -item[1].score)
    for label, proposal in by_score:
        if label not in naming.names and proposal.person_slug in in_programme:
            naming.name(label, proposal.person_slug, VOICEPRINT)  # the programme corroborates
            in_programme.discard(proposal.person_slug)
    return naming
