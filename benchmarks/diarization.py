"""Measure speaker diarization on recordings composed from the real speech in ../shared/media.

Usage: python benchmarks/diarization.py [--hour] [--out benchmarks/out/diarization]
Prints one JSON object. Each FLEURS clip is one speaker; compositions: the 10
clips in a row (10 speakers), 2- and 3-speaker alternations (clips cut into
pieces and interleaved) and a ~9-minute file with many turns (pieces of all
clips, repeated); then, engine as shipped only, the 10 clips in 4 other orders
at levels -6 to +3 dB, 4 short alternations of other speakers, and each clip
alone in 3 pieces (one voice). Each composition goes through the audio step's
own extraction (`ingest.media.extract_audio`, loudness-normalised), so the
engine hears what it hears at ingest; the 4 main ones are also measured as
composed ("raw_audio"). Per composition and per variant (the engine as
shipped, and the alternatives tried): DER without collar and with a ±0.25 s
collar, the speaker count found, speaker changes found within 0.5 s, real-time
factor and peak RSS (each run in its own process). Then voiceprint recognition
(enrol on the first half of each clip, test on the second half) with a
proposed threshold, and with --hour the cost of one hour of audio.

FLEURS says one speaker per clip, not ten different speakers. Clips 001 and
007 are very likely one person: the closest pair for this encoder (half-clip
voiceprints 0.92, next pair 0.78; see `closest_pairs`) and for CAM++ (0.84,
next 0.74), the same median pitch (186 and 184 Hz) and the same long-term
spectrum (correlation 0.99, the highest of the 45 pairs). So every composition
is scored twice: as if all ten clips were different speakers, and with 007 as
the speaker of 001 (`if_001_is_007`, SAME_SPEAKER); voiceprints too.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
MEDIA = REPO / ".." / "shared" / "media" / "fleurs_fr"
RATE = 16_000
FRAME_MS = 10
SAME_SPEAKER = {"fleurs-fr-007": "fleurs-fr-001"}  # see the docstring
VARIANTS = {
    "spectral": "the engine as shipped: 1.6 s windows every 0.5 s, spectral clustering",
    "hop0.75": "windows every 0.75 s instead of 0.5 s",
    "ahc0.75": "agglomerative clustering (average linkage) at a fixed cosine threshold 0.75",
}


# ---- audio ---------------------------------------------------------------------------------


def decode(path: Path) -> np.ndarray:
    """Decode any file to 16 kHz mono float32 with ffmpeg."""
    raw = subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(path), "-ac", "1", "-ar", str(RATE),
         "-f", "s16le", "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768


def trim(samples: np.ndarray) -> np.ndarray:
    """Cut leading and trailing silence (frames 30 dB below the clip's loudest)."""
    frames = samples[: len(samples) // 160 * 160].reshape(-1, 160)
    energy = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    loud = np.flatnonzero(energy > energy.max() - 30)
    return samples[loud[0] * 160 : (loud[-1] + 1) * 160]


def write_wav(path: Path, samples: np.ndarray) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())


def compose(parts: list[tuple[str, np.ndarray]], pause_s: float) -> tuple[np.ndarray, list]:
    """Join (speaker, samples) parts with pauses; return audio and reference [s, e, spk] ms."""
    pause = np.zeros(int(pause_s * RATE), dtype=np.float32)
    chunks, reference, at = [], [], 0
    for speaker, samples in parts:
        chunks += [samples, pause]
        reference.append([at * 1000 // RATE, (at + len(samples)) * 1000 // RATE, speaker])
        at += len(samples) + len(pause)
    return np.concatenate(chunks), reference


def cut(samples: np.ndarray, pieces: int) -> list[np.ndarray]:
    """Cut a clip into pieces at its quietest 10 ms frame near each even cut point."""
    frames = samples[: len(samples) // 160 * 160].reshape(-1, 160)
    energy = np.mean(frames**2, axis=1)
    bounds = [0]
    for i in range(1, pieces):
        centre = len(frames) * i // pieces
        lo, hi = max(bounds[-1] + 50, centre - 50), min(len(frames) - 50, centre + 50)
        bounds.append((lo + int(np.argmin(energy[lo:hi]))) if hi > lo else centre)
    bounds.append(len(frames))
    return [samples[a * 160 : b * 160] for a, b in zip(bounds, bounds[1:], strict=False)]


def compositions(clips: dict[str, np.ndarray]) -> dict[str, tuple[np.ndarray, list]]:
    names = sorted(clips)
    rng = np.random.default_rng(8)
    found = {"ten_speakers": compose([(n, clips[n]) for n in names], 0.5)}
    for count in (2, 3):
        chosen = names[1 : 1 + count]
        pieces = {n: cut(clips[n], 3) for n in chosen}
        parts = [(n, pieces[n][i]) for i in range(3) for n in chosen]
        found[f"alternation_{count}"] = compose(parts, 0.4)
    parts = []
    for _ in range(5):
        # Each round cuts each clip at other points and plays it at another level, so the
        # repeats are not identical pieces (which would form tight sub-clusters of their own).
        round_parts = []
        for n in names:
            offset = int(rng.integers(0, len(clips[n]) // 2))
            rolled = np.concatenate([clips[n][offset:], clips[n][:offset]])
            gain = np.float32(10 ** (rng.uniform(-6, 3) / 20))
            round_parts += [(n, p * gain) for p in cut(rolled, int(rng.integers(2, 4)))]
        rng.shuffle(round_parts)
        parts += round_parts
    # Never the same speaker twice in a row: a turn change is what is measured.
    ordered = [parts.pop(0)]
    while parts:
        pick = next((i for i, p in enumerate(parts) if p[0] != ordered[-1][0]), 0)
        ordered.append(parts.pop(pick))
    found["nine_minutes"] = compose(ordered, 0.3)
    return found


def more_compositions(clips: dict[str, np.ndarray]) -> dict[str, tuple[np.ndarray, list]]:
    """Other orders, levels and speaker picks, and single voices: one file hides a fluke."""
    names = sorted(clips)
    rng = np.random.default_rng(42)
    found = {}
    for i in range(4):
        order = list(rng.permutation(names))
        parts = [(n, clips[n] * np.float32(10 ** (rng.uniform(-6, 3) / 20))) for n in order]
        found[f"ten_speakers_order{i}"] = compose(parts, float(rng.choice([0.4, 0.5, 0.7])))
    for i, count in enumerate((2, 2, 3, 3)):
        chosen = list(rng.choice(names, count, replace=False))
        pieces = {n: cut(clips[n], 3) for n in chosen}
        parts = [(n, pieces[n][j]) for j in range(3) for n in chosen]
        found[f"alternation_{count}_other{i}"] = compose(parts, 0.4)
    for i, name in enumerate(names):
        found[f"one_voice{i}"] = compose([(name, p) for p in cut(clips[name], 3)], 0.4)
    return found


def as_ingest_gives_it(raw: Path, dest: Path) -> Path:
    """Pass a composed WAV through the audio step's extraction (loudness normalisation)."""
    from ingest.media import extract_audio

    return extract_audio(raw, dest, shutil.which("ffmpeg") or "ffmpeg")


# ---- scoring -------------------------------------------------------------------------------


def hungarian(profit: np.ndarray) -> list[tuple[int, int]]:
    """Maximum-profit one-to-one assignment (Kuhn-Munkres, O(n^3)) of rows to columns."""
    rows, cols = profit.shape
    n = max(rows, cols)
    cost = np.zeros((n, n))
    cost[:rows, :cols] = profit.max(initial=0) - profit
    u, v = np.zeros(n + 1), np.zeros(n + 1)
    match = np.zeros(n + 1, dtype=np.int64)  # match[col] = row, 1-based; 0 is free
    for row in range(1, n + 1):
        match[0], col0 = row, 0
        minv, used = np.full(n + 1, np.inf), np.zeros(n + 1, dtype=bool)
        way = np.zeros(n + 1, dtype=np.int64)
        while True:
            used[col0] = True
            r0, delta, col1 = match[col0], np.inf, 0
            for col in range(1, n + 1):
                if not used[col]:
                    current = cost[r0 - 1, col - 1] - u[r0] - v[col]
                    if current < minv[col]:
                        minv[col], way[col] = current, col0
                    if minv[col] < delta:
                        delta, col1 = minv[col], col
            for col in range(n + 1):
                if used[col]:
                    u[match[col]] += delta
                    v[col] -= delta
                else:
                    minv[col] -= delta
            col0 = col1
            if match[col0] == 0:
                break
        while col0:
            col1 = way[col0]
            match[col0] = match[col1]
            col0 = col1
    return [(match[c] - 1, c - 1) for c in range(1, n + 1) if match[c] and match[c] - 1 < rows
            and c - 1 < cols]  # fmt: skip


def _frames(turns: list, total: int) -> tuple[np.ndarray, list[str]]:
    names = sorted({t[2] for t in turns})
    labels = np.full(total, -1, dtype=np.int64)
    for start, end, who in turns:
        labels[start // FRAME_MS : end // FRAME_MS] = names.index(who)
    return labels, names


def der(reference: list, hypothesis: list, collar_ms: int = 0) -> dict:
    """Missed + false alarm + confusion over scored reference speech, optimal mapping."""
    total = max([t[1] for t in reference + hypothesis], default=0) // FRAME_MS + 1
    ref, ref_names = _frames(reference, total)
    hyp, hyp_names = _frames(hypothesis, total)
    scored = np.ones(total, dtype=bool)
    for start, end, _ in reference:
        for edge in (start, end):
            scored[max(0, (edge - collar_ms) // FRAME_MS) : (edge + collar_ms) // FRAME_MS] = False
    ref, hyp = ref[scored], hyp[scored]
    overlap = np.zeros((len(ref_names), len(hyp_names)))
    both = (ref >= 0) & (hyp >= 0)
    np.add.at(overlap, (ref[both], hyp[both]), 1)
    mapping = dict(hungarian(overlap)) if overlap.size else {}
    speech = int((ref >= 0).sum())
    missed = int(((ref >= 0) & (hyp < 0)).sum())
    false_alarm = int(((ref < 0) & (hyp >= 0)).sum())
    correct = sum(int(overlap[r, h]) for r, h in mapping.items())
    confusion = int(both.sum()) - correct
    return {
        "der": round((missed + false_alarm + confusion) / max(1, speech), 4),
        "missed": round(missed / max(1, speech), 4),
        "false_alarm": round(false_alarm / max(1, speech), 4),
        "confusion": round(confusion / max(1, speech), 4),
    }


def if_001_is_007(reference: list, hypothesis: list) -> dict:
    """The speaker count and DER with clip 007 spoken by the speaker of clip 001."""
    merged = [[start, end, SAME_SPEAKER.get(who, who)] for start, end, who in reference]
    return {
        "speakers_true": len({t[2] for t in merged}),
        "no_collar": der(merged, hypothesis),
        "collar_0.25s": der(merged, hypothesis, 250),
    }


def changes(turns: list) -> list[tuple[int, int]]:
    """Speaker changes as (end of one voice, start of the next) in ms."""
    return [(a[1], b[0]) for a, b in zip(turns, turns[1:], strict=False) if a[2] != b[2]]


def changes_found(reference: list, hypothesis: list, tolerance_ms: int = 500) -> dict:
    hyp_points = [(a + b) / 2 for a, b in changes(hypothesis)]
    used: set[int] = set()
    found = 0
    for end, start in changes(reference):
        for i, point in enumerate(hyp_points):
            if i not in used and end - tolerance_ms <= point <= start + tolerance_ms:
                used.add(i)
                found += 1
                break
    return {"true": len(changes(reference)), "found": found,
            "spurious": len(hyp_points) - len(used)}  # fmt: skip


# ---- running one variant in its own process ------------------------------------------------


def run_one(wav: Path, variant: str) -> dict:
    """Diarize `wav` with a variant in this process; return turns, time and peak RSS."""
    import ingest.diarization as engine
    from ingest.diarization import clustering, windows
    from ingest.diarization.encoder import encoder_weights

    encoder_weights()
    hop = 12_000 if variant == "hop0.75" else windows.DEFAULT_HOP
    started = time.perf_counter()
    if variant == "ahc0.75":
        result = engine.diarize_with(wav, hop=hop, clusterer=lambda e, _starts, k: ahc(e, 0.75, k))
    else:
        result = engine.diarize_with(wav, hop=hop, clusterer=clustering.cluster)
    elapsed = time.perf_counter() - started
    return {
        "turns": [[t.start_ms, t.end_ms, t.voice] for t in result.turns],
        "wall_s": round(elapsed, 2),
        "peak_rss_mb": peak_rss_mb(),
    }


def peak_rss_mb() -> float:
    """This process's own peak resident memory.

    Linux carries ru_maxrss over exec, so a child of the benchmark (which holds the
    hour of audio) would report the parent's size; VmHWM starts afresh at exec.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def ahc(embeddings: np.ndarray, threshold: float, max_speakers: int) -> np.ndarray:
    """Average-linkage agglomerative clustering stopped at a fixed cosine similarity."""
    from ingest.diarization.clustering import MAX_POINTS, assign_to_centroids, centroids

    points = embeddings
    subset = np.arange(len(points))
    if len(points) > MAX_POINTS:
        subset = np.linspace(0, len(points) - 1, MAX_POINTS).round().astype(np.int64)
    sim = (points[subset] @ points[subset].T).astype(np.float64)
    np.fill_diagonal(sim, -np.inf)
    sizes = np.ones(len(subset))
    members = {i: [i] for i in range(len(subset))}
    alive = np.ones(len(subset), dtype=bool)
    while alive.sum() > 1:
        flat = int(np.argmax(sim))
        a, b = divmod(flat, len(subset))
        if sim[a, b] < threshold and alive.sum() <= max_speakers:
            break
        merged = (sizes[a] * sim[a] + sizes[b] * sim[b]) / (sizes[a] + sizes[b])
        sim[a], sim[:, a] = merged, merged
        sim[a, a] = -np.inf
        sim[b], sim[:, b] = -np.inf, -np.inf
        sizes[a] += sizes[b]
        alive[b] = False
        members[a] += members.pop(b)
    labels = np.zeros(len(subset), dtype=np.int64)
    for k, (_, rows) in enumerate(sorted(members.items())):
        labels[rows] = k
    if len(subset) == len(points):
        return labels
    return assign_to_centroids(points, centroids(points[subset], labels))


def measure(wav: Path, reference: list, variant: str) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--one", str(wav), "--variant", variant],
        check=True, capture_output=True, text=True, cwd=REPO,
    )  # fmt: skip
    one = json.loads(result.stdout)
    hypothesis = one["turns"]
    audio_s = wave.open(str(wav)).getnframes() / RATE
    return {
        "audio_s": round(audio_s, 1),
        "speakers_true": len({t[2] for t in reference}),
        "speakers_found": len({t[2] for t in hypothesis}),
        "turns_true": len(reference),
        "turns_found": len(hypothesis),
        "no_collar": der(reference, hypothesis),
        "collar_0.25s": der(reference, hypothesis, 250),
        "changes_within_0.5s": changes_found(reference, hypothesis),
        "if_001_is_007": if_001_is_007(reference, hypothesis),
        "rtf": round(one["wall_s"] / audio_s, 4),
        "wall_s": one["wall_s"],
        "peak_rss_mb": one["peak_rss_mb"],
    }


# ---- voiceprints ---------------------------------------------------------------------------


def voiceprints(clips: dict[str, np.ndarray], folder: Path) -> dict:
    """Enrol each speaker on the first half of the clip, recognise the second half."""
    from ingest.diarization import embed_speech

    enrol, test = {}, {}
    for name, samples in sorted(clips.items()):
        wav = folder / f"{name}.wav"
        write_wav(wav, samples)
        half = len(samples) * 1000 // RATE // 2
        enrol[name] = np.array(embed_speech(wav, [(0, half)]))
        test[name] = np.array(embed_speech(wav, [(half, len(samples) * 1000 // RATE)]))
    from core.settings import Settings

    names = sorted(clips)
    scores = np.array([[float(test[a] @ enrol[b]) for b in names] for a in names])
    same = np.diag(scores)
    different = scores[~np.eye(len(names), dtype=bool)]
    # The threshold halfway between the best impostor and the worst true match, if they part.
    threshold = round(float((different.max() + same.min()) / 2), 3)
    as_ten = _recognition(scores, np.array(names), threshold)
    shipped = Settings().voiceprint_threshold
    as_nine = np.array([SAME_SPEAKER.get(n, n) for n in names])
    return {
        "speakers": len(names),
        "top1": as_ten["top1"],
        "same_cosine": _stats(same),
        "different_cosine": as_ten["different_cosine"],
        "closest_pairs": _closest_pairs(scores, names),
        "proposed_threshold": threshold,
        "false_accept_at_threshold": as_ten["false_accept"],
        "false_reject_at_threshold": as_ten["false_reject"],
        "if_001_is_007": {"threshold": shipped, **_recognition(scores, as_nine, shipped)},
    }


def _recognition(scores: np.ndarray, person: np.ndarray, threshold: float) -> dict:
    """Top-1, impostor scores and error rates at `threshold`, clip i spoken by person[i]."""
    same_person = person[:, None] == person[None, :]
    impostors = scores[~same_person]
    genuine = np.diag(scores)
    return {
        "top1": round(float(np.mean(person[np.argmax(scores, axis=1)] == person)), 3),
        "different_cosine": _stats(impostors),
        "false_accept": round(float(np.mean(impostors >= threshold)), 3),
        "false_reject": round(float(np.mean(genuine < threshold)), 3),
    }


def _closest_pairs(scores: np.ndarray, names: list[str], count: int = 3) -> list:
    """The clip pairs whose voices are most alike (mean of both cross scores)."""
    pairs = [
        (round(float((scores[i, j] + scores[j, i]) / 2), 3), names[i], names[j])
        for i in range(len(names))
        for j in range(i + 1, len(names))
    ]
    return [list(p) for p in sorted(pairs, reverse=True)[:count]]


def _stats(values: np.ndarray) -> dict:
    return {"min": round(float(values.min()), 3), "mean": round(float(values.mean()), 3),
            "max": round(float(values.max()), 3)}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out" / "diarization")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--only", nargs="*", help="composition names to run (default: all)")
    parser.add_argument("--hour", action="store_true", help="also time a one-hour composition")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--variant", default="spectral", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one, args.variant)))
        return 0
    clip_paths = sorted(MEDIA.glob("fleurs-fr-*.ogg"))
    if not clip_paths:
        print(f"FLEURS clips missing from {MEDIA.resolve()}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    clips = {p.stem: trim(decode(p)) for p in clip_paths}
    report: dict = {"machine": machine_info(), "variants": {v: VARIANTS[v] for v in args.variants}}
    found = compositions(clips)
    main_names = set(found)
    found.update(more_compositions(clips))
    if args.hour:
        audio, reference = found["nine_minutes"]
        span = reference[-1][1] + 300
        repeats = int(np.ceil(3600_000 / span))
        found["one_hour"] = (
            np.tile(audio, repeats),
            [[s + i * span, e + i * span, w] for i in range(repeats) for s, e, w in reference],
        )
    results: dict = {}
    for name, (audio, reference) in found.items():
        if args.only and name not in args.only:
            continue
        raw = args.out / f"{name}-raw.wav"
        write_wav(raw, audio)
        wav = as_ingest_gives_it(raw, args.out / f"{name}.wav")
        variants = args.variants if name in main_names else ["spectral"]
        results[name] = {v: measure(wav, reference, v) for v in variants}
        if name in main_names:
            results[name]["raw_audio"] = measure(raw, reference, "spectral")
        print(f"{name}: {json.dumps(results[name]['spectral'])}", file=sys.stderr)
    report["compositions"] = results
    report["summary"] = summary(results)
    report["voiceprints"] = voiceprints(clips, args.out)
    print(json.dumps(report, indent=2))
    return 0


def summary(results: dict) -> dict:
    """Mean DER (no collar, ±0.25 s) and right voice counts of the shipped engine, by kind."""
    out = {}
    for kind in ("ten_speakers", "alternation", "one_voice", "nine_minutes"):
        runs = [r["spectral"] for name, r in results.items() if name.startswith(kind)]
        if runs:
            found = [r["speakers_found"] for r in runs]
            out[kind] = {
                "files": len(runs),
                **_group_scores(runs, found),
                "if_001_is_007": _group_scores([r["if_001_is_007"] for r in runs], found),
            }
    return out


def _group_scores(scored: list[dict], found: list[int]) -> dict:
    """Mean DER (no collar, ±0.25 s), worst DER and right voice counts of a group of files."""
    return {
        "der": round(float(np.mean([s["no_collar"]["der"] for s in scored])), 4),
        "der_collar_0.25s": round(float(np.mean([s["collar_0.25s"]["der"] for s in scored])), 4),
        "worst_der": max(s["no_collar"]["der"] for s in scored),
        "voice_count_right": sum(
            count == s["speakers_true"] for count, s in zip(found, scored, strict=True)
        ),
    }


def machine_info() -> dict:
    return {
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
    }


if __name__ == "__main__":
    sys.exit(main())
