"""Fault scenarios shared by the fault tests and `benchmarks/faults.py`.

A run of one ingest job is started in a child process and killed with SIGKILL
at a chosen point: right after a step's work and before the job records it
(the worst moment: done but not known to be done), or while ffmpeg writes a
step's output. ffmpeg is then a stand-in that writes a little and hangs, so the
kill always lands mid-write, and its pid is known to check that it died too.
The job is then resumed in this process with the real ffmpeg; `Outcome` says
what the archive looks like afterwards.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from core.catalogue.db import Catalogue
from core.catalogue.schema import Segment, Session, Transcript
from core.settings import Settings
from ingest.pipeline import create_ingest_job, run_job
from ingest.storage import process_alive
from tests.support.fake_transcriber import ScriptedTranscriber, evenly_timed
from tests.support.media_factory import ffmpeg_bin
from tests.support.waiting import job_row, wait_for

REPO = Path(__file__).resolve().parents[2]
# The ffmpeg steps and the suffix of the file each makes (what the stand-in hangs on).
FFMPEG_STEPS = {"audio": ".wav", "playable": ".mp4", "poster": ".jpg"}
SPOKEN = [
    (0, 900, "Bonjour à toutes et à tous."),
    (1_000, 1_900, "La séance est ouverte."),
]

_RUNNER = textwrap.dedent("""
    import sys, time
    from dataclasses import replace
    from pathlib import Path
    from core.catalogue import open_catalogue
    from core.catalogue.schema import Job
    from core.settings import load_settings
    from index.service import index_session
    from ingest.pipeline import run_job
    from ingest.registry import Step, route_for
    from tests.faults.scenarios import scripted

    home, job_id, target, marker, ffmpeg = sys.argv[1:6]
    settings = load_settings(test_config={"ARCHIVE_HOME": home})
    if ffmpeg:
        settings = replace(settings, ffmpeg=ffmpeg)
    catalogue = open_catalogue(settings)
    with catalogue.session() as db:
        params = dict(db.get(Job, int(job_id)).params or {})

    def stop_after(step):
        def run(ctx):
            produced = step.run(ctx)
            Path(marker).write_text(str(produced))
            time.sleep(300)  # killed here: the work is done, the job does not know it
        return Step(step.name, run, step.outputs, step.weight, step.label)

    route = tuple(
        stop_after(s) if s.name == target and not ffmpeg else s for s in route_for(params)
    )
    run_job(catalogue, settings, int(job_id), transcriber=scripted(), route=route,
            indexer=lambda slug: index_session(catalogue, settings.index_dir, slug))
""")

_STAND_IN = textwrap.dedent("""
    import os, sys, time
    real, hang_suffix, marker = {real!r}, {suffix!r}, {marker!r}
    output = next((a for a in sys.argv if ".partial-" in a), "")
    if not output.endswith(hang_suffix):
        os.execv(real, [real, *sys.argv[1:]])
    with open(output, "ab") as half_written:
        half_written.write(b"\\0" * 4096)
    with open(marker, "w") as note:
        note.write(str(os.getpid()))
    time.sleep(300)
""")


def scripted() -> ScriptedTranscriber:
    """Return the fake recogniser every run of a scenario uses (same words every time)."""
    return ScriptedTranscriber(evenly_timed(SPOKEN, 0.9), language="fr")


def hanging_ffmpeg(folder: Path, suffix: str) -> tuple[Path, Path]:
    """Write an ffmpeg that hangs mid-write on outputs ending in suffix; return it and its marker.

    Any other output is made by the real ffmpeg. The marker receives the pid of
    the hanging process once its half-written output exists.
    """
    marker = folder / f"ffmpeg-hangs-on{suffix}.pid"
    script = folder / f"ffmpeg-hangs-on{suffix}"
    body = _STAND_IN.format(real=ffmpeg_bin(), suffix=suffix, marker=str(marker))
    script.write_text(f"#!{sys.executable}\n{body}")
    script.chmod(0o755)
    return script, marker


@dataclass
class Kill:
    """A killed run: the step, how it was killed, the ffmpeg it left (pid or None)."""

    step: str
    during_ffmpeg: bool
    ffmpeg_pid: int | None


@dataclass
class Outcome:
    """The archive after a kill and a resumption."""

    state: str
    versions: list[int]
    segments: list[tuple[int, int, str]]
    partials: list[str]
    ffmpeg_alive: bool


def start_job(catalogue: Catalogue, settings: Settings, media: Path, slug: str, **kw) -> int:
    """Store media for the session and return its queued ingest job."""
    return create_ingest_job(catalogue, settings, media, session_slug=slug, **kw)


def kill_run(settings: Settings, job_id: int, step: str, folder: Path, timeout_s: float) -> Kill:
    """Run the job in a child process and SIGKILL it at step; return what was left running.

    An ffmpeg step is killed while ffmpeg writes its output; any other step
    right after its work, before the job records it.
    """
    during = step in FFMPEG_STEPS
    if during:
        ffmpeg, marker = hanging_ffmpeg(folder, FFMPEG_STEPS[step])
    else:
        ffmpeg, marker = "", folder / f"after-{step}.marker"
    marker.unlink(missing_ok=True)
    log = (folder / f"run-{step}.log").open("w")
    child = subprocess.Popen(
        [sys.executable, "-c", _RUNNER, str(settings.home), str(job_id), step, str(marker)]
        + [str(ffmpeg)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(
            lambda: marker.exists() and marker.stat().st_size > 0 or child.poll() is not None,
            timeout_s,
            f"the run to reach step {step}",
        )
        assert child.poll() is None, (folder / f"run-{step}.log").read_text()
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        child.kill()
        child.wait(10)
        log.close()
    return Kill(step, during, int(marker.read_text()) if during else None)


def ffmpeg_died(kill: Kill, timeout_s: float = 5.0) -> bool:
    """Say whether the ffmpeg a killed run left died with it (within timeout_s)."""
    if kill.ffmpeg_pid is None:
        return True
    try:
        wait_for(lambda: not process_alive(kill.ffmpeg_pid), timeout_s, "ffmpeg to die")
    except AssertionError:
        return False
    return True


def stop_orphan(kill: Kill) -> None:
    """Kill an ffmpeg that outlived its run, so that a failing check leaves nothing behind."""
    if kill.ffmpeg_pid is not None and process_alive(kill.ffmpeg_pid):
        os.kill(kill.ffmpeg_pid, signal.SIGKILL)


def resume(catalogue: Catalogue, settings: Settings, job_id: int) -> None:
    """Resume the job in this process, with the real ffmpeg and the same recogniser."""
    from index.service import index_session

    run_job(
        catalogue,
        settings,
        job_id,
        transcriber=scripted(),
        indexer=lambda slug: index_session(catalogue, settings.index_dir, slug),
    )


def partials(settings: Settings) -> list[str]:
    """Return the temporary files left anywhere in the archive home."""
    return sorted(str(p.relative_to(settings.home)) for p in settings.home.rglob(".partial-*"))


def outcome(catalogue: Catalogue, settings: Settings, job_id: int, kill: Kill) -> Outcome:
    """Describe the archive after the job: its versions, segments, leftovers, and ffmpeg."""
    job = job_row(catalogue, job_id)
    with catalogue.session() as db:
        session = db.get(Session, job.session_id)
        transcripts = list(
            db.scalars(
                select(Transcript)
                .where(Transcript.session_id == session.id)
                .order_by(Transcript.version)
            )
        )
        segments = [
            (s.start_ms, s.end_ms, s.text)
            for s in db.scalars(
                select(Segment)
                .where(Segment.transcript_id == transcripts[-1].id)
                .order_by(Segment.position)
            )
        ] if transcripts else []  # fmt: skip
    return Outcome(
        state=job.state,
        versions=[t.version for t in transcripts],
        segments=segments,
        partials=partials(settings),
        ffmpeg_alive=kill.ffmpeg_pid is not None and process_alive(kill.ffmpeg_pid),
    )
