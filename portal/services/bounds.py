"""Where the numbers in URLs and forms stop: ids, versions, positions and times.

Every number a visitor or archivist types ends up in a SQL comparison, and the
catalogue's integers are 64-bit: SQLite raises OverflowError (a 500) for 2**63.
Routes therefore take their numbers through the converters below (a number out
of range matches no route: 404), and forms through `parse_int` (out of range:
None, which the view answers with a message). Nothing here imports Flask.
"""

from __future__ import annotations

MAX_ID = 2**63 - 1  # the largest catalogue integer (SQLite INTEGER, PostgreSQL BIGINT)
MAX_TIME_MS = 1000 * 3600 * 1000  # a thousand hours, as core.timecodes reads times

# Werkzeug's own int converter with bounds: a URL holding a larger number is a 404.
ID = f"int(min=1, max={MAX_ID})"  # row ids and transcript versions
TIME_MS = f"int(max={MAX_TIME_MS})"  # instants in a recording, in ms


def parse_int(raw: object, minimum: int = -MAX_ID, maximum: int = MAX_ID) -> int | None:
    """Return raw as an int in [minimum, maximum], or None when it is not one.

    Only plain decimal digits (an optional leading minus) are read: "1e3", "0x10",
    "1_000", "+5" and "٣" are not numbers here, whatever int() would make of them.
    """
    if not is_whole_number(raw):
        return None
    text = str(raw).strip()
    # Longer than MAX_ID's 19 digits (leading zeros aside) is out of range whatever it says.
    if len(text.lstrip("-").lstrip("0")) > 19:
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None


def is_whole_number(raw: object) -> bool:
    """Say whether raw is written as a whole number (digits, maybe a minus), however large."""
    text = str(raw).strip() if raw is not None and not isinstance(raw, bool) else ""
    digits = text[1:] if text.startswith("-") else text
    return digits.isascii() and digits.isdigit()


def clamp_int(raw: object, minimum: int = -MAX_ID, maximum: int = MAX_ID) -> int | None:
    """Return raw as an int moved into [minimum, maximum], or None when it is not a number.

    For parameters where "too far" has an obvious nearest value (page 10**30 is the
    last page); a number too long to hold is moved to the nearer end as well.
    """
    if not is_whole_number(raw):
        return None
    text = str(raw).strip()
    if len(text.lstrip("-").lstrip("0")) > 19:
        return minimum if text.startswith("-") else maximum
    return max(minimum, min(maximum, int(text)))
