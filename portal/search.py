"""The search page: query box, facets as filters, hits grouped by session."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from portal.extensions import archive
from portal.services.search import FILTERS, SearchUnavailable, read_form

bp = Blueprint("search", __name__)

FACET_ORDER = ("speaker", "org", "series", "year")


@bp.get("/search")
def page():
    """Search the transcripts of published sessions."""
    form = read_form(request.args, archive().limits)
    results, unavailable = None, False
    if not form.empty:
        try:
            results = archive().search(
                form,
                page_size=archive().settings.page_size // 2,
                group_by_session=True,
                with_facets=True,
            )
        except SearchUnavailable:
            unavailable = True
    return render_template(
        "search/page.html",
        form=form,
        results=results,
        unavailable=unavailable,
        facet_order=FACET_ORDER,
        filters=FILTERS,
    )
