"""Discoverability: schema.org markup, chapters track, sitemap entries and the Atom feed."""

from __future__ import annotations

from flask import request, url_for

from core.timecodes import format_cue_time, format_iso_duration
from portal.services.sessions import SessionDetail
from portal.services.transcript import TranscriptView, full_text


def absolute(path: str) -> str:
    """Return an absolute URL for a path of this site."""
    return request.url_root.rstrip("/") + path


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


def session_jsonld(detail: SessionDetail, transcript: TranscriptView | None) -> dict | None:
    """Return schema.org VideoObject (or AudioObject) markup with transcript and Clips."""
    summary = detail.summary
    if detail.media is None:
        return None
    page = url_for("sessions.show", slug=summary.slug, _external=True)
    data: dict = {
        "@context": "https://schema.org",
        "@type": "VideoObject" if detail.media.has_video else "AudioObject",
        "name": summary.title,
        "description": detail.description or summary.series_title or summary.title,
        "url": page,
        "contentUrl": absolute(detail.media.url),
        "inLanguage": summary.language,
        "encodingFormat": detail.media.mimetype,
    }
    if summary.date:
        data["uploadDate"] = summary.date.isoformat()
    if detail.media.duration_ms:
        data["duration"] = format_iso_duration(detail.media.duration_ms)
    if detail.media.poster_url:
        data["thumbnailUrl"] = absolute(detail.media.poster_url)
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
    clips = [
        {
            "@type": "Clip",
            "name": e.title,
            "startOffset": e.start_ms // 1000,
            "endOffset": -(-e.end_ms // 1000),
            "url": url_for(
                "sessions.show", slug=summary.slug, t=e.start_ms // 1000, _external=True
            ),
        }
        for e in detail.programme
        if e.start_ms is not None and e.end_ms is not None and e.end_ms > e.start_ms
    ]
    if clips:
        data["hasPart"] = clips
    return data
