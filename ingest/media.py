"""The media layer: find ffmpeg, hash, probe and convert recordings.

ffmpeg command lines are built with ffmpeg-python and run with the resolved
binary. Every output is written to a temporary file beside its destination and
renamed into place, so a crash or an ffmpeg failure never leaves half a file.
On Linux ffmpeg is told to die with the thread that started it, so a worker
killed with kill -9 leaves no ffmpeg running on; the temporary file it leaves
names the dead worker and is swept by the next run (`ingest.storage`).
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import wave
from collections.abc import Callable
from pathlib import Path

import ffmpeg as ffmpeg_lib

from core.contracts import ProbeResult
from core.playback import is_browser_playable
from ingest.errors import MediaError
from ingest.media_probe import probe
from ingest.storage import create_partial

__all__ = [
    "audio_window",
    "extract_audio",
    "find_ffmpeg",
    "is_browser_playable",
    "make_playable",
    "make_poster",
    "probe",
    "sha256_file",
]

SPEECH_SAMPLE_RATE = 16_000  # what Whisper expects
# EBU R128-style integrated loudness for speech on the web; far above a -48 dBFS recording.
_LOUDNORM = {"I": -16, "TP": -1.5, "LRA": 11}
_POSTER_MAX_WIDTH = 1280
_POSTER_AT_FRACTION = 0.10
_POSTER_MAX_OFFSET_MS = 60_000


def find_ffmpeg(configured: str = "") -> str:
    """Return the ffmpeg binary: the configured one, else PATH, else imageio-ffmpeg's."""
    if configured:
        candidate = Path(configured).expanduser()
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
        # A bare command name ("ffmpeg6") is looked up on PATH; a path must exist.
        found = shutil.which(configured) if os.sep not in configured else None
        if found:
            return found
        raise MediaError(
            f"the configured ffmpeg '{configured}' does not exist or is not executable; "
            "fix the ffmpeg setting (ARCHIVE_FFMPEG) or leave it empty to use the one on PATH"
        )
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as exc:
        raise MediaError(
            "no ffmpeg found: install ffmpeg (e.g. apt install ffmpeg) or the imageio-ffmpeg "
            "package, or set ARCHIVE_FFMPEG to the binary's path"
        ) from exc


def sha256_file(path: Path, chunk_bytes: int = 1 << 20) -> str:
    """Return the hex SHA-256 of a file, read in chunks so multi-GB files fit in memory."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(chunk_bytes):
                digest.update(chunk)
    except OSError as exc:
        raise MediaError(f"cannot read {Path(path).name} to fingerprint it: {exc}") from exc
    return digest.hexdigest()


def extract_audio(src: Path, dest: Path, ffmpeg: str) -> Path:
    """Write the recording's loudness-normalised speech track as 16 kHz mono 16-bit WAV."""
    # Single-pass loudnorm adapts its gain as it goes, so one decode of a long file suffices.
    audio = _input(src)["a:0"].filter("loudnorm", **_LOUDNORM)
    return _write_wav(audio, dest, ffmpeg, f"extract the audio of {Path(src).name}")


def audio_window(src: Path, start_ms: int, end_ms: int, dest: Path, ffmpeg: str) -> Path:
    """Cut [start_ms, end_ms) of a recording into a 16 kHz mono WAV."""
    if not 0 <= start_ms < end_ms:
        raise MediaError(f"invalid audio window {start_ms}-{end_ms} ms of {Path(src).name}")
    # -ss/-t as input options: fast seek, still sample-accurate because we re-encode.
    stream = _input(src, ss=start_ms / 1000, t=(end_ms - start_ms) / 1000)["a:0"]
    return _write_wav(stream, dest, ffmpeg, f"cut {start_ms}-{end_ms} ms of {Path(src).name}")


def _write_wav(
    stream: ffmpeg_lib.nodes.FilterableStream, dest: Path, ffmpeg: str, what: str
) -> Path:
    """Encode an audio stream as the speech WAV Whisper reads, atomically, never empty."""
    _write(
        lambda tmp: ffmpeg_lib.output(stream, tmp, **_wav_options()),
        dest,
        ffmpeg,
        what,
        check=_require_samples,
    )
    return dest


def make_playable(src: Path, dest_dir: Path, probe: ProbeResult, ffmpeg: str) -> Path:
    """Return src if browsers play it, else write a playable MP4 (video) or M4A (audio)."""
    if is_browser_playable(probe):
        return src
    inp = _input(src)
    audio_channels = next((s.channels for s in probe.streams if s.kind == "audio"), None)
    common = {"acodec": "aac", "b:a": "128k", "movflags": "+faststart", "f": "mp4"}
    if audio_channels and audio_channels > 2:
        common["ac"] = 2  # surround AAC is not reliably played by browsers
    if probe.has_video:
        dest = Path(dest_dir) / "playable.mp4"
        # H.264 4:2:0 needs even dimensions; odd ones make libx264 refuse the stream.
        streams = [inp["v:0"].filter("scale", "trunc(iw/2)*2", "trunc(ih/2)*2"), inp["a:0"]]
        options = {"vcodec": "libx264", "preset": "veryfast", "pix_fmt": "yuv420p", **common}
    else:
        dest = Path(dest_dir) / "playable.m4a"
        streams, options = [inp["a:0"]], common
    _write(
        lambda tmp: ffmpeg_lib.output(*streams, tmp, **options),
        dest,
        ffmpeg,
        f"make a browser-playable copy of {Path(src).name}",
    )
    return dest


def make_poster(src: Path, dest: Path, probe: ProbeResult, ffmpeg: str) -> Path | None:
    """Write a JPEG frame from 10% into the video (at most 60 s in); None for audio-only."""
    if not probe.has_video:
        return None
    offset_ms = min(int(probe.duration_ms * _POSTER_AT_FRACTION), _POSTER_MAX_OFFSET_MS)
    frame = _input(src, ss=offset_ms / 1000)["v:0"]
    width = next((s.width for s in probe.streams if s.kind == "video"), None)
    if width and width > _POSTER_MAX_WIDTH:
        frame = frame.filter("scale", _POSTER_MAX_WIDTH, -2)
    # update=1: the image2 muxer then takes the name literally, never as a %d pattern.
    options = {"vframes": 1, "q:v": 3, "vcodec": "mjpeg", "f": "image2", "update": 1}
    _write(
        lambda tmp: ffmpeg_lib.output(frame, tmp, **options),
        dest,
        ffmpeg,
        f"take a poster frame of {Path(src).name}",
    )
    return dest


def _input(src: Path, **options: float) -> ffmpeg_lib.nodes.FilterableStream:
    # Absolute paths: a relative name like "a:b.mp4" would be read as a protocol by ffmpeg.
    return ffmpeg_lib.input(str(Path(src).absolute()), **options)


def _wav_options() -> dict:
    return {"ac": 1, "ar": SPEECH_SAMPLE_RATE, "acodec": "pcm_s16le", "f": "wav"}


def _require_samples(tmp: Path) -> None:
    with wave.open(str(tmp), "rb") as wav:
        if wav.getnframes() == 0:
            raise MediaError("no audio samples in the requested range")


def _write(
    build: Callable[[str], ffmpeg_lib.nodes.OutputStream],
    dest: Path,
    ffmpeg: str,
    action: str,
    check: Callable[[Path], None] | None = None,
) -> None:
    """Run ffmpeg into a temporary file beside dest, then rename it into place."""
    dest = Path(dest)
    # Same folder as dest so os.replace is an atomic rename, never a cross-device copy.
    fd, tmp = create_partial(dest.parent, dest.suffix)
    os.close(fd)
    try:
        command = build(str(tmp.absolute()))
        command = command.global_args("-nostdin", "-hide_banner", "-loglevel", "error")
        _run_ffmpeg(command.compile(cmd=ffmpeg, overwrite_output=True))
        if tmp.stat().st_size == 0:
            raise MediaError("ffmpeg wrote nothing")
        if check is not None:
            check(tmp)
        os.replace(tmp, dest)
    except ffmpeg_lib.Error as exc:
        stderr = (exc.stderr or b"").decode("utf-8", errors="replace")
        raise MediaError(f"could not {action}", stderr=stderr) from exc
    except MediaError as exc:
        raise MediaError(f"could not {action}: {exc}", stderr=exc.stderr) from exc
    except OSError as exc:
        raise MediaError(f"could not {action}: cannot run {ffmpeg} ({exc})") from exc
    finally:
        tmp.unlink(missing_ok=True)


def _run_ffmpeg(args: list[str]) -> None:
    """Run an ffmpeg command line that dies with its caller; raise ffmpeg's Error on failure."""
    with subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=_die_with_parent(),  # only a prctl call: safe with threads
    ) as process:
        try:
            _, stderr = process.communicate()
        except BaseException:  # interrupted (KeyboardInterrupt, SIGTERM): take ffmpeg along
            process.kill()
            raise
    if process.returncode != 0:
        raise ffmpeg_lib.Error(args[0], b"", stderr)


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """Return libc's prctl, resolved in the parent: the forked child only calls it."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def _die_with_parent() -> Callable[[], None] | None:
    """Return a preexec_fn making the child get SIGKILL when its parent dies, where possible.

    Elsewhere (macOS, no prctl) a killed worker's ffmpeg finishes on its own; its
    output is a named temporary file that the next run deletes.
    """
    prctl = _prctl()
    if prctl is None:
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), signal.SIGKILL)

    return preexec
