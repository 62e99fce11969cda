"""Measure transcription speed of the bundled models on the shared speech samples.

Usage: python benchmarks/transcribe.py [--models base tiny.en] [--repeat 3]
Prints one JSON object: per model and file, audio length, median transcription
time, real-time factor (transcribe_s / audio_s), model load time and the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

import jiwer

from ingest.transcribe import WhisperTranscriber
from ingest.whisper_models import resolve_model

REPO = Path(__file__).resolve().parents[1]
MEDIA = REPO / ".." / "shared" / "media"
SAMPLES = ("jfk.flac", "multilingual.mp3")
JFK_TEXT = (
    "And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["base", "tiny.en"])
    parser.add_argument("--repeat", type=int, default=3, help="runs per file; the median is kept")
    parser.add_argument("--models-dir", type=Path, default=REPO / "benchmarks" / "out" / "models")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--compute-type", default="int8")
    parser.add_argument("--cpu-threads", type=int, default=0, help="0 lets CTranslate2 decide")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    missing = [name for name in SAMPLES if not (MEDIA / name).is_file()]
    if missing:
        print(
            f"speech samples missing from {MEDIA.resolve()}: {', '.join(missing)}", file=sys.stderr
        )
        return 2
    report = {"machine": machine_info(), "settings": vars(args), "models": {}}
    for name in args.models:
        report["models"][name] = bench_model(name, args)
    print(json.dumps(report, indent=2, default=str))
    return 0


def bench_model(name: str, args: argparse.Namespace) -> dict:
    """Assemble, load and time one model on every sample."""
    started = time.perf_counter()
    spec = resolve_model(name, args.models_dir)
    assemble_s = time.perf_counter() - started
    transcriber = WhisperTranscriber(
        spec, device=args.device, compute_type=args.compute_type, cpu_threads=args.cpu_threads
    )
    started = time.perf_counter()
    transcriber.load()
    load_s = time.perf_counter() - started
    files = {}
    for sample in SAMPLES:
        timings, result = [], None
        for _ in range(args.repeat):
            started = time.perf_counter()
            result = transcriber.transcribe(MEDIA / sample)
            timings.append(time.perf_counter() - started)
        audio_s = result.duration_ms / 1000
        median_s = statistics.median(timings)
        entry = {
            "audio_s": round(audio_s, 2),
            "transcribe_s": round(median_s, 3),
            "runs_s": [round(t, 3) for t in timings],
            "rtf": round(median_s / audio_s, 4),
            "language": result.language,
            "segments": len(result.segments),
            "words": sum(len(s.words) for s in result.segments),
        }
        if sample == "jfk.flac":
            entry["wer"] = round(
                jiwer.wer(
                    _normalise(JFK_TEXT), _normalise(" ".join(s.text for s in result.segments))
                ),
                3,
            )
        files[sample] = entry
    return {
        "assemble_s": round(assemble_s, 3),
        "load_s": round(load_s, 3),
        "engine": result.settings["engine"],
        "files": files,
    }


def machine_info() -> dict:
    """Describe the machine, including its load: the benchmark box may be shared."""
    return {
        "cpu_count": os.cpu_count(),
        "cpus_available": len(os.sched_getaffinity(0)),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "platform": platform.platform(),
        "processor": _cpu_model(),
        "python": platform.python_version(),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w']+", " ", text.lower()).split())


if __name__ == "__main__":
    sys.exit(main())
