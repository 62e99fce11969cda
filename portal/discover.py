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
    """Return an Atom feed of the published sessions, the latest held first.

    An entry is published on the day the session was held (not the day it was
    imported) and updated when its catalogue record last changed.
    """
    sessions = session_service.latest_sessions(get_db())
    sessions.sort(key=lambda s: (_published(s) or _updated(s), s.slug), reverse=True)
    entries = sessions[:FEED_ENTRIES]
    updated = max((_updated(s) for s in entries), default=EPOCH)
    body = render_template(
        "discover/feed.atom.xml",
        entries=entries,
        updated=updated,
        published_of=_published,
        updated_of=_updated,
    )
    return Response(body, content_type="application/atom+xml; charset=utf-8")


EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _published(summary: session_service.SessionSummary) -> datetime | None:
    """When the session was held (midnight UTC of its date), None when it has no date."""
    if summary.date is None:
        return None
    return datetime.combine(summary.date, time(), tzinfo=UTC)


def _updated(summary: session_service.SessionSummary) -> datetime:
    """When the session's record last changed, never before it was held (Atom readers
    take an entry updated before its publication for a broken one)."""
    held = _published(summary)
    stamp = summary.updated_at
    if stamp is None:
        return held or EPOCH
    stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    return max(stamp, held) if held else stamp
