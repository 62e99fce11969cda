"""Extension objects and the per-request catalogue session.

Nothing here is bound to an app at import time: `create_app` calls `init_app`.
The archive's shared state (settings, catalogue, searcher) lives in
`app.extensions["archive"]` so that blueprints of any audience reach it the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, g
from flask_babel import Babel
from sqlalchemy.orm import Session as OrmSession

from core.catalogue import Catalogue, open_catalogue, queries
from core.settings import Settings
from index.errors import SearchIndexError
from index.results import SearchLimits
from index.search import Searcher
from worker.tasks import Tasks, build_tasks

if TYPE_CHECKING:
    from index.results import SearchResults
    from portal.services.search import SearchForm

babel = Babel()


@dataclass
class Archive:
    """What every blueprint needs: the settings, the catalogue, a warm searcher, the queue."""

    settings: Settings
    catalogue: Catalogue
    searcher: Searcher | None  # None when the index could not be opened
    tasks: Tasks  # calling one enqueues it (runs it inline when the queue is immediate)

    @property
    def limits(self) -> SearchLimits:
        """Return the bounds of a search in this archive (query length, pages)."""
        return SearchLimits.from_settings(self.settings)

    def search(self, form: SearchForm, **options: Any) -> SearchResults:
        """Run a search form against the warm searcher, over the sessions published right now.

        The catalogue is asked on every search (one short query), so unpublishing
        hides a session from search before its response returns, on every web node.
        """
        from portal.services.search import run_search

        published = queries.published_slugs(get_db())
        return run_search(
            self.searcher, self.settings.index_dir, form, self.limits, published, **options
        )


def init_app(
    app: Flask,
    settings: Settings,
    *,
    immediate: bool = False,
    transcriber_factory: Callable[[], Any] | None = None,
) -> Archive:
    """Open the catalogue, the searcher and the queue once per app; close DB sessions."""
    catalogue = open_catalogue(settings)
    state = Archive(
        settings=settings,
        catalogue=catalogue,
        searcher=_open_searcher(settings),
        tasks=build_tasks(
            settings, catalogue, immediate=immediate, transcriber_factory=transcriber_factory
        ),
    )
    app.extensions["archive"] = state
    app.teardown_appcontext(close_db)
    return state


def _open_searcher(settings: Settings) -> Searcher | None:
    # A corrupt index must not keep the portal from serving pages: searches then
    # answer "search unavailable" (and a reindex repairs it).
    try:
        return Searcher(settings.index_dir, settings.search_postings_cache_mb)
    except SearchIndexError:
        return None


def archive() -> Archive:
    """Return the current app's archive state."""
    return current_app.extensions["archive"]


def get_db() -> OrmSession:
    """Return this request's ORM session, opened on first use and closed at teardown.

    Public pages only read; a view that writes commits explicitly (teardown rolls
    back whatever was left uncommitted).
    """
    if "db" not in g:
        g.db = archive().catalogue.sessionmaker()
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    """Close the request's ORM session, if one was opened."""
    db = g.pop("db", None)
    if db is not None:
        db.close()
