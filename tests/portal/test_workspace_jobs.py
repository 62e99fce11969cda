"""Jobs: the queue, the jobs page, failures and retries, a worker killed mid-job."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from core.catalogue import open_catalogue
from core.catalogue.queries import current_transcript, get_session
from core.catalogue.schema import Job, Segment, Transcript, Upload
from core.errors import ConfigError
from ingest.errors import TranscriptionError
from ingest.pipeline import create_ingest_job
from ingest.registry import STEPS
from tests.portal.builders import REPO, SLUG
from tests.portal.workspace_fixtures import *  # noqa: F403
from tests.portal.workspace_fixtures import HEARD, heard_segments, start_worker, token
from tests.support import media_factory
from tests.support.fake_transcriber import ScriptedTranscriber
from worker.queue import build_queue, queue_path
from worker.tasks import build_tasks


def _wait_for(predicate, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _job(catalogue, job_id: int) -> Job:
    with catalogue.session() as db:
        return db.get(Job, job_id)


def test_worker_killed_mid_job_is_retried_without_duplicates(fresh_archive, tmp_path):
    settings = fresh_archive.settings
    catalogue = open_catalogue(settings)
    talk = media_factory.tone_video(tmp_path / "talk.mp4", seconds=3, size="160x120")
    job_id = create_ingest_job(catalogue, settings, talk, session_slug=SLUG)
    build_tasks(settings, catalogue).run_ingest(job_id)
    assert queue_path(settings).is_file()  # the queue survives restarts: it is a file
    first = start_worker(tmp_path, settings.home, "stuck", "worker1.log")
    try:
        _wait_for(lambda: (tmp_path / "marker").exists(), 90, "the first worker to transcribe")
        assert _job(catalogue, job_id).state == "running"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assert _job(catalogue, job_id).state == "running"  # nobody told the catalogue
    finally:
        first.kill()
    second = start_worker(tmp_path, settings.home, "normal", "worker2.log")
    try:
        _wait_for(
            lambda: _job(catalogue, job_id).state in ("done", "failed"),
            90,
            "the second worker to finish the job",
        )
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(20)
    job = _job(catalogue, job_id)
    assert job.state == "done", (tmp_path / "worker2.log").read_text()
    assert job.attempts == 2 and job.params["interrupted"] == 1
    with catalogue.session() as db:
        versions = list(
            db.scalars(
                select(Transcript)
                .where(Transcript.session.has(slug=SLUG))
                .order_by(Transcript.version)
            )
        )
        assert [v.version for v in versions] == [1, 2]  # exactly one new version
        texts = [
            s.text
            for s in db.scalars(
                select(Segment)
                .where(Segment.transcript_id == versions[-1].id)
                .order_by(Segment.position)
            )
        ]
    assert texts == [text for _, _, text in HEARD]
    catalogue.dispose()


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
    assert _job(catalogue, job.id).state == "done"
    assert good.calls[-1].language == "en" and _job(catalogue, job.id).params["model"] == "small"
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


def test_cli_ingest_queue_leaves_the_job_for_the_worker(fresh_archive, tmp_path):
    from click.testing import CliRunner

    from cli import main

    talk = media_factory.tone_video(tmp_path / "cli.mp4", seconds=2, size="160x120")
    result = CliRunner().invoke(
        main,
        [
            "--home",
            str(fresh_archive.settings.home),
            "ingest",
            str(talk),
            "--session",
            SLUG,
            "--queue",
        ],
    )
    assert result.exit_code == 0, result.output
    catalogue = open_catalogue(fresh_archive.settings)
    queue = build_tasks(fresh_archive.settings, catalogue).huey  # knows the task names
    pending = [t for t in queue.pending() if type(t).__name__ == "run_ingest"]
    assert len(pending) == 1
    assert _job(catalogue, pending[0].args[0]).state == "queued"
    queue.flush()
    catalogue.dispose()


def test_redis_url_selects_the_redis_queue(fresh_archive):
    from dataclasses import replace

    settings = replace(fresh_archive.settings, redis_url="redis://:secret@queue.example:6379/0")
    try:
        import redis  # noqa: F401
    except ImportError:
        with pytest.raises(ConfigError, match="redis"):
            build_queue(settings)
        return
    queue = build_queue(settings)
    assert type(queue.storage).__name__ == "RedisStorage"
    assert queue.storage.pool.connection_kwargs["host"] == "queue.example"


def test_archive_worker_command_processes_a_queued_import(fresh_archive, tmp_path):
    settings = fresh_archive.settings
    talk = media_factory.tone_video(tmp_path / "import.mp4", seconds=2, size="160x120")
    vtt = tmp_path / "import.vtt"
    vtt.write_text("WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nUn sous-titre importé.\n")
    catalogue = open_catalogue(settings)
    job_id = create_ingest_job(catalogue, settings, talk, session_slug=SLUG, transcript_file=vtt)
    build_tasks(settings, catalogue).run_ingest(job_id)
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from cli import main; main()",
            "--home",
            str(settings.home),
            "worker",
            "--stale-after",
            "30",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for(
            lambda: _job(catalogue, job_id).state in ("done", "failed"),
            60,
            "`archive worker` to process the job",
        )
    finally:
        worker.send_signal(signal.SIGINT)  # graceful: finish the task in hand, then stop
        output, _ = worker.communicate(timeout=30)
    assert _job(catalogue, job_id).state == "done", output
    assert f"queue: SQLite at {settings.home / 'queue.sqlite3'}" in output
    with catalogue.session() as db:
        assert current_transcript(db, get_session(db, SLUG)).segments[0].text == (
            "Un sous-titre importé."
        )
    catalogue.dispose()


def test_silent_running_job_is_taken_over_but_a_live_one_is_not(fresh_archive):
    from datetime import UTC, datetime, timedelta

    from core.claims import MAX_INTERRUPTIONS, claim, worker_identity

    catalogue = open_catalogue(fresh_archive.settings)
    with catalogue.session() as db:
        session = get_session(db, SLUG)
        job = Job(
            kind="ingest",
            session_id=session.id,
            state="running",
            params={"worker": "another-machine:4242"},
        )
        db.add(job)
        db.flush()
        job_id = job.id
    assert not claim(catalogue, Job, job_id, 120)  # its heartbeat is fresh

    def go_silent(minutes: int) -> None:
        with catalogue.session() as db:
            db.get(Job, job_id).updated_at = datetime.now(UTC) - timedelta(minutes=minutes)

    go_silent(5)
    assert claim(catalogue, Job, job_id, 120)
    taken = _job(catalogue, job_id)
    assert taken.params["worker"] == worker_identity() and taken.params["interrupted"] == 1
    assert not claim(catalogue, Job, job_id, 120)  # ours now, and alive
    for _ in range(MAX_INTERRUPTIONS):
        go_silent(5)
        claim(catalogue, Job, job_id, 120)
    failed = _job(catalogue, job_id)
    assert failed.state == "failed" and "worker stopped" in failed.error
    catalogue.dispose()


def test_abandoned_uploads_are_deleted_after_a_while(fresh_archive):
    from datetime import UTC, datetime, timedelta

    from worker.tasks import sweep_uploads
    from worker.uploads import UploadPolicy, create_upload, part_path

    settings = fresh_archive.settings
    catalogue = open_catalogue(settings)
    with catalogue.session() as db:
        session = get_session(db, SLUG)
        old = create_upload(
            db,
            settings,
            UploadPolicy(),
            filename="old.mp4",
            size_bytes=9,
            session=session,
            username="ada",
        )
        recent = create_upload(
            db,
            settings,
            UploadPolicy(),
            filename="new.mp4",
            size_bytes=9,
            session=session,
            username="ada",
        )
        old_id, recent_id = old.id, recent.id
    with catalogue.session() as db:
        db.get(Upload, old_id).updated_at = datetime.now(UTC) - timedelta(days=8)
    assert sweep_uploads(catalogue, settings, abandon_after_s=7 * 24 * 3600) == [old_id]
    assert not part_path(settings, old_id).exists() and part_path(settings, recent_id).exists()
    with catalogue.session() as db:
        assert db.get(Upload, old_id).state == "rejected"
        assert db.get(Upload, recent_id).state == "uploading"
    catalogue.dispose()


@pytest.mark.skipif(
    not os.environ.get("ARCHIVE_TEST_REDIS_URL"),
    reason='no Redis server: run `eval "$(scripts/start-services.sh)"` (CI does)',
)
def test_a_worker_in_another_process_takes_jobs_from_a_real_redis_queue(
    fresh_archive, tmp_path, monkeypatch
):
    from dataclasses import replace

    redis_url = os.environ["ARCHIVE_TEST_REDIS_URL"]
    settings = replace(fresh_archive.settings, redis_url=redis_url)
    talk = media_factory.tone_video(tmp_path / "redis.mp4", seconds=2, size="160x120")
    vtt = tmp_path / "redis.vtt"
    vtt.write_text("WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nPassé par Redis.\n")
    catalogue = open_catalogue(settings)
    job_id = create_ingest_job(catalogue, settings, talk, session_slug=SLUG, transcript_file=vtt)
    tasks = build_tasks(settings, catalogue)
    queue = tasks.huey
    queue.flush()  # a clean queue: the server may be shared with earlier runs
    tasks.run_ingest(job_id)
    assert queue.pending_count() == 1  # the job waits in Redis, not in this process
    monkeypatch.setenv("REDIS_URL", redis_url)
    worker = subprocess.Popen(
        [sys.executable, "-c", "from cli import main; main()",
         "--home", str(settings.home), "worker", "--stale-after", "30"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        _wait_for(
            lambda: _job(catalogue, job_id).state in ("done", "failed"),
            60,
            "the worker to take the job from Redis",
        )
    finally:
        worker.send_signal(signal.SIGINT)
        output, _ = worker.communicate(timeout=30)
        queue.flush()
    assert _job(catalogue, job_id).state == "done", output
    assert "queue: Redis at" in output
    with catalogue.session() as db:
        assert current_transcript(db, get_session(db, SLUG)).segments[0].text == (
            "Passé par Redis."
        )
    catalogue.dispose()


def test_recovery_requeues_lost_and_orphaned_jobs_and_uploads_but_not_live_ones(fresh_archive):
    from datetime import UTC, datetime, timedelta

    settings = fresh_archive.settings
    catalogue = open_catalogue(settings)
    tasks = build_tasks(settings, catalogue)  # a real SQLite queue: requeued work is pending
    huey = tasks.huey
    huey.flush()
    silent = datetime.now(UTC) - timedelta(minutes=10)
    with catalogue.session() as db:
        session = get_session(db, SLUG)
        lost_job = Job(kind="ingest", session_id=session.id, state="queued", params={})
        dead_job = Job(kind="ingest", session_id=session.id, state="running",
                       params={"worker": "gone:1"}, updated_at=silent)  # fmt: skip
        live_job = Job(kind="ingest", session_id=session.id, state="running",
                       params={"worker": "elsewhere:2"})  # fmt: skip
        lost_upload = Upload(id="a" * 32, filename="x.mp4", size_bytes=1, state="received",
                             session_id=session.id)  # fmt: skip
        dead_upload = Upload(id="b" * 32, filename="y.mp4", size_bytes=1, state="processing",
                             session_id=session.id, params={"worker": "gone:1"},
                             updated_at=silent)  # fmt: skip
        db.add_all([lost_job, dead_job, live_job, lost_upload, dead_upload])
        db.flush()
        ids = (lost_job.id, dead_job.id, live_job.id)
    requeued = tasks.recover()
    assert sorted(requeued) == sorted(
        [f"job {ids[0]}", f"job {ids[1]}", f"upload {'a' * 32}", f"upload {'b' * 32}"]
    )
    pending = {(type(t).__name__, t.args[0]) for t in huey.pending()}
    assert pending == {("run_ingest", ids[0]), ("run_ingest", ids[1]),
                       ("finish_upload", "a" * 32), ("finish_upload", "b" * 32)}  # fmt: skip
    # Queued work now has its message: only the silent ones (until a worker claims them,
    # and a claim runs a duplicate message once) are sent again.
    assert sorted(tasks.recover()) == [
        f"job {ids[1]}",
        f"upload {'b' * 32}",
    ]
    huey.flush()
    catalogue.dispose()
