"""The jobs page: step, percentage and time left, failures in words, retry, step labels."""

from __future__ import annotations

from sqlalchemy import select

from core.catalogue.queries import current_transcript, get_session
from core.catalogue.schema import Job
from ingest.errors import TranscriptionError
from ingest.registry import STEPS
from tests.portal.builders import REPO, SLUG
from tests.portal.workspace_fixtures import *  # noqa: F403
from tests.portal.workspace_fixtures import heard_segments, token
from tests.support.fake_transcriber import ScriptedTranscriber
from tests.support.waiting import job_row


def test_failure_is_explained_and_retry_completes_the_job(
    ws_app, archivist, transcriber_box, tmp_path
):
    transcriber_box["transcriber"] = ScriptedTranscriber(
        [], fail_with=TranscriptionError("the recogniser ran out of memory")
    )
    csrf = token(archivist)
    retranscribe = archivist.post(
        f"/workspace/sessions/{SLUG}/retranscribe",
        data={"model": "small", "language": "en", "csrf_token": csrf},
    )
    assert retranscribe.status_code == 302
    page = archivist.get("/workspace/jobs").get_data(as_text=True)
    assert "the recogniser ran out of memory" in page
    assert "transcribing" in page or "transcription" in page
    catalogue = ws_app.extensions["archive"].catalogue
    with catalogue.session() as db:
        job = db.scalar(select(Job).order_by(Job.id.desc()))
        assert (job.state, job.step) == ("failed", "transcribe")
    assert f"/workspace/jobs/{job.id}/retry" in page
    good = ScriptedTranscriber(heard_segments(), language="en")
    transcriber_box["transcriber"] = good
    archivist.post(f"/workspace/jobs/{job.id}/retry", data={"csrf_token": csrf})
    assert job_row(catalogue, job.id).state == "done"
    assert good.calls[-1].language == "en" and job_row(catalogue, job.id).params["model"] == "small"
    with catalogue.session() as db:
        transcript = current_transcript(db, get_session(db, SLUG))
        assert transcript.version == 2 and transcript.language == "en"


def test_jobs_page_shows_step_percentage_and_time_left(ws_app, archivist):
    catalogue = ws_app.extensions["archive"].catalogue
    with catalogue.session() as db:
        session = get_session(db, SLUG)
        db.add(
            Job(
                kind="ingest",
                session_id=session.id,
                state="running",
                step="transcribe",
                progress=0.42,
                eta_s=125.0,
            )
        )
    for url in ("/workspace/jobs", "/workspace/jobs?rows=1"):
        page = archivist.get(url).get_data(as_text=True)
        assert 'value="42"' in page and "2:05" in page and session.title in page
    feed = archivist.get("/workspace/jobs.json").get_json()["jobs"][0]
    assert (feed["percent"], feed["eta_s"], feed["step"]) == (42, 125, "transcribe")


def test_every_registered_step_is_worded_in_french_and_english(ws_app, archivist):
    from babel.messages.pofile import read_po

    with open(REPO / "portal/translations/fr/LC_MESSAGES/messages.po", "rb") as handle:
        french = {m.id: m.string for m in read_po(handle, locale="fr") if m.id}
    catalogue = ws_app.extensions["archive"].catalogue
    with catalogue.session() as db:
        job = Job(kind="ingest", session_id=get_session(db, SLUG).id, state="running")
        db.add(job)
        db.flush()
        job_id = job.id
    pseudo = {"done": ("finished", "terminé"), "": ("waiting", "en attente")}
    expected = {name: (step.label, french.get(step.label)) for name, step in STEPS.items()}
    for name, (english, in_french) in {**expected, **pseudo}.items():
        with catalogue.session() as db:
            db.get(Job, job_id).step = name
        worded = {}
        for lang in ("en", "fr"):
            feed = archivist.get(f"/workspace/jobs.json?lang={lang}").get_json()["jobs"]
            worded[lang] = next(j["step_label"] for j in feed if j["id"] == job_id)
        assert (worded["en"], worded["fr"]) == (english, in_french), name
        assert in_french  # a step added without a translation fails here
