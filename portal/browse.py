"""Public browsing: the home page (series, latest sessions, search box) and series pages."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from portal.extensions import get_db
from portal.i18n import use_content_language
from portal.services import sessions as session_service

bp = Blueprint("browse", __name__)

HOME_LATEST = 6


@bp.get("/")
def home():
    """Show the series, the latest sessions and a search box."""
    db = get_db()
    series = session_service.all_series(db)
    latest = session_service.latest_sessions(db, limit=HOME_LATEST)
    return render_template("browse/home.html", series=series, latest=latest)


@bp.get("/series/<slug>")
def series(slug: str):
    """Show one series: its sessions in order, with programme and speakers."""
    db = get_db()
    view = session_service.series_view(db, slug)
    if view is None:
        abort(404)
    use_content_language(view.language)
    details = [
        session_service.session_detail(db, session_service.find_session(db, s.slug))
        for s in view.sessions
    ]
    return render_template("browse/series.html", series=view, details=details)
