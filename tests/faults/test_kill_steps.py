"""kill -9 at each pipeline step, then resume: one version, the same segments, nothing left.

Each run is killed in a child process at the worst moment of its step (see
`tests.faults.scenarios`) and resumed here, like `archive ingest` run again or
a worker taking the job over.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.catalogue.db import Catalogue
from core.settings import Settings
from ingest.registry import WHISPER_ROUTE
from tests.faults import scenarios

VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:00.900\nBonjour à toutes et à tous.\n"
CASES = [(step.name, "whisper") for step in WHISPER_ROUTE] + [("import", "import")]


@pytest.mark.parametrize(("step", "route"), CASES, ids=[f"{s}-{r}" for s, r in CASES])
def test_run_killed_at_a_step_resumes_to_one_version_and_leaves_nothing(
    catalogue: Catalogue, settings: Settings, camera_avi: Path, tmp_path: Path, step, route
) -> None:
    extra = {}
    if route == "import":
        extra["transcript_file"] = tmp_path / "sous-titres.vtt"
        extra["transcript_file"].write_text(VTT, encoding="utf-8")
    job_id = scenarios.start_job(catalogue, settings, camera_avi, None, **extra)
    kill = scenarios.kill_run(settings, job_id, step, tmp_path, timeout_s=60)
    try:
        ffmpeg_died = scenarios.ffmpeg_died(kill)
        left_by_kill = scenarios.partials(settings)
        scenarios.resume(catalogue, settings, job_id)
        after = scenarios.outcome(catalogue, settings, job_id, kill)
    finally:
        scenarios.stop_orphan(kill)
    assert (after.state, after.versions) == ("done", [1])
    expected = scenarios.SPOKEN if route == "whisper" else [scenarios.SPOKEN[0]]
    assert after.segments == expected
    # Killed while ffmpeg wrote: ffmpeg died too, and its half-written file is swept.
    assert bool(left_by_kill) == kill.during_ffmpeg
    assert (after.partials, ffmpeg_died) == ([], True)
