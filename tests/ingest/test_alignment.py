"""When an alignment is used and when it is refused, and how Whisper's pieces become our words.

Fast: no model. The real model on real speech is in test_alignment_model.py,
the whole flow after a save in tests/worker/test_realign.py.
"""

from __future__ import annotations

import pytest

from core.contracts import Word
from core.timing import ALIGNED, ESTIMATED, adopt_alignment, estimate_words
from ingest.transcribe import _trim_edges, _words_from_pieces

SEGMENT = (10_000, 12_000)
WINDOW = (9_500, 12_500)
# "la ville intelligente" said at 10.0, 10.3 and 10.9 s; the archivist typed the last two.
STORED = [Word(10_000, 10_300, "la", 0.9), *estimate_words("ville intelligente", 10_300, 12_000)]
HEARD = [
    Word(10_010, 10_290, "la", 0.8),
    Word(10_300, 10_650, "ville", 0.8),
    Word(10_900, 11_700, "intelligente", 0.8),
]


def test_estimated_words_take_the_aligned_times_and_the_rest_stay() -> None:
    words, reason = adopt_alignment(STORED, HEARD, WINDOW, SEGMENT)
    assert reason == ""
    assert words[0] == STORED[0]  # heard by the recogniser: untouched
    assert [(w.start_ms, w.end_ms, w.probability) for w in words[1:]] == [
        (10_300, 10_650, ALIGNED),
        (10_900, 11_700, ALIGNED),
    ]
    assert STORED[2].start_ms == 10_800  # where the spread by length had put it


def test_aligned_times_are_kept_inside_the_segment_and_after_the_words_before() -> None:
    early = [HEARD[0], Word(10_200, 10_650, "ville", 0.8), Word(10_900, 12_300, "intelligente")]
    words, _ = adopt_alignment(STORED, early, WINDOW, SEGMENT)
    assert (words[1].start_ms, words[2].end_ms) == (10_300, 12_000)


@pytest.mark.parametrize(
    ("aligned", "why"),
    [
        ([*HEARD[:2], Word(10_900, 11_700, "intelligentes")], "not the segment's words"),
        ([*HEARD[:2], Word(12_400, 12_900, "intelligente")], "outside the audio window"),
        ([HEARD[0], HEARD[2], HEARD[1]], "not the segment's words"),
        (
            [HEARD[0], Word(10_900, 11_000, "ville"), Word(10_300, 11_700, "intelligente")],
            "out of order",
        ),
        (
            [Word(10_500, 10_600, "la"), Word(10_600, 10_650, "ville"), HEARD[2]],
            "moved the words nobody changed",
        ),
        ([*HEARD[:2], Word(11_000, 11_000, "intelligente")], "no time left"),
    ],
    ids=["other words", "outside", "reordered", "backwards", "neighbour moved", "zero length"],
)
def test_nonsense_alignments_are_refused(aligned: list[Word], why: str) -> None:
    words, reason = adopt_alignment(STORED, aligned, WINDOW, SEGMENT)
    assert words is None and why in reason


def test_a_word_squeezed_to_nothing_between_its_neighbours_is_refused() -> None:
    stored = [Word(10_000, 10_500, "la", 0.9), Word(10_500, 10_600, "ville", ESTIMATED)]
    stored.append(Word(10_600, 11_000, "intelligente", 0.9))
    aligned = [Word(10_000, 10_500, "la"), Word(10_450, 10_500, "ville")]
    aligned.append(Word(10_500, 11_000, "intelligente"))
    assert adopt_alignment(stored, aligned, WINDOW, SEGMENT)[0] is None


def test_whisper_pieces_are_grouped_back_into_the_typed_words() -> None:
    pieces = [
        (" l", 0.0, 0.1, 0.9),
        ("'accueil", 0.1, 0.6, 0.8),
        (" de", 0.6, 0.7, 0.9),
        (" Vila", 0.7, 1.0, 0.5),
        ("-Telixante", 1.0, 1.6, 0.4),
        (",", 1.6, 2.4, 0.1),  # a comma Whisper timed over the pause after it
    ]
    words = _words_from_pieces(["l'accueil", "de", "Vila-Telixante,"], pieces, 5_000)
    assert [(w.text, w.start_ms, w.end_ms) for w in words] == [
        ("l'accueil", 5_000, 5_600),
        ("de", 5_600, 5_700),
        ("Vila-Telixante,", 5_700, 6_600),
    ]
    assert words[2].probability == pytest.approx(0.45)


def test_pieces_that_spell_other_words_give_nothing() -> None:
    pieces = [(" la", 0.0, 0.2, 0.9), (" villes", 0.2, 0.6, 0.9)]
    assert _words_from_pieces(["la", "ville"], pieces, 0) is None
    assert _words_from_pieces(["la"], pieces, 0) is None  # words left over


def test_a_first_word_stretched_over_leading_silence_is_shortened() -> None:
    pieces = [(" Bon", 0.0, 2.0, 0.9), (" jour", 2.0, 2.3, 0.9), (" à", 2.3, 2.4, 0.9)]
    pieces.append((" tous", 2.4, 2.7, 0.9))
    trimmed = _trim_edges(pieces)
    assert trimmed[0][1] == pytest.approx(1.4)  # twice the median word (0.3 s) before its end
    assert trimmed[1:] == pieces[1:]
