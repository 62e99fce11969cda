"""Voiceprints page, for admins only: who can be recognised by voice, and deleting a print.

A voiceprint is biometric data. The page lists names, seconds of speech and
dates, never embeddings; deleting a print erases the embeddings it came from.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.catalogue.schema import Person
from core.voiceprints import delete_voiceprint, has_voiceprint, voiceprints_summary
from portal.auth import require_admin
from portal.extensions import get_db
from portal.workspace import make_blueprint

bp = make_blueprint("workspace_voiceprints", __name__)
bp.before_request(require_admin)


@bp.route("/voiceprints")
def index():
    """List the people with a voiceprint, each with a Delete button."""
    return render_template("workspace/voiceprints.html", prints=voiceprints_summary(get_db()))


@bp.route("/voiceprints/<slug>/delete", methods=["POST"])
def delete(slug: str):
    """Delete a person's voiceprint once the admin ticked the confirmation."""
    db = get_db()
    person = db.scalar(select(Person).where(Person.slug == slug))
    if person is None or not has_voiceprint(db, person):
        abort(404)
    if request.form.get("confirm") != "yes":
        flash(
            _("Tick the confirmation to delete %(name)s's voiceprint.", name=person.name), "error"
        )
        return redirect(url_for(".index"))
    delete_voiceprint(db, person)
    db.commit()
    flash(
        _("Voiceprint of %(name)s deleted, with the embeddings it came from.", name=person.name),
        "success",
    )
    return redirect(url_for(".index"))
