"""Naming voices, rule by rule, and putting voices onto words: pure functions, no catalogue."""

from __future__ import annotations

import numpy as np

from core.contracts import ProgrammeSlot, TranscribedSegment, Voice, VoiceTurn, Word
from ingest.speakers import SpeakerTurn, assign_voices, attribute_speakers
from ingest.voice_naming import (
    KEPT,
    OFFSETS,
    ORDER,
    VOICEPRINT,
    carry_confirmed,
    floor_order,
    name_voices,
)
from tests.support.fake_diarizer import (
    FLOOR,
    ScriptedDiarizer,
    blend,
    synthetic_session,
    unit_vector,
)

S = 1_000
MIN = 60 * S


def _slots(*items: tuple[str, ...], start_ms: tuple[int | None, ...] = ()) -> list[ProgrammeSlot]:
    starts = list(start_ms) + [None] * (len(items) - len(start_ms))
    return [
        ProgrammeSlot(start, tuple((slug, "speaker", None) for slug in people))
        for people, start in zip(items, starts, strict=True)
    ]


def _voices(turns: list[VoiceTurn], embeddings: dict[str, tuple[float, ...]] | None = None):
    labels = dict.fromkeys(t.voice for t in turns)
    embeddings = embeddings or {}
    return [
        Voice(v, embeddings.get(v) or unit_vector(int(v)), sum(t.end_ms - t.start_ms
              for t in turns if t.voice == v))
        for v in labels
    ]  # fmt: skip


# A chair opens (voice 1), a speaker talks (2), a question (3), a second speaker talks (4).
SEMINAR = [
    VoiceTurn(0, 2 * MIN, "1"),
    VoiceTurn(2 * MIN, 12 * MIN, "2"),
    VoiceTurn(12 * MIN, 12 * MIN + 9 * S, "3"),
    VoiceTurn(12 * MIN + 9 * S, 13 * MIN, "2"),
    VoiceTurn(13 * MIN, 25 * MIN, "4"),
]
PROGRAMME = _slots(("chair",), ("alice",), ("bruno",))


def test_voices_hold_the_floor_in_order_and_a_question_never_does() -> None:
    assert floor_order(SEMINAR) == ["1", "2", "4"]


def test_without_offsets_the_programme_order_names_the_voices_and_the_floor_stays_unnamed() -> None:
    naming = name_voices(SEMINAR, _voices(SEMINAR), PROGRAMME, [], end_ms=25 * MIN)
    assert naming.names == {"1": "chair", "2": "alice", "4": "bruno"}
    assert set(naming.how.values()) == {ORDER}
    assert "3" not in naming.names


def test_a_long_question_from_the_floor_does_not_shift_every_later_name() -> None:
    # The questioner speaks 40 s: enough to hold the floor, far less than any talk.
    turns = [*SEMINAR[:2], VoiceTurn(12 * MIN, 12 * MIN + 40 * S, "3"), *SEMINAR[3:]]
    naming = name_voices(turns, _voices(turns), PROGRAMME, [], end_ms=25 * MIN)
    assert naming.names == {"1": "chair", "2": "alice", "4": "bruno"}


def test_a_long_question_does_not_take_the_name_of_a_listed_person_who_never_spoke() -> None:
    turns = [*SEMINAR[:2], VoiceTurn(12 * MIN, 12 * MIN + 40 * S, "3"), *SEMINAR[3:]]
    programme = _slots(("chair",), ("alice",), ("bruno",), ("carla",))  # Carla did not come
    naming = name_voices(turns, _voices(turns), programme, [], end_ms=25 * MIN)
    assert naming.names == {"1": "chair", "2": "alice", "4": "bruno"}


def test_with_fewer_people_than_voices_the_longest_speaking_voices_are_named() -> None:
    # The programme lists the lecturer only: the chair's short opening must not take her name.
    naming = name_voices(SEMINAR, _voices(SEMINAR), _slots(("bruno",)), [], end_ms=25 * MIN)
    assert naming.names == {"4": "bruno"}


def test_an_offset_names_the_voice_that_dominates_its_span_and_turns_order_off() -> None:
    slots = _slots(("chair",), ("alice",), ("bruno",), start_ms=(None, None, 13 * MIN))
    speaker_turns = [SpeakerTurn(13 * MIN, "bruno")]
    naming = name_voices(SEMINAR, _voices(SEMINAR), slots, speaker_turns, end_ms=25 * MIN)
    assert naming.names == {"4": "bruno"}  # no guess for the others once offsets are typed
    assert naming.how == {"4": OFFSETS}


def test_an_offset_whose_span_no_voice_dominates_names_nobody() -> None:
    turns = [VoiceTurn(0, 60 * S, "1"), VoiceTurn(60 * S, 100 * S, "2")]
    naming = name_voices(
        turns, _voices(turns), _slots(("alice",), start_ms=(0,)), [SpeakerTurn(0, "alice")],
        end_ms=100 * S,
    )  # fmt: skip
    assert naming.names == {"1": "alice"}  # 60 % of the span's speech
    turns = [
        VoiceTurn(0, 40 * S, "1"),
        VoiceTurn(40 * S, 75 * S, "2"),
        VoiceTurn(75 * S, 100 * S, "3"),
    ]
    naming = name_voices(
        turns, _voices(turns), _slots(("alice",), start_ms=(0,)), [SpeakerTurn(0, "alice")],
        end_ms=100 * S,
    )  # fmt: skip
    assert naming.names == {}  # 40 %: no voice dominates, so nobody is named


def test_a_voiceprint_above_the_threshold_names_a_programme_person_left_unnamed() -> None:
    known = unit_vector(99)
    embeddings = {"3": blend(unit_vector(3), known, 0.8)}  # the floor voice is Carla's
    voices = _voices(SEMINAR, embeddings)
    programme = _slots(("chair",), ("alice",), ("bruno",), ("carla",))
    prints = [("carla", np.asarray(known, dtype=np.float32))]
    naming = name_voices(SEMINAR, voices, programme, [], end_ms=25 * MIN, voiceprints=prints,
                         threshold=0.75)  # fmt: skip
    assert naming.names["3"] == "carla" and naming.how["3"] == VOICEPRINT
    assert naming.proposals["3"].person_slug == "carla" and naming.proposals["3"].score >= 0.75


def test_a_voiceprint_of_someone_outside_the_programme_only_proposes() -> None:
    known = unit_vector(99)
    voices = _voices(SEMINAR, {"3": blend(unit_vector(3), known, 0.8)})
    prints = [("dora", np.asarray(known, dtype=np.float32))]
    naming = name_voices(SEMINAR, voices, PROGRAMME, [], end_ms=25 * MIN, voiceprints=prints,
                         threshold=0.75)  # fmt: skip
    assert "3" not in naming.names
    assert naming.proposals["3"].person_slug == "dora"


def test_a_voiceprint_below_the_threshold_proposes_nothing() -> None:
    known = unit_vector(99)
    voices = _voices(SEMINAR, {"3": blend(unit_vector(3), known, 0.3)})
    prints = [("carla", np.asarray(known, dtype=np.float32))]
    programme = _slots(("chair",), ("alice",), ("bruno",), ("carla",))
    naming = name_voices(SEMINAR, voices, programme, [], end_ms=25 * MIN, voiceprints=prints,
                         threshold=0.75)  # fmt: skip
    assert naming.proposals == {} and "3" not in naming.names


def test_a_confirmed_voice_keeps_its_name_under_a_new_label_and_beats_the_order() -> None:
    # The earlier run called Alice's voice "7", and the archivist confirmed it as Alice
    # although the programme's order would now say the chair spoke second.
    old_segments = [(0, 2 * MIN, "5"), (2 * MIN, 12 * MIN, "7"), (13 * MIN, 25 * MIN, "8")]
    kept = carry_confirmed(SEMINAR, old_segments, {"7": "alice"})
    assert kept == {"2": "alice"}
    programme = _slots(("chair",), ("bruno",), ("alice",))
    naming = name_voices(SEMINAR, _voices(SEMINAR), programme, [], end_ms=25 * MIN, kept=kept)
    assert naming.names == {"2": "alice", "1": "chair", "4": "bruno"}
    assert naming.how["2"] == KEPT


def test_typed_offsets_beat_a_kept_confirmation() -> None:
    slots = _slots(("alice",), ("bruno",), start_ms=(2 * MIN, 13 * MIN))
    speaker_turns = [SpeakerTurn(2 * MIN, "alice"), SpeakerTurn(13 * MIN, "bruno")]
    naming = name_voices(SEMINAR, _voices(SEMINAR), slots, speaker_turns, end_ms=25 * MIN,
                         kept={"4": "carla"})  # fmt: skip
    assert naming.names["4"] == "bruno" and naming.how["4"] == OFFSETS


def _words(*spans: tuple[int, int, str]) -> list[Word]:
    return [Word(a, b, text, 0.9) for a, b, text in spans]


def test_a_segment_splits_exactly_at_the_word_where_the_voice_changes() -> None:
    words = _words((0, 400, "Merci"), (450, 900, "beaucoup."), (1_000, 1_380, "Ma"),
                   (1_420, 1_900, "question"), (1_950, 2_300, "porte"))  # fmt: skip
    segment = TranscribedSegment(0, 2_300, "Merci beaucoup. Ma question porte", words)
    # The change of voice falls inside "Ma": most of it belongs to voice 2.
    turns = [VoiceTurn(0, 1_100, "1"), VoiceTurn(1_100, 2_300, "2")]
    parts = assign_voices([segment], turns, {"1": "alice"})
    assert [(p.text, p.voice, p.speaker_slug) for p in parts] == [
        ("Merci beaucoup.", "1", "alice"),
        ("Ma question porte", "2", None),
    ]
    assert [w for p in parts for w in p.words] == words  # no word lost, none across two voices
    assert (parts[0].start_ms, parts[0].end_ms, parts[1].start_ms) == (0, 900, 1_000)


def test_a_word_between_turns_takes_the_nearest_voice() -> None:
    segment = TranscribedSegment(
        0, 3_000, "oui alors", _words((0, 300, "oui"), (2_600, 3_000, "alors"))
    )
    parts = assign_voices([segment], [VoiceTurn(0, 500, "1"), VoiceTurn(2_700, 4_000, "2")], {})
    assert [(p.text, p.voice) for p in parts] == [("oui", "1"), ("alors", "2")]


def test_a_typed_offset_keeps_its_words_whatever_the_voice_says() -> None:
    segment = TranscribedSegment(0, 2_000, "bonjour à tous", _words((0, 500, "bonjour"),
                                 (600, 900, "à"), (1_000, 2_000, "tous")))  # fmt: skip
    offsets = attribute_speakers([segment], [SpeakerTurn(0, "bruno")])
    parts = assign_voices(offsets, [VoiceTurn(0, 2_000, "1")], {"1": "alice"})
    assert [(p.speaker_slug, p.voice) for p in parts] == [("bruno", "1")]


def test_a_synthetic_seminar_without_offsets_names_nine_words_in_ten_rightly() -> None:
    people = ["chair", "alice", "bruno", "carla", "dora"]
    synthetic = synthetic_session(people, seed=3, talk_s=(120, 240), questions=2, jitter_ms=600)
    found = ScriptedDiarizer(synthetic.turns)("audio.wav")
    naming = name_voices(found.turns, found.voices, _slots(*[(p,) for p in people]), [],
                         end_ms=10**9)  # fmt: skip
    parts = assign_voices(synthetic.segments, found.turns, naming.names)
    said = [p.speaker_slug for p in parts for _ in p.words]
    truth = [None if who.startswith(FLOOR) else who for who in synthetic.truth]
    assert sum(a == b for a, b in zip(said, truth, strict=True)) >= 0.9 * len(truth)
