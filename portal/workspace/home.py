"""The workspace's front page: every session, drafts first, with its state and last job."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import func, select

from core.catalogue.queries import list_sessions
from core.catalogue.schema import Job, Transcript
from portal.extensions import get_db
from portal.workspace import make_blueprint

bp = make_blueprint("workspace", __name__)


@bp.route("/")
def home():
    """List sessions with their publication state, transcript version and latest job."""
    db = get_db()
    sessions = list_sessions(db, include_drafts=True)
    versions = dict(
        db.execute(
            select(Transcript.session_id, func.max(Transcript.version)).group_by(
                Transcript.session_id
            )
        ).all()
    )
    latest = select(func.max(Job.id)).group_by(Job.session_id)
    latest_jobs = {job.session_id: job for job in db.scalars(select(Job).where(Job.id.in_(latest)))}
    sessions.sort(key=lambda s: s.published)  # drafts first: they are the work to do
    return render_template(
        "workspace/home.html", sessions=sessions, versions=versions, jobs=latest_jobs
    )
