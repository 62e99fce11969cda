"""Correct a transcript in the browser: segment texts, speakers, versions and restores.

Saving sends only the changed segments (JSON); the service stores them as the
next version and the session is reindexed, so corrections are searchable within
seconds. The recording is served here too, because drafts have no public page.
"""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from core.catalogue.queries import (
    current_transcript,
    latest_recording,
    session_people,
    transcript_segments,
    transcript_version,
)
from core.catalogue.schema import Person, Segment, Transcript
from core.corrections import (
    Changes,
    VersionConflict,
    restore_version,
    save_changes,
)
from core.errors import CatalogueError
from core.voice_edits import voice_speaker
from core.voices import voice_name
from portal.errors import api_error
from portal.extensions import archive, get_db
from portal.media import resolve_inside, send_path
from portal.services.bounds import ID, parse_int
from portal.workspace import enqueue_reindex, make_blueprint, session_or_404
from portal.workspace.glossary import editor_hints
from portal.workspace.voices import VOICE_PREFIX, voice_rows
from portal.workspace.words import correction_refusal

bp = make_blueprint("workspace_transcript", __name__)


@bp.route("/sessions/<slug>/transcript")
def editor(slug: str):
    """Show the transcript (the current version, or ?version=N read-only) beside the player."""
    db = get_db()
    session = session_or_404(slug)
    current = current_transcript(db, session)
    shown = current
    if request.args.get("version"):  # only the session's own versions: any other is a 404
        version = parse_int(request.args["version"], 1, current.version if current else 0)
        shown = (transcript_version(db, session, version) if version else None) or abort(404)
    segments = transcript_segments(db, shown) if shown else []
    in_session = [p.person for p in session_people(session)]
    others = [p for p in db.scalars(select(Person).order_by(Person.name)) if p not in in_session]
    recording = latest_recording(db, session)
    language = (shown.language if shown else None) or session.language or "fr"
    return render_template(
        "workspace/transcript.html",
        session=session,
        transcript=shown,
        current=current,
        segments=segments,
        people=in_session,
        other_people=others,
        recording=recording,
        read_only=shown is not current,
        voices=voice_rows(db, session, segments, language) if shown else [],
        voice_label=lambda label: voice_name(label, language),
        words_of_segment=lambda seg: [str(w[2]).strip() for w in seg.words or []],
        doubtful_words=lambda seg: doubtful_words(seg, archive().settings.doubt_threshold),
        glossary_hints=editor_hints(db, session, archive().settings.doubt_threshold),
    )


@bp.route("/sessions/<slug>/transcript", methods=["POST"])
def save(slug: str):
    """Store the changed segments as a new version (JSON: base_version, texts, speakers,
    verified, inserts: {position: text} for the silence after it, -1 before the first);
    an emptied text removes its segment."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        return api_error(400, _("Send the changes as JSON."))
    try:
        changes = Changes(
            texts={_number(k, 0): str(v) for k, v in (data.get("texts") or {}).items()},
            speakers={
                _number(k, 0): (str(v) if v else None)
                for k, v in (data.get("speakers") or {}).items()
            },
            verified={_number(p, 0) for p in data.get("verified") or []},
            inserts={_number(k, -1): str(v) for k, v in (data.get("inserts") or {}).items()},
        )
        base_version = _number(data.get("base_version"), 1)
    except (AttributeError, TypeError, ValueError):
        return api_error(400, _("The changes are malformed; reload the page."))
    return _store(slug, base_version, changes, as_json=True)


@bp.route("/sessions/<slug>/speakers", methods=["POST"])
def speakers(slug: str):
    """Give segments first..last (numbers as shown, inclusive) to one speaker."""
    db, form = get_db(), request.form
    current = current_transcript(db, session_or_404(slug))
    count = segment_count(db, current) if current else 0
    # Checked against the transcript before any range is built: a typed 10**20 is refused.
    first, last = parse_int(form.get("first"), 1, count), parse_int(form.get("last"), 1, count)
    base_version = parse_int(form.get("base_version"), 1)
    if first is None or last is None or base_version is None:
        flash(
            _("Give the first and last segment numbers, from 1 to %(count)d.", count=count)
            if count
            else _("Give the first and last segment numbers."),
            "error",
        )
        return redirect(url_for(".editor", slug=slug))
    if last < first:
        first, last = last, first
    speaker = form.get("speaker") or None
    positions = range(first - 1, last)
    if speaker and speaker.startswith(VOICE_PREFIX):  # a voice: its label and its speaker
        label = speaker[len(VOICE_PREFIX) :]
        segments = transcript_segments(db, current)
        if not any(s.voice == label for s in segments):
            flash(_("No voice %(voice)s in this transcript.", voice=label), "error")
            return redirect(url_for(".editor", slug=slug))
        person = voice_speaker(db, current.session, segments, label)
        changes = Changes(
            speakers={p: person.slug if person else None for p in positions},
            voices={p: label for p in positions},
        )
    else:
        changes = Changes(speakers={p: speaker for p in positions})
    return _store(slug, base_version, changes, as_json=False)


@bp.route(f"/sessions/<slug>/versions/<{ID}:version>/restore", methods=["POST"])
def restore(slug: str, version: int):
    """Make an older version current again, as a new version."""
    db = get_db()
    session = session_or_404(slug)
    old = transcript_version(db, session, version) or abort(404)
    restored = restore_version(db, session, old, current_user.username)
    db.commit()
    enqueue_reindex(slug)
    flash(
        _("Version %(old)d restored as version %(new)d.", old=version, new=restored.version),
        "success",
    )
    return redirect(url_for(".editor", slug=slug))


@bp.route("/sessions/<slug>/media")
def media(slug: str):
    """Serve the session's recording to the editor (byte ranges, for seeking)."""
    db = get_db()
    session = session_or_404(slug)
    recording = latest_recording(db, session)
    if recording is None:
        abort(404)
    stored = recording.playable_path or recording.original_path
    path = resolve_inside(archive().settings.home, stored)
    return send_path(path, conditional=True, max_age=0)


def doubtful_words(segment: Segment, threshold: float) -> list[dict] | None:
    """Return a segment's words with a doubt flag, or None when none is doubtful.

    A verified segment has no doubt left: an archivist checked it against the recording.
    """
    if segment.verified:
        return None
    words = [
        {"text": str(w[2]).strip(), "start_ms": int(w[0]), "doubtful": float(w[3]) < threshold}
        for w in segment.words or []
        if len(w) >= 4 and str(w[2]).strip()
    ]
    return words if any(w["doubtful"] for w in words) else None


def _number(raw: object, minimum: int) -> int:
    """Return a position (from 0) or version (from 1) sent as JSON; raise ValueError if none."""
    value = parse_int(raw, minimum)
    if value is None:
        raise ValueError(f"not a number from {minimum}: {raw!r}")
    return value


def segment_count(db, transcript: Transcript) -> int:
    """Return how many segments a version has (numbered 1..count in the editor)."""
    return db.scalar(select(func.count()).where(Segment.transcript_id == transcript.id)) or 0


def _store(slug: str, base_version: int, changes: Changes, as_json: bool):
    db = get_db()
    session = session_or_404(slug)
    people = {p.slug for p in db.scalars(select(Person))}
    unknown = {s for s in changes.speakers.values() if s and s not in people}
    try:
        if unknown:
            raise CatalogueError(_("Unknown speaker: %(slugs)s", slugs=", ".join(sorted(unknown))))
        stored: Transcript | None = save_changes(
            db, session, base_version, changes, current_user.username
        )
        db.commit()
    except CatalogueError as exc:
        db.rollback()
        if as_json:
            return api_error(
                409 if isinstance(exc, VersionConflict) else 400, correction_refusal(exc)
            )
        flash(correction_refusal(exc), "error")
        return redirect(url_for(".editor", slug=slug))
    if stored is not None:
        enqueue_reindex(slug)
    if as_json:
        return jsonify(
            {
                "version": stored.version if stored else base_version,
                "changed": stored is not None,
                "note": stored.note if stored else "",
            }
        )
    flash(
        _("Saved as version %(v)d.", v=stored.version) if stored else _("Nothing changed."),
        "success",
    )
    return redirect(url_for(".editor", slug=slug))
