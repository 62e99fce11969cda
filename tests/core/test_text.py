"""One folding rule for slugs, citation keys and transcript matching."""

from __future__ import annotations

import pytest

from core.text import ascii_key, fold, fold_words, slugify


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Été", "ete"), ("Œuvre", "oeuvre"), ("Cæsar", "caesar"), ("Straße", "strasse")],
)
def test_fold_drops_case_accents_and_ligatures(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_every_use_folds_the_same_way() -> None:
    assert slugify("Cœur de l'Été") == "coeur-de-l-ete"
    assert fold_words("Cœur de l'Été !") == "coeur de l ete"
    assert ascii_key("Cœur de l'Été") == "coeurdelete"
    assert ascii_key("Ménard") == "menard"
