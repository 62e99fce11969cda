"""The media layer on real ffmpeg runs: probing, audio, playable copies, posters, windows."""

from __future__ import annotations

import hashlib
import os
import shutil
import wave
from pathlib import Path

import pytest

from core.contracts import ProbeResult, StreamInfo
from ingest.errors import MediaError
from ingest.media import (
    audio_window,
    extract_audio,
    find_ffmpeg,
    is_browser_playable,
    make_playable,
    make_poster,
    probe,
    sha256_file,
)
from tests.support import media_factory as mf


def _wav_format(path: Path) -> tuple[int, int, int]:
    with wave.open(str(path), "rb") as wav:
        return wav.getframerate(), wav.getnchannels(), wav.getsampwidth()


def _codecs(result: ProbeResult) -> dict[str, str]:
    return {s.kind: s.codec for s in result.streams}


# --- probe ---------------------------------------------------------------------------------


def test_probe_describes_video(h264_video: Path) -> None:
    result = probe(h264_video)
    assert 1900 <= result.duration_ms <= 2100
    assert "mp4" in result.container
    assert _codecs(result) == {"video": "h264", "audio": "aac"}
    video = next(s for s in result.streams if s.kind == "video")
    assert (video.width, video.height) == (320, 240)
    assert result.has_video and result.has_audio


def test_probe_describes_audio_and_ignores_cover_art(tmp_path: Path) -> None:
    tone = mf.quiet_tone(tmp_path / "tone.mp3", seconds=1.5, peak_db=-10)
    cover = mf.image_file(tmp_path / "cover.png")
    # FFmpeg shows embedded cover art as a video stream; it must not make this a video.
    podcast = mf.with_cover_art(tone, cover, tmp_path / "podcast.mp3")
    result = probe(podcast)
    assert result.container == "mp3"
    assert result.streams == (StreamInfo("audio", "mp3", channels=1, sample_rate=48000),)
    assert 1400 <= result.duration_ms <= 1600
    assert is_browser_playable(result)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d, ok: d / "absent.mp4", "file not found"),
        (lambda d, ok: mf.empty_file(d / "empty.mp4"), "is empty (0 bytes)"),
        (lambda d, ok: mf.text_as_mp4(d / "notes.mp4"), "is a text file"),
        (lambda d, ok: mf.truncated_mp4(ok, d / "cut.mp4"), "incomplete MP4"),
        (lambda d, ok: mf.image_file(d / "slide.png"), "is a still image (png)"),
        (lambda d, ok: mf.image_file(d / "photo.jpg"), "is a still image"),
        (
            lambda d, ok: mf.video_without_audio(d / "mute.mp4", seconds=1),
            "has no audio track: nothing to transcribe",
        ),
        (lambda d, ok: mf.zero_duration_audio(d / "blank.wav"), "lasts 0 seconds"),
    ],
    ids=["missing", "empty", "text", "truncated", "png", "jpeg", "no-audio", "zero-duration"],
)
def test_probe_refuses_what_is_not_a_recording(make, expected, tmp_path, h264_video) -> None:
    bad = make(tmp_path, h264_video)
    with pytest.raises(MediaError) as caught:
        probe(bad)
    assert expected in str(caught.value)
    assert bad.name in str(caught.value)


def test_probe_keeps_the_decoders_words_for_a_truncated_mp4(tmp_path, h264_video) -> None:
    with pytest.raises(MediaError) as caught:
        probe(mf.truncated_mp4(h264_video, tmp_path / "cut.mp4"))
    assert "moov atom not found" in caught.value.stderr


# --- extract_audio ---------------------------------------------------------------------------


def test_quiet_fleurs_clip_comes_out_at_speech_level(tmp_path: Path, ffmpeg_bin: str) -> None:
    clip = mf.require_shared_media() / "fleurs_fr" / "fleurs-fr-000.ogg"
    before = mf.to_wav(clip, tmp_path / "as-recorded.wav")
    peak_before, _ = mf.wav_levels_db(before)
    assert peak_before < -40  # the sample really is very quiet

    out = extract_audio(clip, tmp_path / "audio.wav", ffmpeg_bin)
    assert _wav_format(out) == (16000, 1, 2)
    peak_db, rms_db = mf.wav_levels_db(out)
    assert -6 <= peak_db <= -0.5, peak_db
    assert -30 <= rms_db <= -12, rms_db
    assert abs(mf.wav_duration_ms(out) - probe(clip).duration_ms) <= 50


def test_quiet_tone_is_normalised(tmp_path: Path, ffmpeg_bin: str) -> None:
    tone = mf.quiet_tone(tmp_path / "tone.wav", seconds=3, peak_db=-45)
    assert mf.wav_levels_db(tone)[0] == pytest.approx(-45, abs=0.5)
    peak_db, rms_db = mf.wav_levels_db(extract_audio(tone, tmp_path / "a.wav", ffmpeg_bin))
    assert -20 <= peak_db <= -0.5, peak_db
    assert -25 <= rms_db <= -10, rms_db


def test_failed_extraction_leaves_no_file_and_keeps_stderr(tmp_path: Path, ffmpeg_bin: str) -> None:
    mute = mf.video_without_audio(tmp_path / "mute.mp4", seconds=1)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    previous = out_dir / "audio.wav"
    previous.write_bytes(b"previous good file")
    with pytest.raises(MediaError) as caught:
        extract_audio(mute, previous, ffmpeg_bin)
    assert "mute.mp4" in str(caught.value)
    assert "matches no streams" in caught.value.stderr
    # The earlier file is untouched and no temporary file is left behind.
    assert previous.read_bytes() == b"previous good file"
    assert os.listdir(out_dir) == ["audio.wav"]


def test_missing_ffmpeg_binary_is_a_media_error(tmp_path: Path, h264_video: Path) -> None:
    with pytest.raises(MediaError, match="cannot run"):
        extract_audio(h264_video, tmp_path / "a.wav", str(tmp_path / "no-ffmpeg"))
    assert list(tmp_path.iterdir()) == []


# --- playable copies and posters --------------------------------------------------------------


def test_avi_original_gets_a_faststart_h264_mp4(
    tmp_path: Path, mpeg4_avi: Path, ffmpeg_bin
) -> None:
    original_hash = sha256_file(mpeg4_avi)
    source = probe(mpeg4_avi)
    assert not is_browser_playable(source)
    playable = make_playable(mpeg4_avi, tmp_path, source, ffmpeg_bin)
    assert playable == tmp_path / "playable.mp4"
    result = probe(playable)
    assert _codecs(result) == {"video": "h264", "audio": "aac"}
    assert is_browser_playable(result)
    assert abs(result.duration_ms - source.duration_ms) <= 100
    boxes = mf.mp4_top_level_boxes(playable)
    assert boxes.index("moov") < boxes.index("mdat")  # streams before fully downloaded
    assert sha256_file(mpeg4_avi) == original_hash
    assert sorted(os.listdir(tmp_path)) == ["playable.mp4"]


def test_playable_mp4_original_is_passed_through(tmp_path, h264_video, ffmpeg_bin) -> None:
    assert make_playable(h264_video, tmp_path, probe(h264_video), ffmpeg_bin) == h264_video
    assert list(tmp_path.iterdir()) == []


def test_h264_in_4_4_4_from_a_screen_recorder_gets_a_4_2_0_copy(tmp_path, ffmpeg_bin) -> None:
    screen = mf.tone_video(tmp_path / "obs.mp4", seconds=1, pix_fmt="yuv444p")
    source = probe(screen)
    assert [s.pix_fmt for s in source.streams if s.kind == "video"] == ["yuv444p"]
    assert not is_browser_playable(source)  # Chrome and Firefox show a black frame
    playable = make_playable(screen, tmp_path / "derived", source, ffmpeg_bin)
    result = probe(playable)
    assert [s.pix_fmt for s in result.streams if s.kind == "video"] == ["yuv420p"]
    assert is_browser_playable(result)


def test_audio_only_original_stays_audio(tmp_path: Path, ffmpeg_bin: str) -> None:
    wma = mf.silence_audio(tmp_path / "interview.wma", seconds=1)
    source = probe(wma)
    playable = make_playable(wma, tmp_path / "derived", source, ffmpeg_bin)
    assert playable == tmp_path / "derived" / "playable.m4a"
    result = probe(playable)
    assert _codecs(result) == {"audio": "aac"}
    assert is_browser_playable(result)
    assert make_poster(playable, tmp_path / "poster.jpg", result, ffmpeg_bin) is None
    assert not (tmp_path / "poster.jpg").exists()


def test_poster_is_a_decodable_jpeg(tmp_path: Path, h264_video: Path, ffmpeg_bin: str) -> None:
    poster = make_poster(h264_video, tmp_path / "poster.jpg", probe(h264_video), ffmpeg_bin)
    assert poster == tmp_path / "poster.jpg"
    assert poster.read_bytes()[:3] == b"\xff\xd8\xff"
    assert mf.decoded_image_size(poster) == (320, 240)


def test_names_with_spaces_and_accents(tmp_path: Path, mpeg4_avi: Path, ffmpeg_bin) -> None:
    folder = tmp_path / "Archives 2024 — été"
    folder.mkdir()
    original = folder / "Séance n°4 — débat 100%.avi"
    shutil.copyfile(mpeg4_avi, original)
    source = probe(original)
    audio = extract_audio(original, folder / "audio n°4.wav", ffmpeg_bin)
    assert abs(mf.wav_duration_ms(audio) - source.duration_ms) <= 100
    assert make_poster(original, folder / "affiche n°4 %d.jpg", source, ffmpeg_bin).is_file()
    assert _codecs(probe(make_playable(original, folder, source, ffmpeg_bin)))["video"] == "h264"


@pytest.mark.parametrize(
    ("name", "container", "video", "audio", "playable"),
    [
        ("a.mp4", "mov,mp4,m4a,3gp,3g2,mj2", "h264", "aac", True),
        ("a.mov", "mov,mp4,m4a,3gp,3g2,mj2", "h264", "mp3", True),
        ("a.mp4", "mov,mp4,m4a,3gp,3g2,mj2", "hevc", "aac", False),
        ("a.webm", "matroska,webm", "vp9", "opus", True),
        ("a.webm", "matroska,webm", "vp8", "vorbis", True),
        ("a.mkv", "matroska,webm", "h264", "aac", False),
        ("a.avi", "avi", "mpeg4", "mp3", False),
        ("a.m4a", "mov,mp4,m4a,3gp,3g2,mj2", None, "aac", True),
        ("a.ogg", "ogg", None, "opus", True),
        ("a.ogg", "ogg", None, "speex", False),
        ("a.flac", "flac", None, "flac", True),
        ("a.wav", "wav", None, "pcm_s16le", True),
        ("a.mp3", "mp3", None, "mp3", True),
        ("a.wma", "asf", None, "wmav2", False),
        ("a.amr", "amr", None, "amrnb", False),
    ],
)
def test_browser_playability(name, container, video, audio, playable) -> None:
    streams = [StreamInfo("audio", audio)]
    if video:
        streams.insert(0, StreamInfo("video", video, width=640, height=360))
    result = ProbeResult(Path(name), 1000, container, tuple(streams))
    assert is_browser_playable(result) is playable


# --- windows, hashes, ffmpeg lookup -------------------------------------------------------------


def test_audio_window_cuts_the_requested_span(tmp_path: Path, ffmpeg_bin: str) -> None:
    recording = tmp_path / "talk.m4a"
    spans = mf.speech_recording(
        recording, [("fr+edward", "Bonjour."), ("fr+f3", "La séance est ouverte.")], gap_s=1.0
    )
    start_ms, end_ms = spans[1]
    window = audio_window(recording, start_ms, end_ms, tmp_path / "w.wav", ffmpeg_bin)
    assert _wav_format(window) == (16000, 1, 2)
    assert abs(mf.wav_duration_ms(window) - (end_ms - start_ms)) <= 30
    # The window holds the second utterance, not the silence before it.
    assert mf.wav_levels_db(window)[0] > -20
    gap = audio_window(
        recording, spans[0][1] + 100, spans[1][0] - 100, tmp_path / "g.wav", ffmpeg_bin
    )
    assert mf.wav_levels_db(gap)[0] < -60


def test_audio_window_refuses_bad_ranges(tmp_path: Path, h264_video: Path, ffmpeg_bin) -> None:
    with pytest.raises(MediaError, match="invalid audio window"):
        audio_window(h264_video, 1500, 1000, tmp_path / "w.wav", ffmpeg_bin)
    with pytest.raises(MediaError, match="no audio samples"):
        audio_window(h264_video, 60_000, 61_000, tmp_path / "w.wav", ffmpeg_bin)
    assert list(tmp_path.iterdir()) == []


def test_sha256_streams_the_file(tmp_path: Path) -> None:
    data = os.urandom(5000)
    (tmp_path / "f.bin").write_bytes(data)
    assert sha256_file(tmp_path / "f.bin", chunk_bytes=333) == hashlib.sha256(data).hexdigest()
    with pytest.raises(MediaError, match="gone.bin"):
        sha256_file(tmp_path / "gone.bin")


def test_find_ffmpeg(tmp_path: Path) -> None:
    found = find_ffmpeg()
    assert os.access(found, os.X_OK)
    assert find_ffmpeg(found) == found
    with pytest.raises(MediaError) as caught:
        find_ffmpeg(str(tmp_path / "bin" / "ffmpeg"))
    assert str(tmp_path / "bin" / "ffmpeg") in str(caught.value)
    assert "ARCHIVE_FFMPEG" in str(caught.value)


# --- shared factories other tests rely on ------------------------------------------------------


def test_speech_recording_video_spans_match_the_file(tmp_path: Path) -> None:
    spans = mf.speech_recording(
        tmp_path / "debate.mp4", [("fr+edward", "Premier."), ("fr+f3", "Second.")], video=True
    )
    result = probe(tmp_path / "debate.mp4")
    assert result.has_video and result.has_audio
    assert spans[0][0] == 0 and spans[0][1] < spans[1][0]
    assert spans[1][0] - spans[0][1] == pytest.approx(1000, abs=1)
    assert result.duration_ms >= spans[1][1]


def test_french_clips_recording_spans_and_references(tmp_path: Path) -> None:
    media = mf.require_shared_media()
    clips = mf.french_clips_recording(
        tmp_path / "fr.wav", media, ["fleurs-fr-000", "fleurs-fr-002"]
    )
    assert [c["clip"] for c in clips] == ["fleurs-fr-000", "fleurs-fr-002"]
    assert clips[1]["start_ms"] - clips[0]["end_ms"] == pytest.approx(1500, abs=1)
    assert clips[0]["reference"].startswith("l'accident a eu lieu")
    assert mf.wav_duration_ms(tmp_path / "fr.wav") == pytest.approx(
        clips[1]["end_ms"] + 1500, abs=2
    )
