"""Deployment tests reuse the portal's fixtures (a built archive, a client)."""

from tests.portal.conftest import app, client  # noqa: F401
