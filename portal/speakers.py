"""Speaker pages: the person, their affiliations over time, sessions, talks and words."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from portal.extensions import archive, get_db
from portal.services.people import speaker_view
from portal.services.search import SearchUnavailable, read_form

bp = Blueprint("speakers", __name__)


@bp.get("/speakers/<slug>")
def show(slug: str):
    """Show a speaker, and search within what they said when ?q= is given."""
    view = speaker_view(get_db(), slug)
    if view is None:
        abort(404)
    form = read_form(request.args, archive().limits)
    results, unavailable = None, False
    if form.q:
        form = type(form)(q=form.q, filters={"speaker": slug}, page=form.page)
        try:
            results = archive().search(
                form,
                page_size=archive().settings.page_size,
            )
        except SearchUnavailable:
            unavailable = True
    return render_template(
        "speakers/show.html", person=view, form=form, results=results, unavailable=unavailable
    )
