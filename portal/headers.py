"""The portal's HTTP edge: which proxy headers it believes, which security headers it sends.

Behind `trusted_proxies` reverse proxies, werkzeug's ProxyFix takes the client's
address, scheme and host from that many X-Forwarded-For/-Proto/-Host entries,
so sign-in throttling counts the real client, and a request that reached the
proxy over TLS is HTTPS (Secure cookies, HSTS). With the default 0 those headers
are ignored: anyone can send them.

Every response gets a Content-Security-Policy without 'unsafe-inline': pages
load their scripts and styles from /static only (JSON-LD blocks are data, not
scripts), so an injected `<script>` or `style` attribute is refused.

No page may be framed by another site (clickjacking), except the embeddable
player (FRAMEABLE_ENDPOINTS): its policy lets `embed_frame_ancestors` frame it.
"""

from __future__ import annotations

import re

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

from core.errors import ConfigError
from core.settings import Settings

_POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "media-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
)
CONTENT_SECURITY_POLICY = "; ".join((*_POLICY, "frame-ancestors 'none'"))
FRAMEABLE_ENDPOINTS = frozenset({"embed.player"})  # pages other sites may show in an iframe
# A CSP source: 'self', `*`, a scheme ("https:") or a host, with optional scheme and port.
_SOURCE = re.compile(
    r"^('self'|\*|[a-z][a-z0-9+.-]*:|([a-z][a-z0-9+.-]*://)?(\*\.)?[a-z0-9.-]+(:\d+|:\*)?)$"
)
HSTS_MAX_AGE_S = 365 * 24 * 3600
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers without CSP level 2
}


def init_app(app: Flask, settings: Settings) -> None:
    """Trust the configured number of proxies and add the security headers to every response."""
    hops = settings.trusted_proxies
    if hops < 0:
        raise ConfigError(f"ARCHIVE_TRUSTED_PROXIES is {hops}; it must be 0 or more")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    framing = frameable_policy(settings.embed_frame_ancestors)

    def add_headers(response: Response) -> Response:
        if request.endpoint in FRAMEABLE_ENDPOINTS:
            # No X-Frame-Options there: it cannot name other sites, and browsers
            # that know CSP level 2 obey frame-ancestors instead.
            response.headers.setdefault("Content-Security-Policy", framing)
            return add_security_headers(response, frameable=True)
        return add_security_headers(response)

    app.after_request(add_headers)


def frameable_policy(ancestors: tuple[str, ...]) -> str:
    """Return the CSP of a page that the given sources may frame (`*`: any site)."""
    bad = [a for a in ancestors if not _SOURCE.match(a)]
    if bad or not ancestors:
        raise ConfigError(
            f"ARCHIVE_EMBED_FRAME_ANCESTORS is {', '.join(bad) or 'empty'}; list origins such "
            "as https://example.org, separated by commas, or * for any site"
        )
    return "; ".join((*_POLICY, "frame-ancestors " + " ".join(ancestors)))


def add_security_headers(response: Response, frameable: bool = False) -> Response:
    """Set the security headers a view has not set itself; HSTS only over HTTPS."""
    for name, value in SECURITY_HEADERS.items():
        if not (frameable and name == "X-Frame-Options"):
            response.headers.setdefault(name, value)
    if request.is_secure:
        # Sent over plain HTTP it would be ignored; sent to a test host, it would stick.
        response.headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_MAX_AGE_S}")
    return response
