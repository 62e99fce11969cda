"""Time notations archivists type in manifests and viewers type in links."""

from __future__ import annotations

import pytest

from core.timecodes import (
    format_clock,
    format_cue_time,
    format_iso_duration,
    format_seconds,
    format_short_clock,
    parse_timecode,
)


@pytest.mark.parametrize(
    ("value", "expected_ms"),
    [
        ("754", 754_000),
        ("754.5", 754_500),
        ("12m34s", 754_000),
        ("1h02m03s", 3_723_000),
        ("1h", 3_600_000),
        ("90m", 5_400_000),
        ("42:10", 2_530_000),
        ("0:42:10", 2_530_000),
        ("1:02:03.250", 3_723_250),
        (" 0:00:07 ", 7_000),
        ("0", 0),
        (754, 754_000),
        (2.5, 2_500),
    ],
)
def test_parse_timecode_accepts_the_usual_notations(value, expected_ms: int) -> None:
    assert parse_timecode(value) == expected_ms


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "abc",
        "1:60",  # seconds must be under 60
        "0:75:00",
        "1:2:3:4",
        "1::2",
        ":30",
        "-5",
        "-0:10",
        "0:-5",
        "inf:00",
        "1e3:00",
        "12m34x",
        "1.5.3",
        float("inf"),
        float("nan"),
        -1,
        True,
        "9999999h",
    ],
)
def test_parse_timecode_refuses_what_is_not_a_time(value) -> None:
    with pytest.raises(ValueError):
        parse_timecode(value)


@pytest.mark.parametrize(
    ("ms", "clock", "short"),
    [
        (0, "00:00:00", "0:00"),
        (7_999, "00:00:07", "0:07"),
        (2_530_000, "00:42:10", "42:10"),
        (3_723_250, "01:02:03", "01:02:03"),
        (-500, "00:00:00", "0:00"),
    ],
)
def test_format_clock(ms: int, clock: str, short: str) -> None:
    assert format_clock(ms) == clock
    assert format_clock(ms, always_hours=False) == short


def test_format_then_parse_round_trips_to_the_second() -> None:
    for ms in (0, 1_000, 59_000, 3_599_000, 36_000_000):
        assert parse_timecode(format_clock(ms)) == ms


@pytest.mark.parametrize(
    ("ms", "short", "cue", "seconds", "iso"),
    [
        (0, "0:00", "00:00:00.000", "0", "PT0H0M0S"),
        (24_100, "0:24", "00:00:24.100", "24.1", "PT0H0M24S"),
        (2_530_000, "42:10", "00:42:10.000", "2530", "PT0H42M10S"),
        (3_723_250, "1:02:03", "01:02:03.250", "3723.2", "PT1H2M3S"),
        (-500, "0:00", "00:00:00.000", "-0.5", "PT0H0M0S"),
    ],
)
def test_clock_variants(ms: int, short: str, cue: str, seconds: str, iso: str) -> None:
    assert format_short_clock(ms) == short
    assert format_cue_time(ms) == cue
    assert format_cue_time(ms, ",") == cue.replace(".", ",")
    assert format_seconds(ms) == seconds
    assert format_iso_duration(ms) == iso
