"""Find and replace a misheard word in a session, its series or the whole archive.

A GET previews every occurrence (time, speaker, context) with a checkbox each;
the POST applies the ticked ones as one new version per session (refused if a
session changed since the preview) and reindexes those sessions. The rules
live in `core.replace`; this module only reads forms and says things in the
archivist's language.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from core.catalogue.queries import get_series, list_series
from core.catalogue.schema import Series, Session
from core.corrections import VersionConflict
from core.errors import CatalogueError
from core.glossary import list_terms, teaches
from core.replace import (
    MAX_PHRASE_CHARS,
    ReplaceError,
    Selection,
    apply_replacements,
    check_phrases,
    find_occurrences,
)
from core.text import fold_words
from portal.extensions import archive, get_db
from portal.workspace import enqueue_reindex, make_blueprint, session_or_404

bp = make_blueprint("workspace_replace", __name__)


@bp.route("/replace")
def form():
    """Show the form and, once OLD is given, the occurrences to choose from."""
    return _page(request.args)


@bp.route("/replace", methods=["POST"])
def apply():
    """Replace the ticked occurrences: one version per session, then reindex them."""
    db, form = get_db(), request.form
    back = {
        "old": form.get("old", ""),
        "new": form.get("new", ""),
        "scope": form.get("scope", "all"),
        **({"session": form["session"]} if form.get("session") else {}),
    }
    keys = form.getlist("sel")
    try:
        if not keys:
            raise ReplaceError("nothing chosen", "none_chosen")
        if len(keys) > archive().settings.replace_max_occurrences:
            raise ReplaceError("too many", "too_many")
        stored = apply_replacements(
            db,
            back["old"],
            back["new"],
            [Selection.from_key(key) for key in keys],
            current_user.username,
        )
        touched = [(t.session.slug, t.version) for t in stored]
        db.commit()
    except CatalogueError as exc:
        db.rollback()  # all or nothing: no session is half-replaced
        conflict = isinstance(exc, VersionConflict) or getattr(exc, "reason", "") == "stale"
        refusal = _refusal(exc) + " " + _("Nothing was replaced.")
        return _page(back, refusal, 409 if conflict else 400)
    if not touched:  # every chosen occurrence already read as NEW
        flash(_("Nothing changed."), "success")
        return redirect(url_for(".form", **back))
    for slug, _version in touched:
        enqueue_reindex(slug)
    versions = ", ".join(
        _("%(session)s version %(version)d", session=slug, version=version)
        for slug, version in touched
    )
    flash(
        ngettext(
            "Replaced “%(old)s” with “%(new)s” %(num)d time: %(versions)s.",
            "Replaced “%(old)s” with “%(new)s” %(num)d times: %(versions)s.",
            len(keys),
            old=" ".join(back["old"].split()),
            new=" ".join(back["new"].split()),
            versions=versions,
        ),
        "success",
    )
    return redirect(url_for(".form", **back))


def _page(args, refusal: str | None = None, status: int = 200):
    """Render the form, with the preview of `args` and a refusal if there is one."""
    db = get_db()
    session = session_or_404(args["session"]) if args.get("session") else None
    scope = args.get("scope") or (f"session:{session.slug}" if session else "all")
    old, new = args.get("old", ""), args.get("new", "")
    limit = archive().settings.replace_max_occurrences
    occurrences = None
    if "old" in args:
        try:
            old, new = check_phrases(old, new)
            occurrences = find_occurrences(
                db, old, **_scope(scope), include_drafts=True, limit=limit
            )
        except ReplaceError as exc:
            refusal, status = refusal or _refusal(exc), 400
    page = render_template(
        "workspace/replace.html",
        session=session,
        scopes=_scopes(session),
        scope=scope,
        old=old,
        new=new,
        occurrences=occurrences[:limit] if occurrences is not None else None,
        too_many=occurrences is not None and len(occurrences) > limit,
        limit=limit,
        max_chars=MAX_PHRASE_CHARS,
        checked=args.get("select") != "none",
        # What the select links and the apply form carry over from the preview.
        query={
            "old": old,
            "new": new,
            "scope": scope,
            **({"session": session.slug} if session else {}),
        },
        refusal=refusal,
        glossaries=(
            _glossaries(db, scope, session, old, new, occurrences) if new and not refusal else []
        ),
    )
    return page, status


def _glossaries(
    db, scope: str, session, old: str, new: str, occurrences
) -> list[tuple[Series, bool]]:
    """Return the series whose glossary could take NEW, each saying if it already has it.

    The session's series, the chosen series, or for the whole archive the series
    of the sessions where OLD was found. A term only seeded from the programme, not
    yet knowing OLD as a spelling heard, can still be added: it then becomes the
    archivist's, with the hot-word room kept for terms added by hand.
    """
    if session is not None:
        found = [session.series] if session.series is not None else []
    elif scope.startswith("series:"):
        found = [get_series(db, scope.partition(":")[2])]
    else:
        slugs = {o.session_slug for o in occurrences or []}
        found = list(
            db.scalars(select(Series).join(Session).where(Session.slug.in_(slugs)).distinct())
        )
    key = fold_words(new)

    def known(term) -> bool:
        return term.key == key and not teaches(term, old)

    return [
        (series, any(known(t) for t in list_terms(db, series)))
        for series in found
        if series is not None
    ]


def _scope(value: str) -> dict[str, str]:
    """Read the scope field: "all", "series:<slug>" or "session:<slug>"."""
    if value == "all":
        return {}
    kind, _sep, slug = value.partition(":")
    if kind not in ("session", "series") or not slug:
        raise ReplaceError(f"unknown scope {value!r}", "scope")
    return {kind: slug}


def _scopes(session) -> list[tuple[str, str]]:
    """Return the scope choices: this session and its series first when one is given."""
    choices = []
    if session is not None:
        choices.append((f"session:{session.slug}", _("This session: %(t)s", t=session.title)))
        if session.series is not None:
            choices.append(
                (f"series:{session.series.slug}", _("Its series: %(t)s", t=session.series.title))
            )
    choices.append(("all", _("The whole archive")))
    if session is None:
        choices += [
            (f"series:{s.slug}", _("Series: %(t)s", t=s.title)) for s in list_series(get_db())
        ]
    return choices


def _refusal(exc: Exception) -> str:
    """Say a refusal in the interface language (the service's English as a fallback)."""
    messages = {
        "no_old": _("Type the word or phrase to replace."),
        "no_new": _("Type the replacement; to delete words, edit the segment."),
        "same": _("The replacement is the same as the text to replace."),
        "too_long": _(
            "The text to replace and its replacement are limited to %(n)d characters.",
            n=MAX_PHRASE_CHARS,
        ),
        "no_session": _("This session does not exist."),
        "no_series": _("This series does not exist."),
        "scope": _("Choose this session, a series or the whole archive."),
        "stale": _("A transcript changed since the preview: preview again."),
        "bad_key": _("The form is out of date: preview again."),
        "none_chosen": _("Tick at least one occurrence."),
        "too_many": _(
            "At most %(n)d occurrences can be replaced at once.",
            n=archive().settings.replace_max_occurrences,
        ),
    }
    if isinstance(exc, VersionConflict):
        return _("A transcript was saved by someone else since the preview: preview again.")
    return messages.get(getattr(exc, "reason", ""), str(exc))
