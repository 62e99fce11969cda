"""Benchmark find and replace (core.replace) over a synthetic archive of long sessions.

    python benchmarks/replace.py --sessions 20 --hours 3 [--hits 50] [--seed 7]

Builds a SQLite catalogue in a temporary home: `--sessions` sessions of
`--hours` hours each, one segment of 12–18 French words every 5 s with word
timings, and a misheard name ("Vila-Telixante") in `--hits` segments of each
session. Then times, on that catalogue, the preview of the whole archive
(`find_occurrences`) and the replacement of every occurrence
(`apply_replacements`: one new version per session), and prints one JSON
object: segments and characters scanned, occurrences, seconds per step.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.catalogue import Session, open_catalogue  # noqa: E402
from core.catalogue.transcripts import store_transcript  # noqa: E402
from core.contracts import TranscribedSegment, Word  # noqa: E402
from core.replace import apply_replacements, find_occurrences  # noqa: E402
from core.settings import load_settings  # noqa: E402

VOCABULARY = (
    "la ville les données capteurs métropole élus usagers réseau mobilité énergie "
    "numérique plateforme collectivités quartier services expérimentation habitants "
    "gouvernance marché acteurs public privé projet territoire innovation"
).split()
NAME = "Vila-Telixante"


def _segments(rng: random.Random, hours: int, hits: int) -> list[TranscribedSegment]:
    count = hours * 3600 // 5
    chosen = set(rng.sample(range(count), min(hits, count)))
    segments = []
    for i in range(count):
        words = [rng.choice(VOCABULARY) for _ in range(rng.randint(12, 18))]
        if i in chosen:
            words[rng.randrange(len(words))] = NAME
        start = i * 5_000
        step = 4_800 // len(words)
        timed = [
            Word(start + k * step, start + (k + 1) * step, w, 0.9) for k, w in enumerate(words)
        ]
        segments.append(TranscribedSegment(start, start + 4_800, " ".join(words), timed, 0.9))
    return segments


def main() -> None:
    """Build the catalogue, time the preview and the replacement, print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--hours", type=int, default=3)
    parser.add_argument("--hits", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    home = Path(tempfile.mkdtemp(prefix="replace-bench-"))
    settings = load_settings(test_config={"ARCHIVE_HOME": str(home)})
    catalogue = open_catalogue(settings)
    chars = segments = 0
    with catalogue.session() as db:
        for n in range(args.sessions):
            session = Session(slug=f"seance-{n}", title=f"Séance {n}", published=True)
            db.add(session)
            db.flush()
            made = _segments(rng, args.hours, args.hits)
            segments += len(made)
            chars += sum(len(s.text) for s in made)
            store_transcript(db, session, made, language="fr", model="synthetic")
    with catalogue.session() as db:
        started = time.perf_counter()
        found = find_occurrences(db, "vila telixante", include_drafts=True)
        preview_s = time.perf_counter() - started
        started = time.perf_counter()
        stored = apply_replacements(
            db, NAME, "Ville intelligente", [o.selection for o in found], "bench"
        )
        db.flush()
        apply_s = time.perf_counter() - started
    catalogue.dispose()
    print(
        json.dumps(
            {
                "sessions": args.sessions,
                "hours_per_session": args.hours,
                "segments": segments,
                "characters": chars,
                "occurrences": len(found),
                "versions_stored": len(stored),
                "preview_s": round(preview_s, 3),
                "apply_s": round(apply_s, 3),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
