"""Turn catalogue segments into index documents (the only catalogue reader in index/)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from core.catalogue.queries import (
    affiliation_map,
    current_transcript,
    get_session,
    item_at,
    transcript_segments,
)
from core.catalogue.schema import Session
from index.documents import SegmentDocument, WordTiming


def session_documents(db: OrmSession, session: Session) -> list[SegmentDocument]:
    """Return the documents of the session's current transcript (empty when it has none)."""
    transcript = current_transcript(db, session)
    if transcript is None:
        return []
    affiliations = affiliation_map(session)
    language = (transcript.language or session.language or "fr")[:2]
    documents = []
    for segment in transcript_segments(db, transcript):
        speaker = segment.speaker
        item = item_at(session, (segment.start_ms + segment.end_ms) // 2)  # as the portal does
        documents.append(
            SegmentDocument(
                segment_id=segment.id,
                session_slug=session.slug,
                session_title=session.title,
                language=language,
                start_ms=segment.start_ms,
                end_ms=segment.end_ms,
                text=segment.text,
                words=tuple(
                    WordTiming(int(w[0]), int(w[1]), str(w[2])) for w in segment.words or []
                ),
                series_slug=session.series.slug if session.series else None,
                series_title=session.series.title if session.series else None,
                session_date=session.date,
                item_title=item.title if item else None,
                speaker_slug=speaker.slug if speaker else None,
                speaker_name=speaker.name if speaker else None,
                affiliation=(affiliations.get(speaker.id) or speaker.affiliation or None)
                if speaker
                else None,
                transcript_version=transcript.version,
                published=session.published,
            )
        )
    return documents


def documents_for_slug(db: OrmSession, slug: str) -> list[SegmentDocument]:
    """Return the documents of one session by slug, drafts included (they are filtered at query)."""
    session = get_session(db, slug, include_drafts=True)
    return session_documents(db, session) if session else []


def all_documents(db: OrmSession) -> Iterator[SegmentDocument]:
    """Yield the documents of every session's current transcript, session by session."""
    slugs = list(db.scalars(select(Session.slug).order_by(Session.id)))
    for slug in slugs:
        yield from documents_for_slug(db, slug)
