"""One word-timing estimator: imported cues and corrected text mark guessed times alike."""

from __future__ import annotations

from pathlib import Path

from core.contracts import Word
from core.corrections import retime_words
from core.timing import ESTIMATED, estimate_words
from ingest.subtitles import read_transcript_file


def test_words_are_spread_by_length_and_marked_estimated() -> None:
    assert estimate_words("a bb ccc dddd", 10_000, 11_000) == [
        Word(10_000, 10_100, "a", ESTIMATED),
        Word(10_100, 10_300, "bb", ESTIMATED),
        Word(10_300, 10_600, "ccc", ESTIMATED),
        Word(10_600, 11_000, "dddd", ESTIMATED),
    ]
    assert estimate_words("", 0, 1000) == []


def test_imported_cue_and_corrected_text_mark_estimated_words_identically(tmp_path: Path) -> None:
    cue = tmp_path / "cue.vtt"
    cue.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:03.500\nla séance est ouverte\n")
    (imported,) = read_transcript_file(cue)
    corrected = retime_words([], "la séance est ouverte", 1000, 3500)
    assert imported.words == corrected
    assert all(w.probability == ESTIMATED for w in corrected)


def test_a_correction_keeps_heard_words_and_marks_only_replaced_ones() -> None:
    heard = [Word(0, 400, "la", 0.9), Word(400, 800, "ville", 0.8), Word(800, 1600, "inteligente")]
    new = retime_words(heard, "la ville intelligente", 0, 1600)
    assert [w.probability == ESTIMATED for w in new] == [False, False, True]
    assert new[2] == estimate_words("intelligente", 800, 1600)[0]
