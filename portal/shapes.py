"""The JSON shapes of the API and of `archive search --json`, each built in one place.

Services and the index return plain dataclasses (slugs, ms); these add the
links (portal/links.py) and the seconds that the published JSON contracts carry.
Nothing here needs Flask, so the CLI prints exactly what the API returns.
"""

from __future__ import annotations

from typing import Any

from index.results import Group, Hit, SearchResults
from portal.links import media_path, session_path, speaker_path
from portal.services import plain
from portal.services.citation import Citation
from portal.services.people import SpeakerView, Talk
from portal.services.sessions import (
    MediaRef,
    PersonRef,
    ProgrammeEntry,
    SessionDetail,
    SessionSummary,
)
from portal.services.transcript import TranscriptView


def seconds(ms: int) -> float:
    """Return ms as seconds with three decimals, the unit of times in JSON."""
    return round(ms / 1000, 3)


def summary_json(summary: SessionSummary) -> dict[str, Any]:
    """Return a session in a list, with its page."""
    return {**plain(summary), "url": session_path(summary.slug)}


def person_json(person: PersonRef) -> dict[str, Any]:
    """Return a person beside a session, with their page."""
    return {**plain(person), "url": speaker_path(person.slug)}


def programme_json(entry: ProgrammeEntry) -> dict[str, Any]:
    """Return a programme item with its people."""
    return {**plain(entry), "people": [person_json(p) for p in entry.people]}


def media_json(media: MediaRef | None) -> dict[str, Any] | None:
    """Return what a player loads: the playable file and poster URLs, type and duration."""
    if media is None:
        return None
    poster = media_path(media.sha256, "poster", media.poster_ext) if media.poster_ext else None
    return {
        "url": media_path(media.sha256, "play", media.ext),
        "mimetype": media.mimetype,
        "has_video": media.has_video,
        "duration_ms": media.duration_ms,
        "poster_url": poster,
    }


def session_json(detail: SessionDetail, transcript: TranscriptView | None) -> dict[str, Any]:
    """Return a session's metadata, programme, speakers, media and segments."""
    return {
        **summary_json(detail.summary),
        "description": detail.description,
        "programme": [programme_json(e) for e in detail.programme],
        "speakers": [person_json(p) for p in detail.people],
        "media": media_json(detail.media),
        "transcript": transcript_meta_json(transcript),
        "segments": segments_json(transcript),
    }


def transcript_meta_json(view: TranscriptView | None) -> dict[str, Any] | None:
    """Return which transcript version a session's segments come from."""
    if view is None:
        return None
    return {
        "version": view.version,
        "latest_version": view.latest_version,
        "language": view.language,
        "source": view.source,
        "model": view.model,
        "created_at": plain(view.created_at),
    }


def segments_json(view: TranscriptView | None) -> list[dict[str, Any]]:
    """Return the transcript's lines with times, speaker and word timings."""
    if view is None:
        return []
    out = []
    for turn in view.turns:
        for line in turn.lines:
            out.append(
                {
                    "start": seconds(line.start_ms),
                    "end": seconds(line.end_ms),
                    "start_ms": line.start_ms,
                    "end_ms": line.end_ms,
                    "text": line.text,
                    "speaker": turn.speaker.slug if turn.speaker else line.speaker_slug,
                    "speaker_name": turn.speaker.name if turn.speaker else turn.voice_name,
                    "affiliation": turn.speaker.affiliation if turn.speaker else None,
                    "voice": line.voice,
                    "words": line.words,
                }
            )
    return out


def talk_json(talk: Talk) -> dict[str, Any]:
    """Return a talk with the player link at its start (whole seconds)."""
    start_ms = talk.start_ms if (talk.start_ms or 0) >= 1000 else None  # no ?t=0
    return {**plain(talk), "url": session_path(talk.session, start_ms)}


def speaker_json(view: SpeakerView) -> dict[str, Any]:
    """Return a speaker with affiliations over time, sessions and talks."""
    return {
        **plain(view),
        "url": speaker_path(view.slug),
        "sessions": [summary_json(s) for s in view.sessions],
        "talks": [talk_json(t) for t in view.talks],
    }


def hit_json(hit: Hit) -> dict[str, Any]:
    """Return the CLI's hit: session, start, end (seconds), speaker, text, url."""
    return {
        "session": hit.session_slug,
        "start": seconds(hit.start_ms),
        "end": seconds(hit.end_ms),
        "speaker": hit.speaker_slug,
        "text": hit.text,
        "url": session_path(hit.session_slug, hit.start_ms),
    }


def search_json(results: SearchResults) -> dict[str, Any]:
    """Return the CLI's JSON: {"total", "hits"}."""
    return {"total": results.total, "hits": [hit_json(hit) for hit in results.hits]}


def api_hit_json(hit: Hit) -> dict[str, Any]:
    """Return the API's hit: the CLI fields plus what a result page displays."""
    return {
        **hit_json(hit),
        "segment_id": hit.segment_id,
        "session_title": hit.session_title,
        "series": hit.series,
        "series_title": hit.series_title,
        "date": hit.date,
        "item_title": hit.item_title,
        "speaker_name": hit.speaker_name,
        "affiliation": hit.affiliation,
        "segment_start": seconds(hit.segment_start_ms),
        "snippet_html": hit.snippet_html,
    }


def group_json(group: Group) -> dict[str, Any]:
    """Return a session's hits shown together."""
    return {
        "session": group.session_slug,
        "session_title": group.session_title,
        "count": group.count,
        "hits": [api_hit_json(hit) for hit in group.hits],
    }


def api_search_json(results: SearchResults, notice: str | None) -> dict[str, Any]:
    """Return the API's JSON: hits, total, facets, groups, paging and the worded notice."""
    return {
        "total": results.total,
        "hits": [api_hit_json(hit) for hit in results.hits],
        "facets": {
            name: [{"value": v, "label": label, "count": c} for v, label, c in counts]
            for name, counts in results.facets.items()
        },
        "groups": [group_json(group) for group in results.groups],
        "page": results.page,
        "pages": results.pages,
        "page_size": results.page_size,
        "suggestion": results.suggestion,
        "notice": notice,
    }


def citation_json(citation: Citation, text: str) -> dict[str, Any]:
    """Return a citation with its worded note (text) and whether it was corrected since."""
    return {
        **plain(citation),
        "speakers": [person_json(p) for p in citation.speakers],
        "text": text,
        "corrected": citation.corrected,
    }
