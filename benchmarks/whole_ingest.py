"""Benchmark a whole ingest against its transcription step alone.

Run as `python benchmarks/whole_ingest.py [--models base tiny.en] [--repeat 3]`. For each
model it ingests a real recording from ../shared/media into a fresh temporary
archive (French FLEURS clips joined into one file for `base`, the English
JFK's 11 s of English for both models) and prints one JSON object with
the median total wall time, the median transcription time, the real-time factor
of each, and every step's median time.
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

from core.catalogue import open_catalogue  # noqa: E402
from core.settings import load_settings  # noqa: E402
from index.service import index_session  # noqa: E402
from ingest.pipeline import ingest_file  # noqa: E402
from tests.support.media_factory import french_clips_recording, shared_media_dir  # noqa: E402


def run_once(model: str, recording: Path, language: str, models: Path) -> dict:
    """Ingest recording into a fresh archive; return total and per-step seconds.

    The model cache is shared between runs, as in a long-lived archive: the one-off
    assembly of a model from its packages is not part of an ingest.
    """
    with tempfile.TemporaryDirectory() as home:
        (Path(home) / "models").symlink_to(models, target_is_directory=True)
        settings = load_settings(home)
        catalogue = open_catalogue(settings)
        started = time.perf_counter()
        job = ingest_file(
            catalogue,
            settings,
            recording,
            language=language,
            model=model,
            indexer=lambda slug: index_session(catalogue, settings.index_dir, slug),
        )
        total = time.perf_counter() - started
        steps = {name: record.get("elapsed_s", 0.0) for name, record in job.steps_done.items()}
        duration_ms = job.steps_done["probe"]["duration_ms"]
        catalogue.dispose()
    return {"total_s": total, "steps": steps, "audio_s": duration_ms / 1000}


def main() -> int:
    """Parse arguments, run the benchmark, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["base", "tiny.en"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--loops",
        type=int,
        default=1,
        help="join the FLEURS clips this many times over (10 loops: about 18 minutes)",
    )
    args = parser.parse_args()
    media = shared_media_dir()
    if media is None:
        print("../shared/media is absent: nothing to benchmark", file=sys.stderr)
        return 1
    with (
        tempfile.TemporaryDirectory(prefix="bench-models-") as models,
        tempfile.TemporaryDirectory(prefix="bench-ingest-") as work,
    ):
        report = _measure(args, media, Path(work), Path(models))
    print(json.dumps(report, indent=2))
    return 0


def _measure(args: argparse.Namespace, media: Path, work: Path, models: Path) -> dict:
    """Ingest each input --repeat times; return the report (the JSON printed)."""
    clips = sorted(p.stem for p in (media / "fleurs_fr").glob("fleurs-fr-*.ogg"))
    french_clips_recording(work / "fleurs.wav", media, clips * max(1, args.loops))
    # JFK (11 s) as it is: looping it, or multilingual.mp3 (German after 40 s), sends
    # the decoder into temperature fallbacks that measure the input, not the model.
    english = media / "jfk.flac"
    inputs = {  # (model, recording, language): base on French and English, tiny.en on English
        "base fr": ("base", work / "fleurs.wav", "fr"),
        "base en": ("base", english, "en"),
        "tiny.en en": ("tiny.en", english, "en"),
    }
    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "processor": platform.processor(),
        },
        "models": {},
    }
    for label, (model, recording, language) in inputs.items():
        if model not in args.models:
            continue
        runs = [run_once(model, recording, language, models) for _ in range(args.repeat)]
        audio_s = runs[0]["audio_s"]
        total = statistics.median(r["total_s"] for r in runs)
        transcribe = statistics.median(r["steps"]["transcribe"] for r in runs)
        report["models"][label] = {
            "recording": recording.name,
            "audio_s": round(audio_s, 1),
            "total_s": round(total, 2),
            "transcribe_s": round(transcribe, 2),
            "total_rtf": round(total / audio_s, 3),
            "transcribe_rtf": round(transcribe / audio_s, 3),
            "steps_s": {
                name: round(statistics.median(r["steps"][name] for r in runs), 3)
                for name in runs[0]["steps"]
            },
        }
        if "diarize" in runs[0]["steps"]:  # what finding voices adds to the rest of the ingest
            diarize = statistics.median(r["steps"]["diarize"] for r in runs)
            report["models"][label]["diarize_share_of_the_rest"] = round(
                diarize / max(total - diarize, 1e-9), 3
            )
    return report


if __name__ == "__main__":
    sys.exit(main())
