"""The JSON API: the same services as the HTML pages, one error shape.

Errors are {"error": {"status", "message"}}; unknown slugs give 404 and bad
parameters are clamped or ignored, never a 500.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import force_locale

from portal import links, shapes
from portal.errors import api_error
from portal.extensions import archive, get_db
from portal.search import find
from portal.services import sessions as session_service
from portal.services.bounds import ID, TIME_MS
from portal.services.citation import cite as make_citation
from portal.services.metadata_search import MetadataResults
from portal.services.params import int_param, version_param
from portal.services.people import speaker_view
from portal.services.search import SearchUnavailable, read_form
from portal.services.transcript import load_transcript
from portal.wording import citation_text, citation_words, metadata_only_text, notice_text

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/sessions")
def sessions():
    """List published sessions, newest first."""
    summaries = session_service.latest_sessions(get_db())
    return jsonify(
        {"sessions": [shapes.summary_json(s) for s in summaries], "total": len(summaries)}
    )


@bp.get("/sessions/<slug>")
def session(slug: str):
    """Return a session's metadata, programme, speakers and segments (latest or ?v=)."""
    db = get_db()
    found = session_service.find_session(db, slug)
    if found is None:
        return api_error(404, f"no published session '{slug}'")
    detail = session_service.session_detail(db, found)
    version, named = version_param(request.args.get("v"))
    if named and version is None:
        return api_error(404, f"session '{slug}' has no transcript version {request.args['v']}")
    transcript = load_transcript(
        db, found, {p.slug: p for p in detail.people}, detail.programme, version=version
    )
    if version and transcript is None and detail.transcript_version:
        return api_error(404, f"session '{slug}' has no transcript version {version}")
    return jsonify(shapes.session_json(detail, transcript))


@bp.get("/speakers/<slug>")
def speaker(slug: str):
    """Return a speaker, their affiliations over time, sessions and talks."""
    view = speaker_view(get_db(), slug)
    if view is None:
        return api_error(404, f"no speaker '{slug}' in published sessions")
    return jsonify(shapes.speaker_json(view))


@bp.get("/search")
def search():
    """Search: ?q=&speaker=&session=&series=&org=&year=&sort=&page=&page_size=&group=."""
    form = read_form(request.args, archive().limits)
    limits = archive().limits
    page_size = int_param(
        request.args.get("page_size"),
        default=limits.page_size,
        minimum=1,
        maximum=limits.max_page_size,
    )
    group = request.args.get("group", "").lower() in ("1", "true", "yes")
    try:
        results, metadata, only_metadata = find(
            form,
            page_size=page_size,
            group_by_session=group,
            with_facets=True,
        )
    except SearchUnavailable:
        return api_error(503, "search is unavailable right now; try again shortly")
    with force_locale("en"):  # the API's notices have always been English
        notice = notice_text(results.notice)
        if only_metadata:
            notice = " ".join(filter(None, [notice, metadata_only_text()]))
    body = shapes.api_search_json(results, notice)
    body.update(metadata_json(metadata))
    body["only_metadata"] = only_metadata
    body["query"] = {
        "q": form.q,
        **form.filters,
        "sort": form.sort,
        "page": form.page,
        "truncated": form.truncated,
    }
    return jsonify(body)


@bp.get(f"/cite/<slug>/<{ID}:version>/<{TIME_MS}:start_ms>-<{TIME_MS}:end_ms>")
def cite(slug: str, version: int, start_ms: int, end_ms: int):
    """Return the citation of a passage of one transcript version."""
    if end_ms <= start_ms:
        return api_error(400, "the end of a quotation must come after its start")
    citation = make_citation(
        get_db(), slug, version, start_ms, end_ms, request.url_root, citation_words()
    )
    if citation is None:
        return api_error(404, f"no transcript version {version} of a published session '{slug}'")
    return jsonify(shapes.citation_json(citation, citation_text(citation)))


def metadata_json(metadata: MetadataResults) -> dict:
    """Return the sessions and people whose metadata matched, with counts and page links."""
    return {
        "sessions": {
            "count": metadata.session_count,
            "items": [
                {
                    "slug": s.slug,
                    "title": s.title,
                    "date": s.date,
                    "series_title": s.series_title,
                    "matched": list(s.fields),
                    "url": links.session_path(s.slug),
                }
                for s in metadata.sessions
            ],
        },
        "people": {
            "count": metadata.people_count,
            "items": [
                {
                    "slug": p.slug,
                    "name": p.name,
                    "affiliations": list(p.affiliations),
                    "url": links.speaker_path(p.slug),
                }
                for p in metadata.people
            ],
        },
    }
