"""Word timings on transcript lines: what makes clicking a word seek to that word."""

from __future__ import annotations

from portal.markup import mark_terms
from portal.services.transcript import word_starts


def test_each_token_gets_its_word_start():
    words = [[1000, 1200, "Bonjour"], [1200, 1500, " à"], [1500, 2000, " tous."]]
    assert word_starts("Bonjour à tous.", 1000, words) == "0 200 500"


def test_split_elisions_and_compounds_start_with_their_first_word():
    words = [
        [100, 0, "L"],
        [150, 0, "'accident"],
        [300, 0, "a"],
        [600, 0, "États"],
        [700, 0, "-Unis."],
    ]
    assert word_starts("L'accident a États-Unis.", 100, words) == "0 200 500"


def test_an_edited_line_gives_no_word_times_rather_than_wrong_ones():
    words = [[0, 0, "le"], [100, 0, "capteur"], [200, 0, "mesure"]]
    assert word_starts("les capteurs mesurent la pluie", 0, words) == ""
    assert word_starts("le capteur", 0, words) == ""


def test_search_terms_are_marked_as_whole_words_and_escaped():
    html = mark_terms("Les données <b>ouvertes</b>, données.", {"données"})
    assert str(html) == (
        "Les <mark>données</mark> &lt;b&gt;ouvertes&lt;/b&gt;, <mark>données</mark>."
    )
    assert "<mark>" not in str(mark_terms("Les donnéesouvertes", {"données"}))


def test_a_line_starting_just_before_a_talk_offset_is_shown_under_that_talk():
    from portal.services.sessions import ProgrammeEntry
    from portal.services.transcript import Line, _turns

    opening = ProgrammeEntry(0, "opening", "Ouverture", "", 0, 25_000, ())
    talk = ProgrammeEntry(1, "introduction", "Introduction", "", 25_000, None, ())
    lines = [
        Line(0, 12_000, 23_900, "Merci beaucoup.", "francois-menard"),
        Line(1, 24_400, 31_900, "La séance s'intéresse…", "steve-bernardin"),  # heard early
    ]
    turns = _turns(lines, {}, (opening, talk))
    assert [(t.item.title if t.item else None, t.lines[0].position) for t in turns] == [
        ("Ouverture", 0),
        ("Introduction", 1),
    ]
