"""Find a misheard word or phrase in transcripts and replace it once for many sessions.

Matching is whole-word and folds case, accents and ligatures the way
`core.text.fold` does, so "vila telixante" finds "Vila-Telixante": the words of
OLD must follow each other, separated by any run of spaces or punctuation, and a
match never starts or ends inside a word ("ville" does not match "villes").
Only the current transcript version of each session is searched; each touched
session gets one new version through the correction path (`core.corrections`),
so touched segments are marked verified and unchanged words keep their times.
Offsets are characters of a segment's text; times are integer milliseconds.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import defer, selectinload

from core.catalogue.queries import (
    current_transcript,
    get_series,
    get_session,
    list_sessions,
    words_of,
)
from core.catalogue.schema import Segment, Session, Transcript
from core.corrections import KEEP, copy_segment, editable, store_edit
from core.errors import CatalogueError
from core.text import fold, fold_words
from core.voices import voice_name

MAX_PHRASE_CHARS = 200  # longer OLD or NEW: a paste gone wrong, not a misheard name
CONTEXT_CHARS = 60  # characters of context shown on each side of a match


class ReplaceError(CatalogueError):
    """A find-and-replace request that cannot be carried out as asked.

    `reason` names the refusal ("no_old", "no_new", "same", "too_long", "no_session",
    "no_series", "scope", "stale", "bad_key") so the portal can say it in its language.
    """

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason


class Selection(NamedTuple):
    """One occurrence chosen for replacement: where it is and which version it was seen in."""

    session_slug: str
    base_version: int
    position: int  # segment position, from 0
    offset: int  # first character of the match in the segment's text

    def key(self) -> str:
        """Return the occurrence as one form value ("slug:version:position:offset")."""
        return f"{self.session_slug}:{self.base_version}:{self.position}:{self.offset}"

    @classmethod
    def from_key(cls, key: str) -> Selection:
        """Read a key made by `key()`; raise ReplaceError when it is not one."""
        parts = key.rsplit(":", 3)
        try:
            slug, version, position, offset = parts[0], *map(int, parts[1:])
        except ValueError:
            raise ReplaceError(
                f"“{key[:80]}” is not an occurrence; preview again", "bad_key"
            ) from None
        if not slug or version < 1 or position < 0 or offset < 0:
            raise ReplaceError(f"“{key[:80]}” is not an occurrence; preview again", "bad_key")
        return cls(slug, version, position, offset)


@dataclass(frozen=True)
class Occurrence:
    """Where OLD was found: session, segment, time of its first word and its context."""

    session_slug: str
    session_title: str
    base_version: int
    position: int  # segment position, from 0
    offset: int  # first character of the match in the segment's text
    at_ms: int  # start of the first matched word (from the segment's word timings)
    speaker: str  # a person's name, "Intervenant N" for an unnamed voice, or ""
    before: str
    match: str
    after: str

    @property
    def selection(self) -> Selection:
        """Return what identifies this occurrence for `apply_replacements`."""
        return Selection(self.session_slug, self.base_version, self.position, self.offset)


def check_phrases(old: str, new: str) -> tuple[str, str]:
    """Return OLD and NEW stripped, or raise ReplaceError saying what is wrong with them."""
    old, new = " ".join(old.split()), " ".join(new.split())
    if not fold_words(old):
        raise ReplaceError("give the word or phrase to replace (letters or digits)", "no_old")
    if not new:
        raise ReplaceError("give the replacement text; to delete words, edit the segment", "no_new")
    if old == new:
        raise ReplaceError("the replacement is the same as the text to replace", "same")
    if len(old) > MAX_PHRASE_CHARS or len(new) > MAX_PHRASE_CHARS:
        raise ReplaceError(
            f"the text to replace and its replacement are limited to {MAX_PHRASE_CHARS} characters",
            "too_long",
        )
    return old, new


def sessions_in_scope(
    db: OrmSession,
    *,
    session: str | None = None,
    series: str | None = None,
    include_drafts: bool = False,
) -> list[Session]:
    """Return one session, a series' sessions, or (neither given) every session."""
    if session and series:
        raise ReplaceError("choose one scope: a session, a series or the whole archive", "scope")
    if session:
        found = get_session(db, session, include_drafts=include_drafts)
        if found is None:
            raise ReplaceError(f"no session '{session}'", "no_session")
        return [found]
    if series and get_series(db, series) is None:
        raise ReplaceError(f"no series '{series}'", "no_series")
    chosen = list_sessions(db, include_drafts=include_drafts, series_slug=series or None)
    return sorted(chosen, key=lambda s: (s.date is None, s.date, s.slug))


def find_occurrences(
    db: OrmSession,
    old: str,
    *,
    session: str | None = None,
    series: str | None = None,
    include_drafts: bool = False,
    limit: int | None = None,
) -> list[Occurrence]:
    """Return every whole-word, case- and accent-insensitive occurrence of OLD in scope.

    The scope is one session, one series, or the whole archive when neither is
    given. With `limit`, at most limit + 1 occurrences are returned, so a caller
    can tell "more than the limit" without listing an archive's every "la".
    """
    pattern = phrase_pattern(old)
    found: list[Occurrence] = []
    for record in sessions_in_scope(
        db, session=session, series=series, include_drafts=include_drafts
    ):
        transcript = current_transcript(db, record)
        if transcript is None:
            continue
        for segment in _segments_without_words(db, transcript):
            for start, end in matches(pattern, segment.text):
                found.append(_occurrence(record, transcript, segment, start, end))
                if limit is not None and len(found) > limit:
                    return found
    return found


def apply_replacements(
    db: OrmSession, old: str, new: str, selected: Iterable[Selection], author: str
) -> list[Transcript]:
    """Replace the selected occurrences: one new version per session touched, with a note.

    Each selection must still be an occurrence of OLD in the version it was seen
    in; a session saved since then is refused with `VersionConflict`.
    """
    old, new = check_phrases(old, new)
    pattern = phrase_pattern(old)
    by_session: dict[str, set[Selection]] = defaultdict(set)
    for choice in selected:
        by_session[choice.session_slug].add(choice)
    stored: list[Transcript] = []
    for slug in sorted(by_session):
        record = get_session(db, slug, include_drafts=True)
        if record is None:
            raise ReplaceError(f"no session '{slug}'", "no_session")
        versions = {choice.base_version for choice in by_session[slug]}
        if len(versions) > 1:
            raise ReplaceError(f"session '{slug}': occurrences from different versions", "stale")
        current, segments = editable(db, record, versions.pop())
        wanted = {(c.position, c.offset) for c in by_session[slug]}
        texts: dict[int, str] = {}
        heard: Counter[str] = Counter()  # the note names OLD as it was written, not as typed
        for segment in segments:
            spans = [
                m for m in matches(pattern, segment.text) if (segment.position, m[0]) in wanted
            ]
            wanted -= {(segment.position, start) for start, _ in spans}
            heard.update(segment.text[start:end] for start, end in spans)
            changed = " ".join(replaced(segment.text, spans, new).split())
            if spans and changed != segment.text:
                texts[segment.position] = changed
        if wanted:
            raise ReplaceError(
                f"session '{slug}': {len(wanted)} chosen occurrence(s) of “{old}” are not in "
                f"version {current.version}; preview again",
                "stale",
            )
        if not texts:  # "Vila" -> "vila" at a capital is kept as "Vila": nothing to store
            continue
        count = len(by_session[slug])
        stored.append(
            store_edit(
                db,
                record,
                current,
                [
                    (
                        copy_segment(s, texts.get(s.position), KEEP),
                        s.verified or s.position in texts,
                    )
                    for s in segments
                ],
                author,
                f"replaced “{heard.most_common(1)[0][0]}” with “{new}” "
                f"({count} time{'s' if count != 1 else ''})",
                {
                    "replace": {
                        "old": old,
                        "heard": heard.most_common(1)[0][0],
                        "new": new,
                        "count": count,
                    },
                    "texts": sorted(texts),
                },
            )
        )
    return stored


def phrase_pattern(old: str) -> re.Pattern[str]:
    """Compile OLD into a whole-word pattern over folded text; words joined by any separator."""
    words = fold_words(old).split()
    if not words:
        raise ReplaceError("give the word or phrase to replace (letters or digits)", "no_old")
    return re.compile(r"(?<!\w)" + r"[\W_]+".join(map(re.escape, words)) + r"(?!\w)")


def matches(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """Return (start, end) character spans of text whose folded form the pattern matches."""
    # Fold character by character so every folded character knows where it came from
    # ("œ" folds to two characters, a combining accent to none).
    pieces = [_fold_char(char) for char in text]
    folded = "".join(pieces)
    if pattern.search(folded) is None:  # most segments: no need for the mapping
        return []
    origin = [index for index, piece in enumerate(pieces) for _ in piece]
    return [
        (origin[m.start()], _past_accents(text, origin[m.end() - 1] + 1))
        for m in pattern.finditer(folded)
    ]


def _past_accents(text: str, end: int) -> int:
    # A decomposed accent after the match belongs to it ("e" + U+0301), not to what follows.
    while end < len(text) and unicodedata.combining(text[end]):
        end += 1
    return end


def replaced(text: str, spans: list[tuple[int, int]], new: str) -> str:
    """Return text with each span replaced by NEW (capitalised where a lowercase NEW starts a
    capitalised match, as at a sentence start; otherwise NEW exactly as typed)."""
    for start, end in sorted(spans, reverse=True):
        piece = new
        if new == new.lower() and text[start].isupper():
            piece = new[:1].upper() + new[1:]
        text = text[:start] + piece + text[end:]
    return text


def _segments_without_words(db: OrmSession, transcript: Transcript) -> list[Segment]:
    # Word timings are decoded only for the few segments that match (a lazy load each).
    return list(
        db.scalars(
            select(Segment)
            .where(Segment.transcript_id == transcript.id)
            .order_by(Segment.position)
            .options(defer(Segment.words), selectinload(Segment.speaker))
        )
    )


@lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    # A transcript uses a few hundred distinct characters: fold each once per process.
    return fold(char)


def _occurrence(
    record: Session, transcript: Transcript, segment: Segment, start: int, end: int
) -> Occurrence:
    text = segment.text
    before, after = text[:start], text[end:]
    if len(before) > CONTEXT_CHARS:
        before = "…" + before[-CONTEXT_CHARS:].split(" ", 1)[-1]
    if len(after) > CONTEXT_CHARS:
        after = after[:CONTEXT_CHARS].rsplit(" ", 1)[0] + "…"
    if segment.speaker is not None:
        speaker = segment.speaker.name
    elif segment.voice:
        speaker = voice_name(segment.voice, transcript.language or record.language)
    else:
        speaker = ""
    return Occurrence(
        session_slug=record.slug,
        session_title=record.title,
        base_version=transcript.version,
        position=segment.position,
        offset=start,
        at_ms=_time_of(segment, start),
        speaker=speaker,
        before=before,
        match=text[start:end],
        after=after,
    )


def _time_of(segment: Segment, offset: int) -> int:
    """Return when the word holding character `offset` starts (the segment's start if unknown)."""
    # Find each timed word in the text in turn: Whisper's pieces ("l", "'accueil") included.
    at_ms, cursor = segment.start_ms, 0
    for word in words_of(segment):
        piece = word.text.strip()
        found = segment.text.find(piece, cursor) if piece else -1
        if found < 0:
            return at_ms if cursor else segment.start_ms
        if found > offset:
            break
        at_ms, cursor = word.start_ms, found + len(piece)
    return at_ms
