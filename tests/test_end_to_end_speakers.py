"""Issue 8's "done when", through the installed `archive` command, the real base model and
the real diarization engine: speakers found by voice and named from the programme.

A seminar is spoken by three generated voices (a chair, then two speakers; the
chair comes back with a short question). The programme lists the three people
without a single start offset, so every name must come from the voices and the
programme's order. A second recording with no programme at all must come out as
"Intervenant 1…N" turns, never as guessed names.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.support import media_factory
from tests.support.archive_cli import run_archive as _archive

pytestmark = pytest.mark.slow

# Generated voices the engine tells apart (tests/ingest/test_diarization.py measures them).
CHAIR, FIRST, SECOND = "fr+m3", "fr+f2", "en-us+m7"
PEOPLE = {CHAIR: "claire-martin", FIRST: "paul-durand", SECOND: "ines-robert"}
TALKS = [
    (CHAIR, "Bonjour à tous et bienvenue à cette séance consacrée aux archives municipales. "
            "Nous accueillons aujourd'hui deux intervenants qui travaillent sur les registres "
            "de la ville. Je rappelle que la séance est enregistrée et que les questions "
            "viendront à la fin. Sans plus attendre, je donne la parole à notre premier "
            "intervenant, qui va nous présenter son travail sur les cadastres anciens."),
    (FIRST, "Merci pour cette introduction. Les cadastres du dix-neuvième siècle décrivent "
            "chaque parcelle de la commune avec son propriétaire et sa surface. Nous avons "
            "photographié plus de quatre mille feuilles, puis nous avons vérifié les dates "
            "une par une. Ce travail permet de suivre l'extension des faubourgs et la "
            "disparition progressive des jardins maraîchers autour du centre ancien."),
    (CHAIR, "Merci beaucoup. Une question rapide avant la suite : combien de temps a pris "
            "la numérisation ?"),
    (SECOND, "Je prends la suite avec les délibérations du conseil municipal. Les procès "
             "verbaux racontent les débats sur l'éclairage public, les fontaines et les "
             "tramways. Nous les avons transcrits pour que chacun puisse chercher un mot "
             "et retrouver la séance où il a été prononcé. Les chercheurs peuvent ainsi "
             "citer une décision à la date exacte où elle fut votée."),
]  # fmt: skip
SESSION = "2024-03-14-archives-municipales"
SERIES = "seminaire-archives"


def _manifest(dest: Path) -> Path:
    """Three people and one session whose programme names them in order, with no offsets."""
    people = [
        {"slug": "claire-martin", "name": "Claire Martin", "affiliation": "Archives"},
        {"slug": "paul-durand", "name": "Paul Durand", "affiliation": "Université"},
        {"slug": "ines-robert", "name": "Inès Robert", "affiliation": "Ville"},
    ]
    session = {
        "slug": SESSION,
        "series": SERIES,
        "title": "Les archives municipales",
        "date": "2024-03-14",
        "language": "fr",
        "programme": [
            {"kind": "opening", "title": "Ouverture", "speakers": ["claire-martin"]},
            {"title": "Les cadastres anciens", "speakers": ["paul-durand"]},
            {"title": "Les délibérations du conseil", "speakers": ["ines-robert"]},
        ],
    }
    raw = {
        "series": [{"slug": SERIES, "title": "Séminaire des archives", "language": "fr"}],
        "people": people,
        "sessions": [session],
    }
    dest.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return dest


@pytest.fixture(scope="module")
def seminar(tmp_path_factory: pytest.TempPathFactory):
    """The seminar recorded, catalogued without offsets, ingested; (home, turns, export)."""
    folder = tmp_path_factory.mktemp("e2e-speakers")
    home = folder / "home"
    recording = folder / "seminaire.wav"
    spans = media_factory.speech_recording(recording, TALKS, gap_s=1.0)
    _archive(home, "import", _manifest(folder / "programme.yaml"))
    _archive(home, "ingest", recording, "--session", SESSION)
    exported = json.loads(_archive(home, "export", SESSION, "--format", "json").stdout)
    voices = [voice for voice, _ in TALKS]
    turns = [(start, end, PEOPLE[v]) for (start, end), v in zip(spans, voices, strict=True)]
    return home, turns, exported


def _truth(turns: list[tuple[int, int, str]], ms: int) -> str | None:
    for start, end, person in turns:
        if start - 300 <= ms < end + 300:
            return person
    return None


def test_names_without_offsets_come_from_voices_and_programme_order(seminar) -> None:
    _, turns, exported = seminar
    words = [
        ((w["start"] + w["end"]) * 500, segment["speaker"])
        for segment in exported["segments"]
        for w in segment["words"]
    ]
    judged = [(speaker, _truth(turns, ms)) for ms, speaker in words if _truth(turns, ms)]
    right = sum(1 for speaker, truth in judged if speaker == truth)
    assert len(judged) > 100
    assert right / len(judged) >= 0.9, f"{right} of {len(judged)} words named rightly"
    # Every programme person is named, and the chair's question is hers.
    assert {s["speaker"] for s in exported["segments"]} >= set(PEOPLE.values())


def test_search_by_speaker_finds_what_they_said(seminar) -> None:
    home, _, exported = seminar
    for person in ("paul-durand", "ines-robert"):
        said = [
            w["word"].strip(" .,;:?!").lower()
            for s in exported["segments"]
            if s["speaker"] == person
            for w in s["words"]
        ]
        word = max((w for w in said if w.isalpha()), key=len)  # a distinctive word they said
        found = json.loads(
            _archive(home, "search", word, "--speaker", person, "--drafts", "--json").stdout
        )
        assert found["total"] >= 1, (person, word)
        assert {h["speaker"] for h in found["hits"]} == {person}


def test_captions_carry_the_names_found_by_voice(seminar) -> None:
    home, _, _ = seminar
    vtt = _archive(home, "export", SESSION, "--format", "vtt").stdout
    for name in ("Claire Martin", "Paul Durand", "Inès Robert"):
        assert f"<v {name}>" in vtt


def test_a_recording_without_programme_gets_numbered_speakers(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    folder = tmp_path_factory.mktemp("e2e-no-programme")
    recording = folder / "entretien.wav"
    media_factory.speech_recording(recording, [TALKS[0], TALKS[1]], gap_s=1.0)
    home = folder / "home"
    out = _archive(home, "ingest", recording).stdout
    slug = json.loads(_archive(home, "sessions", "--json").stdout)[0]["slug"]
    assert slug in out
    exported = json.loads(_archive(home, "export", slug, "--format", "json").stdout)
    assert {s["voice"] for s in exported["segments"]} == {"1", "2"}
    assert {s["speaker"] for s in exported["segments"]} == {None}
    vtt = _archive(home, "export", slug, "--format", "vtt").stdout
    assert "<v Intervenant 1>" in vtt and "<v Intervenant 2>" in vtt


def test_a_person_confirmed_in_one_session_is_proposed_by_voice_in_the_next(
    seminar, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from sqlalchemy import select

    from core.catalogue import open_catalogue
    from core.catalogue.queries import get_session
    from core.catalogue.schema import Person, SessionVoice
    from core.settings import load_settings
    from core.voiceprints import confirm_voice

    home, _, exported = seminar
    # The archivist confirms Paul Durand's voice in the seminar (the workspace's rename).
    label = next(s["voice"] for s in exported["segments"] if s["speaker"] == "paul-durand")
    catalogue = open_catalogue(load_settings(test_config={"ARCHIVE_HOME": str(home)}))
    with catalogue.session() as db:
        person = db.scalar(select(Person).where(Person.slug == "paul-durand"))
        confirm_voice(db, get_session(db, SESSION, include_drafts=True), label, person)
    # He speaks again, in a recording nobody has catalogued: his name is proposed.
    folder = tmp_path_factory.mktemp("e2e-next")
    later = folder / "seance-suivante.wav"
    media_factory.speech_recording(
        later,
        [(CHAIR, TALKS[2][1]), (FIRST, TALKS[3][1])],  # other words, the same two voices
        gap_s=1.0,
    )
    out = _archive(home, "ingest", later).stdout
    with catalogue.session() as db:
        slug = next(s for s in json.loads(_archive(home, "sessions", "--json").stdout)
                    if s["slug"] != SESSION)["slug"]  # fmt: skip
        session = get_session(db, slug, include_drafts=True)
        voices = db.scalars(select(SessionVoice).where(SessionVoice.session_id == session.id))
        proposed = {v.label: (v.proposed_person, v.proposed_score) for v in voices}
    catalogue.dispose()
    assert slug in out
    names = {label: p.slug for label, (p, _) in proposed.items() if p is not None}
    assert list(names.values()) == ["paul-durand"], proposed  # him, and nobody for the chair
