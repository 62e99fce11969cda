"""Paths of the portal's public pages, built from slugs and ms without Flask.

Views, the JSON API and the CLI all link through these, so a search hit printed
by `archive search --json` and one returned by /api/search point to the same
page. Paths are relative to the site's root; `absolute` puts a site URL in front.
tests/portal/test_links.py checks that they match the Flask routes.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from core.timecodes import format_seconds


def session_path(
    slug: str,
    start_ms: int | None = None,
    *,
    end_ms: int | None = None,
    version: int | None = None,
    exact: bool = False,
) -> str:
    """Return the player page of a session, at start_ms (whole seconds unless exact)."""
    query: dict[str, str | int] = {}
    if start_ms is not None:
        query["t"] = format_seconds(start_ms) if exact else start_ms // 1000
    if end_ms is not None:
        query["end"] = format_seconds(end_ms) if exact else end_ms // 1000
    if version is not None:
        query["v"] = version
    return f"/sessions/{_segment(slug)}" + (f"?{urlencode(query)}" if query else "")


def speaker_path(slug: str) -> str:
    """Return a speaker's page."""
    return f"/speakers/{_segment(slug)}"


def media_path(sha256: str, kind: str, ext: str) -> str:
    """Return a recording's content-addressed file ("play" or "poster")."""
    return f"/media/{sha256}/{kind}.{ext}"


def cite_path(slug: str, version: int, start_ms: int, end_ms: int) -> str:
    """Return the citation page of a passage of one transcript version."""
    return f"/cite/{_segment(slug)}/{version}/{start_ms}-{end_ms}"


def absolute(site_url: str, path: str) -> str:
    """Return path as an absolute URL of the site at site_url ("http://host/prefix/")."""
    return site_url.rstrip("/") + path


def _segment(value: str) -> str:
    return quote(value, safe="")
