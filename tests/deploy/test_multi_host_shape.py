"""The deployment of docs/deploy.md on one machine: two portals, two workers, one catalogue.

Two gunicorn masters on two loopback ports (two web hosts), two `archive
worker` processes, one PostgreSQL database and one Redis queue. Several
sessions are ingested at once (imported VTT transcripts: no speech model);
no job may be lost or run twice, and both portals must find every new
session in search soon after its ingest, without a restart.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from core.catalogue import open_catalogue
from core.catalogue.importer import apply_manifest
from core.catalogue.schema import Job, Session, Transcript
from core.manifest import load_manifest
from core.settings import Settings, load_settings
from index.service import rebuild_index
from ingest.pipeline import create_ingest_job
from tests.conftest import REPO, SEED_MANIFEST
from tests.support import media_factory
from tests.support.waiting import wait_for
from worker.tasks import build_tasks

POSTGRES = os.environ.get("ARCHIVE_TEST_POSTGRES_URL", "")
REDIS = os.environ.get("ARCHIVE_TEST_REDIS_URL", "")
pytestmark = [
    pytest.mark.deploy,
    pytest.mark.skipif(
        not (POSTGRES and REDIS),
        reason='needs PostgreSQL and Redis: run `eval "$(scripts/start-services.sh)"` (CI does)',
    ),
]
SESSIONS = 4


@pytest.fixture
def shared_settings(tmp_path: Path) -> Iterator[Settings]:
    """Settings of an archive whose catalogue is a fresh PostgreSQL database, queue in Redis."""
    name = f"archive_deploy_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES.rsplit("/", 1)[0] + "/" + name
    yield load_settings(
        test_config={"ARCHIVE_HOME": str(tmp_path / "home")}, database_url=url, redis_url=REDIS
    )
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def _answers(url: str) -> bool:
    try:
        _get_json(url)
        return True
    except OSError:
        return False


def test_two_portals_and_two_workers_share_one_archive(shared_settings: Settings, tmp_path):
    settings = shared_settings
    catalogue = open_catalogue(settings)
    with catalogue.session() as db:
        apply_manifest(db, load_manifest(SEED_MANIFEST))
        slugs = list(db.scalars(select(Session.slug).order_by(Session.slug)))[:SESSIONS]
    rebuild_index(catalogue, settings.index_dir)  # the portals start on an existing index
    tasks = build_tasks(settings, catalogue)
    tasks.huey.flush()  # a clean queue: the Redis db may be shared with earlier runs

    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "ARCHIVE_HOME": str(settings.home),
        "ARCHIVE_DATABASE_URL": settings.database_url,
        "ARCHIVE_REDIS_URL": REDIS,
        "ARCHIVE_SECRET_KEY": "deploy-test",
    }
    ports = [_free_port(), _free_port()]
    logs = tmp_path / "logs"
    logs.mkdir()
    processes = []

    def start(name: str, argv: list[str]) -> None:
        out = open(logs / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
        processes.append((name, out, subprocess.Popen(argv, cwd=REPO, env=env, stdout=out,
                                                      stderr=subprocess.STDOUT)))  # fmt: skip

    try:
        for port in ports:
            start(f"web-{port}", [sys.executable, "-m", "gunicorn", "-w", "1", "-b",
                                  f"127.0.0.1:{port}", "portal:create_app()"])  # fmt: skip
        for n in range(2):
            start(f"worker-{n}", [sys.executable, "-m", "cli", "worker", "--stale-after", "30"])
        for port in ports:
            wait_for(lambda p=port: _answers(f"http://127.0.0.1:{p}/api/search?q=ville"), 30,
                     f"the portal on port {port}")  # fmt: skip

        jobs = {}
        for n, slug in enumerate(slugs):
            media = media_factory.tone_video(tmp_path / f"talk{n}.mp4", seconds=1 + n / 5,
                                             size="160x120")  # fmt: skip
            vtt = tmp_path / f"talk{n}.vtt"
            vtt.write_text(f"WEBVTT\n\n00:00:00.000 --> 00:00:00.900\nMotdeploiement{n} dit.\n")
            jobs[slug] = create_ingest_job(
                catalogue, settings, media, session_slug=slug, transcript_file=vtt
            )
        for job_id in jobs.values():
            tasks.run_ingest(job_id)  # all queued at once: both workers take some

        def states() -> list[str]:
            with catalogue.session() as db:
                return list(db.scalars(select(Job.state).where(Job.id.in_(jobs.values()))))

        wait_for(lambda: all(s in ("done", "failed") for s in states()), 60, "every ingest")
        assert states() == ["done"] * SESSIONS, _logs(logs)
        with catalogue.session() as db:
            versions = db.execute(
                select(Session.slug, func.count(Transcript.id))
                .join(Transcript, Transcript.session_id == Session.id)
                .where(Session.slug.in_(slugs))
                .group_by(Session.slug)
            ).all()
        assert dict(versions) == dict.fromkeys(slugs, 1)  # no job ran twice

        for port in ports:  # each web host sees every new session, without a restart
            for n, slug in enumerate(slugs):
                url = f"http://127.0.0.1:{port}/api/search?q=motdeploiement{n}"
                wait_for(lambda u=url, s=slug: _found(u, s), 10,
                         f"session {slug} in search on port {port}")  # fmt: skip
    finally:
        for _name, _out, process in processes:
            process.send_signal(signal.SIGINT)  # gunicorn and the worker stop gracefully
        for _name, out, process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            out.close()
        tasks.huey.flush()
        catalogue.dispose()


def _found(url: str, slug: str) -> bool:
    body = _get_json(url)
    return body.get("total", 0) >= 1 and slug in json.dumps(body)


def _logs(folder: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in sorted(folder.iterdir()))
