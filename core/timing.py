"""Word timings guessed when nobody heard them, and timings aligned to the audio after a fix.

A guessed word is marked `probability == ESTIMATED` (0.0): "time estimated, not
heard". A corrected word whose time was then found in the recording by forced
alignment (`ingest.alignment`) is marked `probability == ALIGNED` (2.0, above any
recogniser's 0..1): a person wrote the word, so it is not doubtful, and its time
was heard. Segment confidence and the verified mark are separate and unaffected,
so a corrected segment stays verified while its words say how their times were found.
"""

from __future__ import annotations

from dataclasses import replace

from core.contracts import Word

ESTIMATED = 0.0  # the probability of a word whose time was spread, not recognised
ALIGNED = 2.0  # the probability of a corrected word timed by forced alignment
# Unchanged words whose aligned time strays further than this (median) from when the
# recogniser heard them mean the alignment followed something else: it is not used.
NEIGHBOUR_TOLERANCE_MS = 300


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


def adopt_alignment(
    words: list[Word], aligned: list[Word], window: tuple[int, int], segment: tuple[int, int]
) -> tuple[list[Word] | None, str]:
    """Give the estimated words of a segment their aligned times; say why not when refused.

    `aligned` times the same tokens as `words`, found in the audio `window`
    (ms); the result keeps every recognised word as it is and clamps the new
    times into the `segment` and between their neighbours. Refused (None, the
    reason) when the alignment is nonsense: other words, times outside the
    window, a word of no length, times out of order, or unchanged words moved.
    """
    if [w.text for w in aligned] != [w.text for w in words]:
        return None, "the aligned words are not the segment's words"
    if any(not window[0] <= a.start_ms <= a.end_ms <= window[1] for a in aligned):
        return None, "an aligned word lies outside the audio window"
    if any(a.start_ms > b.start_ms for a, b in zip(aligned, aligned[1:], strict=False)):
        return None, "the aligned words are out of order"
    pairs = zip(aligned, words, strict=True)
    kept = [abs(a.start_ms - w.start_ms) for a, w in pairs if w.probability != ESTIMATED]
    if kept and sorted(kept)[len(kept) // 2] > NEIGHBOUR_TOLERANCE_MS:
        return None, "the alignment moved the words nobody changed"
    result = list(words)
    for index, (word, found) in enumerate(zip(words, aligned, strict=True)):
        if word.probability != ESTIMATED:
            continue
        low = max(segment[0], result[index - 1].end_ms if index else segment[0])
        after = next((w for w in words[index + 1 :] if w.probability != ESTIMATED), None)
        high = min(segment[1], after.start_ms if after else segment[1])
        start_ms, end_ms = max(found.start_ms, low), min(found.end_ms, high)
        if end_ms <= start_ms:
            return None, f"no time left for “{word.text}” between its neighbours"
        result[index] = replace(word, start_ms=start_ms, end_ms=end_ms, probability=ALIGNED)
    return result, ""
