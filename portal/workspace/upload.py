"""Upload recordings: the form, and the resumable chunk endpoints its script talks to.

POST /workspace/uploads creates an upload; HEAD tells its offset; PATCH with
`Upload-Offset` appends a chunk streamed from the request body to disk; the
last chunk hands the file to the worker. JSON errors carry a sentence to show.
"""

from __future__ import annotations

from datetime import date

from flask import current_app, jsonify, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from core.catalogue.queries import get_session, list_series, list_sessions
from core.catalogue.schema import Session, Upload
from core.errors import CatalogueError
from core.manifest import is_language_code
from core.programme import new_session
from core.states import UploadState
from portal.errors import api_error
from portal.extensions import archive, get_db
from portal.workspace import make_blueprint, upload_policy
from worker.uploads import (
    UploadError,
    append_chunk,
    cancel_upload,
    check_name,
    check_size,
    complete_if_received,
    create_upload,
    current_offset,
)

bp = make_blueprint("workspace_upload", __name__)


@bp.route("/upload")
def form():
    """Show the upload form and the recent uploads; with ?rows=1 only their rows (live updates)."""
    db = get_db()
    uploads = list(db.scalars(select(Upload).order_by(Upload.created_at.desc()).limit(30)))
    if request.args.get("rows"):
        return render_template("workspace/_upload_rows.html", uploads=uploads)
    policy = upload_policy()
    return render_template(
        "workspace/upload.html",
        sessions=list_sessions(db, include_drafts=True),
        series=list_series(db),
        uploads=uploads,
        policy=policy,
        chunk_bytes=archive().settings.upload_chunk_bytes,
        selected=request.args.get("session", ""),
        default_model=archive().settings.model,
    )


@bp.route("/uploads", methods=["POST"])
def create():
    """Create an upload (and the session it opens, if new); answer its id and offset."""
    data = request.get_json(silent=True) or {}
    db, policy = get_db(), upload_policy()
    try:
        name = check_name(str(data.get("filename", "")), policy)
        size = _int(data.get("size"), "size")
        check_size(name, size, policy)  # refuse before a new session is created for nothing
        session, created = _target_session(db, data)
        params = {
            "language": _language(data.get("language")),
            "model": str(data.get("model") or "")[:200] or None,
            # A refused file then takes the draft session opened for it along.
            "created_session": created,
        }
        upload = create_upload(
            db,
            archive().settings,
            policy,
            filename=name,
            size_bytes=size,
            session=session,
            username=current_user.username,
            sha256=data.get("sha256"),
            params=params,
        )
        db.commit()
    except (UploadError, CatalogueError) as exc:
        db.rollback()
        return api_error(getattr(exc, "status", 400), str(exc))
    return jsonify(_status(upload)), 201


@bp.route("/uploads/<upload_id>", methods=["HEAD"])
def offset(upload_id: str):
    """Tell how many bytes arrived, so that an interrupted upload resumes there."""
    upload = _upload_or_404(upload_id)
    response = current_app.response_class(status=200)
    response.headers.update(_offset_headers(upload))
    return response


@bp.route("/uploads/<upload_id>", methods=["GET"])
def status(upload_id: str):
    """Return the upload's state: uploading, received, processing, done or rejected."""
    return jsonify(_status(_upload_or_404(upload_id)))


@bp.route("/uploads/<upload_id>", methods=["PATCH"])
def append(upload_id: str):
    """Append the request body at `Upload-Offset`; finish the upload after its last byte."""
    upload = _upload_or_404(upload_id)
    db, settings = get_db(), archive().settings
    offset_header = request.headers.get("Upload-Offset", "")
    if not offset_header.isdigit():
        return api_error(400, "the Upload-Offset header is missing or not a number")
    if request.content_length is None:
        return api_error(411, "the chunk's Content-Length is missing")
    try:
        new_offset = append_chunk(
            settings, upload, int(offset_header), request.content_length, request.stream
        )
    except UploadError as exc:
        response = api_error(exc.status, str(exc))
        if exc.offset is not None:
            response.headers["Upload-Offset"] = str(exc.offset)
        return response
    received = complete_if_received(settings, upload, new_offset)
    db.commit()
    if received:
        archive().tasks.finish_upload(upload.id)  # inline when the queue is immediate (tests)
        db.refresh(upload)
    response = jsonify(_status(upload))
    response.headers.update(_offset_headers(upload))
    return response


@bp.route("/uploads/<upload_id>", methods=["DELETE"])
def cancel(upload_id: str):
    """Abandon an unfinished upload and delete what was received."""
    upload = _upload_or_404(upload_id)
    if upload.state == UploadState.UPLOADING:
        cancel_upload(archive().settings, upload, "cancelled by " + current_user.username)
        get_db().commit()
    return jsonify(_status(upload))


def _upload_or_404(upload_id: str) -> Upload:
    upload = get_db().get(Upload, upload_id) if len(upload_id) == 32 else None
    if upload is None:
        from flask import abort

        abort(404)
    return upload


def _offset_headers(upload: Upload) -> dict[str, str]:
    return {
        "Upload-Offset": str(current_offset(archive().settings, upload)),
        "Upload-Length": str(upload.size_bytes),
        "Cache-Control": "no-store",
    }


def _status(upload: Upload) -> dict:
    session = upload.session
    return {
        "id": upload.id,
        "filename": upload.filename,
        "size": upload.size_bytes,
        "offset": current_offset(archive().settings, upload),
        "state": upload.state,
        "error": upload.error,
        "job": upload.job_id,
        "url": url_for("workspace_upload.status", upload_id=upload.id),
        "session": session.slug if session else None,
        "session_url": url_for("workspace_editing.session", slug=session.slug) if session else None,
        "jobs_url": url_for("workspace_jobs.index"),
    }


def _target_session(db, data: dict) -> tuple[Session, bool]:
    """Return the session the upload goes into, and whether it was opened for it."""
    slug = str(data.get("session") or "")
    if slug:
        session = get_session(db, slug, include_drafts=True)
        if session is None:
            raise UploadError(f"unknown session {slug!r}", 404)
        return session, False
    fields = data.get("new_session") or {}
    session = new_session(
        db,
        title=str(fields.get("title", "")),
        series_slug=fields.get("series") or None,
        day=_date(fields.get("date")),
        place=str(fields.get("place", "")),
        language=_language(fields.get("language")) or "fr",
        programme=str(fields.get("programme", "")),
    )
    return session, True


def _int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise UploadError(f"the file's {name} is missing")
    return value


def _date(value: object) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise UploadError(f"“{value}” is not a date (YYYY-MM-DD)") from None


def _language(value: object) -> str | None:
    text = str(value or "").strip().lower()
    if text and not is_language_code(text):
        raise UploadError("the language must be a two-letter code such as fr or en")
    return text or None
