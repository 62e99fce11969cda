"""Parse and format the time notations archivists and viewers type.

Accepted: seconds ("754", "754.5"), clock ("42:10", "0:42:10", "1:02:03.250") and
the YouTube-like "12m34s" / "1h02m03s". Everything is returned in integer ms.
"""

from __future__ import annotations

import math
import re

_CLOCK_PART = re.compile(r"^[0-9]+(?:\.[0-9]+)?$")
_UNITS = re.compile(r"^(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+(?:\.\d+)?)s?)?$")
_MAX_MS = 1000 * 3600 * 1000  # a thousand hours: anything longer is a typo


def parse_timecode(value: str | int | float) -> int:
    """Return the time in ms that value denotes; raise ValueError when it denotes none."""
    if isinstance(value, bool):
        raise ValueError(f"not a time: {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = value.strip().lower()
        if not text:
            raise ValueError("empty time")
        seconds = _clock_seconds(text) if ":" in text else _unit_seconds(text)
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"not a time: {value!r}")
    ms = round(seconds * 1000)
    if ms > _MAX_MS:
        raise ValueError(f"time too large: {value!r}")
    return ms


def _clock_seconds(text: str) -> float:
    parts = text.split(":")
    # Plain digits only: float() would also take "-0", "1e3", "inf" or "1_0".
    if len(parts) > 3 or not all(_CLOCK_PART.match(p) for p in parts):
        raise ValueError(f"not a time: {text!r}")
    numbers = [float(p) for p in parts]
    if any(n >= 60 for n in numbers[1:]):
        raise ValueError(f"minutes and seconds must be under 60: {text!r}")
    seconds = 0.0
    for number in numbers:
        seconds = seconds * 60 + number
    return seconds


def _unit_seconds(text: str) -> float:
    match = _UNITS.match(text)
    if not match or not any(match.groupdict().values()):
        raise ValueError(f"not a time: {text!r}")
    hours = int(match["h"] or 0)
    minutes = int(match["m"] or 0)
    return hours * 3600 + minutes * 60 + float(match["s"] or 0)


def _whole_hms(ms: int) -> tuple[int, int, int]:
    """Split ms into whole hours, minutes and seconds (negative times count as 0)."""
    hours, rest = divmod(max(0, int(ms)) // 1000, 3600)
    minutes, seconds = divmod(rest, 60)
    return hours, minutes, seconds


def format_clock(ms: int, always_hours: bool = True) -> str:
    """Format ms as hh:mm:ss (or m:ss when always_hours is False and under an hour)."""
    hours, minutes, seconds = _whole_hms(ms)
    if hours or always_hours:
        return f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    return f"{minutes}:{seconds:02d}"


def format_short_clock(ms: int) -> str:
    """Format ms as h:mm:ss, or m:ss under an hour (the player's and lists' compact clock)."""
    hours, minutes, seconds = _whole_hms(ms)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def format_cue_time(ms: int, decimal_mark: str = ".") -> str:
    """Format ms as hh:mm:ss.mmm for caption cues (WebVTT "." or SubRip "," decimal mark)."""
    hours, rest = divmod(max(0, int(ms)), 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{decimal_mark}{millis:03d}"


def format_seconds(ms: int) -> str:
    """Write ms as seconds for a ?t= link, keeping tenths only when needed ("24", "24.1")."""
    tenths = round(ms / 100)
    return str(tenths // 10) if tenths % 10 == 0 else f"{tenths / 10:.1f}"


def format_iso_duration(ms: int) -> str:
    """Format ms as an ISO 8601 duration in whole seconds ("PT1H2M3S"), as schema.org wants."""
    hours, minutes, seconds = _whole_hms(ms)
    return f"PT{hours}H{minutes}M{seconds}S"
