"""The Whoosh schema and the mapping from a `SegmentDocument` to index fields.

Times are stored as integer milliseconds (Whoosh's sortable float NUMERIC is
unreliable). Word timings are packed into one stored string so that a hit can
report the time of the first *matched* word rather than the segment's start.
One document is one `Passage`: its first segment's id, its segments' joined
text, and, when it joins several segments, where each begins (`segments`), so
that a hit names the segment its first matched word was said in.
"""

from __future__ import annotations

from typing import Any

from whoosh.fields import ID, STORED, TEXT, Schema

from index.analysis import LANGUAGES, analyzer_for, language_of, plain_analyzer
from index.documents import Passage, WordTiming

# Facet and filter keys: exact values, one term per document.
TEXT_FIELDS = tuple(f"text_{lang}" for lang in LANGUAGES)
PLAIN_FIELD = "plain"  # folded, unstemmed words: what prefixes and wildcards match
HIDDEN_FIELD = "hidden"  # present ("1") only on unpublished segments


def build_schema() -> Schema:
    """Return the schema of a segment index."""
    text_fields = {
        f"text_{lang}": TEXT(analyzer=analyzer_for(lang), phrase=True) for lang in LANGUAGES
    }
    return Schema(
        id=ID(unique=True, stored=True),
        session=ID(stored=True),
        speaker=ID(stored=True),
        org=ID(stored=True),
        series=ID(stored=True),
        year=ID,
        date=ID(stored=True),
        hidden=ID,
        # Stems are the wrong thing to match prefixes against ("baublômâme*" must
        # find "baublômâments", whose stem is shorter than the prefix). No
        # positions: phrases use the stemmed fields.
        plain=TEXT(analyzer=plain_analyzer(), phrase=False),
        # The text is stored once, whatever its language; `lang` says how to analyse it.
        text=STORED,
        lang=STORED,
        words=STORED,
        segments=STORED,  # (char, id, start_ms, end_ms) per segment; absent: one segment
        start_ms=STORED,
        end_ms=STORED,
        session_title=STORED,
        series_title=STORED,
        item_title=STORED,
        speaker_name=STORED,
        **text_fields,
    )


def to_fields(passage: Passage) -> dict[str, Any]:
    """Return the Whoosh fields of one passage (absent values are left out)."""
    doc, text = passage.first, passage.text
    lang = language_of(doc.language)
    fields: dict[str, Any] = {
        "id": str(doc.segment_id),
        "session": doc.session_slug,
        "text": text,
        f"text_{lang}": text,
        PLAIN_FIELD: text,
        "lang": lang,
        "start_ms": int(doc.start_ms),
        "end_ms": int(passage.segments[-1].end_ms),
        "session_title": doc.session_title,
    }
    if any(segment.words for segment in passage.segments):
        fields["words"] = pack_passage_words(passage)
    if len(passage.segments) > 1:
        fields["segments"] = [
            (char, int(s.segment_id), int(s.start_ms), int(s.end_ms))
            for char, s in zip(passage.offsets(), passage.segments, strict=True)
        ]
    if doc.session_date is not None:
        fields["date"] = doc.session_date.isoformat()
        fields["year"] = str(doc.session_date.year)
    optional = {
        "speaker": doc.speaker_slug,
        "speaker_name": doc.speaker_name,
        "org": doc.affiliation,
        "series": doc.series_slug,
        "series_title": doc.series_title,
        "item_title": doc.item_title,
    }
    fields.update({name: value for name, value in optional.items() if value})
    if not doc.published:
        fields[HIDDEN_FIELD] = "1"
    return fields


def segment_at(stored: dict[str, Any], char: int) -> tuple[int, int, int, int]:
    """Return (char, id, start_ms, end_ms) of the stored passage's segment holding `char`."""
    start_ms = int(stored.get("start_ms", 0))
    found = (0, int(stored["id"]), start_ms, int(stored.get("end_ms", start_ms)))
    for segment in stored.get("segments") or ():
        if segment[0] > char:
            break
        found = tuple(int(v) for v in segment)  # type: ignore[assignment]
    return found


def pack_passage_words(passage: Passage) -> str:
    """Pack the word timings of a passage's segments, each word found in its own segment's text."""
    pairs = []
    for offset, segment in zip(passage.offsets(), passage.segments, strict=True):
        chars = _word_chars(segment.text, segment.words)
        pairs += [(offset + c, w.start_ms) for c, w in zip(chars, segment.words, strict=True)]
    return _pack(pairs, passage.first.start_ms)


def _pack(pairs: list[tuple[int, int]], start_ms: int) -> str:
    parts = []
    prev_char, prev_ms = 0, start_ms
    for char, ms in pairs:
        parts.append(f"{char - prev_char},{ms - prev_ms}")
        prev_char, prev_ms = char, ms
    return " ".join(parts)


def _word_chars(text: str, words: tuple[WordTiming, ...]) -> list[int]:
    """Return where each word starts in `text` (characters)."""
    chars = []
    cursor = prev_char = 0
    # Match case-insensitively unless lowercasing would shift character offsets.
    haystack = text.lower() if len(text.lower()) == len(text) else text
    for word in words:
        needle = word.text.strip().lower() if haystack is not text else word.text.strip()
        found = haystack.find(needle, cursor) if needle else -1
        # A word missing from the (cleaned) text keeps the previous offset, so
        # the timing of the nearest preceding word is used instead.
        char = found if found >= 0 else prev_char
        if found >= 0:
            cursor = found + len(needle)
        chars.append(char)
        prev_char = char
    return chars


def unpack_words(packed: str, segment_start_ms: int) -> list[tuple[int, int]]:
    """Return (start_char, start_ms) per word from `pack_words` output."""
    result = []
    char, ms = 0, segment_start_ms
    for part in packed.split():
        dc, dms = part.split(",")
        char += int(dc)
        ms += int(dms)
        result.append((char, ms))
    return result
