"""Edit a session: its metadata and its programme, with where each item starts.

The player on the page shows the current time; a "start here" button copies it
into an item's start field, so offsets are set by listening, not by guessing.
"""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from core.catalogue.queries import current_transcript, latest_recording, list_series
from core.catalogue.schema import Appearance, Job, Series, Transcript
from core.errors import CatalogueError
from core.manifest import ITEM_KINDS, is_language_code
from core.programme import add_item, parse_people, person_named
from core.timecodes import format_clock, parse_timecode
from portal.extensions import get_db
from portal.workspace import enqueue_reindex, make_blueprint, session_or_404

bp = make_blueprint("workspace_editing", __name__)


@bp.route("/sessions/<slug>")
def session(slug: str):
    """Show the session's metadata, programme, recordings, versions and jobs."""
    db = get_db()
    record = session_or_404(slug)
    versions = list(
        db.scalars(
            select(Transcript)
            .where(Transcript.session_id == record.id)
            .order_by(Transcript.version.desc())
        )
    )
    jobs = list(
        db.scalars(select(Job).where(Job.session_id == record.id).order_by(Job.id.desc()).limit(10))
    )
    recording = latest_recording(db, record)
    return render_template(
        "workspace/session.html",
        session=record,
        series=list_series(db),
        versions=versions,
        jobs=jobs,
        recording=recording,
        kinds=ITEM_KINDS,
        current=current_transcript(db, record),
        people_text=people_text,
        start_text=lambda ms: format_clock(ms) if ms is not None else "",
    )


@bp.route("/sessions/<slug>/metadata", methods=["POST"])
def metadata(slug: str):
    """Save title, series, date, place, language and description."""
    db = get_db()
    record = session_or_404(slug)
    form = request.form
    try:
        title = form.get("title", "").strip()
        if not title:
            raise CatalogueError(_("The title cannot be empty."))
        language = form.get("language", "").strip().lower()
        if not is_language_code(language):
            raise CatalogueError(_("The language must be a two-letter code such as fr or en."))
        series_slug = form.get("series", "")
        series = (
            db.scalar(select(Series).where(Series.slug == series_slug)) if series_slug else None
        )
        if series_slug and series is None:
            raise CatalogueError(_("Unknown series."))
        day = date.fromisoformat(form["date"]) if form.get("date") else None
    except (CatalogueError, ValueError) as exc:
        db.rollback()
        flash(
            str(exc) if isinstance(exc, CatalogueError) else _("The date must read YYYY-MM-DD."),
            "error",
        )
        return redirect(url_for(".session", slug=slug))
    record.title, record.language, record.series, record.date = title, language, series, day
    record.place = form.get("place", "").strip()
    record.description = form.get("description", "").strip()
    db.commit()
    enqueue_reindex(slug)  # titles, series and dates are shown on every search hit
    flash(_("Details saved."), "success")
    return redirect(url_for(".session", slug=slug))


@bp.route("/sessions/<slug>/programme", methods=["POST"])
def programme(slug: str):
    """Save the programme: titles, kinds, people and start times; add or remove items."""
    db = get_db()
    record = session_or_404(slug)
    form = request.form
    try:
        for item in list(record.items):
            prefix = f"item-{item.id}-"
            if form.get(prefix + "delete"):
                record.items.remove(item)
                continue
            item.title = form.get(prefix + "title", item.title).strip() or item.title
            item.kind = _kind(form.get(prefix + "kind", item.kind))
            item.start_ms = _start(form.get(prefix + "start", ""))
            if form.get(prefix + "people", "") != people_text(item):
                _set_people(db, item, form.get(prefix + "people", ""))
        if form.get("new-title", "").strip():
            add_item(
                db,
                record,
                form["new-title"].strip(),
                parse_people(form.get("new-people")),
                kind=_kind(form.get("new-kind", "talk")),
                start_ms=_start(form.get("new-start", "")),
            )
        for position, item in enumerate(record.items, start=1):
            item.position = position
    except (CatalogueError, ValueError) as exc:
        db.rollback()
        flash(_("Programme not saved: %(reason)s", reason=str(exc)), "error")
        return redirect(url_for(".session", slug=slug))
    db.commit()
    enqueue_reindex(slug)  # hits show the programme item they fall in
    flash(_("Programme saved."), "success")
    return redirect(url_for(".session", slug=slug))


def people_text(item) -> str:
    """Return an item's people as the editable 'Name (Affiliation); …' text."""
    return "; ".join(
        f"{a.person.name} ({a.affiliation})" if a.affiliation else a.person.name
        for a in item.appearances
    )


def _set_people(db, item, text: str) -> None:
    roles = {a.person.name.lower(): a.role for a in item.appearances}
    item.appearances.clear()
    db.flush()
    for position, (name, affiliation) in enumerate(parse_people(text)):
        person = person_named(db, name, affiliation)
        item.appearances.append(
            Appearance(
                person=person,
                position=position,
                role=roles.get(name.lower(), "speaker"),
                affiliation=affiliation,
            )
        )


def _kind(value: str) -> str:
    if value not in ITEM_KINDS:
        raise CatalogueError(f"unknown kind {value!r}")
    return value


def _start(value: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return parse_timecode(value)
    except ValueError:
        raise CatalogueError(f"“{value}” is not a time (write 0:42:10 or 42m10s)") from None
