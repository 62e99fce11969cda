"""Quote and cite: the words said between two instants of one transcript version.

A citation pins the transcript version it quotes, so it can always be reproduced;
when a later correction exists, the current wording is returned beside it. Its
links are absolute (they are what a citation is for): the caller gives the site's
URL. The citation sentence in the reader's language is written by portal/wording.py,
which also hands over the few words the machine formats print (CitationWords).

Every format carries the moment: the quoted range (h:mm:ss–h:mm:ss) and the transcript
version ride in a bracketed title suffix, "Title [0:12:03–0:13:10, transcript version 3]",
because the title is the one field every citation style prints (APA, Harvard, Chicago and
MLA drop `note`; Harvard drops `genre`; a CSL `locator` belongs to an in-text citation, not
to the item). The permalink (?t= and &v=) is the URL. The series is the CSL `event` only
(a talk is given at an event, not published in a container): APA printed it twice when it
was both, and `event` is the variable citeproc-py knows (not CSL 1.0.2's `event-title`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import selectinload

from core.catalogue import queries
from core.catalogue.schema import Person, Segment, Session, Transcript
from core.text import ascii_key
from core.timecodes import format_clock
from portal.links import absolute, cite_path, session_path
from portal.services.bounds import MAX_ID, MAX_TIME_MS
from portal.services.sessions import PersonRef, people_of, person_ref

MAX_QUOTE_CHARS = 1500  # a citation quotes a passage, not a whole talk


def _english_version(version: int) -> str:
    return f"transcript version {version}"


@dataclass(frozen=True)
class CitationWords:
    """The words a citation prints besides the catalogue's, in the reader's language."""

    version: Callable[[int], str] = field(default=_english_version)  # "transcript version 3"
    genre: str = "Seminar recording"


@dataclass(frozen=True)
class Citation:
    """A quoted passage with its permalinks and its citation in three formats."""

    session: str
    session_title: str
    series_title: str | None
    date: date | None
    version: int
    latest_version: int
    start_ms: int
    end_ms: int
    span: str  # "0:12:03–0:13:10", the quoted range as h:mm:ss–h:mm:ss
    moment: str  # the span and the version, as the title suffix prints them
    quote: str
    current_quote: str  # the same instants in the latest version
    speakers: tuple[PersonRef, ...]
    permalink: str
    clip_url: str
    cite_url: str
    bibtex: str
    csl_json: dict

    @property
    def corrected(self) -> bool:
        return self.version < self.latest_version and self.quote != self.current_quote


def cite(
    db: OrmSession,
    slug: str,
    version: int,
    start_ms: int,
    end_ms: int,
    site_url: str,
    words: CitationWords | None = None,
) -> Citation | None:
    """Return the citation of [start_ms, end_ms) in a published session's version, or None.

    site_url is the site's root ("https://host/"), which the permalinks start with;
    words are the reader's language's (English when not given).
    """
    words = words or CitationWords()
    if not (1 <= version <= MAX_ID and 0 <= start_ms <= end_ms <= MAX_TIME_MS):
        return None  # no such version or instant: never a number SQL cannot hold
    session = queries.get_session(db, slug)
    if session is None:
        return None
    transcript = queries.transcript_version(db, session, version)
    latest = queries.current_transcript(db, session)
    if transcript is None or latest is None:
        return None
    quote, speaker_slugs = quote_between(db, transcript, start_ms, end_ms)
    current = (
        quote if latest.id == transcript.id else quote_between(db, latest, start_ms, end_ms)[0]
    )
    people = people_of(session)
    for person in db.scalars(
        select(Person).where(Person.slug.in_(set(speaker_slugs) - set(people)))
    ):
        people[person.slug] = person_ref(person)
    speakers = tuple(people[s] for s in speaker_slugs if s in people)
    permalink = absolute(site_url, session_path(slug, start_ms, version=version, exact=True))
    clip_url = absolute(
        site_url, session_path(slug, start_ms, end_ms=end_ms, version=version, exact=True)
    )
    span = span_text(start_ms, end_ms)
    fields = dict(
        session=slug,
        session_title=session.title,
        series_title=session.series.title if session.series else None,
        date=session.date,
        version=version,
        latest_version=latest.version,
        start_ms=start_ms,
        end_ms=end_ms,
        span=span,
        moment=f"{span}, {words.version(version)}",
        quote=quote,
        current_quote=current,
        speakers=speakers,
        permalink=permalink,
        clip_url=clip_url,
        cite_url=absolute(site_url, cite_path(slug, version, start_ms, end_ms)),
    )
    return Citation(
        **fields,
        bibtex=_bibtex(session, fields),
        csl_json=_csl(session, fields, words),
    )


def quote_between(
    db: OrmSession, transcript: Transcript, start_ms: int, end_ms: int
) -> tuple[str, list[str]]:
    """Return the words starting in [start_ms, end_ms) and the slugs of who said them."""
    pieces, speakers = [], []
    for segment in _segments_between(db, transcript, start_ms, end_ms):
        piece = _piece(segment.text, segment.words or [], start_ms, end_ms)
        if piece:
            pieces.append(piece)
            slug = segment.speaker.slug if segment.speaker else None
            if slug and slug not in speakers:
                speakers.append(slug)
    quote = " ".join(" ".join(pieces).split())
    if len(quote) > MAX_QUOTE_CHARS:
        quote = quote[:MAX_QUOTE_CHARS].rsplit(" ", 1)[0] + " […]"
    return quote, speakers


def _segments_between(
    db: OrmSession, transcript: Transcript, start_ms: int, end_ms: int
) -> list[Segment]:
    """Return the transcript's segments overlapping [start_ms, end_ms), in order."""
    return list(
        db.scalars(
            select(Segment)
            .where(
                Segment.transcript_id == transcript.id,
                Segment.end_ms > start_ms,
                Segment.start_ms < end_ms,
            )
            .order_by(Segment.position)
            .options(selectinload(Segment.speaker))
        )
    )


def _piece(text: str, words: list, start_ms: int, end_ms: int) -> str:
    """Slice the segment text from the first to the last word starting inside the range."""
    offsets, cursor = [], 0
    for word in words:
        token = str(word[2]).strip()
        found = text.find(token, cursor) if token else -1
        if found >= 0:
            offsets.append((found, int(word[0])))
            cursor = found + len(token)
    if not offsets:  # no word timings: the whole segment stands for its time span
        return text
    inside = [i for i, (_, ms) in enumerate(offsets) if start_ms <= ms < end_ms]
    if not inside:
        return ""
    first, last = inside[0], inside[-1]
    begin = 0 if first == 0 else offsets[first][0]
    stop = offsets[last + 1][0] if last + 1 < len(offsets) else len(text)
    return text[begin:stop].strip()


def span_text(start_ms: int, end_ms: int) -> str:
    """Write a quoted span as h:mm:ss–h:mm:ss ("0:12:03–0:13:10"), hours always shown."""
    return f"{_clock(start_ms)}–{_clock(end_ms)}"


def _clock(ms: int) -> str:
    # "0:12:03", not "12:03": in a citation a bare m:ss could be read as h:mm.
    return format_clock(ms).removeprefix("0")


def _titled(fields: dict) -> str:
    """Return the session's title with the moment as a bracketed suffix."""
    return f"{fields['session_title']} [{fields['moment']}]"


def _split_name(name: str) -> tuple[str, str]:
    """Return (given, family); lowercase particles start the family name ("de La Fontaine")."""
    tokens = name.split()
    if len(tokens) < 2:
        return "", name
    for index, token in enumerate(tokens[1:], start=1):
        if token[0].islower():
            return " ".join(tokens[:index]), " ".join(tokens[index:])
    return " ".join(tokens[:-1]), tokens[-1]


def _bib_escape(text: str) -> str:
    for char in "\\{}":
        text = text.replace(char, " ")
    for char in "&%$#_":
        text = text.replace(char, "\\" + char)
    return text


def _bibtex(session: Session, fields: dict) -> str:
    """Return a BibTeX @misc entry of the quoted passage."""
    authors = [_split_name(p.name) for p in fields["speakers"]]
    year = str(session.date.year) if session.date else ""
    first_word = next((w for w in session.title.split() if len(ascii_key(w)) > 3), "session")
    key = (ascii_key(authors[0][1]) if authors else "seminaire") + year + ascii_key(first_word)
    lines = [f"@misc{{{key},"]
    if authors:
        joined = " and ".join(f"{family}, {given}".strip(", ") for given, family in authors)
        lines.append(f"  author = {{{_bib_escape(joined)}}},")
    # LaTeX writes an en dash as "--" (an en dash character needs a UTF-8 engine).
    title = _titled(fields).replace("–", "--")
    lines.append(f"  title = {{{{{_bib_escape(title)}}}}},")
    if fields["series_title"]:
        lines.append(f"  howpublished = {{{_bib_escape(fields['series_title'])}}},")
    if session.date:
        lines.append(f"  year = {{{year}}},")
        lines.append(f"  date = {{{session.date.isoformat()}}},")
    if fields["quote"]:
        quoted = "``" + fields["quote"] + "''"  # LaTeX's opening and closing quotes
        lines.append(f"  note = {{{_bib_escape(quoted)}}},")
    lines.append(f"  url = {{{fields['permalink']}}},")
    lines.append(f"  urldate = {{{date.today().isoformat()}}}")
    lines.append("}")
    return "\n".join(lines)


def _csl(session: Session, fields: dict, words: CitationWords) -> dict:
    """Return a CSL-JSON item (type "speech") of the quoted passage."""
    item: dict = {
        "id": f"{fields['session']}-v{fields['version']}-{fields['start_ms']}-{fields['end_ms']}",
        "type": "speech",
        "title": _titled(fields),
        "author": [
            dict(zip(("given", "family"), _split_name(p.name), strict=True))
            for p in fields["speakers"]
        ],
        "language": session.language or "fr",
        "genre": words.genre,
        "URL": fields["permalink"],
        "accessed": {"date-parts": [[*date.today().timetuple()[:3]]]},
        "note": fields["moment"],
    }
    if fields["quote"]:
        item["abstract"] = fields["quote"]
    if fields["series_title"]:
        item["event"] = fields["series_title"]
    if session.date:
        item["issued"] = {"date-parts": [[*session.date.timetuple()[:3]]]}
    if session.place:
        item["event-place"] = session.place
    return item


def csl_text(citation: Citation) -> str:
    """Return the CSL-JSON array of one citation, pretty-printed."""
    return json.dumps([citation.csl_json], ensure_ascii=False, indent=2)


@dataclass(frozen=True)
class PinnedPassage:
    """What a permalink quoted in its version, and what the current version says there."""

    version: int
    latest_version: int
    quote: str
    current_quote: str

    @property
    def corrected(self) -> bool:
        return self.version < self.latest_version and self.quote != self.current_quote


def pinned_passage(
    db: OrmSession, session: Session, version: int, start_ms: int, end_ms: int | None
) -> PinnedPassage | None:
    """Return the passage a permalink pinned (the line at start_ms when no end is given)."""
    pinned = queries.transcript_version(db, session, version)
    latest = queries.current_transcript(db, session)
    if pinned is None or latest is None:
        return None

    def passage(transcript: Transcript) -> str:
        if end_ms is not None and end_ms > start_ms:
            return quote_between(db, transcript, start_ms, end_ms)[0]
        # The line being spoken at start_ms: the last one started by then, as on the page.
        return (
            db.scalar(
                select(Segment.text)
                .where(Segment.transcript_id == transcript.id, Segment.start_ms <= start_ms)
                .order_by(Segment.position.desc())
                .limit(1)
            )
            or ""
        )

    quote = passage(pinned)
    current = quote if pinned.id == latest.id else passage(latest)
    return PinnedPassage(
        version=version, latest_version=latest.version, quote=quote, current_quote=current
    )
