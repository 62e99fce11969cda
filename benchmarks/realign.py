"""Measure what re-aligning corrected words costs: per segment and per 10-minute transcript.

Usage: python benchmarks/realign.py [--minutes 10] [--model base] [--cpu-threads 0]
Builds a recording of the FLEURS French clips (../shared/media) repeated to
about --minutes, transcribes it once with word timestamps, then aligns every
segment's text as if an archivist had corrected all of them, the way the worker
does after a save (a window cut by ffmpeg from the original, then the model's
forced alignment). Prints one JSON object: transcription time, alignment time
per segment (median, p95) and for the whole transcript, and how far aligned word
starts land from the recogniser's (median, p95, ms).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: the repository's packages come first
    sys.path.insert(0, str(REPO))

MEDIA = REPO / ".." / "shared" / "media"
ROUND_S = 125  # the ten FLEURS clips with their gaps last about this long


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the recording")
    parser.add_argument("--model", default="base")
    parser.add_argument("--models-dir", type=Path, default=REPO / "benchmarks" / "out" / "models")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--compute-type", default="int8")
    parser.add_argument("--cpu-threads", type=int, default=0, help="0 lets CTranslate2 decide")
    args = parser.parse_args(argv)
    if args.minutes <= 0:
        parser.error("--minutes must be positive")
    if not (MEDIA / "fleurs_fr").is_dir():
        print(f"FLEURS clips missing from {(MEDIA / 'fleurs_fr').resolve()}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-realign-") as scratch:
        report = bench(args, Path(scratch))
    print(json.dumps(report, indent=2))
    return 0


def bench(args: argparse.Namespace, scratch: Path) -> dict:
    """Transcribe the recording once, then align every segment; return the figures."""
    from ingest import media
    from ingest.alignment import MARGIN_MS
    from ingest.transcribe import WhisperTranscriber
    from ingest.whisper_models import resolve_model
    from tests.support.media_factory import french_clips_recording, to_wav

    clips = sorted(p.stem for p in (MEDIA / "fleurs_fr").glob("fleurs-fr-*.ogg"))
    rounds = max(1, math.ceil(args.minutes * 60 / ROUND_S))
    original = scratch / "seminar.m4a"
    french_clips_recording(original, MEDIA, clips * rounds)
    transcriber = WhisperTranscriber(
        resolve_model(args.model, args.models_dir),
        device=args.device,
        compute_type=args.compute_type,
        cpu_threads=args.cpu_threads,
    )
    transcriber.load()
    started = time.perf_counter()
    result = transcriber.transcribe(to_wav(original, scratch / "audio.wav"), language="fr")
    transcribe_s = time.perf_counter() - started
    ffmpeg = media.find_ffmpeg("")
    per_segment, offsets, failed = [], [], 0
    segments = [s for s in result.segments if s.words]
    for index, segment in enumerate(segments):
        start_ms = max(0, segment.start_ms - MARGIN_MS)
        end_ms = segment.end_ms + MARGIN_MS
        if index:
            start_ms = max(start_ms, segments[index - 1].words[-1].end_ms)
        if index + 1 < len(segments):
            end_ms = min(end_ms, segments[index + 1].words[0].start_ms)
        start_ms, end_ms = min(start_ms, segment.start_ms), max(end_ms, segment.end_ms)
        text = " ".join(w.text.strip() for w in segment.words)
        started = time.perf_counter()
        window = media.audio_window(original, start_ms, end_ms, scratch / "window.wav", ffmpeg)
        aligned = transcriber.align(window, start_ms, end_ms, text, "fr", start_ms)
        per_segment.append(time.perf_counter() - started)
        if aligned is None:
            failed += 1
            continue
        pairs = zip(aligned, segment.words, strict=True)
        offsets += [abs(a.start_ms - w.start_ms) for a, w in pairs]
    audio_s = result.duration_ms / 1000
    align_all_s = sum(per_segment)
    return {
        "machine": {"python": platform.python_version(), "cpu": platform.processor() or "?"},
        "settings": {k: str(v) for k, v in vars(args).items()},
        "audio_s": round(audio_s, 1),
        "segments": len(segments),
        "words": sum(len(s.words) for s in segments),
        "transcribe_s": round(transcribe_s, 1),
        "align_segment_median_s": round(statistics.median(per_segment), 3),
        "align_segment_p95_s": round(_p95(per_segment), 3),
        "align_all_segments_s": round(align_all_s, 1),
        "align_all_per_10_min_s": round(align_all_s * 600 / audio_s, 1),
        "align_vs_transcribe": round(align_all_s / transcribe_s, 2),
        "alignments_refused": failed,
        "start_offset_median_ms": statistics.median(offsets) if offsets else None,
        "start_offset_p95_ms": round(_p95(offsets)) if offsets else None,
    }


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


if __name__ == "__main__":
    sys.exit(main())
