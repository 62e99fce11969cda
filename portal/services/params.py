"""Lenient reading of query parameters: a bad value is ignored, never a 500."""

from __future__ import annotations

from core.timecodes import parse_timecode


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
    """Return raw as an int clamped to [minimum, maximum], or default when it is not one."""
    try:
        value = int(str(raw).strip()[:12]) if raw is not None else default
    except ValueError:
        return default
    if value is None:
        return None
    if minimum is not None:
        value = max(minimum, value)
    if maximum is not None:
        value = min(maximum, value)
    return value


def text_param(raw: str | None, max_chars: int) -> tuple[str, bool]:
    """Return the stripped text cut to max_chars, and whether it had to be cut."""
    text = " ".join((raw or "").split())
    if len(text) <= max_chars:
        return text, False
    return text[:max_chars].rsplit(" ", 1)[0], True
