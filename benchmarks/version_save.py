"""Benchmark storing transcript versions of a 3-hour session (what every correction pays).

Run as `python benchmarks/version_save.py [--segments 2700] [--repeat 5]`. It stores
a version of N segments, then a second one with the first loaded, then marks every
segment of it verified (as a correction does), on a fresh SQLite catalogue, and
prints the median seconds of each as JSON. The before_flush hook that stamps
sessions (core/catalogue/stamps.py) is part of every one of these.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import select  # noqa: E402

from core.catalogue import open_catalogue  # noqa: E402
from core.catalogue.queries import current_transcript, transcript_segments  # noqa: E402
from core.catalogue.schema import Session  # noqa: E402
from core.catalogue.transcripts import store_transcript  # noqa: E402
from core.contracts import TranscribedSegment, Word  # noqa: E402
from core.settings import load_settings  # noqa: E402


def segments(count: int) -> list[TranscribedSegment]:
    """Count 4-second segments of ten timed words."""
    return [
        TranscribedSegment(
            i * 4000,
            i * 4000 + 3500,
            " ".join(["mot"] * 10),
            [Word(i * 4000 + j * 300, i * 4000 + j * 300 + 250, "mot") for j in range(10)],
        )
        for i in range(count)
    ]


def run_once(count: int) -> dict[str, float]:
    """Time the three writes on a fresh catalogue."""
    timings = {}
    with tempfile.TemporaryDirectory() as home:
        catalogue = open_catalogue(load_settings(test_config={"ARCHIVE_HOME": home}))
        rows = segments(count)
        with catalogue.session() as db:
            session = Session(slug="bench", title="Bench")
            db.add(session)
            db.flush()
            started = time.perf_counter()
            store_transcript(db, session, rows, language="fr", model="m")
            db.flush()
            timings["first_version_s"] = time.perf_counter() - started
        with catalogue.session() as db:
            session = db.scalar(select(Session).where(Session.slug == "bench"))
            transcript_segments(db, current_transcript(db, session))
            started = time.perf_counter()
            store_transcript(db, session, rows, language="fr", model="m")
            db.flush()
            timings["second_version_s"] = time.perf_counter() - started
        with catalogue.session() as db:
            session = db.scalar(select(Session).where(Session.slug == "bench"))
            stored = transcript_segments(db, current_transcript(db, session))
            started = time.perf_counter()
            for row in stored:
                row.verified = True
            db.flush()
            timings["mark_verified_s"] = time.perf_counter() - started
        catalogue.dispose()
    return timings


def main() -> int:
    """Parse arguments, run, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=2700, help="about 3 hours of speech")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    runs = [run_once(args.segments) for _ in range(args.repeat)]
    report = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "segments": args.segments,
        "median_s": {k: round(statistics.median(r[k] for r in runs), 3) for k in runs[0]},
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
