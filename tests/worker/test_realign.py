"""A saved correction's new words get times from the audio, in place, in the background.

The portal (jobs inline, as in every portal test) saves through the editor's
JSON; the worker's `realign_session` task asks the scripted transcriber to
align the corrected segment over a window cut from the real recording by
ffmpeg. The scripted aligner returns set times, so each test knows what
"heard" means; tests/ingest/test_alignment_model.py checks the real model.
"""

from __future__ import annotations

from sqlalchemy import func, select

from core.catalogue import open_catalogue
from core.catalogue.queries import current_transcript, get_session, transcript_segments, words_of
from core.catalogue.schema import Recording, Transcript
from core.contracts import Word
from core.timing import ALIGNED, ESTIMATED
from ingest.errors import TranscriptionError
from tests.portal.builders import SLUG
from tests.portal.workspace_fixtures import *  # noqa: F403
from tests.portal.workspace_fixtures import token
from tests.support.fake_transcriber import ScriptedTranscriber
from worker.tasks import build_tasks

RIVERS = 6  # "Nos capteurs surveillent la qualité des rivières." at 28.2-31.0 s, 0.4 s a word
CORRECTED = "Nos capteurs surveillent la qualité de la Marne."
# Where the scripted aligner "hears" the corrected sentence: the unchanged words where
# the recogniser put them, the new ones where an even spread would not.
HEARD_AT = [
    Word(28_200, 28_600, "Nos", 0.9),
    Word(28_600, 29_000, "capteurs", 0.9),
    Word(29_000, 29_400, "surveillent", 0.9),
    Word(29_400, 29_800, "la", 0.9),
    Word(29_800, 30_200, "qualité", 0.9),
    Word(30_250, 30_330, "de", 0.8),
    Word(30_330, 30_420, "la", 0.8),
    Word(30_700, 30_990, "Marne.", 0.7),
]


def save(client, text: str = CORRECTED):
    """Save the correction of the rivers line through the editor's JSON, as version 2."""
    response = client.post(
        f"/workspace/sessions/{SLUG}/transcript",
        json={"base_version": 1, "texts": {str(RIVERS): text}},
        headers={"X-CSRFToken": token(client)},
    )
    assert response.status_code == 200 and response.get_json()["version"] == 2
    return response


def current(app) -> tuple[Transcript, list[list[Word]], int]:
    """Return the current version, each segment's words and how many versions there are."""
    with app.extensions["archive"].catalogue.session() as db:
        session = get_session(db, SLUG, include_drafts=True)
        transcript = current_transcript(db, session)
        words = [list(words_of(s)) for s in transcript_segments(db, transcript)]
        count = db.scalar(select(func.count()).where(Transcript.session_id == session.id))
        db.expunge(transcript)
        return transcript, words, count


def test_a_saved_correction_gets_the_heard_times_in_place(ws_app, archivist, transcriber_box):
    aligner = ScriptedTranscriber([], alignments={CORRECTED: HEARD_AT})
    transcriber_box["transcriber"] = aligner
    save(archivist)
    transcript, words, versions = current(ws_app)
    assert (transcript.version, versions) == (2, 2)  # times changed in place: no version 3
    rivers = words[RIVERS]
    assert [(w.start_ms, w.end_ms, w.text) for w in rivers[5:]] == [
        (30_250, 30_330, "de"),
        (30_330, 30_420, "la"),
        (30_700, 30_990, "Marne."),
    ]
    assert all(w.probability == ALIGNED for w in rivers[5:])
    # Words nobody changed keep the recogniser's times and probabilities.
    assert [(w.start_ms, w.probability) for w in rivers[:5]] == [
        (28_200 + 400 * i, 0.9) for i in range(5)
    ]
    assert transcript.settings["aligned"]["words"] == 3
    # The aligner got the segment's text and a window a little wider than the segment,
    # cut from the recording into a WAV that starts where the window does.
    (call,) = aligner.align_calls
    assert call.text == CORRECTED and call.language == "fr"
    # 0.5 s either side, but never into a neighbour's words (27.7 s and 31.2 s).
    assert (call.start_ms, call.end_ms) == (27_700, 31_200)
    assert call.offset_ms == call.start_ms
    assert not call.audio_path.exists()  # the window's WAV was scratch
    # Search lands where "Marne" was heard, not where it was spread (30.52 s).
    (hit,) = ws_app.test_client().get("/api/search?q=Marne").get_json()["hits"]
    assert hit["start"] == 30.7


def test_a_failed_alignment_keeps_the_estimate_and_says_why(ws_app, archivist, transcriber_box):
    transcriber_box["transcriber"] = ScriptedTranscriber(
        [], align_fail_with=TranscriptionError("base could not align")
    )
    save(archivist)
    transcript, words, versions = current(ws_app)
    assert versions == 2
    new = words[RIVERS][5:]
    assert [w.text for w in new] == ["de", "la", "Marne."]
    assert all(w.probability == ESTIMATED for w in new)
    assert new[-1].start_ms == 30_520  # spread by length over the words it replaced
    assert transcript.settings["aligned"]["kept"] == {str(RIVERS): "base could not align"}


def test_nonsense_alignments_keep_the_estimate(ws_app, archivist, transcriber_box):
    late = [Word(w.start_ms + 900, w.end_ms + 900, w.text, 0.5) for w in HEARD_AT]
    transcriber_box["transcriber"] = ScriptedTranscriber([], alignments={CORRECTED: late})
    save(archivist)
    transcript, words, _ = current(ws_app)
    assert all(w.probability == ESTIMATED for w in words[RIVERS][5:])
    assert "outside the audio window" in transcript.settings["aligned"]["kept"][str(RIVERS)]


def test_without_the_recording_the_estimate_stays(ws_app, archivist, transcriber_box):
    aligner = ScriptedTranscriber([], alignments={CORRECTED: HEARD_AT})
    transcriber_box["transcriber"] = aligner
    settings = ws_app.extensions["archive"].settings
    with ws_app.extensions["archive"].catalogue.session() as db:
        for recording in db.scalars(select(Recording)):
            (settings.home / recording.original_path).unlink(missing_ok=True)
    save(archivist)
    transcript, words, _ = current(ws_app)
    assert all(w.probability == ESTIMATED for w in words[RIVERS][5:])
    assert transcript.settings["aligned"]["kept"] == {str(RIVERS): "the recording is missing"}
    assert aligner.align_calls == []


def test_a_version_is_aligned_once(fresh_archive, tmp_path):
    from core.corrections import Changes, save_changes

    settings = fresh_archive.settings
    catalogue = open_catalogue(settings)
    aligner = ScriptedTranscriber([], alignments={CORRECTED: HEARD_AT})
    tasks = build_tasks(settings, catalogue, immediate=True, transcriber_factory=lambda: aligner)
    with catalogue.session() as db:
        session = get_session(db, SLUG)
        save_changes(db, session, 1, Changes(texts={RIVERS: CORRECTED}), "ada")
    tasks.realign_session(SLUG)
    tasks.realign_session(SLUG)  # a second save message, or the programme saved since
    assert len(aligner.align_calls) == 1
    catalogue.dispose()


def test_a_correction_whose_alignment_message_was_lost_is_aligned_by_recovery(
    fresh_archive, tmp_path
):
    from datetime import timedelta

    from core.corrections import Changes, save_changes

    settings = fresh_archive.settings
    catalogue = open_catalogue(settings)
    aligner = ScriptedTranscriber([], alignments={CORRECTED: HEARD_AT})
    tasks = build_tasks(settings, catalogue, immediate=True, transcriber_factory=lambda: aligner)
    with catalogue.session() as db:  # saved, but its message never reached a worker
        version = save_changes(db, get_session(db, SLUG), 1, Changes({RIVERS: CORRECTED}), "ada")
        version_id = version.id
    assert "alignment of" not in " ".join(tasks.recover())  # just saved: its message may come
    with catalogue.session() as db:
        saved = db.get(Transcript, version_id)
        saved.created_at = saved.created_at - timedelta(minutes=5)
    assert f"alignment of {SLUG}" in tasks.recover()
    assert len(aligner.align_calls) == 1
    with catalogue.session() as db:
        segment = transcript_segments(db, db.get(Transcript, version_id))[RIVERS]
        assert [w.probability for w in words_of(segment)][5:] == [ALIGNED] * 3
    assert "alignment of" not in " ".join(tasks.recover())  # aligned: nothing left to resend
    assert len(aligner.align_calls) == 1
    # A version with nothing to align (a segment verified as it stands) is looked at once.
    with catalogue.session() as db:
        version = save_changes(db, get_session(db, SLUG), 2, Changes(verified={0}), "ada")
        version.created_at = version.created_at - timedelta(minutes=5)
    assert f"alignment of {SLUG}" in tasks.recover()
    assert "alignment of" not in " ".join(tasks.recover())
    assert len(aligner.align_calls) == 1  # no model was asked
    catalogue.dispose()
