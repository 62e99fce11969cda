"""The archivists' workspace: upload, follow jobs, edit, correct and publish sessions.

Every blueprint of this package answers 404 to visitors who are not signed
in, so that drafts, uploads and the workspace itself stay invisible.
"""

from __future__ import annotations

from flask import Blueprint, abort

from core.catalogue.queries import get_session
from core.catalogue.schema import Session
from portal.auth import require_archivist
from portal.extensions import archive, get_db
from worker.uploads import UploadPolicy


def make_blueprint(name: str, import_name: str) -> Blueprint:
    """Return a blueprint under /workspace whose every view needs a signed-in archivist."""
    bp = Blueprint(name, import_name, url_prefix="/workspace")
    bp.before_request(require_archivist)
    return bp


def session_or_404(slug: str) -> Session:
    """Return the session (drafts included) or answer 404."""
    session = get_session(get_db(), slug, include_drafts=True)
    if session is None:
        abort(404)
    return session


def enqueue_reindex(session_slug: str) -> None:
    """Ask the worker to reindex one session (inline when the queue is immediate).

    Then to align the words a correction changed to the audio (a no-op for a
    version without any), which reindexes again when it moved words.
    """
    archive().tasks.reindex_session(session_slug)
    archive().tasks.realign_session(session_slug)


def upload_policy() -> UploadPolicy:
    """Return the size limit and accepted types configured for this portal."""
    return UploadPolicy.from_settings(archive().settings)
