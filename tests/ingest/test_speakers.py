"""Speaker attribution from the programme's start offsets."""

from __future__ import annotations

import pytest

from core.contracts import ProgrammeSlot, TranscribedSegment, Word
from ingest.speakers import (
    SpeakerTurn,
    attribute_speakers,
    join_words,
    programme_turns,
)


def _segment(start_ms: int, words: list[tuple[int, int, str]]) -> TranscribedSegment:
    built = [Word(s, e, t, 0.5 + i / 100) for i, (s, e, t) in enumerate(words)]
    return TranscribedSegment(
        start_ms=start_ms,
        end_ms=built[-1].end_ms if built else start_ms + 1_000,
        text=" ".join(t for _, _, t in words),
        words=built,
    )


def test_programme_turns_follow_item_and_person_offsets() -> None:
    slots = [
        ProgrammeSlot(0, (("jeannot", "speaker", None), ("menard", "speaker", 180_000))),
        ProgrammeSlot(600_000, (("saulnier", "speaker", None),)),
        ProgrammeSlot(None, (("brun", "speaker", None),)),  # no offset: cannot place it
        ProgrammeSlot(1_800_000, (("halbert", "discussant", None),)),
        ProgrammeSlot(1_200_000, (("fleurose", "speaker", None), ("bustarret", "speaker", None))),
    ]
    assert programme_turns(slots) == [
        SpeakerTurn(0, None),  # two speakers, only one of them timed: the start is unknown
        SpeakerTurn(180_000, "menard"),
        SpeakerTurn(600_000, "saulnier"),
        SpeakerTurn(1_200_000, None),  # two speakers, no own offsets: never a guess
        SpeakerTurn(1_800_000, "halbert"),  # a discussion led by its discussant alone
    ]


def test_a_persons_own_offset_beats_the_items_at_the_same_time() -> None:
    slots = [ProgrammeSlot(0, (("a", "speaker", 0), ("b", "speaker", 60_000)))]
    assert programme_turns(slots) == [SpeakerTurn(0, "a"), SpeakerTurn(60_000, "b")]


def test_chair_beside_one_speaker_leaves_the_speaker_as_the_voice() -> None:
    slots = [ProgrammeSlot(5_000, (("chair", "chair", None), ("talker", "speaker", None)))]
    assert programme_turns(slots) == [SpeakerTurn(5_000, "talker")]


def test_segment_straddling_a_change_of_speaker_is_split_at_the_word() -> None:
    turns = [SpeakerTurn(0, "jeannot"), SpeakerTurn(10_000, "menard")]
    segment = _segment(
        8_000,
        [
            (8_000, 8_600, "merci"),
            (8_700, 9_800, "Gilles."),
            (10_100, 10_500, "Bonjour"),
            (10_600, 11_400, "à tous."),
        ],
    )
    first, second = attribute_speakers([segment], turns)
    assert (first.speaker_slug, first.text, first.start_ms, first.end_ms) == (
        "jeannot",
        "merci Gilles.",
        8_000,
        9_800,
    )
    assert (second.speaker_slug, second.text, second.start_ms, second.end_ms) == (
        "menard",
        "Bonjour à tous.",
        10_100,
        11_400,
    )
    assert [w.text for w in second.words] == ["Bonjour", "à tous."]
    # Each part's confidence comes from its own words.
    assert abs(second.confidence - (0.52 + 0.53) / 2) < 1e-9
    assert segment.speaker_slug is None  # the input is not modified


def test_word_straddling_the_boundary_goes_to_whoever_holds_its_middle() -> None:
    turns = [SpeakerTurn(0, "a"), SpeakerTurn(1_000, "b")]
    segment = _segment(0, [(0, 500, "un"), (600, 1_600, "deux"), (1_700, 2_000, "trois")])
    parts = attribute_speakers([segment], turns)
    assert [(p.speaker_slug, p.text) for p in parts] == [("a", "un"), ("b", "deux trois")]


def test_segments_before_the_first_turn_and_in_unknown_turns_stay_unattributed() -> None:
    turns = [SpeakerTurn(5_000, "a"), SpeakerTurn(20_000, None)]
    segments = [
        _segment(0, [(0, 1_000, "avant")]),
        _segment(6_000, [(6_000, 7_000, "pendant")]),
        _segment(21_000, [(21_000, 22_000, "après")]),
    ]
    assert [s.speaker_slug for s in attribute_speakers(segments, turns)] == [None, "a", None]


def test_segment_without_word_timings_is_attributed_by_its_middle() -> None:
    turns = [SpeakerTurn(0, "a"), SpeakerTurn(3_000, "b")]
    segment = TranscribedSegment(start_ms=1_000, end_ms=6_000, text="sans mots")
    (result,) = attribute_speakers([segment], turns)
    assert (result.speaker_slug, result.text) == ("b", "sans mots")


def test_no_turns_means_no_attribution() -> None:
    segment = _segment(0, [(0, 500, "seul")])
    (result,) = attribute_speakers([segment], [])
    assert result.speaker_slug is None and result.text == "seul"


@pytest.mark.parametrize(
    ("pieces", "text"),
    [
        (["Bonjour", "à", "tous."], "Bonjour à tous."),
        (["l", "'accueil", "d", "'aujourd", "'hui"], "l'accueil d'aujourd'hui"),
        (["semi", "-leur", ",", "voilà", "!"], "semi-leur, voilà!"),
        ([" Bonjour", " à", " tous."], "Bonjour à tous."),
    ],
)
def test_split_segment_text_is_rebuilt_without_stray_spaces(pieces: list[str], text: str) -> None:
    words = [Word(i * 100, i * 100 + 90, piece) for i, piece in enumerate(pieces)]
    assert join_words(words) == text


def test_first_word_of_a_new_speaker_heard_early_in_the_pause_goes_to_the_new_speaker() -> None:
    # Whisper starts "La" inside the pause before the offset at 25 s: the longest
    # pause near the offset, not the offset itself, marks the change of speaker.
    turns = [SpeakerTurn(0, "menard"), SpeakerTurn(25_000, "bernardin")]
    before = _segment(20_000, [(20_000, 21_000, "Merci"), (21_100, 23_000, "société."),
                               (23_900, 24_900, "La")])  # fmt: skip
    after = _segment(25_200, [(25_200, 26_000, "séance"), (26_100, 27_000, "commence.")])
    parts = attribute_speakers([before, after], turns)
    assert [(p.speaker_slug, p.text) for p in parts] == [
        ("menard", "Merci société."),
        ("bernardin", "La"),
        ("bernardin", "séance commence."),
    ]


def test_last_word_heard_late_stays_with_its_speaker_when_the_pause_is_after_it() -> None:
    turns = [SpeakerTurn(0, "a"), SpeakerTurn(10_000, "b")]
    first = _segment(8_000, [(8_000, 9_000, "fin"), (9_050, 11_000, "ici.")])  # middle: 10.03 s
    second = _segment(11_500, [(11_500, 12_000, "Suite.")])
    parts = attribute_speakers([first, second], turns)
    assert [(p.speaker_slug, p.text) for p in parts] == [("a", "fin ici."), ("b", "Suite.")]
