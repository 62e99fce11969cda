"""Serve media files with HTTP range requests and long-lived caching.

Seeking in a browser issues `Range: bytes=N-` requests; Werkzeug's conditional
`send_file` answers them with 206 and Content-Range (and 416 when unsatisfiable),
and with ETag/Last-Modified revalidation. Paths come from the catalogue and
must stay inside the archive home.

Behind nginx, the `accel_redirect` setting hands the sending to nginx: the
portal still decides who may see a file, then answers with `X-Accel-Redirect`
naming the file under nginx's internal location, and nginx sends the bytes
(Range, ETag and sendfile included) without holding a portal worker.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from flask import Response, abort, send_file

from portal.extensions import archive


def resolve_inside(home: Path, relative: str) -> Path:
    """Return home/relative if it is an existing file inside home; abort with 404 otherwise.

    Checked on the path's parts, not with symlinks resolved: an administrator
    may link `<home>/media` to a shared mount, and the file is still the
    archive's; what may not happen is a `..` or an absolute path leaving home.
    """
    parts = PurePosixPath(relative).parts
    if not parts or PurePosixPath(relative).is_absolute() or ".." in parts:
        abort(404)
    path = home / relative
    if not path.is_file():
        abort(404)
    return path


def send_media(path: Path, mimetype: str, max_age_s: int, immutable: bool = True) -> Response:
    """Send a media file, honouring Range and conditional requests."""
    response = send_path(path, mimetype=mimetype, conditional=True, etag=True, max_age=max_age_s)
    response.headers["Accept-Ranges"] = "bytes"
    # The URL carries the recording's sha256, so its content can never change.
    response.cache_control.public = True
    response.cache_control.max_age = max_age_s
    if immutable:
        response.cache_control.immutable = True
    return response


def send_path(path: Path, **send_file_options: Any) -> Response:
    """Send a file the caller may serve: by nginx (X-Accel-Redirect) when set, else by Flask."""
    internal = accel_uri(path)
    if internal is None:
        return send_file(path, **send_file_options)
    # nginx keeps Content-Type, Cache-Control and Accept-Ranges from this answer
    # and sends the file's bytes, Range, ETag and Last-Modified itself.
    mimetype = send_file_options.get("mimetype") or mimetypes.guess_type(path.name)[0]
    response = Response(status=200, mimetype=mimetype or "application/octet-stream")
    response.headers["X-Accel-Redirect"] = internal
    return response


def accel_uri(path: Path) -> str | None:
    """Return the internal nginx URI of a media file, or None when the portal sends it."""
    settings = archive().settings
    if not settings.accel_redirect:
        return None
    media_dir = settings.media_dir.resolve()
    if not path.resolve().is_relative_to(media_dir):
        return None  # only the media folder is exposed to nginx
    location = settings.accel_redirect.rstrip("/")
    return f"{location}/{quote(path.resolve().relative_to(media_dir).as_posix())}"
