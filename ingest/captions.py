"""Cut a transcript into captions that follow broadcast subtitle practice.

Segments are written for reading a transcript; over a picture they make cues of
five lines and eleven seconds. Following the BBC and Netflix timed-text guides, a
caption has at most 2 lines of 42 characters, lasts at most 7 s and about 1 s at
least, asks at most 17 characters per second of reading, breaks at phrase
boundaries (punctuation first, then before a conjunction or preposition, never
inside a word, rarely leaving one word alone on the last line) and never runs
across a change of speaker. Captions are timed from the words; where the speech
itself is faster than 17 characters per second, a caption stays up into the
following silence until the next one (never overlapping) and then accepts it.

Times are integer milliseconds, start inclusive, end exclusive.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from core.contracts import ExportSegment, Word
from core.timing import ESTIMATED, estimate_words

MAX_LINE_CHARS = 42
MAX_LINES = 2
MAX_CUE_MS = 7000
MIN_CUE_MS = 1000
MAX_CPS = 17.0
# A pause this long inside one speaker's speech always ends a caption.
MAX_PAUSE_MS = 2000
# Marks a change to a speaker whose name is unknown, as in French subtitling.
DIALOGUE_DASH = "–"

# Words a line or caption may start with: breaking before them keeps phrases whole.
_PHRASE_STARTS = frozenset(
    """et ou mais donc car or ni que qui quoi dont où parce puisque lorsque quand comme si
    pour dans avec sans sur sous de des du à au aux en par vers chez entre depuis pendant
    contre selon jusqu après avant afin and or but so because that which who when where
    if to of in on for with from by about into than as""".split()
)
# Words that belong to what follows: a break right after one splits a phrase.
_CLINGING = frozenset(
    """le la les l un une des du de d à au aux ce cet cette ces mon ma mes ton ta tes son sa
    ses notre nos votre vos leur leurs et ou que qu qui ne n se s y en a an the of to""".split()
)


@dataclass(frozen=True)
class Cue:
    """One caption: `lines` as shown (a speaker label included where asked), `speaker` for tags."""

    start_ms: int
    end_ms: int
    lines: tuple[str, ...]
    speaker: str | None
    # The spoken text without any label, which reading speed is measured on.
    text: str


@dataclass(frozen=True)
class _Token:
    text: str
    start_ms: int
    end_ms: int
    label: bool = False  # a 'Name:' prefix, not something said


def build_cues(segments: tuple[ExportSegment, ...], label_turns: bool = False) -> list[Cue]:
    """Cut segments into timed captions.

    With `label_turns` (SubRip, which has no voice tags) a turn's first caption
    starts with 'Name:', or with a dash when the new speaker is unknown.
    """
    cues: list[Cue] = []
    previous: str | None = None
    for speaker, tokens in _runs(segments):
        if label_turns and speaker != previous:
            # An unnamed voice after a named one gets the dialogue dash, so that
            # a reader does not lend it the previous speaker's name.
            label = f"{speaker}:" if speaker is not None else DIALOGUE_DASH
            at_ms = tokens[0].start_ms
            tokens = [_Token(label, at_ms, at_ms, True), *tokens]
        for group in _cut(tokens):
            lines = _lines(group)
            said = " ".join(token.text for token in group if not token.label)
            cues.append(Cue(group[0].start_ms, max(t.end_ms for t in group), lines, speaker, said))
        previous = speaker
    return _timed(cues)


def _label(segment: ExportSegment) -> str | None:
    label = " ".join((segment.speaker_name or segment.speaker_slug or "").split())
    return label or None


def _runs(segments: tuple[ExportSegment, ...]) -> list[tuple[str | None, list[_Token]]]:
    """Group the timed tokens into one speaker's continuous speech."""
    runs: list[tuple[str | None, list[_Token]]] = []
    last_end = -MAX_PAUSE_MS - 1
    for segment in segments:
        tokens = _tokens(segment)
        if not tokens:
            continue
        speaker = _label(segment)
        # Unknown speakers are never merged: two of them may be two people.
        joins = runs and speaker is not None and runs[-1][0] == speaker
        if joins and tokens[0].start_ms - last_end <= MAX_PAUSE_MS:
            runs[-1][1].extend(tokens)
        else:
            runs.append((speaker, tokens))
        last_end = tokens[-1].end_ms
    return runs


def _tokens(segment: ExportSegment) -> list[_Token]:
    """Time each whitespace-separated token of the segment's text from its words.

    Recognisers split French elisions and compounds ("l" + "'accident"), and an
    edited text no longer matches its words: then the times are spread over the
    segment by length, as for any word whose time was estimated.
    """
    texts = segment.text.split()
    if not texts:
        return []
    start_ms, end_ms = segment.start_ms, max(segment.end_ms, segment.start_ms)
    spans = _aligned(texts, list(segment.words)) or [
        (w.start_ms, w.end_ms) for w in estimate_words(segment.text, start_ms, end_ms)
    ]
    tokens, floor = [], start_ms
    for text, (word_start, word_end) in zip(texts, spans, strict=True):
        # Keep times inside the segment and in order, whatever the recogniser said.
        word_start = min(max(word_start, floor), end_ms)
        word_end = min(max(word_end, word_start), end_ms)
        tokens.append(_Token(text, word_start, word_end))
        floor = word_start
    return tokens


def _aligned(texts: list[str], words: list[Word]) -> list[tuple[int, int]] | None:
    """Return (start, end) per text token from the words, or None if they disagree."""
    if not words:
        return None
    if len(words) == len(texts):
        return [_heard_span(text, [word]) for text, word in zip(texts, words, strict=True)]
    spans: list[tuple[int, int]] = []
    pieces: list[Word] = []
    index = 0
    for word in words:
        if index >= len(texts):
            return None
        pieces.append(word)
        pending = "".join(piece.text.strip() for piece in pieces)
        if len(pending) >= len(texts[index]):
            if pending != texts[index]:
                return None
            spans.append(_heard_span(texts[index], pieces))
            pieces, index = [], index + 1
    return spans if index == len(texts) else None


def _heard_span(text: str, pieces: list[Word]) -> tuple[int, int]:
    """Return a token's span from its words, shortened if it lasts longer than it could be said.

    Whisper stretches a segment's first word back over the silence before it
    ("C" + "'est" from 20.7 s to 26.1 s): its caption would show seconds early.
    Estimated times are left alone: their span is all we know.
    """
    start_ms, end_ms = pieces[0].start_ms, pieces[-1].end_ms
    longest_ms = 400 + 120 * len(text)
    if any(piece.probability == ESTIMATED for piece in pieces):
        return start_ms, end_ms
    return max(start_ms, end_ms - longest_ms), end_ms


def _cut(tokens: list[_Token]) -> list[list[_Token]]:
    """Choose where captions end: the cheapest cut of the run into captions that fit."""
    count = len(tokens)
    edges = _edges([token.text for token in tokens])
    breaks = [_break_cost(a.text, b.text) for a, b in zip(tokens, tokens[1:], strict=False)]
    starts = [token.start_ms for token in tokens]
    best: list[float] = [0.0] + [math.inf] * count
    back = [0] * (count + 1)
    for end in range(1, count + 1):
        last_end_ms = tokens[end - 1].end_ms
        if end < count:
            # Ending here costs the phrase it breaks, less a bonus for a pause.
            end_cost = breaks[end - 1] - min((starts[end] - last_end_ms) / 100, 6.0)
            limit_ms = starts[end]  # the most time a caption ending here can stay
        else:
            end_cost, limit_ms = 0.0, last_end_ms + MAX_CUE_MS
        for begin in range(end - 1, -1, -1):
            chars = edges[end] - edges[begin] - 1
            single = end - begin == 1
            if not single and (
                chars > MAX_LINE_CHARS * MAX_LINES or last_end_ms - starts[begin] > MAX_CUE_MS
            ):
                break
            if begin == 1 and tokens[0].label:
                continue  # a speaker's name never stands alone
            split, layout = _best_split(edges, breaks, begin, end)
            if split < 0:
                if not single:
                    continue
                layout = 0.0  # one word longer than a line: it stays whole
            cost = best[begin] + 10.0 + layout + end_cost
            available_ms = min(limit_ms - starts[begin], MAX_CUE_MS)
            cps = chars * 1000 / available_ms if available_ms > 0 else math.inf
            if cps > MAX_CPS:  # reading speed, against the most time it could have
                cost += 4.0 * min(cps - MAX_CPS, 1000.0)
            if available_ms < MIN_CUE_MS:  # a flash nobody can read
                cost += (MIN_CUE_MS - available_ms) / 50
            if cost < best[end]:
                best[end], back[end] = cost, begin
    groups, end = [], count
    while end > 0:
        groups.append(tokens[back[end] : end])
        end = back[end]
    return groups[::-1]


def _break_cost(before: str, after: str) -> float:
    """Return how badly a break between two words splits a phrase."""
    if before.endswith((".", "?", "!", "…", "»", '"')):
        cost = 0.0
    elif before.endswith((",", ";", ":", "–", "—")):
        cost = 3.0
    elif _bare(after) in _PHRASE_STARTS:
        cost = 7.0
    else:
        cost = 14.0
    if _bare(before) in _CLINGING or before.endswith(("'", "’")):
        cost += 20.0
    return cost


def _bare(word: str) -> str:
    """Lowercase a word without surrounding punctuation or an elided article (l', qu')."""
    word = word.lower().strip('.,;:!?«»"()[]…')
    for mark in ("'", "’"):
        word = word.split(mark)[0] if word.endswith(mark) else word
    return word


def _best_split(edges: list[int], breaks: list[float], begin: int, end: int) -> tuple[int, float]:
    """Return (split, cost) of the best two-line layout of tokens[begin:end]; split -1 if none.

    A split of 0 means one line. `edges[k]` is the width of tokens[:k] written
    with a space after each, so tokens[a:b] take edges[b] - edges[a] - 1 characters.
    """
    if edges[end] - edges[begin] - 1 <= MAX_LINE_CHARS:
        return 0, 0.0
    # Only splits where both lines fit: the bottom one from `first`, the top one up to `last`.
    first = bisect_left(edges, edges[end] - MAX_LINE_CHARS - 1, begin + 1, end)
    last = bisect_right(edges, edges[begin] + MAX_LINE_CHARS + 1, first, end)
    best, best_cost = -1, math.inf
    for split in range(first, last):
        top, bottom = edges[split] - edges[begin], edges[end] - edges[split]
        cost = breaks[split - 1] / 2 + abs(top - bottom) / 10
        if end - split == 1:
            cost += 8.0  # a lone word on the last line reads as an afterthought
        if cost < best_cost:
            best, best_cost = split, cost
    return best, best_cost


def _edges(words: list[str]) -> list[int]:
    edges = [0]
    for word in words:
        edges.append(edges[-1] + len(word) + 1)
    return edges


def _lines(group: list[_Token]) -> tuple[str, ...]:
    """Lay a caption's words out on one line or two (a single overlong word stays whole)."""
    words = [token.text for token in group]
    breaks = [_break_cost(a, b) for a, b in zip(words, words[1:], strict=False)]
    split, _ = _best_split(_edges(words), breaks, 0, len(words))
    if split <= 0:
        return (" ".join(words),)
    return " ".join(words[:split]), " ".join(words[split:])


def _timed(cues: list[Cue]) -> list[Cue]:
    """Give each caption its display time: at least 1 s and time to read, never overlapping."""
    cues = sorted(cues, key=lambda cue: cue.start_ms)
    timed: list[Cue] = []
    for index, cue in enumerate(cues):
        start_ms = max(cue.start_ms, timed[-1].end_ms if timed else 0)
        next_ms = cues[index + 1].start_ms if index + 1 < len(cues) else math.inf
        reading_ms = math.ceil(len(cue.text) * 1000 / MAX_CPS)
        wanted_ms = max(cue.end_ms, start_ms + MIN_CUE_MS, start_ms + reading_ms)
        end_ms = int(min(wanted_ms, start_ms + MAX_CUE_MS, max(next_ms, start_ms + 1)))
        timed.append(Cue(start_ms, end_ms, cue.lines, cue.speaker, cue.text))
    return timed
