"""Whether browsers play a recording as is, or need a converted copy.

One rule for the pipeline (which makes a playable copy only when needed) and
the portal (which picks the file to serve from what the catalogue recorded).
"""

from __future__ import annotations

from core.contracts import ProbeResult

# Which codecs each browser-playable container family may carry (first video, first audio).
# Pairs are explicit because e.g. Opus in WebM plays everywhere but H.264 in WebM does not.
_VIDEO_PLAYABLE = {
    "mp4": ({"h264", "vp9", "av1"}, {"aac", "mp3", "opus"}),
    "webm": ({"vp8", "vp9", "av1"}, {"opus", "vorbis"}),
}
_AUDIO_PLAYABLE = {
    "mp4": {"aac"},
    "webm": {"opus", "vorbis"},
    "ogg": {"opus", "vorbis"},
    "mp3": {"mp3"},
    "aac": {"aac"},
    "flac": {"flac"},
    "wav": {"pcm"},
}


_BROWSER_PIX_FMTS = frozenset({"yuv420p", "yuvj420p"})


def is_browser_playable(probe: ProbeResult) -> bool:
    """Say whether current browsers play this recording without a converted copy."""
    family = _container_family(probe)
    video = next((s.codec for s in probe.streams if s.kind == "video"), None)
    audio = next((s.codec for s in probe.streams if s.kind == "audio"), None)
    if audio is None or family is None:
        return False
    if video is not None:
        video_ok, audio_ok = _VIDEO_PLAYABLE.get(family, (set(), set()))
        pix_fmt = next((s.pix_fmt for s in probe.streams if s.kind == "video"), None)
        # Browsers decode 8-bit 4:2:0 only: 4:4:4 or 10-bit H.264 (screen recorders) fails.
        chroma_ok = pix_fmt is None or pix_fmt in _BROWSER_PIX_FMTS
        return video in video_ok and audio in audio_ok and chroma_ok
    if audio.startswith("pcm_"):
        audio = "pcm"
    return audio in _AUDIO_PLAYABLE.get(family, set())


def _container_family(probe: ProbeResult) -> str | None:
    names = set(probe.container.split(","))
    suffix = probe.path.suffix.lower()
    # FFmpeg names one demuxer for several containers; the extension says which one it is.
    if "mp4" in names and suffix in {".mp4", ".m4v", ".mov", ".m4a"}:
        return "mp4"
    if "webm" in names:
        return "webm" if suffix == ".webm" else None
    for family in ("ogg", "mp3", "aac", "flac", "wav"):
        if family in names:
            return family
    return None
