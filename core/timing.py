"""Word timings guessed when nobody heard them: imported cues without words, corrected text.

A guessed word is marked `probability == ESTIMATED` (0.0): "time estimated, not
heard". Segment confidence and the verified mark are separate and unaffected, so
a corrected segment stays verified while its new words say their times are guesses.
"""

from __future__ import annotations

from core.contracts import Word

ESTIMATED = 0.0  # the probability of a word whose time was spread, not recognised


def estimate_words(text: str, start_ms: int, end_ms: int) -> list[Word]:
    """Spread the words of text over [start_ms, end_ms) by length: long words take longer."""
    tokens = text.split()
    total_chars = sum(len(token) for token in tokens) or 1
    span_ms = end_ms - start_ms
    words: list[Word] = []
    done_chars = 0
    for token in tokens:
        word_start_ms = start_ms + span_ms * done_chars // total_chars
        done_chars += len(token)
        word_end_ms = start_ms + span_ms * done_chars // total_chars
        words.append(Word(word_start_ms, word_end_ms, token, probability=ESTIMATED))
    return words
