"""The Whoosh schema and the mapping from a `SegmentDocument` to index fields.

Times are stored as integer milliseconds (Whoosh's sortable float NUMERIC is
unreliable). Word timings are packed into one stored string so that a hit can
report the time of the first *matched* word rather than the segment's start.
"""

from __future__ import annotations

from typing import Any

from whoosh.fields import ID, STORED, TEXT, Schema

from index.analysis import LANGUAGES, analyzer_for, language_of, plain_analyzer
from index.documents import SegmentDocument, WordTiming

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
        start_ms=STORED,
        end_ms=STORED,
        session_title=STORED,
        series_title=STORED,
        item_title=STORED,
        speaker_name=STORED,
        **text_fields,
    )


def to_fields(doc: SegmentDocument) -> dict[str, Any]:
    """Return the Whoosh fields of one segment (absent values are left out)."""
    lang = language_of(doc.language)
    fields: dict[str, Any] = {
        "id": str(doc.segment_id),
        "session": doc.session_slug,
        "text": doc.text,
        f"text_{lang}": doc.text,
        PLAIN_FIELD: doc.text,
        "lang": lang,
        "start_ms": int(doc.start_ms),
        "end_ms": int(doc.end_ms),
        "session_title": doc.session_title,
    }
    if doc.words:
        fields["words"] = pack_words(doc.text, doc.start_ms, doc.words)
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


def pack_words(text: str, segment_start_ms: int, words: tuple[WordTiming, ...]) -> str:
    """Pack word timings as "char_delta,start_delta" pairs, deltas from the previous word."""
    parts = []
    cursor = prev_char = 0
    prev_ms = segment_start_ms
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
        parts.append(f"{char - prev_char},{word.start_ms - prev_ms}")
        prev_char, prev_ms = char, word.start_ms
    return " ".join(parts)


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
