"""IIIF Presentation 3 for libraries and AV viewers: a manifest per published session.

Readable from any origin (`Access-Control-Allow-Origin: *`), as IIIF viewers
load manifests from other sites. Drafts answer exactly as unknown slugs do.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, request

from portal.errors import api_error
from portal.extensions import archive, get_db
from portal.services import iiif
from portal.services.bounds import ID
from portal.services.sessions import find_session

bp = Blueprint("iiif", __name__, url_prefix="/iiif")


@bp.get("/<slug>/manifest.json")
def manifest(slug: str):
    """Return a published session's IIIF Presentation 3 manifest."""
    db = get_db()
    session = find_session(db, slug)
    if session is None:
        return _not_found(slug)
    settings = archive().settings
    data = iiif.manifest(
        db, session, request.url_root, attribution=settings.site_name, rights=settings.iiif_rights
    )
    return _ld_json(data)


@bp.get(f"/<slug>/transcript/<{ID}:version>.json")
def transcript(slug: str, version: int):
    """Return one transcript version as an AnnotationPage of supplementing annotations."""
    db = get_db()
    session = find_session(db, slug)
    page = iiif.transcript_page(db, session, version, request.url_root) if session else None
    if page is None:
        return _not_found(slug)
    return _ld_json(page)


def _ld_json(data: dict) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    response = Response(body, content_type=iiif.MEDIA_TYPE)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _not_found(slug: str) -> Response:
    """Answer an unknown, draft or version-less slug alike (one message, one shape)."""
    response = api_error(404, f"no published session '{slug}' with that IIIF resource")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
