"""Lenient reading of query parameters: a bad value is ignored, never a 500."""

from __future__ import annotations

from core.timecodes import parse_timecode
from portal.services.bounds import MAX_ID, clamp_int, is_whole_number, parse_int


def time_param(raw: str | None) -> int | None:
    """Return the ms a `t=` value denotes ("754", "12m34s", "1h02m03s", "0:12:34"), else None."""
    if not raw:
        return None
    try:
        return parse_timecode(raw[:32])
    except ValueError:
        return None


def int_param(
    raw: str | None,
    default: int | None = None,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    """Return raw as an int clamped to [minimum, maximum], or default when it is not one.

    Without bounds a number still stays within the catalogue's 64-bit integers.
    """
    low = -MAX_ID if minimum is None else minimum
    high = MAX_ID if maximum is None else maximum
    value = default if raw is None else clamp_int(raw, low, high)
    if value is None:
        return default
    return max(low, min(high, value))


def version_param(raw: str | None) -> tuple[int | None, bool]:
    """Return the transcript version `v=` names, and whether it was a number at all.

    A number is read whole, never clamped: v=-1 or v=10**30 names no version
    (None, True), which the caller answers 404; v=abc is ignored (None, False).
    """
    if not is_whole_number(raw):
        return None, False
    return parse_int(raw, 1), True


def text_param(raw: str | None, max_chars: int) -> tuple[str, bool]:
    """Return the stripped text cut to max_chars, and whether it had to be cut."""
    text = " ".join((raw or "").split())
    if len(text) <= max_chars:
        return text, False
    return text[:max_chars].rsplit(" ", 1)[0], True
