"""Find and replace across transcripts: matching rules, one version per session, refusals."""

from __future__ import annotations

import pytest

from core.catalogue import open_catalogue
from core.catalogue.queries import current_transcript, get_session, transcript_segments
from core.corrections import VersionConflict
from core.replace import (
    ReplaceError,
    Selection,
    apply_replacements,
    check_phrases,
    find_occurrences,
    matches,
    phrase_pattern,
    replaced,
)
from core.timing import ESTIMATED
from tests.portal.builders import DRAFT_SLUG, SLUG, BuiltArchive
from tests.support.misheard import SESSION1, VILA_S1_MS, VILA_S4_MS, hear_vila_telixante


@pytest.fixture
def catalogue(fresh_archive: BuiltArchive):
    hear_vila_telixante(fresh_archive.settings)
    opened = open_catalogue(fresh_archive.settings)
    yield opened
    opened.dispose()


def spans(old: str, text: str) -> list[str]:
    return [text[s:e] for s, e in matches(phrase_pattern(old), text)]


@pytest.mark.parametrize(
    ("old", "text", "found"),
    [
        ("vila telixante", "la Vila-Telixante.", ["Vila-Telixante"]),  # case, separators
        ("seance", "cette Séance, la séance", ["Séance", "séance"]),  # accents
        ("oeuvre", "une Œuvre", ["Œuvre"]),  # ligature
        ("ville", "les villes et la ville", ["ville"]),  # never inside a word
        ("ville", "bidonville", []),
        ("le puca", "LE  PUCA et lepuca", ["LE  PUCA"]),  # a phrase across spaces
        ("c++", "c et d", ["c"]),  # punctuation in OLD is a separator, not a regex
        ("cafe", "un cafe\u0301.", ["cafe\u0301"]),  # a decomposed accent stays with its letter
    ],
)
def test_matching_is_whole_word_and_folds_case_and_accents(old, text, found) -> None:
    assert spans(old, text) == found


def test_replacement_capitalises_only_a_lowercase_new_at_a_capital() -> None:
    text = "Lapuca et lapuca."
    found = matches(phrase_pattern("lapuca"), text)
    assert replaced(text, found, "le PUCA") == "le PUCA et le PUCA."  # as typed
    assert replaced(text, found, "la puca") == "La puca et la puca."


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("", "x", "give the word or phrase"),
        (" -- ", "x", "give the word or phrase"),
        ("vila", "  ", "give the replacement"),
        ("Vila", " Vila ", "the same"),
        ("v" * 201, "x", "limited to 200"),
    ],
)
def test_bad_phrases_are_refused_with_a_reason(old, new, message) -> None:
    with pytest.raises(ReplaceError, match=message):
        check_phrases(old, new)


def test_occurrences_say_session_time_speaker_and_context(catalogue) -> None:
    with catalogue.session() as db:
        found = find_occurrences(db, "vila telixante", include_drafts=True)
    by_session = {}
    for occurrence in found:
        by_session.setdefault(occurrence.session_slug, []).append(occurrence)
    assert set(by_session) == {SLUG, SESSION1, DRAFT_SLUG}
    assert [o.at_ms for o in by_session[SLUG]] == VILA_S4_MS
    assert [o.at_ms for o in by_session[SESSION1]] == VILA_S1_MS
    first, voiced = by_session[SESSION1]
    assert first.speaker == "Gilles Jeannot" and voiced.speaker == "Intervenant 2"
    assert (voiced.before, voiced.match, voiced.after) == (
        "LAPUCA finance la ",
        "Vila-Telixante",
        " depuis 2015, dit-on.",
    )
    assert by_session[SLUG][0].base_version == 2 and by_session[SESSION1][0].base_version == 1


def test_scope_session_series_and_drafts(catalogue) -> None:
    with catalogue.session() as db:
        public = find_occurrences(db, "Vila-Telixante", series="ville-intelligente-cycle-2")
        assert {o.session_slug for o in public} == {SLUG, SESSION1}  # the draft stays out
        one = find_occurrences(db, "Vila-Telixante", session=SESSION1)
        assert {o.session_slug for o in one} == {SESSION1}
        assert len(find_occurrences(db, "Vila-Telixante", include_drafts=True, limit=2)) == 3
        with pytest.raises(ReplaceError, match="no session 'nope'"):
            find_occurrences(db, "x", session="nope")
        with pytest.raises(ReplaceError, match="no series 'nope'"):
            find_occurrences(db, "x", series="nope")
        with pytest.raises(ReplaceError, match="no session"):  # a draft is hidden unless asked
            find_occurrences(db, "x", session=DRAFT_SLUG)


def test_replace_everywhere_makes_one_verified_version_per_session_with_a_note(
    catalogue,
) -> None:
    with catalogue.session() as db:
        found = find_occurrences(db, "Vila-Telixante", include_drafts=True)
        stored = apply_replacements(  # the note names the word as heard, not as typed
            db, "vila telixante", "Ville intelligente", [o.selection for o in found], "ada"
        )
        assert sorted((t.session.slug, t.version) for t in stored) == [
            (SESSION1, 2),
            (DRAFT_SLUG, 2),
            (SLUG, 3),
        ]
    with catalogue.session() as db:
        session = get_session(db, SLUG)
        transcript = current_transcript(db, session)
        assert transcript.note == "replaced “Vila-Telixante” with “Ville intelligente” (2 times)"
        assert (transcript.author, transcript.source) == ("ada", "edit")
        segments = transcript_segments(db, transcript)
        assert segments[2].text.endswith("économiques de la Ville intelligente.")
        assert segments[4].text.startswith("Ville intelligente et Neocity")  # capital kept
        assert [s.position for s in segments if s.verified] == [2, 4]
        words = segments[2].words
        assert words[6][:3] == [13_650, 14_225, "la"]  # unchanged words keep their times
        assert words[7][0] == VILA_S4_MS[0] and words[7][2] == "Ville"  # at the old word's time
        assert words[7][3] == ESTIMATED
        assert find_occurrences(db, "vila telixante", include_drafts=True) == []


def test_only_the_chosen_occurrences_are_replaced(catalogue) -> None:
    with catalogue.session() as db:
        found = find_occurrences(db, "Vila-Telixante", session=SESSION1)
        (stored,) = apply_replacements(db, "Vila-Telixante", "Ville", [found[1].selection], "ada")
        assert stored.note == "replaced “Vila-Telixante” with “Ville” (1 time)"
        texts = [s.text for s in transcript_segments(db, stored)]
        assert texts == [
            "Bienvenue au séminaire sur la Vila-Telixante.",
            "LAPUCA finance la Ville depuis 2015, dit-on.",
        ]
        assert [s.verified for s in transcript_segments(db, stored)] == [False, True]
    with catalogue.session() as db:  # SLUG was not chosen: still version 2
        assert current_transcript(db, get_session(db, SLUG)).version == 2


def test_a_replacement_that_changes_nothing_stores_no_version(catalogue) -> None:
    with catalogue.session() as db:
        found = find_occurrences(db, "Bienvenue", session=SESSION1)
        kept = apply_replacements(db, "Bienvenue", "bienvenue", [found[0].selection], "a")
        assert kept == []  # a lowercase NEW at a capital is capitalised: the same text
        assert current_transcript(db, get_session(db, SESSION1)).version == 1


def test_a_session_saved_since_the_preview_is_refused(catalogue) -> None:
    with catalogue.session() as db:
        found = find_occurrences(db, "Vila-Telixante", session=SESSION1)
        apply_replacements(db, "Vila-Telixante", "Ville", [found[0].selection], "ada")
    with catalogue.session() as db, pytest.raises(VersionConflict, match="version 2 was saved"):
        apply_replacements(db, "Vila-Telixante", "Ville", [found[1].selection], "bob")


def test_a_selection_that_is_not_an_occurrence_is_refused(catalogue) -> None:
    with catalogue.session() as db, pytest.raises(ReplaceError, match="preview again"):
        apply_replacements(db, "Vila-Telixante", "Ville", [Selection(SESSION1, 1, 0, 3)], "a")
    with pytest.raises(ReplaceError, match="not an occurrence"):
        Selection.from_key("slug:x:0:1")
    key = Selection("a:b", 2, 3, 4).key()
    assert Selection.from_key(key) == Selection("a:b", 2, 3, 4)
