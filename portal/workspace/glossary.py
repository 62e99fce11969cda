"""A series' glossary in the workspace: list, add, remove, seed from the programme.

The rules live in `core.glossary`; this module reads forms and says refusals in
the archivist's language. The find-and-replace page posts here too ("add NEW to
the glossary"), with `back` naming the workspace page to return to.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from core.catalogue.queries import get_series, list_series
from core.catalogue.schema import GlossaryTerm, Segment, Series, Session
from core.glossary import (
    KINDS,
    GlossaryError,
    GlossaryLimits,
    Suggester,
    Suggestion,
    add_term,
    list_terms,
    remove_term,
    seed_from_programme,
)
from portal.extensions import archive, get_db
from portal.workspace import make_blueprint

bp = make_blueprint("workspace_glossary", __name__)


@bp.route("/glossary")
def index():
    """List the series, each with how many terms its glossary holds."""
    db = get_db()
    counts = dict(
        db.execute(
            select(GlossaryTerm.series_id, func.count()).group_by(GlossaryTerm.series_id)
        ).all()
    )
    rows = [(series, counts.get(series.id, 0)) for series in list_series(db)]
    return render_template("workspace/glossary_index.html", rows=rows)


@bp.route("/series/<slug>/glossary")
def page(slug: str):
    """Show the series' glossary with the forms to add, remove and seed."""
    return _page(_series_or_404(slug))


@bp.route("/series/<slug>/glossary", methods=["POST"])
def add(slug: str):
    """Add a term (from the form, or from an accepted replacement), then go back."""
    series, form = _series_or_404(slug), request.form
    try:
        entry = add_term(
            get_db(),
            series,
            form.get("term", ""),
            kind=form.get("kind", "term"),
            heard_as=form.get("heard_as", ""),
            note=form.get("note", ""),
            created_by=current_user.username,
            limits=_limits(),
        )
        get_db().commit()
    except GlossaryError as exc:
        get_db().rollback()
        if _back():
            flash(_refusal(exc), "error")
            return redirect(_back())
        return _page(series, _refusal(exc), form), 400
    flash(
        _("Added “%(term)s” to the glossary of %(series)s.", term=entry.term, series=series.title),
        "success",
    )
    return redirect(_back() or url_for(".page", slug=slug))


@bp.route("/series/<slug>/glossary/remove", methods=["POST"])
def remove(slug: str):
    """Remove one term."""
    series = _series_or_404(slug)
    try:
        entry = remove_term(get_db(), series, request.form.get("term", ""))
        get_db().commit()
    except GlossaryError as exc:
        get_db().rollback()
        return _page(series, _refusal(exc)), 400
    flash(_("Removed “%(term)s” from the glossary.", term=entry.term), "success")
    return redirect(url_for(".page", slug=slug))


@bp.route("/series/<slug>/glossary/seed", methods=["POST"])
def seed(slug: str):
    """Add the programme's people, affiliations and proper nouns the glossary lacks."""
    series = _series_or_404(slug)
    report = seed_from_programme(get_db(), series, limits=_limits())
    get_db().commit()
    if report.added:
        flash(_("Added from the programme: %(terms)s.", terms=", ".join(report.added)), "success")
    else:
        flash(_("The programme has no term the glossary lacks."), "success")
    return redirect(url_for(".page", slug=slug))


def editor_hints(
    db, session: Session, doubt_threshold: float
) -> Callable[[Segment], list[Suggestion]]:
    """Return what the editor offers per segment: glossary terms near its words.

    Built once per page from the series' glossary; only words the recogniser was
    unsure of (probability under `doubt_threshold`) are compared by edit distance.
    """
    if session.series is None:
        return lambda segment: []
    suggester = Suggester(list_terms(db, session.series))

    def hints(segment: Segment) -> list[Suggestion]:
        unsure = [
            str(w[2])
            for w in segment.words or []
            if len(w) >= 4 and w[3] is not None and float(w[3]) < doubt_threshold
        ]
        return suggester.suggest(segment.text, unsure)

    return hints


def kind_labels() -> dict[str, str]:
    """Return each kind of term in the interface language."""
    return {
        "person": _("person"),
        "place": _("place"),
        "organisation": _("organisation"),
        "term": _("term"),
    }


def _page(series: Series, refusal: str | None = None, form=None):
    limits = _limits()
    return render_template(
        "workspace/glossary.html",
        series=series,
        terms=list_terms(get_db(), series),
        kinds=[(kind, kind_labels()[kind]) for kind in KINDS],
        labels=kind_labels(),
        limits=limits,
        refusal=refusal,
        form=form or {},
    )


def _series_or_404(slug: str) -> Series:
    return get_series(get_db(), slug) or abort(404)


def _limits() -> GlossaryLimits:
    return GlossaryLimits.from_settings(archive().settings)


def _back() -> str | None:
    """Return the workspace page to go back to, never another site (`//evil` is refused)."""
    back = request.form.get("back", "")
    return back if back.startswith("/workspace/") and not back.startswith("//") else None


def _refusal(exc: GlossaryError) -> str:
    """Say a refusal in the interface language (the service's English as a fallback)."""
    limits = _limits()
    messages = {
        "empty": _("Type the term to add: a name, a place, an organisation or a word."),
        "too_long": _("A glossary term is at most %(n)d characters.", n=limits.max_chars),
        "kind": _("Choose a person, a place, an organisation or a term."),
        "exists": _("This term is already in the glossary."),
        "full": _("The glossary is full (%(n)d terms): remove some first.", n=limits.max_terms),
        "unknown": _("This term is not in the glossary."),
    }
    return messages.get(exc.reason, str(exc))
