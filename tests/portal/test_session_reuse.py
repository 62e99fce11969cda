"""The session page offers what other sites reuse: its IIIF manifest and the embed player."""

from __future__ import annotations

import re

from tests.portal.builders import SLUG


def _reuse_links(html: str) -> dict[str, str]:
    section = html.split('id="reuse-h"', 1)[1].split("</section>", 1)[0]
    return {text: href for href, text in re.findall(r'href="([^"]+)"[^>]*>([^<]+)</a>', section)}


def test_a_session_with_a_recording_links_its_manifest_and_player_in_both_languages(client):
    french = _reuse_links(client.get(f"/sessions/{SLUG}?lang=fr&t=21").get_data(as_text=True))
    assert set(french) == {"Manifeste IIIF", "Lecteur à intégrer"}
    assert french["Lecteur à intégrer"].endswith("/embed?t=21")  # the moment being watched
    for href in french.values():
        assert client.get(href.replace("&amp;", "&")).status_code == 200
    english = _reuse_links(client.get(f"/sessions/{SLUG}?lang=en").get_data(as_text=True))
    assert set(english) == {"IIIF manifest", "Player to embed"}
