"""What feed readers and API clients see: Atom entries dated by the session, not the import."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(client) -> list[ET.Element]:
    return ET.fromstring(client.get("/feed.atom").data).findall(f"{ATOM}entry")


def stamp(entry: ET.Element, name: str) -> datetime:
    return datetime.fromisoformat(entry.find(f"{ATOM}{name}").text)


def session_dates(client) -> dict[str, date]:
    """The session dates the API publishes, by page URL."""
    listed = client.get("/api/sessions").get_json()["sessions"]
    return {f"http://localhost{s['url']}": date.fromisoformat(s["date"]) for s in listed}


def test_each_entry_is_published_on_the_day_the_session_was_held(client):
    dates = session_dates(client)
    found = entries(client)
    assert len(found) == len(dates) == 3
    for entry in found:
        held = dates[entry.find(f"{ATOM}id").text]
        published = stamp(entry, "published")
        assert published.date() == held
        assert published.tzinfo is not None


def test_entries_are_updated_when_last_modified_never_before_publication(client):
    found = entries(client)
    feed_updated = datetime.fromisoformat(
        ET.fromstring(client.get("/feed.atom").data).find(f"{ATOM}updated").text
    )
    for entry in found:
        # The sessions held in 2017-2018 were imported by this test run: modified today.
        assert stamp(entry, "updated") > stamp(entry, "published")
        assert stamp(entry, "updated").year >= 2024
    assert feed_updated == max(stamp(e, "updated") for e in found)


def test_entries_come_newest_session_first(client):
    published = [stamp(e, "published") for e in entries(client)]
    assert published == sorted(published, reverse=True)


def test_the_api_says_which_sessions_have_a_recording(client):
    listed = client.get("/api/sessions").get_json()["sessions"]
    assert sorted(s["has_recording"] for s in listed) == [False, False, True]
    assert "poster_sha256" not in listed[0]
