"""Voiceprints: recomputed from confirmed voices, deletable with the embeddings behind them."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from sqlalchemy import select

from core.catalogue.queries import get_session
from core.catalogue.schema import Person, SessionVoice, Voiceprint
from core.voiceprints import (
    confirm_voice,
    delete_voiceprint,
    merge_session_voices,
    voiceprints_summary,
)
from core.voices import pack_embedding, unpack_embedding

S1 = "2018-01-29-start-up-numerique-acteurs-municipaux"
S2 = "2017-05-04-modeles-et-big-data"
RNG = np.random.default_rng(3)
VECTORS = {key: RNG.normal(size=8) for key in ("a", "b", "c", "d")}


def unit(vector: np.ndarray) -> np.ndarray:
    return vector / np.linalg.norm(vector)


@pytest.fixture
def db(seeded_catalogue):
    """A catalogue session with voices a (60 s) and b (20 s) in S1, c (30 s) in S2."""
    with seeded_catalogue.session() as db:
        s1, s2 = get_session(db, S1, True), get_session(db, S2, True)
        for session, label, key, speech_ms, model in [
            (s1, "1", "a", 60_000, "m"),
            (s1, "2", "b", 20_000, "m"),
            (s2, "1", "c", 30_000, "m"),
            (s2, "2", "d", 10_000, "other-model"),
        ]:
            db.add(
                SessionVoice(
                    session_id=session.id,
                    label=label,
                    model=model,
                    embedding=pack_embedding(VECTORS[key]),
                    speech_ms=speech_ms,
                )
            )
        db.flush()
        yield db


def person(db, slug: str) -> Person:
    return db.scalar(select(Person).where(Person.slug == slug))


def prints(db, slug: str) -> dict[str, Voiceprint]:
    who = person(db, slug)
    return {
        p.model: p for p in db.scalars(select(Voiceprint).where(Voiceprint.person_id == who.id))
    }


def test_a_voiceprint_is_the_speech_weighted_mean_of_confirmed_voices(db) -> None:
    marie = person(db, "marie-veltz")
    confirm_voice(db, get_session(db, S1, True), "1", marie)
    confirm_voice(db, get_session(db, S2, True), "1", marie)
    confirm_voice(db, get_session(db, S2, True), "2", marie)
    by_model = prints(db, "marie-veltz")
    expected = unit(60_000 * unit(VECTORS["a"]) + 30_000 * unit(VECTORS["c"]))
    assert np.allclose(unpack_embedding(by_model["m"].embedding), expected, atol=1e-6)
    assert (by_model["m"].speech_ms, by_model["m"].sessions) == (90_000, 2)
    assert by_model["other-model"].sessions == 1  # one print per embedding model


def test_renaming_a_voice_away_recomputes_the_old_print_from_scratch(db) -> None:
    marie, arnaud = person(db, "marie-veltz"), person(db, "arnaud-brun")
    s1 = get_session(db, S1, True)
    confirm_voice(db, s1, "1", marie)
    confirm_voice(db, s1, "2", marie)
    confirm_voice(db, s1, "2", arnaud)
    assert np.allclose(
        unpack_embedding(prints(db, "marie-veltz")["m"].embedding), unit(VECTORS["a"]), atol=1e-6
    )
    assert prints(db, "marie-veltz")["m"].speech_ms == 60_000
    confirm_voice(db, s1, "1", None)  # unnamed: marie has no confirmed voice left
    assert prints(db, "marie-veltz") == {}
    assert prints(db, "arnaud-brun")["m"].speech_ms == 20_000


def test_deleting_a_voiceprint_erases_the_embeddings_it_came_from(db) -> None:
    marie = person(db, "marie-veltz")
    s1, s2 = get_session(db, S1, True), get_session(db, S2, True)
    confirm_voice(db, s1, "1", marie)
    other = db.scalar(select(SessionVoice).where(SessionVoice.session_id == s2.id))
    other.proposed_person_id, other.proposed_score = marie.id, 0.8
    assert delete_voiceprint(db, marie) == 1
    voices = {(v.session_id, v.label): v for v in db.scalars(select(SessionVoice))}
    assert voices[(s1.id, "1")].embedding is None and voices[(s1.id, "1")].person_id == marie.id
    assert voices[(s1.id, "2")].embedding is not None  # not hers: kept
    assert voices[(s2.id, "1")].proposed_person_id is None  # the proposal came from her print
    assert prints(db, "marie-veltz") == {}
    confirm_voice(db, s1, "1", marie)  # confirming again cannot rebuild it from erased data
    assert prints(db, "marie-veltz") == {}


def test_merging_voices_adds_speech_and_averages_embeddings(db) -> None:
    s1 = get_session(db, S1, True)
    merge_session_voices(db, s1, "1", "2")
    voices = list(db.scalars(select(SessionVoice).where(SessionVoice.session_id == s1.id)))
    assert [(v.label, v.speech_ms) for v in voices] == [("1", 80_000)]
    expected = unit(60_000 * unit(VECTORS["a"]) + 20_000 * unit(VECTORS["b"]))
    assert np.allclose(unpack_embedding(voices[0].embedding), expected, atol=1e-6)


def test_the_summary_lists_people_and_seconds_never_embeddings(db) -> None:
    confirm_voice(db, get_session(db, S1, True), "1", person(db, "marie-veltz"))
    (row,) = voiceprints_summary(db)
    assert (row.person_slug, row.person_name, row.model, row.speech_ms, row.voices) == (
        "marie-veltz",
        "Marie Veltz",
        "m",
        60_000,
        1,
    )
    assert "embedding" not in {f.name for f in dataclasses.fields(row)}


def test_the_cli_lists_and_deletes_voiceprints(seeded_catalogue, settings) -> None:
    from click.testing import CliRunner

    from cli import main

    with seeded_catalogue.session() as db:
        session = get_session(db, S1, True)
        db.add(
            SessionVoice(
                session_id=session.id,
                label="1",
                model="m",
                embedding=pack_embedding(VECTORS["a"]),
                speech_ms=42_000,
            )
        )
        db.flush()
        confirm_voice(db, session, "1", person(db, "marie-veltz"))
    home = ["--home", str(settings.home)]
    runner = CliRunner()
    listed = runner.invoke(main, [*home, "voiceprints", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    (row,) = json.loads(listed.output)
    assert (row["person"], row["speech_s"], row["voices"]) == ("marie-veltz", 42.0, 1)
    assert "embedding" not in listed.output
    unknown = runner.invoke(main, [*home, "voiceprints", "delete", "nobody-at-all"])
    assert unknown.exit_code == 1 and "no person with the slug “nobody-at-all”" in unknown.output
    none = runner.invoke(main, [*home, "voiceprints", "delete", "arnaud-brun"])
    assert none.exit_code == 1 and "Arnaud Brun (arnaud-brun) has no voiceprint" in none.output
    deleted = runner.invoke(main, [*home, "voiceprints", "delete", "marie-veltz"])
    assert deleted.exit_code == 0 and "Deleted 1 voiceprint(s) of Marie Veltz" in deleted.output
    assert "No voiceprints stored." in runner.invoke(main, [*home, "voiceprints", "list"]).output
    with seeded_catalogue.session() as db:
        assert db.scalar(select(SessionVoice.embedding)) is None
