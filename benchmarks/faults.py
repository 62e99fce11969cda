"""Run the fault suite at length and print a table: scenario, runs, outcome, leftovers.

    python benchmarks/faults.py [--runs 5] [--json]

Each scenario kills an ingest run with SIGKILL at one pipeline step (while
ffmpeg writes, for the ffmpeg steps; right after the step's work otherwise),
resumes the job, and checks one transcript version, the same segments, no
temporary file left and no ffmpeg outliving its run. Then every hostile file
of the corpus goes through `archive ingest`. Everything runs on a temporary
archive home with the scripted recogniser (see tests/faults/scenarios.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _kill_scenarios(home: Path, runs: int) -> list[dict]:
    from core.catalogue import open_catalogue
    from core.settings import load_settings
    from ingest.registry import WHISPER_ROUTE
    from tests.faults import scenarios
    from tests.support import media_factory

    settings = load_settings(test_config={"ARCHIVE_HOME": str(home / "archive")})
    catalogue = open_catalogue(settings)
    camera = media_factory.tone_video(home / "camera.avi", seconds=2, codec="mpeg4", size="160x120")
    vtt = home / "camera.vtt"
    vtt.write_text("WEBVTT\n\n00:00:00.000 --> 00:00:00.900\nBonjour à toutes et à tous.\n")
    cases = [(s.name, {}) for s in WHISPER_ROUTE] + [("import", {"transcript_file": vtt})]
    rows = []
    for step, extra in cases:
        ok, leftovers, orphans, started = 0, 0, 0, time.monotonic()
        for _ in range(runs):
            job_id = scenarios.start_job(catalogue, settings, camera, None, force=True, **extra)
            kill = scenarios.kill_run(settings, job_id, step, home, timeout_s=120)
            died = scenarios.ffmpeg_died(kill)
            scenarios.resume(catalogue, settings, job_id)
            after = scenarios.outcome(catalogue, settings, job_id, kill)
            scenarios.stop_orphan(kill)
            expected = scenarios.SPOKEN if not extra else scenarios.SPOKEN[:1]
            ok += after.state == "done" and after.versions == [1] and after.segments == expected
            leftovers += len(after.partials)
            orphans += not died
        how = "during ffmpeg" if step in scenarios.FFMPEG_STEPS else "after its work"
        rows.append(
            {
                "scenario": f"kill -9 at {step} ({how}), resume",
                "runs": runs,
                "outcome": f"{ok}/{runs} one version, same segments",
                "leftovers": f"{leftovers} partial files, {orphans} orphan ffmpeg",
                "seconds": round(time.monotonic() - started, 1),
            }
        )
    catalogue.dispose()
    return rows


def _hostile_files(home: Path) -> list[dict]:
    from click.testing import CliRunner

    from cli import main
    from tests.faults import corpus
    from tests.support import media_factory

    valid = media_factory.tone_video(home / "valid.mp4", seconds=1, size="160x120")
    files = {**corpus.file_corpus(home / "files", valid), **corpus.path_corpus(home / "paths")}
    archive = home / "hostile-archive"
    rows = []
    for case, (path, words) in files.items():
        result = CliRunner().invoke(main, ["--home", str(archive), "ingest", str(path)])
        crashed = not isinstance(result.exception, SystemExit | None)
        clear = words in result.stderr and not crashed
        left = [p for p in archive.rglob("*") if p.is_file() and p.parent.name != archive.name]
        rows.append(
            {
                "scenario": f"archive ingest: {case}",
                "runs": 1,
                "outcome": ("clear refusal" if clear else "UNCLEAR: " + result.stderr[-120:])
                + f" (exit {result.exit_code})",
                "leftovers": f"{len(left)} files",
                "seconds": None,
            }
        )
    return rows


def main() -> None:
    """Run the scenarios and print the table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="kills per step (default 5)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="archive-faults-") as folder:
        rows = _kill_scenarios(Path(folder), args.runs) + _hostile_files(Path(folder))
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    columns = ("scenario", "runs", "outcome", "leftovers")
    table = [{c: c for c in columns}, *rows]
    widths = {c: max(len(str(r[c])) for r in table) for c in columns}
    for row in table:
        print("  ".join(str(row[c]).ljust(widths[c]) for c in columns))


if __name__ == "__main__":
    main()
