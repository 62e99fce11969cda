"""Remove Whisper's known hallucinations from recognised segments.

Pure functions: segments in, new segments out; the input is never modified.
When words are removed, the segment's text, words, times and confidence are
rebuilt from the words that remain, so the transcript and its timings agree.
"""

from __future__ import annotations

import unicodedata
import zlib
from dataclasses import dataclass, replace

from core.contracts import TranscribedSegment, Word
from core.text import fold_words

# A segment containing one of these (folded) is a subtitle credit Whisper learnt
# from its training data: the whole segment is invented, whatever else it says.
CREDIT_MARKERS = (
    "amara org",
    "sous titres realises par",
    "sous titrage st 501",
    "sous titrage societe radio canada",
    "untertitel im auftrag des zdf",
)
# Outros Whisper appends over silence or applause; removed wherever they occur.
HALLUCINATED_PHRASES: dict[str, tuple[str, ...]] = {
    "en": (
        "Thanks for watching!",
        "Thank you for watching!",
        "Subtitles by the Amara.org community",
    ),
    "fr": (
        "Merci d'avoir regardé cette vidéo !",
        "Sous-titrage ST' 501",
        "Sous-titrage Société Radio-Canada",
        "Sous-titres réalisés par la communauté d'Amara.org",
    ),
    "de": ("Untertitel der Amara.org-Community", "Vielen Dank fürs Zuschauen!"),
    "ja": ("ご視聴ありがとうございました",),
}
# Whisper given the programme's names as hot words sometimes recites them over the
# recording's last seconds ("LATTS, François Ménard, PUCA, …", never said). A run
# of at least this many hot words in a row, from at least two different entries
# of the list, with nothing else between them, is that echo; a sentence that
# names someone ("François Ménard du PUCA") has other words between the names.
MIN_ECHO_WORDS = 4
MIN_ECHO_ENTRIES = 2
MIN_LOOP_REPEATS = 4  # "very very very" is speech; four times in a row is a decoding loop
MAX_LOOP_WORDS = 10  # longest phrase looked for in a loop
# Whisper's own thresholds for "this window is probably silence".
NO_SPEECH_PROB = 0.6
LOW_AVG_LOGPROB = -1.0
# Whisper's threshold for a failed, repetitive decode (gzip ratio of the text).
MAX_COMPRESSION_RATIO = 2.4
# Mean word probability under which a segment is noise decoded as words: seen here
# over trailing silence ("Mère Stéphéry." at 0.12); real speech, even poor, scores higher.
MIN_CONFIDENCE = 0.2
# Scripts that never belong in a transcript of a language written in Latin letters.
_FOREIGN_TO_LATIN = ("CJK", "HANGUL", "HIRAGANA", "KATAKANA")
LATIN_LANGUAGES = frozenset("fr en de es it pt nl ca pl ro sv da no fi cs hu tr id vi".split())
_SENTENCE_ENDS = (".", "!", "?", "…", "。", "！", "？")
SPACELESS_LANGUAGES = frozenset({"zh", "yue", "ja", "th", "lo", "my", "km", "bo"})


@dataclass(frozen=True)
class _Token:
    text: str
    key: str  # folded text, "" for punctuation
    word: Word | None


def clean_segments(
    segments: list[TranscribedSegment], language: str, hot_words: str | None = None
) -> list[TranscribedSegment]:
    """Drop invented credits, loops, repeats, recited hot words and non-speech; new segments.

    hot_words is the prompt the recogniser was given ("Name, Organisation, …."), if any.
    """
    phrases = [fold_words(p).split() for p in _phrases_for(language)]
    separator = "" if language in SPACELESS_LANGUAGES else " "
    entries = _hot_word_entries(hot_words)
    kept: list[TranscribedSegment] = []
    for segment in segments:
        cleaned = _clean_one(segment, phrases, separator, language, entries)
        if cleaned is None:
            continue
        if kept and fold_words(kept[-1].text) == fold_words(cleaned.text):
            continue  # the same text twice in a row is a loop across segments
        kept.append(cleaned)
    return kept


def compression_ratio(text: str) -> float:
    """Return the gzip compression ratio of text, as Whisper computes it."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def _phrases_for(language: str) -> tuple[str, ...]:
    # English credits show up in every language, the others only in their own.
    own = HALLUCINATED_PHRASES.get(language, ()) if language != "en" else ()
    return HALLUCINATED_PHRASES["en"] + own


def _clean_one(
    segment: TranscribedSegment,
    phrases: list[list[str]],
    separator: str,
    language: str,
    entries: dict[str, int],
) -> TranscribedSegment | None:
    folded = fold_words(segment.text)
    # Padding makes markers match whole words only ("la Camara organise" is speech).
    if not folded or any(f" {marker} " in f" {folded} " for marker in CREDIT_MARKERS):
        return None
    if segment.no_speech_prob > NO_SPEECH_PROB and segment.avg_logprob < LOW_AVG_LOGPROB:
        return None
    if segment.words and segment.confidence < MIN_CONFIDENCE:
        return None
    tokens = _tokens(segment)
    removed = _phrase_matches(tokens, phrases) | _loop_repeats(tokens) | _echo(tokens, entries)
    if language in LATIN_LANGUAGES:
        removed |= {i for i, tok in enumerate(tokens) if _foreign_script(tok.text)}
    cleaned = _rebuild(segment, tokens, removed, separator)
    if not fold_words(cleaned.text) or compression_ratio(cleaned.text) > MAX_COMPRESSION_RATIO:
        return None
    return cleaned


def _foreign_script(text: str) -> bool:
    return any(unicodedata.name(ch, "").startswith(_FOREIGN_TO_LATIN) for ch in text)


def _tokens(segment: TranscribedSegment) -> list[_Token]:
    if segment.words:
        return [_Token(w.text.strip(), fold_words(w.text), w) for w in segment.words]
    return [_Token(t, fold_words(t), None) for t in segment.text.split()]


def _phrase_matches(tokens: list[_Token], phrases: list[list[str]]) -> set[int]:
    """Return indices of tokens forming one of the phrases as a sentence of its own."""
    flat = [(part, index) for index, tok in enumerate(tokens) for part in tok.key.split()]
    parts = [part for part, _ in flat]
    hits: set[int] = set()
    for phrase in phrases:
        for start in range(len(parts) - len(phrase) + 1):
            end = start + len(phrase) - 1
            if parts[start : end + 1] != phrase:
                continue
            first, last = flat[start][1], flat[end][1]
            whole_tokens = (start == 0 or flat[start - 1][1] != first) and (
                end == len(flat) - 1 or flat[end + 1][1] != last
            )
            # "Thanks for watching the demo" is speech; only a sentence of its own is an outro.
            alone = (first == 0 or tokens[first - 1].text.endswith(_SENTENCE_ENDS)) and (
                last == len(tokens) - 1 or tokens[last].text.endswith(_SENTENCE_ENDS)
            )
            if whole_tokens and alone:
                hits.update(range(first, last + 1))
    return hits


def _hot_word_entries(hot_words: str | None) -> dict[str, int]:
    """Map each folded word of the hot-word list to the entry (comma-separated) it is from."""
    entries: dict[str, int] = {}
    for number, entry in enumerate((hot_words or "").rstrip(". ").split(",")):
        for word in fold_words(entry).split():
            entries.setdefault(word, number)
    return entries


def _echo(tokens: list[_Token], entries: dict[str, int]) -> set[int]:
    """Return indices of runs of hot words recited one after another (see MIN_ECHO_WORDS)."""
    drop: set[int] = set()
    run: list[int] = []

    def close() -> None:
        nonlocal run
        if run and run[0] > 0 and not tokens[run[0] - 1].text.endswith(_SENTENCE_ENDS):
            # The run began inside a spoken sentence ("… avec Neocity. LATTS, …"): the
            # hot words up to that sentence's end were said; only what follows can be echo.
            ends = [n for n, i in enumerate(run) if tokens[i].text.endswith(_SENTENCE_ENDS)]
            if ends:
                run = run[ends[0] + 1 :]
        keyed = [i for i in run if tokens[i].key]
        parts = [part for i in keyed for part in tokens[i].key.split()]
        if len(parts) >= MIN_ECHO_WORDS and len({entries[p] for p in parts}) >= MIN_ECHO_ENTRIES:
            drop.update(range(keyed[0], keyed[-1] + 1))

    sentinel = _Token("", "\0", None)  # not a hot word: ends the last run
    for index, token in enumerate([*tokens, sentinel]):
        parts = token.key.split()
        if not parts or all(part in entries for part in parts):
            run.append(index)
        else:
            close()
            run = []
    return drop


def _loop_repeats(tokens: list[_Token]) -> set[int]:
    """Return indices of the 2nd..nth copies of any phrase repeated MIN_LOOP_REPEATS times."""
    spoken = [i for i, tok in enumerate(tokens) if tok.key]
    keys = [tokens[i].key for i in spoken]
    drop: set[int] = set()
    pos = 0
    while pos < len(keys):
        best_span, best_n = 0, 0
        for n in range(1, MAX_LOOP_WORDS + 1):
            if pos + n * MIN_LOOP_REPEATS > len(keys):
                break
            repeats = 1
            while keys[pos + repeats * n : pos + (repeats + 1) * n] == keys[pos : pos + n]:
                repeats += 1
            if repeats >= MIN_LOOP_REPEATS and repeats * n > best_span:
                best_span, best_n = repeats * n, n
        if best_span:
            # Punctuation between the copies goes with them.
            first, last = spoken[pos + best_n], spoken[pos + best_span - 1]
            drop.update(range(first, last + 1))
            pos += best_span
        else:
            pos += 1
    return drop


def _rebuild(
    segment: TranscribedSegment, tokens: list[_Token], removed: set[int], separator: str
) -> TranscribedSegment:
    words = [replace(w, text=w.text.strip()) for w in segment.words]
    if not removed:
        text = " ".join(segment.text.split()) if separator else segment.text.strip()
        return replace(segment, text=text, words=words)
    kept = [tok for i, tok in enumerate(tokens) if i not in removed]
    text = separator.join(tok.text for tok in kept)
    if not segment.words:
        return replace(segment, text=text, words=[])
    kept_words = [replace(tok.word, text=tok.text) for tok in kept if tok.word is not None]
    if not kept_words:
        return replace(segment, text="", words=[])
    return replace(
        segment,
        text=text,
        words=kept_words,
        start_ms=kept_words[0].start_ms,
        end_ms=kept_words[-1].end_ms,
        confidence=sum(w.probability for w in kept_words) / len(kept_words),
    )
