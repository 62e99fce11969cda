"""Correcting speakers by voice in the workspace: rename, merge, split, ranges, voiceprints."""

from __future__ import annotations

import re

import numpy as np
import pytest
from sqlalchemy import select

from core.catalogue.queries import current_transcript, get_session, transcript_segments
from core.catalogue.schema import Person, SessionVoice, Voiceprint
from core.catalogue.transcripts import store_transcript
from core.voices import pack_embedding, unpack_embedding
from tests.portal.builders import LINES, SLUG, segments_from
from tests.portal.workspace_fixtures import *  # noqa: F403
from tests.portal.workspace_fixtures import token

MODEL = "test-voices"
# The voice diarization heard in each of LINES (10 segments): 1 opens and closes,
# 2 and 3 alternate. Nobody is named: the programme had no offsets.
VOICES = ["1", "1", "2", "2", "3", "3", "2", "2", "1", "1"]
VOICE_2 = [i for i, v in enumerate(VOICES) if v == "2"]
RNG = np.random.default_rng(8)
EMBEDDINGS = {label: RNG.normal(size=16) for label in ("1", "2", "3")}
SPEECH_MS = {"1": 18_000, "2": 15_000, "3": 7_000}


def store_voices(
    app, proposals: dict[str, tuple[str, float]] | None = None, voices: list[str] = VOICES
) -> int:
    """Store version 2: LINES heard by voice, nobody named; the session's voices; reindex."""
    with app.extensions["archive"].catalogue.session() as db:
        session = get_session(db, SLUG, include_drafts=True)
        segments = segments_from(LINES)
        for segment, voice in zip(segments, voices, strict=True):
            segment.speaker_slug, segment.voice = None, voice
        transcript = store_transcript(db, session, segments, language="fr", model="whisper")
        for label, vector in EMBEDDINGS.items():
            proposed = (proposals or {}).get(label)
            db.add(
                SessionVoice(
                    session_id=session.id,
                    label=label,
                    model=MODEL,
                    embedding=pack_embedding(vector),
                    speech_ms=SPEECH_MS[label],
                    proposed_person_id=db.scalar(
                        select(Person.id).where(Person.slug == proposed[0])
                    )
                    if proposed
                    else None,
                    proposed_score=proposed[1] if proposed else None,
                )
            )
        version = transcript.version
    app.extensions["archive"].tasks.reindex_session(SLUG)
    return version


def current(app):
    """Return (version, note, [(speaker slug, voice, text)]) of the current transcript."""
    with app.extensions["archive"].catalogue.session() as db:
        transcript = current_transcript(db, get_session(db, SLUG, include_drafts=True))
        rows = [
            (s.speaker.slug if s.speaker else None, s.voice, s.text, s.words, s.verified)
            for s in transcript_segments(db, transcript)
        ]
        return transcript.version, transcript.note, rows


def voices_and_prints(app) -> tuple[dict, dict]:
    """Return the session's voices {label: (person slug, speech_ms, embedding)} and prints."""
    with app.extensions["archive"].catalogue.session() as db:
        voices = {
            v.label: (v.person.slug if v.person else None, v.speech_ms, v.embedding)
            for v in db.scalars(select(SessionVoice))
        }
        prints = {
            p.person.slug: (p.model, p.speech_ms, p.sessions, p.embedding)
            for p in db.scalars(select(Voiceprint))
        }
        return voices, prints


def post(client, path: str, version: int, lang: str = "en", **form):
    """POST a Voices panel form; return the page it redirects to (with its flashed message)."""
    response = client.post(
        f"/workspace/sessions/{SLUG}/{path}?lang={lang}",
        data={"csrf_token": token(client), "base_version": str(version), **form},
        follow_redirects=True,
    )
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def speaker_hits(client, slug: str) -> list[dict]:
    return client.get("/api/search", query_string={"q": f"speaker:{slug}"}).get_json()["hits"]


def test_renaming_a_voice_names_every_segment_confirms_it_and_search_finds_it(ws_app, archivist):
    version = store_voices(ws_app)
    viewer = ws_app.test_client()
    assert speaker_hits(viewer, "marie-veltz") == []
    page = post(archivist, "voices/name", version, voice="2", person="marie-veltz")
    assert f"Saved as version {version + 1}." in page
    new_version, note, rows = current(ws_app)
    assert new_version == version + 1 and note == "Voice 2 named Marie Veltz"
    assert [r[0] for r in rows] == ["marie-veltz" if v == "2" else None for v in VOICES]
    assert [r[1] for r in rows] == VOICES  # the voices stay: renaming again is possible
    found = speaker_hits(viewer, "marie-veltz")  # no wait: the reindex ran with the rename
    assert sorted(h["text"] for h in found) == sorted(LINES[i][3] for i in VOICE_2)
    voices, prints = voices_and_prints(ws_app)
    assert voices["2"][0] == "marie-veltz" and voices["1"][0] is None
    model, speech_ms, count, embedding = prints["marie-veltz"]
    assert (model, speech_ms, count) == (MODEL, SPEECH_MS["2"], 1)
    expected = EMBEDDINGS["2"] / np.linalg.norm(EMBEDDINGS["2"])
    assert np.allclose(unpack_embedding(embedding), expected, atol=1e-6)
    # The session page shows the name on those turns, and "Intervenant 1" on the others.
    html = viewer.get(f"/sessions/{SLUG}").get_data(as_text=True)
    assert "Intervenant 1" in html and "Intervenant 2" not in html and "Marie Veltz" in html


def test_a_typed_name_creates_the_person_and_the_note_speaks_french(ws_app, archivist):
    version = store_voices(ws_app)
    post(archivist, "voices/name", version, lang="fr", voice="3", new_name="Zoé  Quintal")
    _, note, rows = current(ws_app)
    assert note == "Voix 3 nommée Zoé Quintal"
    assert [r[0] for r in rows if r[1] == "3"] == ["zoe-quintal", "zoe-quintal"]
    assert speaker_hits(ws_app.test_client(), "zoe-quintal")


def test_renaming_a_voice_away_recomputes_both_voiceprints(ws_app, archivist):
    version = store_voices(ws_app)
    post(archivist, "voices/name", version, voice="2", person="marie-veltz")
    post(archivist, "voices/name", version + 1, voice="2", person="arnaud-brun")
    _, prints = voices_and_prints(ws_app)
    assert "marie-veltz" not in prints  # no confirmed voice left: no print
    assert prints["arnaud-brun"][1:3] == (SPEECH_MS["2"], 1)


def test_merging_voices_gives_one_voice_its_segments_speaker_and_speech(ws_app, archivist):
    version = store_voices(ws_app)
    post(archivist, "voices/name", version, voice="2", person="marie-veltz")
    page = post(archivist, "voices/merge", version + 1, into="2", merged="3")
    assert f"Saved as version {version + 2}." in page
    _, note, rows = current(ws_app)
    assert note == "Voice 3 merged into voice 2"
    merged = ["2" if v in ("2", "3") else v for v in VOICES]
    assert [r[1] for r in rows] == merged
    assert [r[0] for r in rows] == ["marie-veltz" if v == "2" else None for v in merged]
    voices, prints = voices_and_prints(ws_app)
    assert set(voices) == {"1", "2"} and voices["2"][1] == SPEECH_MS["2"] + SPEECH_MS["3"]
    unit = {k: v / np.linalg.norm(v) for k, v in EMBEDDINGS.items()}
    mean = unit["2"] * SPEECH_MS["2"] + unit["3"] * SPEECH_MS["3"]
    assert np.allclose(unpack_embedding(voices["2"][2]), mean / np.linalg.norm(mean), atol=1e-5)
    assert prints["marie-veltz"][1] == SPEECH_MS["2"] + SPEECH_MS["3"]
    # The panel lists two voices now; the editor shows the name on every merged segment.
    html = archivist.get(f"/workspace/sessions/{SLUG}/transcript").get_data(as_text=True)
    assert len(re.findall(r'class="ws-voice-row" data-voice=', html)) == 2


def test_splitting_a_turn_at_a_word_keeps_word_timings(ws_app, archivist):
    version = store_voices(ws_app)
    # Segment #1 "Bonjour à toutes et à tous, bienvenue à cette quatrième séance.":
    # voice 2 starts at word 7, "bienvenue".
    page = post(archivist, "voices/split", version, segment="1", word="7", who="voice:2")
    assert f"Saved as version {version + 1}." in page
    _, note, rows = current(ws_app)
    assert note == "Segment #1 split before word 7"
    assert len(rows) == len(LINES) + 1
    first, second = rows[0], rows[1]
    assert first[2] == "Bonjour à toutes et à tous," and first[1] == "1"
    assert second[2] == "bienvenue à cette quatrième séance." and second[1] == "2"
    original = segments_from(LINES)[0].words
    assert [w[:2] for w in first[3] + second[3]] == [[w.start_ms, w.end_ms] for w in original]
    assert [r[2] for r in rows[2:]] == [line[3] for line in LINES[1:]]
    # A person instead of a voice: the second part is theirs.
    post(archivist, "voices/split", version + 1, segment="4", word="2", who="pierre-saulnier")
    _, _, rows = current(ws_app)
    assert rows[3][2] == "Nous" and rows[3][0] is None
    assert rows[4][0] == "pierre-saulnier" and rows[4][2].startswith("parlerons")


def test_a_range_can_be_given_to_a_voice(ws_app, archivist):
    version = store_voices(ws_app)
    post(archivist, "voices/name", version, voice="2", person="marie-veltz")
    archivist.post(
        f"/workspace/sessions/{SLUG}/speakers",
        data={
            "csrf_token": token(archivist),
            "base_version": str(version + 1),
            "first": "1",
            "last": "2",
            "speaker": "voice:2",
        },
    )
    _, _, rows = current(ws_app)
    assert [r[1] for r in rows[:2]] == ["2", "2"]
    assert [r[0] for r in rows[:2]] == ["marie-veltz", "marie-veltz"]


def test_accepting_a_proposal_names_the_voice(ws_app, archivist):
    version = store_voices(ws_app, proposals={"3": ("arnaud-brun", 0.83)})
    html = archivist.get(f"/workspace/sessions/{SLUG}/transcript?lang=en").get_data(as_text=True)
    assert "Sounds like Arnaud Brun (score 0.83)." in html
    assert "Accept" in html
    post(archivist, "voices/name", version, voice="3", person="arnaud-brun")
    voices, prints = voices_and_prints(ws_app)
    assert voices["3"][0] == "arnaud-brun" and "arnaud-brun" in prints
    html = archivist.get(f"/workspace/sessions/{SLUG}/transcript?lang=en").get_data(as_text=True)
    assert "Sounds like" not in html


@pytest.mark.parametrize(
    ("path", "form", "message"),
    [
        ("voices/name", {"voice": "9", "person": "marie-veltz"}, "No voice 9 in this version"),
        ("voices/name", {"voice": "2", "person": "nobody-here"}, "Unknown speaker: nobody-here"),
        ("voices/name", {"voice": "", "person": "marie-veltz"}, "Choose a voice."),
        ("voices/name", {"voice": "2", "new_name": "x" * 301}, "at most 300 characters"),
        ("voices/merge", {"into": "2", "merged": "2"}, "Choose two different voices"),
        ("voices/merge", {"into": "2", "merged": "7"}, "No voice 7 in this version"),
        (
            "voices/split",
            {"segment": "1", "word": "99", "who": "voice:2"},
            "split before word 2 to 11.",
        ),
        ("voices/split", {"segment": str(10**20), "word": "2"}, "Give the segment number"),
        ("voices/split", {"segment": "99", "word": "2"}, "No segment #99 in this version."),
        ("voices/split", {"segment": "1", "word": "1"}, "Give the segment number"),
        (
            "voices/split",
            {"segment": "1", "word": "3", "who": "voice:8"},
            "No voice 8 in this version",
        ),
    ],
)
def test_bad_voice_forms_say_why_and_store_nothing(ws_app, archivist, path, form, message):
    version = store_voices(ws_app)
    page = post(archivist, path, version, **form)
    assert message in page.replace("&#34;", '"')
    assert current(ws_app)[0] == version


def test_a_voice_form_on_a_stale_version_is_refused(ws_app, archivist):
    version = store_voices(ws_app)
    post(archivist, "voices/name", version, voice="2", person="marie-veltz")
    page = post(archivist, "voices/merge", version, into="1", merged="3")
    assert f"Version {version + 1} was saved by ada" in page
    assert current(ws_app)[0] == version + 1


def test_voice_forms_need_a_csrf_token_and_an_archivist(ws_app, archivist):
    version = store_voices(ws_app)
    form = {"base_version": str(version), "voice": "2", "person": "marie-veltz"}
    assert archivist.post(f"/workspace/sessions/{SLUG}/voices/name", data=form).status_code == 400
    visitor = ws_app.test_client()
    assert visitor.post(f"/workspace/sessions/{SLUG}/voices/name", data=form).status_code == 404
    assert current(ws_app)[0] == version


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("fr", ["Voix", "Nommer cette voix", "Fusionner deux voix", "Couper un tour"]),
        ("en", ["Voices", "Name this voice", "Merge two voices", "Split a turn at a word"]),
    ],
)
def test_the_voices_panel_speaks_the_interface_language(ws_app, archivist, lang, words):
    store_voices(ws_app)
    html = archivist.get(f"/workspace/sessions/{SLUG}/transcript?lang={lang}").get_data(
        as_text=True
    )
    for word in words:
        assert word in html, word
    tags = re.findall(r'<span class="ws-voice-tag">([^<]+)</span>', html)
    assert tags == [f"Intervenant {v}" for v in VOICES]  # the transcript is French


def test_admins_list_and_delete_voiceprints_erasing_the_embeddings(ws_app, archivist, admin):
    version = store_voices(ws_app)
    post(archivist, "voices/name", version, voice="2", person="marie-veltz")
    assert archivist.get("/workspace/voiceprints").status_code == 403
    assert ws_app.test_client().get("/workspace/voiceprints").status_code == 404
    html = admin.get("/workspace/voiceprints?lang=en").get_data(as_text=True)
    assert 'data-person="marie-veltz"' in html and "Marie Veltz" in html
    refused = admin.post(
        "/workspace/voiceprints/marie-veltz/delete?lang=en",
        data={"csrf_token": token(admin)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Tick the confirmation" in refused and "marie-veltz" in voices_and_prints(ws_app)[1]
    done = admin.post(
        "/workspace/voiceprints/marie-veltz/delete?lang=en",
        data={"csrf_token": token(admin), "confirm": "yes"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Voiceprint of Marie Veltz deleted" in done and 'data-person="marie-veltz"' not in done
    voices, prints = voices_and_prints(ws_app)
    assert prints == {} and voices["2"][0] == "marie-veltz" and voices["2"][2] is None
    assert voices["1"][2] is not None  # other voices keep theirs
    assert (
        admin.post(
            "/workspace/voiceprints/marie-veltz/delete", data={"csrf_token": token(admin)}
        ).status_code
        == 404
    )


def test_a_refused_voice_edit_is_worded_in_french(ws_app, archivist):
    version = store_voices(ws_app)
    page = post(archivist, "voices/split", version, lang="fr", segment="1", word="40", who="")
    assert "Le segment n° 1 peut être coupé avant les mots 2 à 11." in page
    page = post(archivist, "voices/merge", version, lang="fr", into="1", merged="6")
    assert "Aucune voix 6 dans cette version de la transcription." in page
