"""Template helpers that write HTML: transcript lines and search terms marked in them.

Services hand over plain text and ms; only this module (and the templates) escape
and add tags, so the JSON API and the CLI never carry markup.
"""

from __future__ import annotations

import re
from functools import lru_cache

from flask import Flask
from markupsafe import Markup, escape

from portal.services.transcript import Line


def init_app(app: Flask) -> None:
    """Register the transcript HTML helper as a template filter."""
    app.add_template_filter(lines_html)


def lines_html(
    lines: list[Line], highlights: dict[int, set[str]], current_position: int | None
) -> Markup:
    """Return a turn's lines as <p>s with times and word starts, one per text line.

    `highlights` maps a line's start_ms to the words to <mark> in it; the line at
    current_position is marked as the one the page opens on.
    """
    out = []
    for line in lines:
        marked = highlights.get(line.start_ms)
        if marked is None and line.position != current_position:
            out.append(_line_html(line.start_ms, line.end_ms, line.marks, line.text))
            continue
        current = ' is-current" aria-current="true' if line.position == current_position else ""
        text = escape(line.text) if marked is None else mark_terms(line.text, marked)
        out.append(
            f'<p class="ln{current}" data-s="{line.start_ms}" data-e="{line.end_ms}" '
            f'data-w="{escape(line.marks)}">{text}</p>'
        )
    return Markup("".join(f"{html}\n" for html in out))


# A transcript version never changes and its lines are printed on every view of the
# page: keeping their HTML (and writing it in Python rather than a template loop)
# is what keeps a 3-hour page fast to render.
@lru_cache(maxsize=100_000)
def _line_html(start_ms: int, end_ms: int, marks: str, text: str) -> Markup:
    return Markup(
        f'<p class="ln" data-s="{start_ms}" data-e="{end_ms}" data-w="{marks}">'
        f"{_escape_text(text)}</p>"
    )


def _escape_text(text: str) -> str:
    """Escape text for an HTML element's content (plain replaces: markupsafe per piece is slow)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mark_terms(text: str, terms: set[str]) -> Markup:
    """Return text escaped, with every whole-word occurrence of terms wrapped in <mark>."""
    words = sorted((t for t in terms if t.strip()), key=len, reverse=True)
    if not words:
        return escape(text)
    pattern = re.compile(
        r"(?<!\w)(" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE
    )
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(Markup("<mark>") + escape(match.group(0)) + Markup("</mark>"))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def clear_cache() -> None:
    """Forget the kept line HTML (benchmarks measure an uncached render with it)."""
    _line_html.cache_clear()
