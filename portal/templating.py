"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from datetime import date

from flask import Flask, current_app, request, url_for
from flask_babel import format_date, format_percent

from core.timecodes import format_clock, format_short_clock
from portal import markup
from portal.wording import notice_text
from portal.workspace import words


def init_app(app: Flask) -> None:
    """Register the filters and globals the templates use."""
    markup.init_app(app)
    app.add_template_filter(clock)
    app.add_template_filter(seconds)
    app.add_template_filter(long_date)
    app.add_template_global(url_with)
    app.add_template_global(notice_text)
    app.add_template_global(format_percent)
    for helper in (words.job_state, words.upload_state, words.item_kind, words.file_size):
        app.add_template_global(helper)
    app.add_template_global(words.version_note)
    app.add_template_global(words.version_source)
    app.context_processor(
        lambda: {"site_name": current_app.extensions["archive"].settings.site_name}
    )


def clock(ms: int | None, always_hours: bool = False) -> str:
    """Format ms as h:mm:ss, or m:ss under an hour."""
    if ms is None:
        return ""
    return format_clock(ms) if always_hours else format_short_clock(ms)


def seconds(ms: int | None) -> int:
    """Return whole seconds of a time in ms (the unit of ?t= links)."""
    return max(0, int(ms or 0)) // 1000


def long_date(value: date | str | None) -> str:
    """Format a date (or an ISO date string) in the interface language ("29 janvier 2018")."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    return format_date(value, "long") if value else ""


def url_with(**changes: object) -> str:
    """Return the current URL with some query arguments replaced (None removes one)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = str(value)
    return url_for(request.endpoint or "browse.home", **(request.view_args or {}), **args)
