"""kill -9 of an `archive worker` while its ffmpeg writes: the next worker takes the job over,
and neither the ffmpeg nor its half-written file outlives the killed worker.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from core.catalogue import open_catalogue
from ingest.pipeline import create_ingest_job
from tests.faults import scenarios
from tests.portal.builders import SLUG
from tests.portal.workspace_fixtures import *  # noqa: F403
from tests.portal.workspace_fixtures import HEARD, finish_with_second_worker, start_worker
from tests.support.waiting import wait_for
from worker.tasks import build_tasks


def test_worker_killed_while_ffmpeg_writes_is_taken_over_without_leftovers(
    fresh_archive, camera_avi: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = fresh_archive.settings
    catalogue = open_catalogue(settings)
    job_id = create_ingest_job(catalogue, settings, camera_avi, session_slug=SLUG)
    build_tasks(settings, catalogue).run_ingest(job_id)
    hanging, marker = scenarios.hanging_ffmpeg(tmp_path, scenarios.FFMPEG_STEPS["playable"])
    monkeypatch.setenv("ARCHIVE_FFMPEG", str(hanging))
    first = start_worker(tmp_path, settings.home, "normal", "worker1.log")
    monkeypatch.delenv("ARCHIVE_FFMPEG")
    try:
        wait_for(lambda: marker.exists() and marker.stat().st_size > 0, 90, "ffmpeg to hang")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        first.kill()
        first.wait(10)
    kill = scenarios.Kill("playable", True, int(marker.read_text()))
    try:
        ffmpeg_died = scenarios.ffmpeg_died(kill)
        left_by_kill = scenarios.partials(settings)
        finish_with_second_worker(tmp_path, settings.home, catalogue, job_id)
        after = scenarios.outcome(catalogue, settings, job_id, kill)
    finally:
        scenarios.stop_orphan(kill)
        catalogue.dispose()
    assert after.state == "done", (tmp_path / "worker2.log").read_text()
    assert after.versions == [1, 2]  # the seed's version, and exactly one new one
    assert [text for _, _, text in after.segments] == [text for _, _, text in HEARD]
    assert left_by_kill and after.partials == []
    assert ffmpeg_died, "ffmpeg outlived the worker that started it"
