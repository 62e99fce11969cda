"""Serve media files with HTTP range requests and long-lived caching.

Seeking in a browser issues `Range: bytes=N-` requests; Werkzeug's conditional
`send_file` answers them with 206 and Content-Range (and 416 when unsatisfiable),
and with ETag/Last-Modified revalidation. Paths come from the catalogue and
must stay inside the archive home.
"""

from __future__ import annotations

from pathlib import Path

from flask import Response, abort, send_file


def resolve_inside(home: Path, relative: str) -> Path:
    """Return home/relative if it is an existing file inside home; abort with 404 otherwise."""
    root = home.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        abort(404)
    return path


def send_media(path: Path, mimetype: str, max_age_s: int, immutable: bool = True) -> Response:
    """Send a media file, honouring Range and conditional requests."""
    response = send_file(path, mimetype=mimetype, conditional=True, etag=True, max_age=max_age_s)
    response.headers["Accept-Ranges"] = "bytes"
    # The URL carries the recording's sha256, so its content can never change.
    response.cache_control.public = True
    response.cache_control.max_age = max_age_s
    if immutable:
        response.cache_control.immutable = True
    return response
