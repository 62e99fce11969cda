"""Generate test media (ffmpeg lavfi, espeak-ng) and reach the shared speech samples.

Plain functions shared by every test package. Generated files go wherever the
caller says (normally tmp_path); shared samples are read in place, never copied
into the repository.
"""

from __future__ import annotations

import functools
import math
import subprocess
import wave
from array import array
from pathlib import Path

import ffmpeg

from ingest.media import find_ffmpeg

ESPEAK_RATE = 22_050  # espeak-ng's native sample rate
FLEURS_RATE = 48_000  # the FLEURS clips are 48 kHz Opus
_VIDEO_ENCODERS = {"h264": "libx264", "mpeg4": "mpeg4", "vp8": "libvpx", "vp9": "libvpx-vp9"}
# Audio encoder chosen by the container (file suffix), so each file is a realistic pairing.
_AUDIO_ENCODERS = {
    ".mp4": "aac",
    ".m4a": "aac",
    ".mov": "aac",
    ".mkv": "aac",
    ".webm": "libopus",
    ".ogg": "libopus",
    ".avi": "libmp3lame",
    ".mp3": "libmp3lame",
    ".flac": "flac",
    ".wav": "pcm_s16le",
    ".wma": "wmav2",
}


@functools.cache
def ffmpeg_bin() -> str:
    """Return the ffmpeg binary the tests use (resolved like the application does)."""
    return find_ffmpeg()


def _run(stream: ffmpeg.nodes.OutputStream, pcm: bytes | None = None) -> bytes:
    stream = stream.global_args("-nostdin", "-hide_banner", "-loglevel", "error")
    out, _ = stream.run(
        cmd=ffmpeg_bin(),
        input=pcm,
        capture_stdout=True,
        capture_stderr=True,
        overwrite_output=True,
    )
    return out


def _audio_codec(dest: Path) -> dict:
    return {"acodec": _AUDIO_ENCODERS[dest.suffix.lower()]}


def tone_video(
    dest: Path,
    seconds: float = 3,
    codec: str = "h264",
    size: str = "320x240",
    pix_fmt: str = "yuv420p",
) -> Path:
    """Write a test-pattern video with a 440 Hz tone ("mpeg4" in .avi: not browser-playable).

    pix_fmt="yuv444p" gives the H.264 that screen recorders make and browsers refuse.
    """
    video = ffmpeg.input(f"testsrc=size={size}:rate=25", f="lavfi", t=seconds)
    audio = ffmpeg.input("sine=frequency=440:sample_rate=44100", f="lavfi", t=seconds)
    options = {"vcodec": _VIDEO_ENCODERS[codec], **_audio_codec(dest)}
    if codec == "h264":
        options.update(pix_fmt=pix_fmt, preset="ultrafast")
    _run(ffmpeg.output(video, audio, str(dest), **options))
    return dest


def quiet_tone(dest: Path, seconds: float = 3, peak_db: float = -45.0) -> Path:
    """Write a 440 Hz tone whose peak is peak_db dBFS (a very quiet recording)."""
    amplitude = 10 ** (peak_db / 20)
    expr = f"{amplitude:.8f}*sin(2*PI*440*t)"
    source = ffmpeg.input(f"aevalsrc={expr}:s=48000:d={seconds}", f="lavfi")
    _run(ffmpeg.output(source, str(dest), **_audio_codec(dest)))
    return dest


def silence_audio(dest: Path, seconds: float) -> Path:
    """Write seconds of digital silence, encoded according to dest's extension."""
    source = ffmpeg.input("anullsrc=r=44100:cl=mono", f="lavfi", t=seconds)
    _run(ffmpeg.output(source, str(dest), **_audio_codec(dest)))
    return dest


def espeak_speech(dest: Path, text: str, voice: str = "fr+edward", speed: int = 120) -> Path:
    """Synthesise text with espeak-ng into a WAV file."""
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(dest), text],
        check=True,
        capture_output=True,
    )
    return dest


def speech_recording(
    dest: Path, parts: list[tuple[str, str]], gap_s: float = 1.0, video: bool = False
) -> list[tuple[int, int]]:
    """Write the (voice, text) parts one after another with silent gaps; return their spans (ms)."""
    pcm_parts = []
    for index, (voice, text) in enumerate(parts):
        wav = dest.with_name(f".{dest.stem}-part{index}.wav")
        espeak_speech(wav, text, voice=voice)
        pcm_parts.append(_decode_pcm(wav, ESPEAK_RATE))
        wav.unlink()
    spans = _write_concatenation(dest, pcm_parts, ESPEAK_RATE, gap_s, video)
    return spans


def french_clips_recording(
    dest: Path, media_dir: Path, clip_names: list[str] | None = None, gap_s: float = 1.5
) -> list[dict]:
    """Concatenate FLEURS French clips into one recording; return each clip's span and reference."""
    folder = Path(media_dir) / "fleurs_fr"
    if clip_names is None:
        clip_names = sorted(p.stem for p in folder.glob("fleurs-fr-*.ogg"))
    stems = [Path(name).stem if name.endswith(".ogg") else name for name in clip_names]
    missing = [s for s in stems if not (folder / f"{s}.ogg").is_file()]
    if missing:
        raise FileNotFoundError(f"FLEURS clips not found in {folder}: {', '.join(missing)}")
    pcm_parts = [_decode_pcm(folder / f"{stem}.ogg", FLEURS_RATE) for stem in stems]
    spans = _write_concatenation(dest, pcm_parts, FLEURS_RATE, gap_s, video=False)
    return [
        {
            "clip": stem,
            "start_ms": start_ms,
            "end_ms": end_ms,
            "reference": (folder / f"{stem}.txt").read_text(encoding="utf-8").strip(),
        }
        for stem, (start_ms, end_ms) in zip(stems, spans, strict=True)
    ]


def shared_media_dir() -> Path | None:
    """Return <repo>/../shared/media when it exists, else None."""
    folder = (Path(__file__).resolve().parents[2] / ".." / "shared" / "media").resolve()
    return folder if folder.is_dir() else None


def require_shared_media() -> Path:
    """Return the shared media folder, or skip the calling test with the reason."""
    import pytest

    folder = shared_media_dir()
    if folder is None:
        pytest.skip("shared speech samples absent: ../shared/media beside the repository")
    return folder


def to_wav(src: Path, dest: Path, rate: int = 16_000) -> Path:
    """Decode any recording to mono 16-bit WAV as is (no level change), e.g. to measure it."""
    _run(ffmpeg.output(ffmpeg.input(str(src)), str(dest), ac=1, ar=rate, acodec="pcm_s16le"))
    return dest


def with_cover_art(audio: Path, image: Path, dest: Path) -> Path:
    """Copy an audio file into dest with the image embedded as cover art (attached picture)."""
    out = ffmpeg.output(
        ffmpeg.input(str(audio)),
        ffmpeg.input(str(image)),
        str(dest),
        acodec="copy",
        vcodec="png",
        **{"disposition:v": "attached_pic"},
    )
    _run(out)
    return dest


# Bad inputs that probe() must refuse.


def empty_file(dest: Path) -> Path:
    """Write a 0-byte file (an upload that never completed)."""
    dest.write_bytes(b"")
    return dest


def text_as_mp4(dest: Path) -> Path:
    """Write a text file with a video name."""
    dest.write_text("Compte rendu de la séance du 4 mars.\nOrdre du jour : budget.\n")
    return dest


def truncated_mp4(valid_mp4: Path, dest: Path) -> Path:
    """Write valid_mp4 without its 'moov' index and cut short (an interrupted copy)."""
    data = valid_mp4.read_bytes()
    kept, offset = bytearray(), 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        box = data[offset + 4 : offset + 8]
        if size < 8:  # 64-bit or to-end sizes do not occur in our small generated files
            break
        if box != b"moov":
            kept += data[offset : offset + size]
        offset += size
    dest.write_bytes(bytes(kept[: max(64, len(kept) * 2 // 3)]))
    return dest


def image_file(dest: Path) -> Path:
    """Write a single test-pattern image (PNG or JPEG by extension)."""
    source = ffmpeg.input("testsrc=size=320x240", f="lavfi")
    _run(ffmpeg.output(source, str(dest), vframes=1, update=1))
    return dest


def video_without_audio(dest: Path, seconds: float = 2) -> Path:
    """Write an H.264 MP4 with no audio track."""
    video = ffmpeg.input("testsrc=size=320x240:rate=25", f="lavfi", t=seconds)
    _run(ffmpeg.output(video, str(dest), vcodec="libx264", pix_fmt="yuv420p", preset="ultrafast"))
    return dest


def zero_duration_audio(dest: Path) -> Path:
    """Write a WAV file that has a header but no samples."""
    with wave.open(str(dest), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16_000)
    return dest


# Measurements.


def wav_levels_db(path: Path) -> tuple[float, float]:
    """Return (peak, RMS) of a 16-bit WAV in dBFS."""
    with wave.open(str(path), "rb") as wav:
        assert wav.getsampwidth() == 2, "wav_levels_db reads 16-bit PCM only"
        samples = array("h", wav.readframes(wav.getnframes()))
    peak = max(abs(s) for s in samples) / 32768
    rms = math.sqrt(sum(s * s for s in samples) / len(samples)) / 32768
    return _db(peak), _db(rms)


def wav_duration_ms(path: Path) -> int:
    """Return the duration of a WAV file in milliseconds."""
    with wave.open(str(path), "rb") as wav:
        return round(wav.getnframes() * 1000 / wav.getframerate())


def decoded_image_size(path: Path) -> tuple[int, int]:
    """Decode an image file and return its (width, height)."""
    import av

    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        return frame.width, frame.height


def mp4_top_level_boxes(path: Path) -> list[str]:
    """Return the names of an MP4's top-level boxes in file order ("ftyp", "moov", "mdat"...)."""
    data, names, offset = path.read_bytes(), [], 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        names.append(data[offset + 4 : offset + 8].decode("latin-1"))
        if size == 1:  # 64-bit size follows the name
            size = int.from_bytes(data[offset + 8 : offset + 16], "big")
        if size < 8:
            break
        offset += size
    return names


def _db(ratio: float) -> float:
    return 20 * math.log10(ratio) if ratio > 0 else -math.inf


def _decode_pcm(path: Path, rate: int) -> bytes:
    source = ffmpeg.input(str(path))
    return _run(ffmpeg.output(source, "pipe:", f="s16le", acodec="pcm_s16le", ac=1, ar=rate))


def _write_concatenation(
    dest: Path, pcm_parts: list[bytes], rate: int, gap_s: float, video: bool
) -> list[tuple[int, int]]:
    """Join mono 16-bit PCM parts with silent gaps into dest; return the parts' spans (ms)."""
    gap = b"\x00\x00" * round(gap_s * rate)
    pcm, spans = bytearray(), []
    for index, part in enumerate(pcm_parts):
        if index:
            pcm += gap
        start = len(pcm) // 2
        pcm += part
        spans.append((round(start * 1000 / rate), round(len(pcm) // 2 * 1000 / rate)))
    pcm += gap  # trailing silence, like the end of a real session
    duration_s = len(pcm) / 2 / rate
    audio = ffmpeg.input("pipe:", f="s16le", ar=rate, ac=1)
    if video:
        still = ffmpeg.input(f"color=c=0x203050:s=320x240:r=5:d={duration_s}", f="lavfi")
        out = ffmpeg.output(
            still,
            audio,
            str(dest),
            vcodec="libx264",
            pix_fmt="yuv420p",
            preset="ultrafast",
            tune="stillimage",
            acodec="aac",
        )
    else:
        out = ffmpeg.output(audio, str(dest), **_audio_codec(dest))
    _run(out, pcm=bytes(pcm))
    return spans
