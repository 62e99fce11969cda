"""Resumable uploads: bytes streamed to disk chunk by chunk, checked, then handed to ingest.

The protocol follows tus in spirit: create an upload (name, size), append
chunks at the offset the server reports, ask for the offset again after a
network error. Nothing is ever held in memory beyond one copy buffer; the file
on disk is the truth for the offset. A rejected file is deleted at once, and so
is the draft session opened for it when the upload was all it held.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import object_session

from core.catalogue.db import Catalogue
from core.catalogue.schema import (
    Appearance,
    Job,
    Recording,
    Segment,
    Session,
    Transcript,
    Upload,
)
from core.errors import CatalogueError
from core.settings import DEFAULT_UPLOAD_EXTENSIONS, Settings
from core.states import UploadState, advance
from ingest.errors import DuplicateRecordingError, IngestError, MediaError

COPY_BUFFER_BYTES = 1 << 20
_ID = re.compile(r"^[0-9a-f]{32}$")


class UploadError(IngestError):
    """An upload was refused; `status` is the HTTP status the portal answers with."""

    def __init__(self, message: str, status: int = 400, offset: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.offset = offset


@dataclass(frozen=True)
class UploadPolicy:
    """What the workspace accepts: a size limit in bytes and file extensions."""

    max_bytes: int = Settings.upload_max_bytes
    extensions: frozenset[str] = frozenset(DEFAULT_UPLOAD_EXTENSIONS)

    @classmethod
    def from_settings(cls, settings: Settings) -> UploadPolicy:
        """Return the policy the archive's settings describe."""
        return cls(settings.upload_max_bytes, frozenset(settings.upload_extensions))


def part_path(settings: Settings, upload_id: str) -> Path:
    """Return where the bytes of an unfinished upload accumulate."""
    if not _ID.match(upload_id):
        raise UploadError("unknown upload", 404)
    return settings.uploads_dir / f"{upload_id}.part"


def complete_path(settings: Settings, upload: Upload) -> Path:
    """Return where a fully received upload waits, under its real name, to be ingested."""
    return settings.uploads_dir / upload.id / upload.filename


def check_name(name: str, policy: UploadPolicy) -> str:
    """Return the name to keep, or refuse folders, hidden names and unaccepted types."""
    name = unicodedata.normalize("NFC", (name or "").strip())
    if not name:
        raise UploadError("the file has no name")
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in name):  # a JSON "\udce9": not a character
        shown = name.encode("utf-8", "replace").decode("utf-8")
        raise UploadError(f"“{shown}”: the file name is not valid Unicode; rename the file")
    if "/" in name or "\\" in name or name in (".", "..") or "\x00" in name:
        raise UploadError(f"“{name}”: a file name must not contain folders ('/' or '\\')")
    if any(unicodedata.category(ch) == "Cc" for ch in name) or name.startswith("."):
        raise UploadError(f"“{name}”: the name holds control characters or starts with a dot")
    if len(name.encode("utf-8")) > 240:
        raise UploadError(f"“{name[:40]}…”: the file name is too long (240 bytes at most)")
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    if extension not in policy.extensions:
        accepted = ", ".join(sorted(policy.extensions))
        raise UploadError(
            f"“{name}”: .{extension or '?'} files are not accepted; send a recording ({accepted})",
            415,
        )
    return name


def check_size(name: str, size_bytes: int, policy: UploadPolicy) -> None:
    """Refuse sizes that are no byte count, empty files and files over the size limit."""
    if size_bytes < 0:
        raise UploadError(f"the size announced for “{name}” ({size_bytes}) is not a byte count")
    if size_bytes == 0:
        raise UploadError(f"“{name}” is empty (0 bytes): choose the recording itself")
    if size_bytes > policy.max_bytes:
        raise UploadError(
            f"“{name}” is {_gb(size_bytes)}, over the limit of "
            f"{_gb(policy.max_bytes)}; ask an admin to raise it",
            413,
        )


def create_upload(
    db: OrmSession,
    settings: Settings,
    policy: UploadPolicy,
    *,
    filename: str,
    size_bytes: int,
    session: Session,
    username: str,
    sha256: str | None = None,
    params: dict | None = None,
) -> Upload:
    """Register an upload (or return the unfinished one of the same file) and its empty part."""
    name = check_name(filename, policy)
    check_size(name, size_bytes, policy)
    if sha256:
        known = db.scalar(select(Recording).where(Recording.sha256 == sha256.lower()))
        if known is not None:
            raise UploadError(
                f"“{name}” is already in the archive (session "
                f"{known.session.slug}); it was not sent again",
                409,
            )
    resumable = db.scalar(
        select(Upload).where(
            Upload.filename == name,
            Upload.size_bytes == size_bytes,
            Upload.username == username,
            Upload.session_id == session.id,
            Upload.state == UploadState.UPLOADING,
        )
    )
    if resumable is not None and part_path(settings, resumable.id).exists():
        return resumable  # the same file picked again: continue where it stopped
    upload = Upload(
        id=secrets.token_hex(16),
        filename=name,
        size_bytes=size_bytes,
        session_id=session.id,
        username=username,
        state=UploadState.UPLOADING,
        params=dict(params or {}),
    )
    settings.uploads_dir.mkdir(parents=True, exist_ok=True)
    part_path(settings, upload.id).touch(exist_ok=False)
    db.add(upload)
    db.flush()
    return upload


def current_offset(settings: Settings, upload: Upload) -> int:
    """Return how many bytes of the upload are on disk."""
    if upload.state != UploadState.UPLOADING:
        rejected = upload.state == UploadState.REJECTED
        return upload.received_bytes if rejected else upload.size_bytes
    try:
        return part_path(settings, upload.id).stat().st_size
    except FileNotFoundError:
        return 0


def append_chunk(
    settings: Settings, upload: Upload, offset: int, length: int, stream: BinaryIO
) -> int:
    """Append length bytes read from stream at offset; return the new offset.

    Refuses (409, with the real offset) a chunk that does not start where the
    file ends, and a second concurrent transfer of the same upload.
    """
    if upload.state != UploadState.UPLOADING:
        raise UploadError("this upload is already complete", 409, current_offset(settings, upload))
    if offset + length > upload.size_bytes:
        raise UploadError(
            f"“{upload.filename}” is larger than announced ({upload.size_bytes} bytes)", 413
        )
    path = part_path(settings, upload.id)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    except FileNotFoundError:
        raise UploadError("this upload was cancelled or has expired; start it again", 410) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UploadError(
                "this file is already being sent from another window", 409, os.fstat(fd).st_size
            ) from None
        size = os.fstat(fd).st_size
        if size != offset:
            raise UploadError(f"the upload is at byte {size}, not {offset}", 409, size)
        remaining = length
        while remaining:
            block = stream.read(min(COPY_BUFFER_BYTES, remaining))
            if not block:
                break  # the client went away: keep what arrived, it resumes from there
            os.write(fd, block)
            remaining -= len(block)
        return os.fstat(fd).st_size
    finally:
        os.close(fd)  # closing releases the lock


def complete_if_received(settings: Settings, upload: Upload, offset: int) -> bool:
    """Move a fully received upload into place under its name; say whether it was complete."""
    upload.received_bytes = offset
    if offset < upload.size_bytes or upload.state != UploadState.UPLOADING:
        return False
    target = complete_path(settings, upload)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(part_path(settings, upload.id), target)  # atomic: same folder tree
    advance(upload, UploadState.RECEIVED)
    return True


def finalize_upload(catalogue: Catalogue, settings: Settings, upload_id: str) -> int | None:
    """Probe, deduplicate and store a received upload; return its job id, or None if refused."""
    with catalogue.session() as db:
        upload = db.get(Upload, upload_id)
        session = db.get(Session, upload.session_id)
        source, params, author = (
            complete_path(settings, upload),
            dict(upload.params),
            upload.username,
        )
    from ingest.pipeline import create_ingest_job

    try:
        job_id = create_ingest_job(
            catalogue,
            settings,
            source,
            session_slug=session.slug,
            language=params.get("language") or None,
            model=params.get("model") or None,
            original_name=source.name,
            author=author,
            consume=True,  # the received file is ours: move it into the store, no copy
        )
    except Exception as exc:  # noqa: BLE001 - any failure refuses the file with its reason
        _settle(catalogue, upload_id, UploadState.REJECTED, error=_refusal(source.name, exc))
        return None
    finally:
        shutil.rmtree(source.parent, ignore_errors=True)  # stored by hash, or refused
    _settle(catalogue, upload_id, UploadState.DONE, job_id=job_id)
    return job_id


def _refusal(name: str, exc: Exception) -> str:
    if isinstance(exc, DuplicateRecordingError):
        return (
            f"“{name}” is already in the archive (session {exc.session_slug}); "
            "it will not be processed twice"
        )
    if isinstance(exc, MediaError | CatalogueError):
        return str(exc)
    return (
        f"“{name}” could not be stored ({type(exc).__name__}: {exc}); "
        "check the disk space of the archive, then upload it again"
    )


def cancel_upload(settings: Settings, upload: Upload, reason: str) -> None:
    """Delete whatever was received and mark the upload refused with reason."""
    remove_files(settings, upload)
    advance(upload, UploadState.REJECTED)
    upload.error = reason
    db = object_session(upload)
    if db is not None:
        discard_draft_session(db, upload)


def discard_draft_session(db: OrmSession, upload: Upload) -> bool:
    """Delete the draft session opened for a refused upload if the upload was all it held.

    Runs in the caller's transaction, so the refusal and the deletion commit together.
    The people its programme named are deleted too when nothing else refers to them.
    """
    if not (upload.params or {}).get("created_session") or upload.session_id is None:
        return False
    session = db.get(Session, upload.session_id)
    if session is None or session.published:
        return False
    others = (
        select(func.count()).select_from(Recording).where(Recording.session_id == session.id),
        select(func.count()).select_from(Transcript).where(Transcript.session_id == session.id),
        select(func.count()).select_from(Job).where(Job.session_id == session.id),
        select(func.count())
        .select_from(Upload)
        .where(Upload.session_id == session.id, Upload.id != upload.id),
    )
    if any(db.scalar(query) for query in others):
        return False  # another file or transcript went into it meanwhile: it is real now
    people = {appearance.person for item in session.items for appearance in item.appearances}
    upload.session = None
    db.delete(session)  # its programme items and appearances go with it
    db.flush()
    for person in people:
        still_used = (
            select(func.count()).select_from(Appearance).where(Appearance.person_id == person.id),
            select(func.count()).select_from(Segment).where(Segment.speaker_id == person.id),
        )
        if not any(db.scalar(query) for query in still_used):
            db.delete(person)
    db.flush()
    return True


def remove_files(settings: Settings, upload: Upload) -> None:
    """Delete the upload's part file and its folder, if any are left."""
    part_path(settings, upload.id).unlink(missing_ok=True)
    shutil.rmtree(settings.uploads_dir / upload.id, ignore_errors=True)


def _settle(
    catalogue: Catalogue,
    upload_id: str,
    state: UploadState,
    error: str = "",
    job_id: int | None = None,
) -> None:
    with catalogue.session() as db:
        upload = db.get(Upload, upload_id)
        advance(upload, state)
        upload.error, upload.job_id = error, job_id
        if state == UploadState.REJECTED:
            discard_draft_session(db, upload)


def _gb(size_bytes: int) -> str:
    if size_bytes >= 1024**3:
        return f"{size_bytes / 1024**3:.1f} GB"
    return f"{size_bytes / 1024**2:.1f} MB"
