"""Discoverability: schema.org markup, chapters track, sitemap entries and the Atom feed."""

from __future__ import annotations

from collections.abc import Callable

from core.timecodes import format_cue_time, format_iso_duration
from portal.links import absolute, media_path, session_path
from portal.services.sessions import SessionDetail
from portal.services.transcript import TranscriptView, full_text


def chapters_vtt(detail: SessionDetail) -> str:
    """Return the timed programme items as a WebVTT chapters track."""
    out = ["WEBVTT", ""]
    for entry in detail.programme:
        if entry.start_ms is None or entry.end_ms is None or entry.end_ms <= entry.start_ms:
            continue
        names = ", ".join(p.name for p in entry.people)
        title = f"{entry.title} — {names}" if names else entry.title
        title = title.replace("-->", "->").replace("&", "&amp;").replace("<", "&lt;")
        out += [f"{format_cue_time(entry.start_ms)} --> {format_cue_time(entry.end_ms)}", title, ""]
    return "\n".join(out)


def session_jsonld(
    detail: SessionDetail, transcript: TranscriptView | None, site_url: str
) -> dict | None:
    """Return schema.org VideoObject (or AudioObject) data with transcript and Clips.

    site_url is the site's root ("https://host/"): search engines want absolute URLs.
    """
    summary = detail.summary
    media = detail.media
    if media is None:
        return None
    page = absolute(site_url, session_path(summary.slug))
    data: dict = {
        "@context": "https://schema.org",
        "@type": "VideoObject" if detail.media.has_video else "AudioObject",
        "name": summary.title,
        "description": detail.description or summary.series_title or summary.title,
        "url": page,
        "contentUrl": absolute(site_url, media_path(media.sha256, "play", media.ext)),
        "inLanguage": summary.language,
        "encodingFormat": detail.media.mimetype,
    }
    if summary.date:
        data["uploadDate"] = summary.date.isoformat()
    if detail.media.duration_ms:
        data["duration"] = format_iso_duration(detail.media.duration_ms)
    if media.poster_ext:
        data["thumbnailUrl"] = absolute(
            site_url, media_path(media.sha256, "poster", media.poster_ext)
        )
    if transcript is not None:
        data["transcript"] = full_text(transcript)
    if detail.people:
        data["actor"] = [
            {
                "@type": "Person",
                "name": p.name,
                **(
                    {"affiliation": {"@type": "Organization", "name": p.affiliation}}
                    if p.affiliation
                    else {}
                ),
            }
            for p in detail.people
        ]
    clips = _clips(detail, page_of=lambda ms: absolute(site_url, session_path(summary.slug, ms)))
    if clips:
        data["hasPart"] = clips
    return data


def _clips(detail: SessionDetail, page_of: Callable[[int], str]) -> list[dict]:
    """Return the timed programme items as schema.org Clips, in whole seconds.

    Every offset is floored to the second, as the duration is ("PT0H0M40S" for
    40.9 s): each Clip then ends exactly where the next one starts, and the last
    ends at the duration, never after it. A Clip shorter than a second is left out.
    """
    duration_ms = detail.media.duration_ms if detail.media else None
    clips = []
    for entry in detail.programme:
        if entry.start_ms is None or entry.end_ms is None:
            continue
        end_ms = entry.end_ms if duration_ms is None else min(entry.end_ms, duration_ms)
        start_s, end_s = entry.start_ms // 1000, end_ms // 1000
        if end_s <= start_s:
            continue
        clips.append(
            {
                "@type": "Clip",
                "name": entry.title,
                "startOffset": start_s,
                "endOffset": end_s,
                "url": page_of(entry.start_ms),
            }
        )
    return clips
