"""Follow the background jobs: step, percentage and ETA live; retry; re-transcribe a session.

The page and its JSON feed are built from the same rows (`job_view`), so the
live updates can never disagree with a reload.
"""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.catalogue.queries import latest_recording
from core.catalogue.schema import Job
from core.jobs import add_job
from core.manifest import is_language_code
from core.states import JobState, advance
from ingest.registry import STEPS
from portal.extensions import archive, get_db
from portal.services.bounds import ID
from portal.workspace import make_blueprint, session_or_404
from portal.workspace.words import job_state

bp = make_blueprint("workspace_jobs", __name__)
PAGE_JOBS = 100

# A job's step before its first and after its last: not pipeline steps, so not in the registry.
PSEUDO_STEP_LABELS = {
    "done": _l("finished"),
    "": _l("waiting"),
}


def job_view(job: Job) -> dict:
    """Return what the jobs page shows of one job (also its JSON form)."""
    session = job.session
    return {
        "id": job.id,
        "state": job.state,
        "step": job.step,
        "state_label": job_state(job.state),
        "step_label": step_label(job.step),
        "percent": round((job.progress or 0) * 100) if job.state != JobState.DONE else 100,
        "eta_s": (
            round(job.eta_s) if job.eta_s is not None and job.state == JobState.RUNNING else None
        ),
        "error": job.error,
        "attempts": job.attempts,
        "model": (job.params or {}).get("model") or "",
        "session": session.slug if session else None,
        "session_title": session.title if session else "",
        "session_url": url_for("workspace_editing.session", slug=session.slug) if session else None,
        "recording": job.recording.original_name if job.recording else "",
        "retry_url": url_for("workspace_jobs.retry", job_id=job.id)
        if job.state == JobState.FAILED
        else None,
        "created_at": job.created_at.isoformat() if job.created_at else None,
    }


def step_label(step: str | None) -> str:
    """Word a job's step for the archivist, in the interface language."""
    step = step or ""
    if step in PSEUDO_STEP_LABELS:
        return str(PSEUDO_STEP_LABELS[step])
    registered = STEPS.get(step)
    # The registry marks its English labels for extraction; they are translated here.
    return _(registered.label) if registered else step


def _jobs() -> list[dict]:
    query = (
        select(Job)
        .order_by(Job.id.desc())
        .limit(PAGE_JOBS)
        .options(selectinload(Job.session), selectinload(Job.recording))
    )
    if request.args.get("session"):  # one session's jobs, linked from its page
        query = query.where(Job.session.has(slug=request.args["session"]))
    return [job_view(job) for job in get_db().scalars(query)]


@bp.route("/jobs")
def index():
    """Show the jobs, newest first; with ?rows=1 only the table rows, for live updates."""
    if request.args.get("rows"):
        return render_template("workspace/_job_rows.html", jobs=_jobs())
    return render_template("workspace/jobs.html", jobs=_jobs())


@bp.route("/jobs.json")
def feed():
    """Return the jobs as JSON for the live page."""
    return jsonify({"jobs": _jobs()})


@bp.route(f"/jobs/<{ID}:job_id>/retry", methods=["POST"])
def retry(job_id: int):
    """Queue a failed job again; it resumes after its last finished step."""
    db = get_db()
    job = db.get(Job, job_id)
    if job is None:
        abort(404)
    if job.state == JobState.FAILED:
        advance(job, JobState.QUEUED)
        job.error, job.eta_s = "", None
        job.params = {**(job.params or {}), "interrupted": 0}
        db.commit()
        _enqueue(job.id)
        flash(_("Job %(id)d queued again.", id=job.id), "success")
    return redirect(request.referrer or url_for(".index"))


@bp.route("/sessions/<slug>/retranscribe", methods=["POST"])
def retranscribe(slug: str):
    """Transcribe the session's recording again, with another model or language."""
    db = get_db()
    session = session_or_404(slug)
    recording = latest_recording(db, session)
    if recording is None:
        flash(_("This session has no recording yet: upload one first."), "error")
        return redirect(url_for("workspace_editing.session", slug=slug))
    language = request.form.get("language", "").strip().lower() or None
    if language and not is_language_code(language):
        flash(_("The language must be a two-letter code such as fr or en."), "error")
        return redirect(url_for("workspace_editing.session", slug=slug))
    model = request.form.get("model", "").strip()[:200] or None
    job = add_job(
        db,
        session,
        recording,
        language=language,
        model=model,
        author=current_user.username,
        note="re-transcription",
    )
    db.commit()
    _enqueue(job.id)
    flash(_("Re-transcription queued (job %(id)d).", id=job.id), "success")
    return redirect(url_for(".index", session=slug))


def _enqueue(job_id: int) -> None:
    archive().tasks.run_ingest(job_id)
