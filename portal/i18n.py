"""Interface language: French or English, French by default for French content.

Order of precedence: an explicit `?lang=` (remembered in a cookie), the cookie,
the language of the series or session being shown, the browser's preference,
then the configured default.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request
from flask.wrappers import Response
from flask_babel import get_locale, refresh

from portal.extensions import archive, babel

LANG_COOKIE = "lang"
_COOKIE_MAX_AGE_S = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    """Install Babel with our locale selector and remember explicit language choices."""
    babel.init_app(app, locale_selector=select_locale)
    app.after_request(_remember_choice)
    app.context_processor(_language_context)


def languages() -> list[str]:
    """Return the interface languages this portal offers."""
    return list(archive().settings.languages)


def select_locale() -> str:
    """Pick the interface language of the current request."""
    offered = languages()
    for choice in (
        request.args.get("lang"),
        request.cookies.get(LANG_COOKIE),
        g.get("content_language"),
    ):
        if choice in offered:
            return choice
    return (
        request.accept_languages.best_match(offered) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def use_content_language(language: str | None) -> None:
    """Declare the language of the page's content, so a French series gets a French UI."""
    if language:
        g.content_language = language[:2].lower()
        refresh()  # the locale may have been computed already, e.g. by a lazy string


def current_language() -> str:
    """Return the interface language code in force ("fr" or "en")."""
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def _remember_choice(response: Response) -> Response:
    # An API call's ?lang= words one answer (the cite dialog sends its page's language);
    # only a reader's choice on a page is remembered for the pages to come.
    choice = request.args.get("lang")
    if choice in languages() and request.blueprint != "api":
        response.set_cookie(LANG_COOKIE, choice, max_age=_COOKIE_MAX_AGE_S, samesite="Lax")
    return response


def _language_context() -> dict:
    return {"current_language": current_language, "interface_languages": languages}
