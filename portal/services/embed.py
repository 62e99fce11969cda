"""The embeddable player and its oEmbed description, as plain data.

oEmbed (https://oembed.com) lets a blog or a CMS turn a pasted session link into
the player: it asks /oembed?url=… and gets an iframe of /sessions/<slug>/embed,
starting at the link's `t`. Sizes are CSS pixels; the embed page is fluid, so
any size works, and the one proposed keeps the video's aspect ratio plus room
for the title and the current line under it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import selectinload

from core.catalogue import queries
from core.catalogue.schema import Segment, Session
from core.timecodes import format_seconds
from portal.links import absolute, media_path
from portal.services.iiif import video_size
from portal.services.params import time_param
from portal.services.sessions import MediaRef, media_ref, playable_recording

DEFAULT_WIDTH_PX = 640
CHROME_HEIGHT_PX = 110  # the title and the current line under the video
AUDIO_HEIGHT_PX = 170  # an audio player, the title and the current line
MIN_VIDEO_HEIGHT_PX = 90
MAX_SIZE_PX = 10_000  # a larger maxwidth/maxheight is no bound at all
POSTER_MAX_WIDTH_PX = 1280  # ingest scales wider posters down to this, keeping the ratio


class OEmbedError(ValueError):
    """A request oEmbed cannot answer: status is 400, 404 or 501, message says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class CurrentLine:
    """The transcript line spoken at an instant, and who said it (ms)."""

    start_ms: int
    end_ms: int
    text: str
    speaker: str | None


def embed_path(slug: str, start_ms: int | None = None, end_ms: int | None = None) -> str:
    """Return the embeddable player's path, starting at start_ms (seconds, exact)."""
    query = {}
    if start_ms is not None:
        query["t"] = format_seconds(start_ms)
    if end_ms is not None:
        query["end"] = format_seconds(end_ms)
    return f"/sessions/{quote(slug, safe='')}/embed" + (f"?{urlencode(query)}" if query else "")


def clip_bounds(
    raw_start: str | None, raw_end: str | None, duration_ms: int | None
) -> tuple[int | None, int | None]:
    """Return (start_ms, end_ms) of `t` and `end`, dropping a start past the end or a bad end."""
    start_ms, end_ms = time_param(raw_start), time_param(raw_end)
    if start_ms is not None and duration_ms is not None and start_ms > duration_ms:
        start_ms = None
    if end_ms is not None and end_ms <= (start_ms or 0):
        end_ms = None
    return start_ms, end_ms


def line_at(db: OrmSession, session: Session, at_ms: int) -> CurrentLine | None:
    """Return the current transcript's line being said at at_ms (or the first line), if any."""
    transcript = queries.current_transcript(db, session)
    if transcript is None:
        return None
    query = select(Segment).where(Segment.transcript_id == transcript.id)
    segment = db.scalar(
        query.where(Segment.start_ms <= at_ms)
        .order_by(Segment.position.desc())
        .limit(1)
        .options(selectinload(Segment.speaker))
    ) or db.scalar(query.order_by(Segment.position).limit(1).options(selectinload(Segment.speaker)))
    if segment is None:
        return None
    return CurrentLine(
        start_ms=segment.start_ms,
        end_ms=segment.end_ms,
        text=segment.text,
        speaker=segment.speaker.name if segment.speaker else None,
    )


def session_of_url(url: str, site_url: str) -> tuple[str, str | None, str | None]:
    """Return (slug, raw t, raw end) of a session page or embed URL of this site.

    Raises OEmbedError(404) for any other URL: another site, another page.
    """
    parts, site = urlsplit(url.strip()), urlsplit(site_url)
    root = site.path.rstrip("/") + "/sessions/"
    same_site = parts.scheme in ("http", "https") and parts.netloc.lower() == site.netloc.lower()
    if not same_site or not parts.path.startswith(root):
        raise OEmbedError(404, "not a session page of this archive")
    rest = parts.path[len(root) :]
    slug = rest.removesuffix("/embed")
    if not slug or "/" in slug:
        raise OEmbedError(404, "not a session page of this archive")
    query = parse_qs(parts.query)
    fragment = parse_qs(parts.fragment)  # a clip link's #t=754,790
    raw_t = (query.get("t") or fragment.get("t") or [None])[0]
    raw_end = (query.get("end") or [None])[0]
    if raw_t and "," in raw_t and not raw_end:
        raw_t, raw_end = raw_t.split(",", 1)
    return slug, raw_t, raw_end


def size_param(raw: str | None, name: str) -> int | None:
    """Return a maxwidth/maxheight as a positive number of pixels; OEmbedError(400) otherwise."""
    if raw is None or raw == "":
        return None
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or int(text[:6]) < 1:
        raise OEmbedError(400, f"{name} must be a positive whole number of pixels, not {raw!r}")
    return min(int(text[:6]), MAX_SIZE_PX)


def frame_size(
    media: MediaRef, video: tuple[int, int] | None, max_width: int | None, max_height: int | None
) -> tuple[int, int]:
    """Return the iframe's (width, height) within the bounds, keeping the video's ratio."""
    width = min(DEFAULT_WIDTH_PX, max_width or DEFAULT_WIDTH_PX)
    if not media.has_video:
        return width, min(AUDIO_HEIGHT_PX, max_height or AUDIO_HEIGHT_PX)
    ratio = video[1] / video[0] if video else 9 / 16
    height = round(width * ratio) + CHROME_HEIGHT_PX
    if max_height and height > max_height:
        video_height = max(max_height - CHROME_HEIGHT_PX, MIN_VIDEO_HEIGHT_PX)
        width = min(width, round(video_height / ratio))
        height = max_height
    return width, height


def oembed(
    db: OrmSession,
    url: str,
    site_url: str,
    site_name: str,
    max_width: int | None = None,
    max_height: int | None = None,
) -> dict:
    """Return the oEmbed "video" response for a published session's URL.

    Raises OEmbedError(404) for another site's URL, an unknown or draft session,
    or a session without a playable recording.
    """
    slug, raw_t, raw_end = session_of_url(url, site_url)
    session = queries.get_session(db, slug)
    recording = playable_recording(session) if session else None
    if session is None or recording is None:
        raise OEmbedError(404, "no published session with a recording at that URL")
    media = media_ref(recording)
    start_ms, end_ms = clip_bounds(raw_t, raw_end, media.duration_ms)
    video = video_size(session) if media.has_video else None
    width, height = frame_size(media, video, max_width, max_height)
    src = absolute(site_url, embed_path(slug, start_ms, end_ms))
    title = session.title
    data = {
        "version": "1.0",
        "type": "video",
        "provider_name": site_name,
        "provider_url": site_url,
        "title": title,
        "width": width,
        "height": height,
        "html": (
            f'<iframe src="{html.escape(src)}" width="{width}" height="{height}" '
            f'title="{html.escape(title)}" allow="autoplay; fullscreen; picture-in-picture" '
            'allowfullscreen loading="lazy"></iframe>'
        ),
    }
    if session.series:
        data["author_name"] = session.series.title
    if media.poster_ext and video:
        thumb_width = min(video[0], POSTER_MAX_WIDTH_PX)
        data["thumbnail_url"] = absolute(
            site_url, media_path(media.sha256, "poster", media.poster_ext)
        )
        data["thumbnail_width"] = thumb_width
        data["thumbnail_height"] = round(thumb_width * video[1] / video[0])
    return data
