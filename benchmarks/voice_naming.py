"""Measure how many words voice naming attributes to the right person, with names but no offsets.

    python benchmarks/voice_naming.py [--seeds 10] [--talk-min 15 --talk-max 30]

Composes synthetic seminars (tests/support/fake_diarizer.py): the seed
programme's ten people talk in order, the first one chairing between talks,
two questions from the floor after each talk (three different people asking),
Whisper-like segments that run over a change of speaker three times in ten,
and diarization turns derived from the script with jittered edges and short
blips of a wrong voice. The programme gives names and no offsets. Each word
then goes through the pipeline's own functions (`name_voices`,
`assign_voices`) and is compared with who really spoke (a question from the
floor is right when left unnamed). Prints one JSON object: per scenario, the
share of words right (mean, worst seed), of the floor's words left unnamed,
and of the talks' words given a wrong name.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.contracts import ProgrammeSlot  # noqa: E402
from ingest.speakers import assign_voices  # noqa: E402
from ingest.voice_naming import name_voices  # noqa: E402
from tests.support.fake_diarizer import FLOOR, ScriptedDiarizer, synthetic_session  # noqa: E402

PEOPLE = (
    "gilles-jeannot", "francois-menard", "steve-bernardin", "marie-veltz", "pierre-saulnier",
    "arnaud-brun", "lahouari-kaddouri", "bertrand-fleurose", "vincent-bustarret", "ludovic-halbert",
)  # fmt: skip

SCENARIOS = {
    "clean": {"jitter_ms": 400, "blips": 0.01},
    "noisy turns": {"jitter_ms": 1_500, "blips": 0.05},
    # "Bertrand Fleurose ou Vincent Bustarret (à confirmer)": one of them never speaks.
    "a listed person absent": {"jitter_ms": 400, "blips": 0.01, "absent": "vincent-bustarret"},
    # Diarization cut one talk into two voices half-way through.
    "one talk split in two voices": {"jitter_ms": 400, "blips": 0.01, "split": "marie-veltz"},
}


def measure(seed: int, talk_s: tuple[int, int], options: dict) -> dict:
    """Return the counts of words right, floor words unnamed and talk words misnamed."""
    speaking = [p for p in PEOPLE if p != options.get("absent")]
    synthetic = synthetic_session(
        speaking, seed=seed, talk_s=talk_s, questions=2,
        jitter_ms=options["jitter_ms"], blips=options["blips"],
    )  # fmt: skip
    turns = synthetic.turns
    if options.get("split"):
        turns = _split_voice(synthetic, options["split"])
    found = ScriptedDiarizer(turns)("audio.wav")
    slots = [ProgrammeSlot(None, (("gilles-jeannot", "speaker", None),
                                  ("francois-menard", "speaker", None)))]  # fmt: skip
    slots += [ProgrammeSlot(None, ((p, "speaker", None),)) for p in PEOPLE[2:]]
    naming = name_voices(found.turns, found.voices, slots, [], end_ms=10**10)
    parts = assign_voices(synthetic.segments, found.turns, naming.names)
    said = [p.speaker_slug for p in parts for _ in p.words]
    truth = [None if who.startswith(FLOOR) else who for who in synthetic.truth]
    floor = [s for s, t in zip(said, truth, strict=True) if t is None]
    talks = [(s, t) for s, t in zip(said, truth, strict=True) if t is not None]
    return {
        "words": len(truth),
        "right": sum(s == t for s, t in zip(said, truth, strict=True)),
        "floor_words": len(floor),
        "floor_unnamed": sum(s is None for s in floor),
        "talk_words": len(talks),
        "talk_misnamed": sum(s is not None and s != t for s, t in talks),
    }


def _split_voice(synthetic, person: str) -> list[tuple[int, int, str]]:
    words = [w for s in synthetic.segments for w in s.words]
    theirs = [w.start_ms for w, who in zip(words, synthetic.truth, strict=True) if who == person]
    middle = theirs[len(theirs) // 2]
    label = next(
        v for a, b, v in synthetic.turns if a <= middle < b
    )  # the voice speaking half-way through their talk
    return [(a, b, "99" if v == label and a >= middle else v) for a, b, v in synthetic.turns]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--talk-min", type=float, default=15.0, help="shortest talk, minutes")
    parser.add_argument("--talk-max", type=float, default=30.0, help="longest talk, minutes")
    args = parser.parse_args()
    talk_s = (int(args.talk_min * 60), int(args.talk_max * 60))
    report: dict = {"seeds": args.seeds, "talk_s": talk_s, "people": len(PEOPLE)}
    for name, options in SCENARIOS.items():
        runs = [measure(seed, talk_s, options) for seed in range(args.seeds)]
        shares = [r["right"] / r["words"] for r in runs]
        total = {k: sum(r[k] for r in runs) for k in runs[0]}
        report[name] = {
            "words_right": round(statistics.mean(shares), 4),
            "words_right_worst_seed": round(min(shares), 4),
            "floor_words_unnamed": round(total["floor_unnamed"] / total["floor_words"], 4),
            "talk_words_misnamed": round(total["talk_misnamed"] / total["talk_words"], 4),
            "words_per_session": round(total["words"] / len(runs)),
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
