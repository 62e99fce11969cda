"""The session player page, transcript downloads and media serving."""

from __future__ import annotations

from bisect import bisect_right

from flask import Blueprint, Response, abort, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from core.catalogue import queries
from core.catalogue.schema import Recording, Session
from ingest.exports import EXPORT_FORMATS, export_transcript
from portal.auth import can_see_drafts
from portal.extensions import archive, get_db
from portal.i18n import use_content_language
from portal.media import resolve_inside, send_media
from portal.services import seo
from portal.services import sessions as session_service
from portal.services.citation import pinned_passage
from portal.services.params import time_param, version_param
from portal.services.search import SearchForm, SearchUnavailable, highlights_of
from portal.services.transcript import load_transcript

bp = Blueprint("sessions", __name__)

LEAD_IN_MS = 1000  # a time this close before a line, in silence, shows that line
SESSION_SEARCH_MAX_HITS = 100  # the index's largest page


@bp.get("/sessions/")
def index():
    """List every published session, newest first."""
    return render_template(
        "sessions/index.html", sessions=session_service.latest_sessions(get_db())
    )


def _visible_session_or_404(db: OrmSession, slug: str) -> Session:
    """Return the session a visitor may see (drafts only for archivists), or abort 404."""
    session = session_service.find_session(db, slug, include_drafts=can_see_drafts())
    if session is None:
        abort(404)
    return session


@bp.get("/sessions/<slug>")
def show(slug: str):
    """Show the player, programme and interactive transcript of one session."""
    db = get_db()
    session = _visible_session_or_404(db, slug)
    detail = session_service.session_detail(db, session)
    use_content_language(detail.summary.language)
    start_ms = time_param(request.args.get("t"))
    duration_ms = detail.summary.duration_ms
    if start_ms is not None and duration_ms is not None and start_ms > duration_ms:
        start_ms = None  # past the end of the recording: said so, played from the start
    end_ms = time_param(request.args.get("end"))
    if start_ms is not None and end_ms is not None and end_ms <= start_ms:
        end_ms = None
    query = " ".join(request.args.get("q", "").split())[: archive().settings.max_query_chars]
    hits, search_problem = _session_hits(slug, query) if query else ([], False)
    people = {p.slug: p for p in detail.people}
    transcript = load_transcript(db, session, people, detail.programme)
    version, _ = version_param(request.args.get("v"))  # a hint: a bad one pins nothing
    pinned = None
    if version and transcript and start_ms is not None and version != transcript.version:
        pinned = pinned_passage(db, session, version, start_ms, end_ms)
    return render_template(
        "sessions/show.html",
        detail=detail,
        transcript=transcript,
        start_ms=start_ms,
        current_position=_line_at(transcript, start_ms),
        end_ms=end_ms,
        query=query,
        hits=hits,
        highlights=highlights_of(hits),
        search_problem=search_problem,
        pinned=pinned,
        bad_time=bool(request.args.get("t")) and start_ms is None,
        jsonld=seo.session_jsonld(detail, transcript, request.url_root),
        export_formats=EXPORT_FORMATS,
        draft_preview=not session.published,
    )


def _line_at(transcript, start_ms: int | None) -> int | None:
    """Return the position of the line spoken at start_ms, or about to be (within a second)."""
    if transcript is None or start_ms is None:
        return None
    lines = transcript.lines
    index = bisect_right([line.start_ms for line in lines], start_ms) - 1
    # In the silence before a line (a search hit's whole second often falls there),
    # the line about to be spoken is the one the reader came for.
    upcoming = index + 1
    if (
        upcoming < len(lines)
        and lines[upcoming].start_ms - start_ms <= LEAD_IN_MS
        and (index < 0 or start_ms >= lines[index].end_ms)
    ):
        index = upcoming
    return lines[index].position if index >= 0 else None


def _session_hits(slug: str, query: str) -> tuple[list, bool]:
    form = SearchForm(q=query, filters={"session": slug})
    try:
        results = archive().search(
            form,
            page_size=SESSION_SEARCH_MAX_HITS,
            group_by_session=False,
        )
    except SearchUnavailable:
        return [], True
    return list(results.hits), False


@bp.get("/sessions/<slug>/transcript.<fmt>")
def transcript_file(slug: str, fmt: str):
    """Download a transcript version (the latest unless ?v=) as VTT, SRT, TXT or JSON."""
    if fmt not in EXPORT_FORMATS:
        abort(404)
    db = get_db()
    session = _visible_session_or_404(db, slug)
    version, named = version_param(request.args.get("v"))
    transcript = (
        queries.transcript_version(db, session, version)
        if version
        else None
        if named  # a number that is no version: not the latest one instead
        else queries.current_transcript(db, session)
    )
    if transcript is None:
        abort(404)
    body = export_transcript(queries.export_view(db, session, transcript), fmt)
    mimetype, extension = EXPORT_FORMATS[fmt]
    response = Response(body, content_type=mimetype)
    if request.args.get("download"):
        filename = f"{slug}-v{transcript.version}{extension}"
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Access-Control-Allow-Origin"] = "*"  # captions for any player
    return response


@bp.get("/sessions/<slug>/chapters.vtt")
def chapters(slug: str):
    """Return the programme as a WebVTT chapters track."""
    db = get_db()
    session = _visible_session_or_404(db, slug)
    detail = session_service.session_detail(db, session)
    return Response(seo.chapters_vtt(detail), content_type="text/vtt; charset=utf-8")


@bp.get("/media/<sha>/<kind>.<ext>")
def media(sha: str, kind: str, ext: str):
    """Serve a published recording's playable file or poster, with range requests."""
    if kind not in ("play", "poster") or len(sha) != 64:
        abort(404)
    db = get_db()
    recordings = list(db.scalars(select(Recording).where(Recording.sha256 == sha)))
    public = next((r for r in recordings if r.session.published), None)
    recording = public or (recordings[0] if recordings and can_see_drafts() else None)
    if recording is None:
        abort(404)
    relative = session_service.playable_file(recording) if kind == "play" else recording.poster_path
    if not relative:
        abort(404)
    home = archive().settings.home
    path = resolve_inside(home, relative)
    ref = session_service.media_ref(recording)
    mimetype = ref.mimetype if kind == "play" else "image/jpeg"
    if kind == "poster" and path.suffix.lower() == ".png":
        mimetype = "image/png"
    response = send_media(path, mimetype, archive().settings.media_max_age_s)
    if public is None:  # a draft previewed by an archivist: no shared cache may keep it
        response.cache_control.public = False
        response.cache_control.private = True
    else:  # IIIF viewers (crossorigin="anonymous") play published media from other sites
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response
