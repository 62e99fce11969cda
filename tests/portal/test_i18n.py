"""French and English interface: French by default for a French series, switchable."""

from __future__ import annotations

from tests.portal.builders import SLUG


def test_french_series_page_is_in_french_even_for_an_english_browser(client):
    page = client.get(f"/sessions/{SLUG}", headers={"Accept-Language": "en-GB,en"}).get_data(
        as_text=True
    )
    assert '<html lang="fr">' in page
    assert "Télécharger la transcription" in page


def test_lang_switch_is_remembered(client):
    page = client.get(f"/sessions/{SLUG}?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page and "Download the transcript" in page
    again = client.get(f"/sessions/{SLUG}").get_data(as_text=True)
    assert "Download the transcript" in again  # the cookie keeps the choice


def test_home_follows_the_browser_then_defaults_to_french(client):
    english = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Latest sessions" in english
    french = client.get("/").get_data(as_text=True)
    assert "Dernières séances" in french


def test_dates_follow_the_interface_language(client):
    assert "29 janvier 2018" in client.get(f"/sessions/{SLUG}").get_data(as_text=True)
    page = client.get(f"/sessions/{SLUG}?lang=en").get_data(as_text=True)
    assert "January 29, 2018" in page


def test_every_interface_message_has_a_french_translation_and_the_mo_is_compiled():
    from pathlib import Path

    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    folder = Path(__file__).resolve().parents[2] / "portal" / "translations" / "fr" / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as handle:
        po = read_po(handle, locale="fr")
    with open(folder / "messages.mo", "rb") as handle:
        mo = read_mo(handle)

    def table(catalogue) -> dict:  # plural messages have tuples of ids and of strings
        def flat(value):
            return tuple(value) if isinstance(value, list | tuple) else value

        return {flat(m.id): flat(m.string) for m in catalogue if m.id}

    untranslated = [k for k, t in table(po).items() if not t or (isinstance(t, tuple) and "" in t)]
    assert untranslated == []
    assert table(po) == table(mo)
