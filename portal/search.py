"""The search page: query box, facets as filters, hits grouped by session; its concordance."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from core.catalogue import queries
from index.concordance import concordance, plan
from index.errors import SearchIndexError
from index.search import search as search_once
from portal.extensions import archive, get_db
from portal.services import concordance as rows
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
        max_rows=archive().settings.concordance_max_rows,
    )


@bp.get("/search/concordance.<fmt>")
def concordance_file(fmt: str):
    """Download every passage a search finds (CSV or JSON), oldest session first."""
    if fmt not in rows.FORMATS:
        abort(404)
    state = archive()
    form = read_form(request.args, state.limits)
    if form.empty:
        abort(400, description="give a query (q=…) or a filter")
    published = frozenset(queries.published_slugs(get_db()))
    base = rows.base_request(form, state.limits, published)
    searcher = state.searcher

    def run(req):
        return (
            searcher.search(req)
            if searcher is not None
            else search_once(state.settings.index_dir, req)
        )

    try:
        known = plan(run, base, state.settings.concordance_max_rows)
    except SearchIndexError:
        abort(503, description="search is unavailable right now; try again shortly")
    site = request.url_root
    hits = concordance(run, base, known)
    body = rows.chunks(fmt, (rows.row(hit, site) for hit in hits))
    response = Response(body, mimetype=rows.FORMATS[fmt].split(";")[0])
    if fmt == "csv":
        response.headers["Content-Type"] = rows.FORMATS["csv"]
    response.headers["Content-Disposition"] = f'attachment; filename="concordance.{fmt}"'
    response.headers["X-Concordance-Rows"] = str(known.rows)
    response.headers["X-Concordance-Total"] = str(known.total)
    return response
