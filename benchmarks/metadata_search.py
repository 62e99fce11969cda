"""Benchmark the metadata part of a search: building the analysed table, and querying it.

Run as `python benchmarks/metadata_search.py [--sessions N] [--queries Q]`. It
fills a scratch SQLite catalogue with N published sessions (six programme items
and six speakers each, descriptions of 60 words from a French vocabulary, in
20 series, 10 % drafts) and prints one JSON object: seconds to build the table
(a catalogue change), ms to check the catalogue state (every search), and p50/p95
ms per query kind over Q queries of each (one word, two words, a phrase, a name).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

VOCABULARY = (
    "ville intelligente données ouvertes capteurs mobilité urbaine numérique "
    "plateforme collectivités usagers énergie réseaux transport habitat quartier "
    "gouvernance métropole algorithme innovation expérimentation territoire "
    "services publics marché start-up écologie risques foncier aménagement"
).split()


def fill(home: Path, sessions: int, seed: int = 1) -> None:
    """Create the catalogue with `sessions` sessions, nine in ten published."""
    from core.catalogue import open_catalogue
    from core.catalogue.schema import Appearance, Person, ProgrammeItem, Series, Session
    from core.settings import load_settings

    rng = random.Random(seed)

    def words(n: int) -> str:
        return " ".join(rng.choice(VOCABULARY) for _ in range(n))

    catalogue = open_catalogue(load_settings(test_config={"ARCHIVE_HOME": str(home)}))
    try:
        with catalogue.session() as db:
            series = [Series(slug=f"serie-{n}", title=f"Série {words(4)}") for n in range(20)]
            people = [
                Person(slug=f"p-{n}", name=f"Prénom{n} Nom{n}", affiliation=f"Labo{n % 50}")
                for n in range(600)
            ]
            db.add_all(series + people)
            for n in range(sessions):
                session = Session(
                    slug=f"seance-{n:06d}",
                    title=f"Séance {n} : {words(6)}",
                    date=date(2000, 1, 1) + timedelta(days=n),
                    description=words(60),
                    place="Paris, " + words(2),
                    series=series[n % 20],
                    published=n % 10 != 0,
                )
                for i in range(6):
                    item = ProgrammeItem(position=i, kind="talk", title=words(8))
                    person = people[(n * 6 + i) % 600]
                    item.appearances.append(
                        Appearance(person=person, affiliation=person.affiliation)
                    )
                    session.items.append(item)
                db.add(session)
    finally:
        catalogue.dispose()


def _ms(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    return {
        "p50": round(statistics.median(values) * 1000, 3),
        "p95": round(values[int(len(values) * 0.95) - 1] * 1000, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()

    from core.catalogue import open_catalogue
    from core.settings import load_settings
    from portal.services.metadata_search import MetadataCache, build_table, catalogue_state

    rng = random.Random(2)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        fill(home, args.sessions)
        catalogue = open_catalogue(load_settings(test_config={"ARCHIVE_HOME": str(home)}))
        try:
            with catalogue.session() as db:
                builds = []
                for _ in range(3):
                    started = time.perf_counter()
                    table = build_table(db)
                    builds.append(time.perf_counter() - started)
                states = []
                for _ in range(args.queries):
                    started = time.perf_counter()
                    catalogue_state(db)
                    states.append(time.perf_counter() - started)
                cache = MetadataCache()
                cache.table(db)
                kinds = {
                    "word": lambda: rng.choice(VOCABULARY),
                    "two words": lambda: f"{rng.choice(VOCABULARY)} {rng.choice(VOCABULARY)}",
                    "phrase": lambda: f'"{rng.choice(VOCABULARY)} {rng.choice(VOCABULARY)}"',
                    "name": lambda: f"nom{rng.randrange(600)}",
                }
                timings = {}
                for kind, make in kinds.items():
                    spent = []
                    for _ in range(args.queries):
                        q = make()
                        started = time.perf_counter()
                        cache.table(db).search(q)  # as a search does: state check + query
                        spent.append(time.perf_counter() - started)
                    timings[kind] = _ms(spent)
        finally:
            catalogue.dispose()
    print(
        json.dumps(
            {
                "sessions": args.sessions,
                "published": len(table.sessions),
                "people": len(table.people),
                "build_s": round(statistics.median(builds), 3),
                "state_check_ms": _ms(states),
                "search_ms": timings,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
