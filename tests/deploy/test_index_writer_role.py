"""Workers on other hosts, on one machine: two ingest workers and one index writer.

`ARCHIVE_INDEX_WRITER=queue`. The two ingest workers run on "remote" homes
that share the catalogue and the queue with the index host, hold a copy of
its media folder (the "copy kept with rsync" of docs/deploy.md), and whose
own index folder is read-only and must stay empty; the index writer
runs on the index host's home. Ingests finish while the writer is stopped and
become searchable once it starts; the index host's index then holds the
commits of one writer, one per session. SQLite queue always; Redis too when
ARCHIVE_TEST_REDIS_URL is set.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from core.catalogue import open_catalogue
from core.catalogue.schema import Session
from tests.conftest import REPO
from tests.support.waiting import job_row, wait_for
from tests.worker.test_index_writer import generation, hits, queued_import
from worker.tasks import build_tasks

REDIS = os.environ.get("ARCHIVE_TEST_REDIS_URL", "")
BACKENDS = ["sqlite", pytest.param("redis", marks=pytest.mark.skipif(not REDIS, reason=(
    'no Redis server: run `eval "$(scripts/start-services.sh)"` (CI does)')))]  # fmt: skip


class Processes:
    """Started `archive worker` processes, stopped gracefully at the end; logs kept."""

    def __init__(self, logs: Path) -> None:
        self.logs, self.running = logs, []
        logs.mkdir()

    def start(self, name: str, env: dict[str, str], *args: str) -> subprocess.Popen:
        out = open(self.logs / f"{name}.log", "w")  # noqa: SIM115 - closed in stop()
        process = subprocess.Popen([sys.executable, "-m", "cli", "worker", *args], cwd=REPO,
                                   env=env, stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
        self.running.append((process, out))
        return process

    def stop(self, process: subprocess.Popen | None = None) -> None:
        for running, out in list(self.running):
            if process is not None and running is not process:
                continue
            running.send_signal(signal.SIGINT)  # finish the task in hand, then stop
            try:
                running.wait(timeout=30)
            except subprocess.TimeoutExpired:
                running.kill()
                running.wait()
            out.close()
            self.running.remove((running, out))

    def text(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-2000:]}" for p in self.logs.iterdir())


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    started = Processes(tmp_path / "logs")
    yield started
    started.stop()


def _environment(home: Path, **variables: str) -> dict[str, str]:
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not (k.startswith("ARCHIVE_") or k in ("REDIS_URL", "DATABASE_URL"))
        or k.startswith("ARCHIVE_TEST_")
    }
    return {**inherited, "PYTHONPATH": str(REPO), "ARCHIVE_HOME": str(home),
            "ARCHIVE_INDEX_WRITER": "queue", **variables}  # fmt: skip


def _remote_home(folder: Path, index_home: Path, backend: str) -> Path:
    """A worker host's home: the media and the queue shared, an index folder it may not write."""
    folder.mkdir()
    # The media copy kept with rsync of docs/deploy.md (hard links: instant).
    shutil.copytree(index_home / "media", folder / "media", copy_function=os.link)
    if backend == "sqlite":  # one queue file for every "host" (Redis is shared by nature)
        (folder / "queue.sqlite3").symlink_to(index_home / "queue.sqlite3")
    (folder / "index").mkdir()
    (folder / "index").chmod(0o555)
    return folder


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_ingest_workers_and_one_index_writer(fresh_archive, tmp_path, processes, backend):
    settings = replace(
        fresh_archive.settings, index_writer="queue", redis_url=REDIS if backend == "redis" else ""
    )
    catalogue = open_catalogue(settings)
    tasks = build_tasks(settings, catalogue)
    for queue in (tasks.huey, tasks.index_queue):
        queue.flush()  # a clean queue: the Redis db may be shared with earlier runs
    with catalogue.session() as db:
        slugs = list(db.scalars(select(Session.slug).order_by(Session.slug).limit(2)))
    words = {slug: f"Motdistant{n}" for n, slug in enumerate(slugs)}
    jobs = {slug: queued_import(settings, catalogue, tmp_path, slug, words[slug]) for slug in slugs}
    served = generation(settings)
    index_files = sorted(p.name for p in settings.index_dir.iterdir())

    shared = {"ARCHIVE_DATABASE_URL": settings.db_url}
    if backend == "redis":
        shared["ARCHIVE_REDIS_URL"] = REDIS
    remotes = [_remote_home(tmp_path / f"host{n}", settings.home, backend) for n in (1, 2)]
    try:
        for n, home in enumerate(remotes, 1):
            processes.start(f"ingest-{n}", _environment(home, **shared), "--stale-after", "30")
        for job_id in jobs.values():
            tasks.run_ingest(job_id)

        def steps() -> dict[str, tuple[str, str]]:
            return {s: (job_row(catalogue, j).state, job_row(catalogue, j).step) for s, j in
                    jobs.items()}  # fmt: skip

        # The index writer is not running: the ingests finish all the same ...
        waiting = ("done", "index")  # done for the catalogue, "updating the search"
        wait_for(lambda: all(s == waiting or s[0] == "failed" for s in steps().values()), 60,
                 "both ingests")  # fmt: skip
        assert steps() == dict.fromkeys(slugs, waiting), processes.text()
        # ... and wait for the index, which nobody wrote.
        assert sorted(p.name for p in settings.index_dir.iterdir()) == index_files
        assert all(hits(settings, word) == set() for word in words.values())

        writer = processes.start("index-writer", _environment(settings.home, **shared),
                                 "--index-writer")  # fmt: skip
        wait_for(lambda: steps() == dict.fromkeys(slugs, ("done", "done")), 60,
                 "the index writer to index both sessions")  # fmt: skip
        processes.stop(writer)
    finally:
        processes.stop()
        for queue in (tasks.huey, tasks.index_queue):
            queue.flush()
        catalogue.dispose()
    for slug, word in words.items():
        assert hits(settings, word.lower()) == {slug}
    assert generation(settings) == served + len(slugs)  # one commit per session, one writer
    for home in remotes:
        assert list((home / "index").iterdir()) == []  # no worker wrote an index of its own
    log = (tmp_path / "logs" / "index-writer.log").read_text()
    assert "Index writer for" in log and "archive-index" in log
