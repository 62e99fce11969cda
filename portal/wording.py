"""Sentences in the reader's language built from plain service and index data.

Services and the index hand over codes and fields; the wording is chosen here
with Flask-Babel, so the French search page never shows an English notice.
"""

from __future__ import annotations

from flask_babel import format_date, ngettext
from flask_babel import gettext as _

from index.notices import Notice, NoticeCode
from portal.services.citation import Citation, CitationWords, span_text


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


def citation_words() -> CitationWords:
    """Return the words BibTeX and CSL-JSON add to the catalogue's, in the reader's language."""
    return CitationWords(
        version=lambda version: _("transcript version %(version)s", version=version),
        genre=_("Seminar recording"),
    )


def notice_text(notice: Notice | None) -> str | None:
    """Say in the reader's language why a query was read differently from how it was typed."""
    if notice is None:
        return None
    code, params = notice.code, notice.params
    if code == NoticeCode.TOO_LONG:
        return _("The query was too long; searched for its first words only.")
    if code == NoticeCode.UNRESOLVED:
        return _("Nothing in the archive matches %(values)s.", values=params.get("values", ""))
    if code == NoticeCode.ONLY_COMMON_WORDS:
        return _("The query has only very common words, which are not indexed.")
    if code == NoticeCode.PATTERN_NEEDS_LETTERS:
        return _(
            "A word with * or ? must start with a letter or digit; ignored: %(patterns)s.",
            patterns=params.get("patterns", ""),
        )
    if code == NoticeCode.TOO_MANY_PATTERNS:
        return _(
            "Only the first %(max)s words with * or ? were searched; ignored: %(patterns)s.",
            max=params.get("max", ""),
            patterns=params.get("patterns", ""),
        )
    if code == NoticeCode.PATTERN_LIMITED:
        return _(
            "%(patterns)s: too many words match; only the first ones in alphabetical order "
            "(at most %(words)s) were searched. Type more letters to narrow it.",
            patterns=params.get("patterns", ""),
            words=params.get("words", ""),
        )
    problem = _problem_text(notice)
    if problem is None:
        return _("The query could not be read; searched for its words.")
    return _("The query could not be read (%(problem)s); searched for its words.", problem=problem)


def _problem_text(notice: Notice) -> str | None:
    """Say what is wrong with a query's syntax, or None when the parser gave no detail."""
    code, params = notice.code, notice.params
    if code == NoticeCode.UNCLOSED_QUOTE:
        return _("a quotation mark is not closed")
    if code == NoticeCode.UNBALANCED:
        return _("unbalanced %(pair)s", pair=params.get("pair", ""))
    if code == NoticeCode.NOTHING_TO_COMBINE:
        return _("'%(operator)s' has nothing to combine", operator=params.get("operator", ""))
    if code == NoticeCode.OPERATORS_IN_A_ROW:
        return _("two operators in a row")
    if code == NoticeCode.EMPTY_FIELD:
        return _("'%(field)s:' has no value", field=params.get("field", ""))
    return None


def metadata_only_text() -> str:
    """Say that no passage has the query's words but titles, programmes or names do."""
    return _(
        "No passage says these words; they are in the titles, programmes or names listed above."
    )


def results_summary(sessions: int, people: int, passages: int) -> str:
    """Count what a search found: "2 séances, 1 personne, 14 passages" (parts at zero left out)."""
    parts = []
    if sessions:
        parts.append(ngettext("%(num)d session", "%(num)d sessions", sessions))
    if people:
        parts.append(ngettext("%(num)d person", "%(num)d people", people))
    parts.append(ngettext("%(num)d passage", "%(num)d passages", passages))
    return ", ".join(parts)
