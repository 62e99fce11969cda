"""schema.org Clips: whole seconds, each ending where the next starts, none past the end."""

from __future__ import annotations

from datetime import date

from portal.services.seo import session_jsonld
from portal.services.sessions import MediaRef, ProgrammeEntry, SessionDetail, SessionSummary
from tests.portal.builders import SLUG
from tests.portal.test_discover import jsonld


def detail(starts_ms: list[int], duration_ms: int) -> SessionDetail:
    """A session whose timed items start at starts_ms, each ending at the next start."""
    ends = [*starts_ms[1:], duration_ms]
    return SessionDetail(
        summary=SessionSummary(
            slug="s",
            title="Séance",
            date=date(2018, 1, 29),
            language="fr",
            place="",
            series_slug=None,
            series_title=None,
            duration_ms=duration_ms,
        ),
        description="",
        programme=tuple(
            ProgrammeEntry(i, "talk", f"Item {i}", "", start, end, ())
            for i, (start, end) in enumerate(zip(starts_ms, ends, strict=True))
        ),
        people=(),
        media=MediaRef("0" * 64, "mp4", "video/mp4", True, duration_ms),
        transcript_version=None,
    )


def clips_of(data: dict) -> list[tuple[int, int]]:
    return [(c["startOffset"], c["endOffset"]) for c in data["hasPart"]]


def test_clips_meet_end_to_start_in_whole_seconds_and_stop_at_the_duration():
    data = session_jsonld(detail([0, 10_400, 20_700, 33_999], 40_900), None, "https://h/")
    assert data["duration"] == "PT0H0M40S"
    assert clips_of(data) == [(0, 10), (10, 20), (20, 33), (33, 40)]
    assert all(isinstance(v, int) for pair in clips_of(data) for v in pair)
    assert data["hasPart"][1]["url"] == "https://h/sessions/s?t=10"


def test_a_clip_shorter_than_a_second_is_left_out():
    data = session_jsonld(detail([0, 10_200, 10_700], 20_000), None, "https://h/")
    assert clips_of(data) == [(0, 10), (10, 20)]


def test_the_session_page_clips_tile_the_recording(client):
    data = jsonld(client.get(f"/sessions/{SLUG}").get_data(as_text=True))
    clips = clips_of(data)
    assert all(a[1] == b[0] for a, b in zip(clips, clips[1:], strict=False))
    seconds = int(data["duration"].removeprefix("PT0H0M").removesuffix("S"))
    assert clips[-1][1] == seconds
