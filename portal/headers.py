"""The portal's HTTP edge: which proxy headers it believes, which security headers it sends.

Behind `trusted_proxies` reverse proxies, werkzeug's ProxyFix takes the client's
address, scheme and host from that many X-Forwarded-For/-Proto/-Host entries,
so sign-in throttling counts the real client, and a request that reached the
proxy over TLS is HTTPS (Secure cookies, HSTS). With the default 0 those headers
are ignored: anyone can send them.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from core.errors import ConfigError
from core.settings import Settings


def init_app(app: Flask, settings: Settings) -> None:
    """Trust the configured number of proxies (none by default)."""
    hops = settings.trusted_proxies
    if hops < 0:
        raise ConfigError(f"ARCHIVE_TRUSTED_PROXIES is {hops}; it must be 0 or more")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
