"""The search page: matching sessions and people, facets, hits by session; the concordance."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request

from core.catalogue import queries
from index.concordance import concordance, plan
from index.errors import SearchIndexError
from index.search import search as search_once
from portal.extensions import archive, get_db
from portal.services import concordance as rows
from portal.services.metadata_search import MetadataCache, MetadataResults
from portal.services.search import (
    FILTERS,
    SearchForm,
    SearchUnavailable,
    read_form,
    settle_suggestion,
)
from portal.wording import metadata_only_text, results_summary

bp = Blueprint("search", __name__)

FACET_ORDER = ("speaker", "org", "series", "year")


@bp.get("/search")
def page():
    """Search the transcripts and metadata of published sessions."""
    form = read_form(request.args, archive().limits)
    results, metadata, only_metadata, unavailable = None, MetadataResults(), False, False
    if not form.empty:
        try:
            results, metadata, only_metadata = find(
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
        metadata=metadata,
        summary=results_summary(metadata.session_count, metadata.people_count, results.total)
        if results
        else "",
        metadata_notice=metadata_only_text() if only_metadata else None,
        unavailable=unavailable,
        facet_order=FACET_ORDER,
        filters=FILTERS,
        max_rows=archive().settings.concordance_max_rows,
    )


def find(form: SearchForm, **options: Any) -> tuple[Any, MetadataResults, bool]:
    """Search speech and metadata; return (passages, sessions and people, only metadata matched).

    Metadata answers the query's words only: with a filter chosen (speaker,
    series…) the reader is narrowing passages, so no sessions or people are listed.
    """
    results = archive().search(form, **options)
    metadata = MetadataResults()
    if form.q and not form.filters:
        table = metadata_cache().table(get_db())
        metadata = table.search(form.q)

        def hits_of(q: str) -> int:
            again = archive().search(replace(form, q=q, page=1), page_size=1)
            return again.total + table.search(q).total

        return results, metadata, settle_suggestion(results, metadata, hits_of)
    settle_suggestion(
        results, metadata, lambda q: archive().search(replace(form, q=q, page=1), page_size=1).total
    )
    return results, metadata, False


def metadata_cache() -> MetadataCache:
    """Return this app's cache of analysed public metadata."""
    return current_app.extensions.setdefault("metadata_search", MetadataCache())


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
