"""Discoverability: a sitemap and an Atom feed of new sessions."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask import Blueprint, Response, render_template

from portal.extensions import get_db
from portal.services import sessions as session_service
from portal.services.people import public_people

bp = Blueprint("discover", __name__)

FEED_ENTRIES = 30


@bp.get("/sitemap.xml")
def sitemap():
    """List every public page for search engines."""
    db = get_db()
    body = render_template(
        "discover/sitemap.xml",
        sessions=session_service.latest_sessions(db),
        series=session_service.all_series(db),
        people=public_people(db),
    )
    return Response(body, content_type="application/xml; charset=utf-8")


@bp.get("/feed.atom")
def feed():
    """Return an Atom feed of the latest published sessions."""
    sessions = session_service.latest_sessions(get_db())
    sessions.sort(key=_published_at, reverse=True)
    entries = sessions[:FEED_ENTRIES]
    updated = max((_published_at(s) for s in entries), default=datetime(2000, 1, 1, tzinfo=UTC))
    body = render_template(
        "discover/feed.atom.xml", entries=entries, updated=updated, published_at=_published_at
    )
    return Response(body, content_type="application/atom+xml; charset=utf-8")


def _published_at(summary: session_service.SessionSummary) -> datetime:
    """When a session appeared: its last update, else its date."""
    if summary.updated_at is not None:
        stamp = summary.updated_at
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    if summary.date is not None:
        return datetime.combine(summary.date, time(), tzinfo=UTC)
    return datetime(2000, 1, 1, tzinfo=UTC)
