"""Each analysis rule, seen as a user sees it: does typing X find text Y?"""

from __future__ import annotations

import pytest

from index.analysis import plain_words, terms


def finds(query: str, text: str, lang: str = "fr") -> bool:
    """Whether every term of `query` occurs among the terms of `text`."""
    wanted = terms(query, lang)
    return bool(wanted) and set(wanted) <= set(terms(text, lang))


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("seance", "La séance est ouverte"),  # accents folded
        ("SÉANCE", "une seance"),  # case folded
        ("séances", "la séance"),  # plural stemmed
        ("expérimentations", "une expérimentation"),  # stemming
        ("experimentation", "des expérimentations"),  # unaccented query, accented text
        ("urbanisme", "l'urbanisme"),  # elision split
        ("urbanisme", "l’urbanisme"),  # typographic apostrophe
        ("d'urbanisme", "plan local urbanisme"),
        ("oeuvre", "une œuvre"),  # ligature folded
        ("élève", "les eleves"),
        ("Écoles", "école"),
    ],
)
def test_french_query_finds_text(query: str, text: str) -> None:
    assert finds(query, text)


@pytest.mark.parametrize(("query", "text"), [("ville", "villageois"), ("paris", "parisien")])
def test_french_does_not_overmatch(query: str, text: str) -> None:
    assert not finds(query, text)


@pytest.mark.parametrize(
    "stop", ["le", "la", "les", "de", "du", "à", "a", "été", "ete", "l'", "qu'"]
)
def test_french_stop_words_are_not_indexed(stop: str) -> None:
    assert terms(stop) == []


def test_elided_article_leaves_only_the_noun() -> None:
    assert terms("l'urbanisme") == terms("urbanisme") == ["urban"]


def test_accents_are_folded_before_stemming() -> None:
    # In the other order "séances" would stem to a form "seances" can't reach.
    assert terms("séances") == terms("seances")
    assert terms("réalisées") == terms("realisees")


@pytest.mark.parametrize(
    ("query", "text"),
    [("running", "he runs"), ("councils", "the council"), ("experiments", "an experiment")],
)
def test_english_stemming(query: str, text: str) -> None:
    assert finds(query, text, "en")


def test_english_stop_words_are_not_indexed() -> None:
    assert terms("the and of", "en") == []


def test_plain_words_fold_without_stemming() -> None:
    assert plain_words("L'Expérimentation Œuvre") == ["l", "experimentation", "oeuvre"]
