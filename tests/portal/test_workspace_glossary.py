"""The glossary in the workspace: its page, the editor's offers, and adding from a replacement."""

from __future__ import annotations

import re

import pytest

from core.glossary import list_terms, series_or_error
from tests.portal.builders import SLUG
from tests.portal.workspace_fixtures import *  # noqa: F403
from tests.portal.workspace_fixtures import token
from tests.support.misheard import hear_vila_telixante

SERIES = "ville-intelligente-cycle-2"
PAGE = f"/workspace/series/{SERIES}/glossary"
OLD, NEW = "Vila-Telixante", "Ville intelligente"


@pytest.fixture
def ada(ws_app, archivist):
    """The archivist, with the interface in English (the messages asserted below)."""
    archivist.get("/workspace/?lang=en")
    return archivist


def terms(app) -> dict[str, tuple[str, str]]:
    with app.extensions["archive"].catalogue.session() as db:
        return {t.term: (t.kind, t.heard_as) for t in list_terms(db, series_or_error(db, SERIES))}


def post(client, path: str, **data):
    return client.post(path, data={**data, "csrf_token": token(client)})


def test_only_archivists_see_or_change_a_glossary(ws_app, archivist):
    visitor = ws_app.test_client()
    for path in ("/workspace/glossary", PAGE):
        assert visitor.get(path).status_code == 404
    assert visitor.post(PAGE, data={"term": "Passy"}).status_code in (400, 404)
    assert visitor.post(f"{PAGE}/seed").status_code in (400, 404)
    assert "Passy" not in terms(ws_app)
    # Signed in, without the form's CSRF token: refused too.
    assert archivist.post(PAGE, data={"term": "Passy"}).status_code == 400
    assert "Passy" not in terms(ws_app)


def test_the_page_lists_adds_removes_and_seeds(ws_app, ada):
    index = ada.get("/workspace/glossary").get_data(as_text=True)
    assert f'href="{PAGE}"' in index and 'href="/workspace/glossary"' in index  # navigation
    page = ada.get(PAGE).get_data(as_text=True)
    for term in ("Neocity", "Tenevia", "LKSpatialist", "Cityscoot", "PUCA", "LATTS"):
        assert f'data-term="{term}"' in page
    added = post(ada, PAGE, term="Grande Arche", kind="place", heard_as="grand arrache")
    assert added.status_code == 302 and added.headers["Location"].endswith(PAGE)
    assert terms(ws_app)["Grande Arche"] == ("place", "grand arrache")
    page = ada.get(PAGE).get_data(as_text=True)
    assert "Added “Grande Arche” to the glossary" in page and "grand arrache" in page
    removed = post(ada, f"{PAGE}/remove", term="Neocity")
    assert removed.status_code == 302 and "Neocity" not in terms(ws_app)
    seeded = post(ada, f"{PAGE}/seed")
    assert seeded.status_code == 302 and "Neocity" in terms(ws_app)
    assert "Added from the programme: Neocity." in ada.get(PAGE).get_data(as_text=True)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"term": "neocity"}, "This term is already in the glossary."),
        ({"term": "  "}, "Type the term to add"),
        ({"term": "x" * 81}, "A glossary term is at most 80 characters."),
        ({"term": "Passy", "kind": "building"}, "Choose a person, a place, an organisation"),
    ],
)
def test_a_bad_term_is_refused_with_a_message_and_the_form_kept(ws_app, ada, form, message):
    response = post(ada, PAGE, **form)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html
    assert f'value="{form["term"]}"' in html  # what was typed is still there
    assert post(ada, f"{PAGE}/remove", term="Passy").status_code == 400
    assert ada.get("/workspace/series/nope/glossary").status_code == 404


def test_the_french_page_has_no_english_words(ws_app, archivist):
    archivist.get("/workspace/?lang=fr")
    html = archivist.get(PAGE).get_data(as_text=True)
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", "", html, flags=re.S))
    assert "Ajouter un terme" in text and "Remplir depuis le programme" in text
    assert "personne" in text and "le programme" in text
    for english in ("Add a term", "Seed", "Remove", "Heard as", "Kind", "person ", "Glossary",
                    "the programme", "organisation or", "terms"):  # fmt: skip
        assert english not in text, english


def test_a_replacement_adds_its_new_spelling_in_one_click_and_the_editor_offers_it(ws_app, ada):
    hear_vila_telixante(ws_app.extensions["archive"].settings)
    preview = f"/workspace/replace?old={OLD}&new={NEW}&scope=all"
    html = ada.get(preview).get_data(as_text=True)
    assert "Add “Ville intelligente” to the glossary of" in html
    back = re.search(r'name="back" value="([^"]+)"', html).group(1).replace("&amp;", "&")
    added = post(ada, PAGE, term=NEW, heard_as=OLD, kind="term", back=back)
    assert added.status_code == 302 and added.headers["Location"] == back
    assert terms(ws_app)[NEW] == ("term", OLD)
    again = ada.get(back).get_data(as_text=True)
    assert "Added “Ville intelligente” to the glossary" in again
    assert "“Ville intelligente” is in the glossary of" in again
    assert "Add “Ville intelligente” to the glossary" not in again
    # A "back" leading off the workspace is ignored.
    elsewhere = post(ada, PAGE, term="Passy", back="//evil.example/workspace/")
    assert elsewhere.headers["Location"].endswith(PAGE)
    # The editor offers the glossary's spelling where the misheard one stands.
    editor = ada.get(f"/workspace/sessions/{SLUG}/transcript").get_data(as_text=True)
    assert f'data-heard="{OLD}" data-term="{NEW}"' in editor
    assert f'href="{PAGE}"' in editor


def test_a_seeded_term_replaced_for_a_misheard_spelling_can_still_be_taught(ws_app, ada):
    # « LAPUCA » → « PUCA »: PUCA was seeded from the programme, but nobody had told the
    # recogniser about « LAPUCA »: the one-click add is offered and makes the term theirs.
    hear_vila_telixante(ws_app.extensions["archive"].settings)
    assert terms(ws_app)["PUCA"] == ("organisation", "")
    html = ada.get("/workspace/replace?old=LAPUCA&new=PUCA&scope=all").get_data(as_text=True)
    assert "Add “PUCA” to the glossary of" in html
    back = re.search(r'name="back" value="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert (
        post(ada, PAGE, term="PUCA", heard_as="LAPUCA", kind="term", back=back).status_code == 302
    )
    assert terms(ws_app)["PUCA"] == ("organisation", "LAPUCA")
    again = ada.get(back).get_data(as_text=True)
    assert "“PUCA” is in the glossary of" in again
    assert "Add “PUCA” to the glossary" not in again
