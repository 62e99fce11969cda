"""Errors of the ingest side, under the archive's `ArchiveError` (see `core.errors`).

Messages are written for an archivist: they say what went wrong and what to do.
"""

from __future__ import annotations

from core.errors import ArchiveError


class IngestError(ArchiveError):
    """Base class of every error raised by the ingest package."""


class MediaError(IngestError):
    """A media file could not be probed, decoded or converted.

    `stderr` keeps ffmpeg's own words so that the real cause is never lost.
    """

    def __init__(self, message: str, stderr: str = "") -> None:
        super().__init__(message)
        self.stderr = stderr

    def __str__(self) -> str:
        base = super().__str__()
        if self.stderr:
            tail = self.stderr.strip().splitlines()[-3:]
            return base + " (ffmpeg: " + " | ".join(tail) + ")"
        return base


class ModelError(IngestError):
    """A speech-recognition model could not be assembled, verified or loaded."""


class TranscriptionError(IngestError):
    """The speech recogniser failed on an otherwise valid recording."""


class SubtitleError(IngestError):
    """An existing transcript file (VTT, SRT, JSON) could not be read."""


class PipelineError(IngestError):
    """An ingest run failed; `step` says which step and `cause` why."""

    def __init__(self, step: str, cause: BaseException) -> None:
        super().__init__(f"ingest failed at step '{step}': {cause}")
        self.step = step
        self.cause = cause


class DuplicateRecordingError(IngestError):
    """The same file (same sha256) was already ingested; `session_slug` says where."""

    def __init__(self, message: str, session_slug: str, recording_id: int) -> None:
        super().__init__(message)
        self.session_slug = session_slug
        self.recording_id = recording_id
