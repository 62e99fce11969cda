"""Publish and unpublish sessions: a published session is visible and searchable by all."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from core.catalogue.queries import current_transcript
from portal.extensions import get_db
from portal.workspace import enqueue_reindex, make_blueprint, session_or_404

bp = make_blueprint("workspace_publishing", __name__)


@bp.route("/sessions/<slug>/publish", methods=["POST"])
def publish(slug: str):
    """Make the session public; its transcript becomes searchable by viewers."""
    return _set_published(slug, True)


@bp.route("/sessions/<slug>/unpublish", methods=["POST"])
def unpublish(slug: str):
    """Hide the session again (its public URL answers 404)."""
    return _set_published(slug, False)


def _set_published(slug: str, published: bool):
    db = get_db()
    session = session_or_404(slug)
    if published and current_transcript(db, session) is None:
        flash(_("Published without a transcript: viewers will only see the programme."), "warning")
    session.published = published
    db.commit()
    # Search already follows: public searches read the published flag from the
    # catalogue. The reindex indexes a session published before it ever was, and
    # refreshes the `hidden` snapshot that bare-index tools read.
    enqueue_reindex(slug)
    flash(
        _("“%(title)s” is now public.", title=session.title)
        if published
        else _("“%(title)s” is now hidden from viewers.", title=session.title),
        "success",
    )
    if request.form.get("next") == "home":
        return redirect(url_for("workspace.home"))
    return redirect(url_for("workspace_editing.session", slug=slug))
