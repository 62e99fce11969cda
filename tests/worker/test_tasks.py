"""The worker: queues from settings, claims, recovery of killed workers, sweeping, Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from sqlalchemy import select

from core.catalogue import open_catalogue
from core.catalogue.queries import current_transcript, get_session
from core.catalogue.schema import Job, Segment, Transcript, Upload
from core.errors import ConfigError
from ingest.pipeline import create_ingest_job
from tests.portal.builders import REPO, SLUG
from tests.portal.workspace_fixtures import *  # noqa: F403
from tests.portal.workspace_fixtures import HEARD, finish_with_second_worker, start_worker
from tests.support import media_factory
from tests.support.waiting import job_row, wait_for
from worker.queue import build_queue, queue_path
from worker.tasks import build_tasks


def test_worker_killed_mid_job_is_retried_without_duplicates(fresh_archive, tmp_path):
    settings = fresh_archive.settings
    catalogue = open_catalogue(settings)
    talk = media_factory.tone_video(tmp_path / "talk.mp4", seconds=3, size="160x120")
    job_id = create_ingest_job(catalogue, settings, talk, session_slug=SLUG)
    build_tasks(settings, catalogue).run_ingest(job_id)
    assert queue_path(settings).is_file()  # the queue survives restarts: it is a file
    first = start_worker(tmp_path, settings.home, "stuck", "worker1.log")
    try:
        wait_for(lambda: (tmp_path / "marker").exists(), 90, "the first worker to transcribe")
        assert job_row(catalogue, job_id).state == "running"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assert job_row(catalogue, job_id).state == "running"  # nobody told the catalogue
    finally:
        first.kill()
    finish_with_second_worker(tmp_path, settings.home, catalogue, job_id)
    job = job_row(catalogue, job_id)
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
    assert job_row(catalogue, pending[0].args[0]).state == "queued"
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
        wait_for(
            lambda: job_row(catalogue, job_id).state in ("done", "failed"),
            60,
            "`archive worker` to process the job",
        )
    finally:
        worker.send_signal(signal.SIGINT)  # graceful: finish the task in hand, then stop
        output, _ = worker.communicate(timeout=30)
    assert job_row(catalogue, job_id).state == "done", output
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
    taken = job_row(catalogue, job_id)
    assert taken.params["worker"] == worker_identity() and taken.params["interrupted"] == 1
    assert not claim(catalogue, Job, job_id, 120)  # ours now, and alive
    for _ in range(MAX_INTERRUPTIONS):
        go_silent(5)
        claim(catalogue, Job, job_id, 120)
    failed = job_row(catalogue, job_id)
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
        wait_for(
            lambda: job_row(catalogue, job_id).state in ("done", "failed"),
            60,
            "the worker to take the job from Redis",
        )
    finally:
        worker.send_signal(signal.SIGINT)
        output, _ = worker.communicate(timeout=30)
        queue.flush()
    assert job_row(catalogue, job_id).state == "done", output
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


def test_a_message_from_an_older_version_does_not_strand_its_job(fresh_archive):
    # Task names follow their module (portal.tasks.* before worker.tasks.*): after an
    # upgrade, a message nobody can read must not stop recovery from requeuing its job.
    from huey import SqliteHuey

    settings = fresh_archive.settings
    catalogue = open_catalogue(settings)
    with catalogue.session() as db:
        job = Job(kind="ingest", session_id=get_session(db, SLUG).id, state="queued", params={})
        db.add(job)
        db.flush()
        job_id = job.id
    older = SqliteHuey("archive", results=False, filename=str(queue_path(settings)))
    older.task(name="run_ingest_of_an_older_version")(lambda job_id: None)(job_id)
    tasks = build_tasks(settings, catalogue)
    assert tasks.recover() == [f"job {job_id}"]
    pending = {(type(t).__name__, t.args[0]) for t in tasks.huey.pending()}
    assert pending == {("run_ingest", job_id)}
    tasks.huey.flush()
    catalogue.dispose()
