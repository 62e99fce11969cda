"""View-independent services: each returns dataclasses that HTML views render and the API returns.

`plain()` is the single way those dataclasses become JSON, so both agree.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import Any


def plain(value: Any) -> Any:
    """Convert dataclasses, dates and tuples recursively into JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not f.metadata.get("internal")
        }
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
