"""IIIF Presentation 3: a published session as a Manifest, its transcript as an AnnotationPage.

Plain data (dicts ready for JSON), no Flask: the view gives the site's root URL
("https://host/"), since IIIF identifiers are absolute. One Canvas per session,
as long as its recording (`duration` in float seconds); the recording paints
it, the programme's timed items are Ranges (`canvas#t=start,end`, seconds), and
the transcript is a separate AnnotationPage of `supplementing` annotations, one
per line, referenced from the Canvas: a three-hour transcript would otherwise
make the manifest megabytes long. Labels of the metadata are given in both
interface languages (a manifest is read by viewers in any language); values are
in the session's language, names in none ("none" is IIIF's key for that).
"""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy.orm import Session as OrmSession

from core.catalogue.schema import Session
from ingest.exports import EXPORT_FORMATS
from portal.links import absolute, media_path, session_path
from portal.services.sessions import SessionDetail, playable_recording, session_detail
from portal.services.transcript import TranscriptView, load_transcript

CONTEXT = "http://iiif.io/api/presentation/3/context.json"
MEDIA_TYPE = f'application/ld+json;profile="{CONTEXT}"'
NONE = "none"  # IIIF's language key for values in no language (names, dates)

LABELS = {  # metadata labels, in each interface language
    "date": {"fr": ["Date"], "en": ["Date"]},
    "place": {"fr": ["Lieu"], "en": ["Place"]},
    "series": {"fr": ["Série"], "en": ["Series"]},
    "speakers": {"fr": ["Intervenants"], "en": ["Speakers"]},
    "attribution": {"fr": ["Attribution"], "en": ["Attribution"]},
    "programme": {"fr": ["Programme"], "en": ["Programme"]},
    "transcript": {"fr": ["Transcription"], "en": ["Transcript"]},
    "session_page": {"fr": ["Page de la séance"], "en": ["Session page"]},
}
EXPORT_LABELS = {"vtt": "WebVTT", "srt": "SubRip", "txt": "Text", "json": "JSON"}


def manifest_path(slug: str) -> str:
    """Return the path of a session's IIIF manifest."""
    return f"/iiif/{quote(slug, safe='')}/manifest.json"


def transcript_page_path(slug: str, version: int) -> str:
    """Return the path of one transcript version as an IIIF AnnotationPage."""
    return f"/iiif/{quote(slug, safe='')}/transcript/{version}.json"


def canvas_id(site_url: str, slug: str) -> str:
    """Return the Canvas's id (not dereferenceable: the manifest holds the Canvas)."""
    return absolute(site_url, f"/iiif/{quote(slug, safe='')}/canvas")


def time_fragment(target: str, start_ms: int, end_ms: int) -> str:
    """Return target#t=start,end in seconds (media fragments, as IIIF uses them)."""
    return f"{target}#t={_seconds(start_ms)},{_seconds(end_ms)}"


def manifest(
    db: OrmSession, session: Session, site_url: str, *, attribution: str, rights: str = ""
) -> dict:
    """Return the IIIF Presentation 3 manifest of a (published) session.

    attribution is shown as `requiredStatement` (the archive's name); rights, a
    Creative Commons or RightsStatements.org URL, is stated when configured.
    """
    detail = session_detail(db, session)
    summary = detail.summary
    lang = summary.language or "fr"
    manifest_id = absolute(site_url, manifest_path(summary.slug))
    page = absolute(site_url, session_path(summary.slug))
    data: dict = {
        "@context": CONTEXT,
        "id": manifest_id,
        "type": "Manifest",
        "label": {lang: [summary.title]},
    }
    if detail.description:
        data["summary"] = {lang: [detail.description]}
    data["metadata"] = _metadata(detail, lang)
    data["requiredStatement"] = {"label": LABELS["attribution"], "value": {NONE: [attribution]}}
    if rights:
        data["rights"] = rights
    data["homepage"] = [
        {
            "id": page,
            "type": "Text",
            "label": {lang: [summary.title]},
            "format": "text/html",
            "language": [lang],
        }
    ]
    media = detail.media
    if media is not None and media.poster_ext:
        poster = absolute(site_url, media_path(media.sha256, "poster", media.poster_ext))
        poster_format = "image/png" if media.poster_ext == "png" else "image/jpeg"
        data["thumbnail"] = [{"id": poster, "type": "Image", "format": poster_format}]
    if detail.transcript_version:
        data["seeAlso"] = [
            {
                "id": absolute(
                    site_url, f"/sessions/{quote(summary.slug, safe='')}/transcript.{fmt}"
                ),
                "type": "Dataset" if fmt == "json" else "Text",
                "label": {NONE: [f"{EXPORT_LABELS.get(fmt, fmt)} ({fmt})"]},
                "format": mimetype.split(";")[0],
            }
            for fmt, (mimetype, _) in EXPORT_FORMATS.items()
        ]
    canvas = _canvas(session, detail, site_url, lang)
    data["items"] = [canvas] if canvas else []
    if canvas:
        ranges = _ranges(detail, canvas["id"], site_url, lang)
        if ranges:
            data["structures"] = ranges
    return data


def _metadata(detail: SessionDetail, lang: str) -> list[dict]:
    summary = detail.summary
    entries = []
    if summary.date:
        entries.append({"label": LABELS["date"], "value": {NONE: [summary.date.isoformat()]}})
    if summary.place:
        entries.append({"label": LABELS["place"], "value": {lang: [summary.place]}})
    if summary.series_title:
        entries.append({"label": LABELS["series"], "value": {lang: [summary.series_title]}})
    if detail.people:
        names = [f"{p.name} ({p.affiliation})" if p.affiliation else p.name for p in detail.people]
        entries.append({"label": LABELS["speakers"], "value": {NONE: names}})
    return entries


def _canvas(session: Session, detail: SessionDetail, site_url: str, lang: str) -> dict | None:
    """Return the one Canvas the recording paints (None without a playable recording)."""
    media = detail.media
    if media is None or not media.duration_ms:
        return None  # a Canvas with a duration needs one; a recording not probed has none
    target = canvas_id(site_url, detail.summary.slug)
    duration_s = media.duration_ms / 1000
    body: dict = {
        "id": absolute(site_url, media_path(media.sha256, "play", media.ext)),
        "type": "Video" if media.has_video else "Sound",
        "format": media.mimetype,
        "duration": duration_s,
    }
    canvas: dict = {
        "id": target,
        "type": "Canvas",
        "label": {lang: [detail.summary.title]},
        "duration": duration_s,
    }
    size = video_size(session) if media.has_video else None
    if size:
        canvas["width"], canvas["height"] = size
        body["width"], body["height"] = size
    canvas["items"] = [
        {
            "id": f"{target}/page/1",
            "type": "AnnotationPage",
            "items": [
                {
                    "id": f"{target}/page/1/recording",
                    "type": "Annotation",
                    "motivation": "painting",
                    "body": body,
                    "target": target,
                }
            ],
        }
    ]
    if detail.transcript_version:
        canvas["annotations"] = [
            {
                "id": absolute(
                    site_url, transcript_page_path(detail.summary.slug, detail.transcript_version)
                ),
                "type": "AnnotationPage",
                "label": LABELS["transcript"],
            }
        ]
    return canvas


def video_size(session: Session) -> tuple[int, int] | None:
    """Return (width, height) of the playable recording's video stream, if it was probed."""
    recording = playable_recording(session)
    for stream in (recording.streams or []) if recording else []:
        if stream.get("kind") == "video" and stream.get("width") and stream.get("height"):
            return int(stream["width"]), int(stream["height"])
    return None


def _ranges(detail: SessionDetail, canvas: str, site_url: str, lang: str) -> list[dict]:
    """Return one Range per timed programme item, in the order of their starts."""
    ranges = []
    timed = [
        e
        for e in detail.programme
        if e.start_ms is not None and e.end_ms is not None and e.end_ms > e.start_ms
    ]
    for entry in sorted(timed, key=lambda e: e.start_ms or 0):
        names = ", ".join(p.name for p in entry.people)
        item: dict = {
            "id": absolute(
                site_url, f"/iiif/{quote(detail.summary.slug, safe='')}/range/{entry.position}"
            ),
            "type": "Range",
            "label": {lang: [f"{entry.title} — {names}" if names else entry.title]},
            "items": [
                {
                    "id": time_fragment(canvas, entry.start_ms or 0, entry.end_ms or 0),
                    "type": "Canvas",
                }
            ],
        }
        if entry.description:
            item["summary"] = {lang: [entry.description]}
        ranges.append(item)
    return ranges


def transcript_page(db: OrmSession, session: Session, version: int, site_url: str) -> dict | None:
    """Return one transcript version as an AnnotationPage of `supplementing` annotations.

    Each line is a TextualBody in the transcript's language targeting its time on
    the Canvas; the speaker's name, when known, is the annotation's label. None
    when the session has no such version (or no recording to target).
    """
    detail = session_detail(db, session)
    if detail.media is None or not detail.media.duration_ms:
        return None
    people = {p.slug: p for p in detail.people}
    view = load_transcript(db, session, people, detail.programme, version=version)
    if view is None or view.version != version:
        return None
    slug = detail.summary.slug
    page_id = absolute(site_url, transcript_page_path(slug, version))
    return {
        "@context": CONTEXT,
        "id": page_id,
        "type": "AnnotationPage",
        "label": LABELS["transcript"],
        "items": list(_line_annotations(view, page_id, canvas_id(site_url, slug))),
    }


def _line_annotations(view: TranscriptView, page_id: str, canvas: str):
    for turn in view.turns:
        for line in turn.lines:
            annotation: dict = {
                "id": f"{page_id}#line-{line.position}",
                "type": "Annotation",
                "motivation": "supplementing",
            }
            if turn.speaker is not None:
                annotation["label"] = {NONE: [turn.speaker.name]}
            annotation["body"] = {
                "type": "TextualBody",
                "value": line.text,
                "format": "text/plain",
                "language": view.language,
            }
            annotation["target"] = time_fragment(canvas, line.start_ms, line.end_ms)
            yield annotation


def _seconds(ms: int) -> str:
    """Write ms as seconds without trailing zeros ("754", "754.2")."""
    whole, rest = divmod(ms, 1000)
    return f"{whole}.{rest:03d}".rstrip("0").rstrip(".") if rest else str(whole)
