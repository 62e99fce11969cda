"""Measure what a series' glossary does to recognition: WER and proper nouns spelled right.

Usage: python benchmarks/glossary.py [--model base] [--engine auto|kokoro|espeak]
Speaks a séance-4 recording whose text is known (an opening that names the
speakers, their companies and the LATTS' partners, after the seed programme,
then the demo's SCRIPT from cli/demo.py) with the demo's voices, extracts the
audio as ingest does, and transcribes the same audio with the real Whisper
model under five prompts: no hot words; séance 4's programme names as ingest
gave them before the glossary; the prompt ingest gives now (programme, then the
series' glossary seeded on import); and the glossary alone, as a session of the
series whose programme is not entered yet gets it; and séance 4's prompt once an
archivist has added « Marne-la-Vallée » by hand. Each transcript is cleaned
as ingest cleans it. Prints one JSON object: per prompt, the WER, and the share
of glossary terms said in the reference that come out spelled right (case
ignored, accents not), overall and per term, and what the editor would offer
on that transcript (words under the doubt threshold as ingest stores them).
It also times the editor's offers (`core.glossary.Suggester`) over a 3-hour
session (2,700 segments of the same text, one word in ten doubtful) with the
seeded glossary and with one of 500 terms; `--editor-only` skips the recogniser.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import jiwer

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.demo_voices import _normalise, programme_prompt  # noqa: E402
from benchmarks.transcribe import machine_info  # noqa: E402
from cli import demo  # noqa: E402
from core.catalogue import open_catalogue  # noqa: E402
from core.catalogue.importer import apply_manifest  # noqa: E402
from core.catalogue.schema import GlossaryTerm  # noqa: E402
from core.glossary import Suggester, add_term, list_terms, series_or_error  # noqa: E402
from core.manifest import load_manifest  # noqa: E402
from core.settings import load_settings  # noqa: E402
from ingest.cleaning import clean_segments  # noqa: E402
from ingest.media import extract_audio, find_ffmpeg  # noqa: E402
from ingest.steps import _programme_prompt  # noqa: E402
from ingest.transcribe import WhisperTranscriber  # noqa: E402
from ingest.whisper_models import resolve_model  # noqa: E402

SERIES = "ville-intelligente-cycle-2"
NO_PROGRAMME = "2017-01-27-politiques-de-la-ville-intelligente"  # séance 1: no programme entered
# The opening names what the glossary holds, in the words of the seed programme
# (shared/seed/ville-intelligente-cycle2-seance4.txt).
INTRODUCTIONS = [
    demo.Turn(0, "gilles-jeannot", "jm_kumo", 50,
              "Bonjour à tous. Ce séminaire est organisé par le PUCA et le LATTS. Le LATTS "
              "associe le CNRS, l'École des Ponts ParisTech et l'Université Paris-Est "
              "Marne-la-Vallée."),
    demo.Turn(0, "francois-menard", "jf_gongitsune", 35,
              "Nous accueillons quatre entreprises. Pierre Saulnier, de Neocity, présentera des "
              "applications pour les usagers. Arnaud Brun, de Tenevia, parlera de la "
              "surveillance de l'environnement."),
    demo.Turn(1, "steve-bernardin", "jf_nezumi", 60,
              "Lahouari Kaddouri, de LKSpatialist, présentera la gestion foncière. Bertrand "
              "Fleurose, de Cityscoot, parlera des scooters électriques en libre-service."),
    demo.Turn(1, "marie-veltz", "jf_alpha", 70,
              "La discussion sera conduite par Ludovic Halbert, du LATTS. Merci au PUCA et à "
              "François Ménard pour leur accueil."),
]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="base", help="Whisper model that listens")
    parser.add_argument("--engine", default="auto", choices=["auto", "kokoro", "espeak"])
    parser.add_argument("--models-dir", type=Path, default=REPO / "benchmarks" / "out" / "models")
    parser.add_argument("--editor-only", action="store_true", help="only time the offers")
    args = parser.parse_args(argv)
    if args.editor_only:
        with tempfile.TemporaryDirectory() as tmp:
            _prompts, terms = glossary_prompts(Path(tmp) / "home")
        print(json.dumps({"editor": editor_cost(list(terms))}, indent=2))
        return 0
    engine = demo.choose_voices(args.engine)
    script = INTRODUCTIONS + demo.SCRIPT
    reference = " ".join(turn.text for turn in script)
    with tempfile.TemporaryDirectory() as tmp:
        prompts, terms = glossary_prompts(Path(tmp) / "home")
        glossary = Suggester([GlossaryTerm(term=t, kind=k, heard_as="") for t, k in terms.items()])
        audio = speak(script, Path(tmp), args.models_dir, engine)
        transcriber = WhisperTranscriber(resolve_model(args.model, args.models_dir))
        transcriber.load()
        said = [t for t in terms if occurrences(t, reference)]
        runs = {}
        for name, prompt in prompts.items():
            started = time.perf_counter()
            result = transcriber.transcribe(audio, language="fr", initial_prompt=prompt)
            used = result.settings.get("initial_prompt")
            cleaned = clean_segments(result.segments, "fr", used)
            text = " ".join(s.text for s in cleaned)
            runs[name] = score(reference, text, said) | {
                "editor_offers": offers(cleaned, glossary),
                "prompt": used,
                "transcribe_s": round(time.perf_counter() - started, 1),
                "transcript": text.strip(),
            }
    report = {
        "machine": machine_info(),
        "settings": vars(args) | {"engine": engine},
        "recording_s": round(result.duration_ms / 1000, 1),
        "glossary_terms_said": said,
        "runs": runs,
        "editor": editor_cost(list(terms)),
    }
    print(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    return 0


def glossary_prompts(home: Path) -> tuple[dict[str, str | None], dict[str, str]]:
    """Import the seed manifest (which seeds the glossary); return the prompts and its terms."""
    settings = load_settings(test_config={"ARCHIVE_HOME": str(home)})
    catalogue = open_catalogue(settings)
    try:
        with catalogue.session() as db:
            apply_manifest(db, load_manifest(demo.SEED_MANIFEST))
        with catalogue.session() as db:
            terms = {t.term: t.kind for t in list_terms(db, series_or_error(db, SERIES))}
        prompts = {
            "none": None,
            "programme": programme_prompt(),  # what ingest gave séance 4 before the glossary
            "programme_and_glossary": _programme_prompt(
                SimpleNamespace(catalogue=catalogue, settings=settings, session_slug=demo.SESSION)
            ),
            "glossary_only": _programme_prompt(
                SimpleNamespace(catalogue=catalogue, settings=settings, session_slug=NO_PROGRAMME)
            ),
        }
        # An archivist corrected « Marne la Vallée » and added the spelling to the glossary
        # from find-and-replace: séance 4's next ingest keeps room for it.
        with catalogue.session() as db:
            series = series_or_error(db, SERIES)
            add_term(db, series, "Marne-la-Vallée", heard_as="Marne la Vallée", created_by="ada")
        prompts["programme_and_a_term_added_by_hand"] = _programme_prompt(
            SimpleNamespace(catalogue=catalogue, settings=settings, session_slug=demo.SESSION)
        )
    finally:
        catalogue.dispose()
    return prompts, terms


def offers(segments: list, glossary: Suggester) -> list[str]:
    """Return what the editor offers on a transcript ("heard -> term"), doubt as stored."""
    threshold = load_settings(test_config={}).doubt_threshold
    found = []
    for segment in segments:
        unsure = [w.text for w in segment.words if w.probability < threshold]
        found += [f"{o.heard} -> {o.term}" for o in glossary.suggest(segment.text, unsure)]
    return found


def editor_cost(terms: list[str], segments: int = 2700) -> dict:
    """Time the editor's offers for a 3-hour session: seeded glossary, and 500 terms."""
    texts = [turn.text for turn in INTRODUCTIONS + demo.SCRIPT]
    lines = [" ".join(texts[i % len(texts)].split()[:14]) for i in range(segments)]
    doubtful = [line.split()[::10] for line in lines]
    filler = [f"Entreprise{chr(65 + i % 26)}{i:03d}" for i in range(500 - len(terms))]
    report = {}
    for name, words in (("seeded", terms), ("500_terms", terms + filler)):
        entries = [GlossaryTerm(term=w, kind="organisation", heard_as="") for w in words]
        started = time.perf_counter()
        suggester = Suggester(entries)
        offers = sum(len(suggester.suggest(t, d)) for t, d in zip(lines, doubtful, strict=True))
        report[name] = {
            "terms": len(words),
            "offers": offers,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
    return report


def speak(script: list[demo.Turn], folder: Path, models_dir: Path, engine: str) -> Path:
    """Speak the turns, join them as `make demo` does and extract the audio as ingest does."""
    parts = demo.speak_turns(script, folder, models_dir, engine)
    joined, audio = folder / "speech.wav", folder / "audio.wav"
    demo.join_wavs(parts, joined, find_ffmpeg())
    extract_audio(joined, audio, find_ffmpeg())
    return audio


def occurrences(term: str, text: str) -> int:
    """Count whole-word occurrences of term in text, case ignored, accents and hyphens not."""
    return len(re.findall(rf"(?<![\w-]){re.escape(term)}(?![\w-])", text, re.IGNORECASE))


def score(reference: str, hypothesis: str, terms: list[str]) -> dict:
    """Return the WER and the proper nouns spelled right (occurrences found / said)."""
    per_term = {
        term: [min(occurrences(term, hypothesis), occurrences(term, reference)),
               occurrences(term, reference)]
        for term in terms
    }  # fmt: skip
    right = sum(found for found, _ in per_term.values())
    total = sum(said for _, said in per_term.values())
    return {
        "wer": round(jiwer.wer(_normalise(reference), _normalise(hypothesis) or "-"), 3),
        "proper_nouns_right": round(right / total, 3) if total else None,
        "proper_nouns": f"{right}/{total}",
        "missed": sorted(term for term, (found, said) in per_term.items() if found < said),
    }


if __name__ == "__main__":
    sys.exit(main())
