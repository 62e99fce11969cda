"""Find and replace in the workspace: preview in context, choose, apply, search finds it."""

from __future__ import annotations

import re

import pytest

from core.catalogue.queries import current_transcript, get_session
from portal import create_app
from tests.portal.builders import DRAFT_SLUG, SLUG
from tests.portal.workspace_fixtures import *  # noqa: F403
from tests.portal.workspace_fixtures import sign_in, token
from tests.support.misheard import SESSION1, VILA_S1_MS, VILA_S4_MS, hear_vila_telixante

OLD, NEW = "Vila-Telixante", "Ville intelligente"


@pytest.fixture
def misheard(ws_app):
    """The workspace app over an archive where the name was misheard in three sessions."""
    hear_vila_telixante(ws_app.extensions["archive"].settings)
    return ws_app


@pytest.fixture
def ada(misheard, archivist):
    """The archivist, with the interface in English (the messages asserted below)."""
    archivist.get("/workspace/?lang=en")
    return archivist


def preview(client, **args):
    return client.get("/workspace/replace", query_string=args)


def keys(html: str) -> list[str]:
    return re.findall(r'name="sel" value="([^"]+)"', html)


def apply(client, keys: list[str], scope: str = "all", old: str = OLD, new: str = NEW):
    return client.post(
        "/workspace/replace",
        data={"old": old, "new": new, "scope": scope, "sel": keys, "csrf_token": token(client)},
    )


def versions(app) -> dict[str, int]:
    with app.extensions["archive"].catalogue.session() as db:
        return {
            slug: current_transcript(db, get_session(db, slug, include_drafts=True)).version
            for slug in (SLUG, SESSION1, DRAFT_SLUG)
        }


def hits(app, query: str) -> list[tuple[str, int]]:
    found = app.test_client().get("/api/search", query_string={"q": query}).get_json()["hits"]
    return sorted((hit["session"], round(hit["start"] * 1000)) for hit in found)


def test_the_page_is_for_adas_only_and_linked_from_the_editor(misheard, ada):
    assert misheard.test_client().get("/workspace/replace").status_code == 404
    editor = ada.get(f"/workspace/sessions/{SLUG}/transcript").get_data(as_text=True)
    assert f'href="/workspace/replace?session={SLUG}"' in editor
    page = ada.get(f"/workspace/replace?session={SLUG}").get_data(as_text=True)
    assert f'<option value="session:{SLUG}" selected>' in page  # the session preselected
    assert '<option value="series:ville-intelligente-cycle-2">' in page
    assert 'href="/workspace/replace"' in page  # the workspace navigation


def test_preview_lists_every_occurrence_in_context_all_ticked(misheard, ada):
    before = versions(misheard)
    response = preview(ada, old="vila telixante", new=NEW, scope="all")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "5 occurrences" in html
    assert len(keys(html)) == 5 and html.count(" checked>") == 5
    assert "LAPUCA finance la <mark>Vila-Telixante</mark> depuis 2015, dit-on." in html
    assert "Intervenant 2" in html and "Stève Bernardin" in html and "0:14" in html
    none = preview(ada, old=OLD, new=NEW, scope="all", select="none")
    assert " checked>" not in none.get_data(as_text=True)
    assert versions(misheard) == before  # a preview changes nothing


def test_apply_everywhere_is_one_version_per_session_searchable_at_the_second(misheard, ada):
    assert hits(misheard, '"ville intelligente"') == []
    chosen = keys(preview(ada, old=OLD, new=NEW, scope="all").get_data(as_text=True))
    response = apply(ada, chosen)
    assert response.status_code == 302
    assert versions(misheard) == {SLUG: 3, SESSION1: 2, DRAFT_SLUG: 2}
    done = ada.get(response.headers["Location"]).get_data(as_text=True)
    assert "Replaced “Vila-Telixante” with “Ville intelligente” 5 times" in done
    assert hits(misheard, '"ville intelligente"') == sorted(
        [(SLUG, ms) for ms in VILA_S4_MS] + [(SESSION1, ms) for ms in VILA_S1_MS]
    )  # every public occurrence at the replaced word's second; the draft stays hidden
    assert hits(misheard, "Telixante") == []
    with misheard.extensions["archive"].catalogue.session() as db:
        note = current_transcript(db, get_session(db, SESSION1)).note
    assert note == "replaced “Vila-Telixante” with “Ville intelligente” (2 times)"


def test_only_the_ticked_occurrences_are_replaced(misheard, ada):
    chosen = keys(
        preview(ada, old=OLD, new=NEW, scope=f"session:{SESSION1}").get_data(as_text=True)
    )
    assert len(chosen) == 2
    assert apply(ada, chosen[1:], scope=f"session:{SESSION1}").status_code == 302
    assert versions(misheard) == {SLUG: 2, SESSION1: 2, DRAFT_SLUG: 1}
    left = keys(preview(ada, old=OLD, new=NEW, scope=f"session:{SESSION1}").get_data(as_text=True))
    assert len(left) == 1


def test_a_stale_preview_is_refused_and_nothing_is_replaced(misheard, ada):
    chosen = keys(preview(ada, old=OLD, new=NEW, scope="all").get_data(as_text=True))
    session1 = [key for key in chosen if key.startswith(SESSION1)]
    assert apply(ada, session1[:1]).status_code == 302  # someone replaces one first
    response = apply(ada, chosen)
    assert response.status_code == 409
    assert "Nothing was replaced." in response.get_data(as_text=True)
    assert versions(misheard) == {SLUG: 2, SESSION1: 2, DRAFT_SLUG: 1}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"old": "", "new": "x"}, "Type the word or phrase to replace."),
        ({"old": OLD, "new": OLD}, "The replacement is the same"),
        ({"old": "v" * 201, "new": "x"}, "limited to 200 characters"),
        ({"old": OLD, "new": "x", "scope": "series:nope"}, "This series does not exist."),
        ({"old": OLD, "new": "x", "scope": "galaxy"}, "Choose this session, a series"),
    ],
)
def test_bad_input_is_a_400_with_a_message(misheard, ada, args, message):
    response = preview(ada, **args)
    assert response.status_code == 400 and message in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("keys_sent", "message"),
    [
        ([], "Tick at least one occurrence."),
        (["garbage"], "The form is out of date"),
        ([f"{SESSION1}:1:0:3"], "A transcript changed since the preview"),
        (["nope:1:0:0"], "This session does not exist."),
    ],
)
def test_bad_choices_are_refused_with_a_message(misheard, ada, keys_sent, message):
    response = apply(ada, keys_sent)
    assert response.status_code in (400, 409)
    assert message in response.get_data(as_text=True)
    assert versions(misheard) == {SLUG: 2, SESSION1: 1, DRAFT_SLUG: 1}


def test_apply_without_the_csrf_token_is_refused(misheard, ada):
    response = ada.post(
        "/workspace/replace",
        data={"old": OLD, "new": NEW, "scope": "all", "sel": [f"{SESSION1}:1:1:18"]},
    )
    assert response.status_code == 400
    assert versions(misheard) == {SLUG: 2, SESSION1: 1, DRAFT_SLUG: 1}


def test_more_occurrences_than_the_setting_are_cut_with_a_message(misheard, ada):
    home = misheard.extensions["archive"].settings.home
    bounded = create_app(
        {
            "ARCHIVE_HOME": str(home),
            "TESTING": True,
            "SECRET_KEY": "workspace-test",
            "ARCHIVE_REPLACE_MAX_OCCURRENCES": 3,
        }
    )
    try:
        client = bounded.test_client()
        assert sign_in(client, "ada").status_code == 302
        html = preview(client, old=OLD, new=NEW, scope="all", lang="en").get_data(as_text=True)
    finally:
        bounded.extensions["archive"].catalogue.dispose()
    assert len(keys(html)) == 3 and "More than 3 occurrences" in html


def test_the_page_is_in_english_too(misheard, ada):
    html = preview(ada, old="", new="x", lang="en").get_data(as_text=True)
    assert "Find and replace" in html and "Type the word or phrase to replace." in html
    french = preview(ada, old="", new="x", lang="fr").get_data(as_text=True)
    assert "Rechercher et remplacer" in french


def test_a_replacement_that_changes_nothing_says_so(misheard, ada):
    scope = f"session:{SESSION1}"
    chosen = keys(preview(ada, old="Bienvenue", new="bienvenue", scope=scope).get_data(True))
    response = apply(ada, chosen, scope=scope, old="Bienvenue", new="bienvenue")
    assert "Nothing changed." in ada.get(response.headers["Location"]).get_data(as_text=True)
    assert versions(misheard) == {SLUG: 2, SESSION1: 1, DRAFT_SLUG: 1}
