"""The embeddable player (other sites may frame it) and its oEmbed endpoint.

Only `embed.player` may be framed (portal/headers.py); it shows the player,
the line being said, the title and a link to the full session at that second.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, render_template, request

from portal.errors import api_error
from portal.extensions import archive, get_db
from portal.i18n import use_content_language
from portal.services import embed as service
from portal.services import sessions as session_service

bp = Blueprint("embed", __name__)


@bp.get("/sessions/<slug>/embed")
def player(slug: str):
    """Show a published session's bare player, starting at ?t= (and stopping at &end=)."""
    db = get_db()
    session = session_service.find_session(db, slug)
    recording = session_service.playable_recording(session) if session else None
    if session is None or recording is None:
        abort(404)
    use_content_language(session.language)
    media = session_service.media_ref(recording)
    start_ms, end_ms = service.clip_bounds(
        request.args.get("t"), request.args.get("end"), media.duration_ms
    )
    transcript = session_service.session_detail(db, session).transcript_version
    return render_template(
        "embed/player.html",
        session=session,
        media=media,
        start_ms=start_ms,
        end_ms=end_ms,
        line=service.line_at(db, session, start_ms or 0),
        has_transcript=bool(transcript),
    )


@bp.get("/oembed")
def oembed():
    """Describe a session URL as an oEmbed video (?url=&format=json&maxwidth=&maxheight=)."""
    url = request.args.get("url", "")
    fmt = request.args.get("format", "json").strip().lower() or "json"
    try:
        if not url.strip():
            raise service.OEmbedError(400, "url is required: a session page of this archive")
        if fmt != "json":
            raise service.OEmbedError(501, f"format {fmt!r} is not offered; use format=json")
        max_width = service.size_param(request.args.get("maxwidth"), "maxwidth")
        max_height = service.size_param(request.args.get("maxheight"), "maxheight")
        data = service.oembed(
            get_db(),
            url,
            request.url_root,
            archive().settings.site_name,
            max_width=max_width,
            max_height=max_height,
        )
    except service.OEmbedError as exc:
        response = api_error(exc.status, str(exc))
    else:
        response = jsonify(data)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
