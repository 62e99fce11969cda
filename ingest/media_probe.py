"""Probe a recording with PyAV (browser playability is decided by `core.playback`).

Probing refuses early, with a message an archivist understands, anything that
is not playable audio or video, so that no later step wastes time on it.
"""

from __future__ import annotations

import codecs
import errno
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from core.contracts import ProbeResult, StreamInfo
from ingest.errors import MediaError

if TYPE_CHECKING:  # PyAV is imported when a file is probed, so the web process never loads it
    import av

_US_PER_MS = 1000  # PyAV reports container durations in microseconds (AV_TIME_BASE)
_SNIFF_BYTES = 4096
_IMAGE_CODECS = frozenset({"png", "mjpeg", "bmp", "gif", "webp", "tiff", "jpeg2000", "apng"})


def probe(path: Path) -> ProbeResult:
    """Describe a recording, refusing anything that is not playable audio or video."""
    path = Path(path)
    name = path.name
    _require_regular_file(path)
    if path.stat().st_size == 0:
        raise MediaError(
            f"{name} is empty (0 bytes): the upload or copy did not complete; provide it again"
        )
    container = _open(path)
    try:
        streams = tuple(_stream_info(s) for s in container.streams if _is_content(s))
        fmt = container.format.name
        if _looks_like_image(fmt, streams):
            codec = streams[0].codec if streams else fmt
            raise MediaError(f"{name} is a still image ({codec}), not an audio or video recording")
        if any(s.kind == "video" and not s.width for s in streams):
            # FFmpeg refuses to open the decoder of a picture size it cannot hold (60000×60000).
            raise MediaError(
                f"{name} declares a picture size that cannot be decoded: the file is damaged "
                "or was not made by a camera; export the recording again"
            )
        if not any(s.kind == "audio" for s in streams):
            if any(s.kind == "video" for s in streams):
                raise MediaError(f"{name} has no audio track: nothing to transcribe")
            raise MediaError(f"{name} contains no audio or video stream")
        duration_ms = _duration_ms(container)
    finally:
        container.close()
    if duration_ms <= 0:
        raise MediaError(f"{name} lasts 0 seconds: there is nothing to play or transcribe")
    return ProbeResult(path=path, duration_ms=duration_ms, container=fmt, streams=streams)


_NOT_REGULAR = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _require_regular_file(path: Path) -> None:
    """Refuse a missing path, a symlink loop or anything but a regular file, saying which."""
    name = path.name or str(path)
    try:
        mode = os.stat(path).st_mode  # follows links: a link to a recording is fine
    except FileNotFoundError:
        if path.is_symlink():
            raise MediaError(
                f"{name} is a link to {os.readlink(path)}, which does not exist"
            ) from None
        raise MediaError(
            f"{name}: file not found at {path}; check the path or upload it again"
        ) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise MediaError(
                f"{name} is a symbolic link that loops back on itself; give the recording itself"
            ) from None
        raise MediaError(f"{name} cannot be read: {exc.strerror}") from None
    for test, kind in _NOT_REGULAR:
        if test(mode):
            raise MediaError(
                f"{name} is {kind}, not a regular file; give the recording's file itself"
            )


def _open(path: Path) -> av.container.InputContainer:
    """Open the file with PyAV, turning its failures into messages about the file."""
    import av
    import av.logging

    previous = av.logging.get_level()
    # PyAV silences FFmpeg's log by default; lift it briefly to keep the demuxer's own words.
    av.logging.set_level(av.logging.ERROR)
    try:
        with av.logging.Capture() as logs:
            return av.open(str(path), mode="r")
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        stderr = "\n".join(message.strip() for _, _, message in logs) or str(exc)
        raise MediaError(_unreadable_message(path, stderr), stderr=stderr) from exc
    finally:
        av.logging.set_level(previous)


def _unreadable_message(path: Path, stderr: str) -> str:
    head = path.read_bytes()[:_SNIFF_BYTES] if path.is_file() else b""
    if head[4:8] == b"ftyp" and "moov atom not found" in stderr:
        return (
            f"{path.name} is an incomplete MP4: its index (the 'moov' atom) is missing, "
            "usually because the recording or the copy was interrupted; "
            "export or copy the complete file again"
        )
    if _is_text(head):
        return f"{path.name} is a text file, not an audio or video recording"
    return f"{path.name} cannot be read as audio or video: unknown or damaged format"


def _is_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        # Incremental, so a character cut at the end of the sniffed bytes is not an error.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _is_content(stream: av.stream.Stream) -> bool:
    from av.stream import Disposition

    # Cover art of MP3/M4A files is a "video" stream flagged attached_pic: not a video.
    if stream.type not in ("audio", "video"):
        return False
    return not stream.disposition & Disposition.attached_pic


def _stream_info(stream: av.stream.Stream) -> StreamInfo:
    codec = stream.codec_context.codec.canonical_name  # "mp3", not the decoder "mp3float"
    ctx = stream.codec_context
    if stream.type == "audio":
        return StreamInfo("audio", codec, channels=ctx.channels, sample_rate=ctx.sample_rate)
    return StreamInfo(
        "video", codec, width=ctx.width or None, height=ctx.height or None,
        pix_fmt=ctx.pix_fmt or None,
    )  # fmt: skip


def _looks_like_image(fmt: str, streams: tuple[StreamInfo, ...]) -> bool:
    if fmt == "image2" or fmt.endswith("_pipe"):
        return True
    return bool(streams) and all(s.kind == "video" and s.codec in _IMAGE_CODECS for s in streams)


def _duration_ms(container: av.container.InputContainer) -> int:
    if container.duration is not None and container.duration > 0:
        return int(container.duration // _US_PER_MS)
    audio = container.streams.audio[0]
    if audio.duration is not None and audio.time_base is not None:
        return int(audio.duration * audio.time_base * 1000)
    # No duration in the header (e.g. browser-recorded WebM): demux, without decoding.
    end_s = 0.0
    for packet in container.demux(audio):
        if packet.pts is not None and packet.time_base is not None:
            end_s = max(end_s, float((packet.pts + (packet.duration or 0)) * packet.time_base))
    return int(end_s * 1000)
