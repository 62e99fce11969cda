"""Citations: a stable page for a quoted passage of one transcript version."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from portal.extensions import get_db
from portal.i18n import use_content_language
from portal.services.bounds import ID, TIME_MS
from portal.services.citation import cite, csl_text
from portal.services.sessions import find_session
from portal.wording import citation_text, citation_words

bp = Blueprint("cite", __name__)

MAX_CLIP_MS = 4 * 3600 * 1000


@bp.get(f"/cite/<slug>/<{ID}:version>/<{TIME_MS}:start_ms>-<{TIME_MS}:end_ms>")
def show(slug: str, version: int, start_ms: int, end_ms: int):
    """Show a quoted passage, its links and its citation formats."""
    if end_ms <= start_ms or end_ms - start_ms > MAX_CLIP_MS:
        abort(404)
    db = get_db()
    session = find_session(db, slug)
    if session is None:
        abort(404)
    use_content_language(session.language)
    citation = cite(db, slug, version, start_ms, end_ms, request.url_root, citation_words())
    if citation is None:
        abort(404)
    return render_template(
        "cite/show.html",
        citation=citation,
        citation_text=citation_text(citation),
        csl=csl_text(citation),
    )
