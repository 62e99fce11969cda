"""Sentences in the reader's language built from plain service and index data.

Services and the index hand over codes and fields; the wording is chosen here
with Flask-Babel, so the French search page never shows an English notice.
"""

from __future__ import annotations

from flask_babel import format_date
from flask_babel import gettext as _

from portal.services.citation import Citation, span_text


def citation_text(citation: Citation) -> str:
    """Write a Chicago-like note: who, “what”, in “session”, series, date, at time, version. URL."""
    parts = []
    names = [f"{p.name} ({p.affiliation})" if p.affiliation else p.name for p in citation.speakers]
    if names:
        parts.append(_(" and ").join(names))
    if citation.quote:
        parts.append(_("“%(quote)s”", quote=citation.quote))
    parts.append(_("in “%(title)s”", title=citation.session_title))
    if citation.series_title:
        parts.append(citation.series_title)
    if citation.date:
        parts.append(format_date(citation.date, "long"))
    parts.append(_("at %(time)s", time=span_text(citation.start_ms, citation.end_ms)))
    parts.append(_("transcript version %(version)s", version=citation.version))
    return ", ".join(parts) + ". " + citation.permalink
