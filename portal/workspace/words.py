"""The workspace's words for stored values: job states, programme kinds, sizes, version notes.

The catalogue stores machine words ("done", "talk", bytes, and a version note in
English for the CLI and the API); an archivist reading a French page must see
French. Everything the workspace shows of such a value goes through here.
"""

from __future__ import annotations

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.catalogue.schema import Transcript
from core.corrections import CorrectionError, segment_numbers
from core.states import JobState, UploadState

JOB_STATES = {
    JobState.QUEUED: _l("queued"),
    JobState.RUNNING: _l("running"),
    JobState.DONE: _l("done"),
    JobState.FAILED: _l("failed"),
}
UPLOAD_STATES = {
    UploadState.UPLOADING: _l("uploading"),
    UploadState.RECEIVED: _l("received"),
    UploadState.PROCESSING: _l("checking"),
    UploadState.DONE: _l("done"),
    UploadState.REJECTED: _l("rejected"),
}
ITEM_KINDS = {
    "talk": _l("talk"),
    "opening": _l("opening"),
    "introduction": _l("introduction"),
    "discussion": _l("discussion"),
    "keynote": _l("keynote"),
    "panel": _l("panel"),
    "closing": _l("closing"),
    "other": _l("other"),
}
VERSION_SOURCES = {
    "whisper": _l("speech recognition"),
    "import": _l("imported file"),
    "edit": _l("correction"),
}
_UNITS = ((1024**3, _l("%(n)s GB")), (1024**2, _l("%(n)s MB")), (1024, _l("%(n)s kB")))


def job_state(state: str) -> str:
    """Return a job state in the interface language."""
    return str(JOB_STATES.get(state, state))


def upload_state(state: str) -> str:
    """Return an upload state in the interface language."""
    return str(UPLOAD_STATES.get(state, state))


def item_kind(kind: str) -> str:
    """Return a programme item's kind ("talk") in the interface language."""
    return str(ITEM_KINDS.get(kind, kind))


def file_size(size_bytes: int | float) -> str:
    """Return a size with the interface language's unit and decimal mark ("16,0 Go")."""
    for factor, unit in _UNITS:
        if size_bytes >= factor:
            return str(unit) % {"n": format_decimal(size_bytes / factor, "#,##0.0")}
    return ngettext("%(num)d byte", "%(num)d bytes", int(size_bytes))


def version_source(transcript: Transcript) -> str:
    """Return who or what made a version, in the interface language."""
    return str(VERSION_SOURCES.get(transcript.source, transcript.source))


def version_note(transcript: Transcript) -> str:
    """Say what a version changed, in the interface language, from what it recorded.

    Corrections and restores record what they did in `settings`; the stored note
    (English, for the CLI and the API) is shown only for what is not described here.
    """
    done = transcript.settings or {}
    if "restored_from" in done:
        return _("restored version %(n)d", n=done["restored_from"])
    if isinstance(done.get("replace"), dict):
        replace = done["replace"]
        return ngettext(
            "replaced “%(old)s” with “%(new)s” (%(num)d time)",
            "replaced “%(old)s” with “%(new)s” (%(num)d times)",
            int(replace.get("count", 0)),
            old=replace.get("heard") or replace.get("old", ""),
            new=replace.get("new", ""),
        )
    if transcript.source == "edit" and any(
        k in done for k in ("texts", "speakers", "verified", "voices", "removed", "inserted")
    ):
        parts = []
        texts, speakers = done.get("texts") or [], done.get("speakers") or []
        verified = set(done.get("verified") or []) - set(texts)
        if texts:
            parts.append(
                ngettext("corrected %(num)d segment", "corrected %(num)d segments", len(texts))
                + f" ({segment_numbers(texts)})"
            )
        if speakers:
            parts.append(
                ngettext(
                    "changed the speaker of %(num)d segment",
                    "changed the speaker of %(num)d segments",
                    len(speakers),
                )
                + f" ({segment_numbers(speakers)})"
            )
        voices = done.get("voices") or {}
        if voices:
            labels = ", ".join(sorted(set(map(str, voices.values())), key=_number))
            parts.append(
                ngettext(
                    "gave voice %(labels)s to %(num)d segment",
                    "gave voice %(labels)s to %(num)d segments",
                    len(voices),
                    labels=labels,
                )
                + f" ({segment_numbers(voices)})"
            )
        if verified:
            parts.append(
                ngettext("verified %(num)d segment", "verified %(num)d segments", len(verified))
            )
        inserted = int(done.get("inserted") or 0)
        if inserted:
            parts.append(ngettext("added %(num)d segment", "added %(num)d segments", inserted))
        removed = done.get("removed") or []
        if removed:
            parts.append(
                ngettext("removed %(num)d segment", "removed %(num)d segments", len(removed))
                + f" ({segment_numbers(removed)})"
            )
        if parts:
            return "; ".join(parts)
    return transcript.note or version_source(transcript)


def _number(label: str) -> tuple[int, str]:
    return (int(label), label) if label.isdigit() else (10**9, label)


def correction_refusal(exc: Exception) -> str:
    """Say why a correction was refused, in the archivist's language (else as raised)."""
    if not isinstance(exc, CorrectionError):
        return str(exc)
    values = exc.values
    if exc.reason == "conflict":
        if values.get("author"):
            return _(
                "Version %(current)d was saved by %(author)s while you were editing version "
                "%(base)d; reload to see it, then redo your change.",
                **values,
            )
        return _(
            "Version %(current)d was made by the pipeline while you were editing version "
            "%(base)d; reload to see it, then redo your change.",
            current=values["current"],
            base=values["base"],
        )
    messages = {
        "no_transcript": lambda: _("This session has no transcript to correct yet."),
        "unknown_segment": lambda: _(
            "No segment %(numbers)s in this version: reload the page.", **values
        ),
        "all_removed": lambda: _(
            "A transcript keeps at least one segment: not every one can be emptied."
        ),
        "no_gap": lambda: _(
            "No silence after segment #%(number)d to put a new segment in: split it instead.",
            **values,
        ),
    }
    worded = messages.get(exc.reason)
    return worded() if worded else str(exc)
