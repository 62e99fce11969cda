"""Unnamed voices in exports: "Intervenant N" where a name shows, never a person read back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.contracts import ExportSegment, ExportTranscript
from ingest.exports import export_transcript
from ingest.subtitles import read_transcript_file
from tests.portal.builders import words_for


def seg(start_ms: int, end_ms: int, text: str, voice: str | None, slug: str | None = None):
    return ExportSegment(
        start_ms,
        end_ms,
        text,
        words=tuple(words_for(start_ms, end_ms, text)),
        speaker_slug=slug,
        speaker_name="Marie Veltz" if slug else None,
        voice=voice,
    )


def voiced(language: str = "fr") -> ExportTranscript:
    """Voice 1 twice, voice 2, then voice 1 named Marie Veltz by an archivist."""
    return ExportTranscript(
        session_slug="s",
        session_title="Séance",
        language=language,
        version=3,
        model="m",
        segments=(
            seg(0, 2_000, "Bonjour à toutes et à tous.", "1"),
            seg(2_100, 4_000, "Nous commençons la séance.", "1"),
            seg(4_500, 7_000, "Une question de la salle.", "2"),
            seg(7_500, 9_500, "Je vous réponds volontiers.", "1", "marie-veltz"),
        ),
    )


def test_vtt_tags_each_caption_with_the_voice_name_or_the_person() -> None:
    vtt = export_transcript(voiced(), "vtt")
    tagged = [line for line in vtt.split("\n") if line.startswith("<v ")]
    assert tagged == [  # one voice's two segments make one two-line caption
        "<v Intervenant 1>Bonjour à toutes et à tous.",  # (a second line follows)
        "<v Intervenant 2>Une question de la salle.",
        "<v Marie Veltz>Je vous réponds volontiers.",
    ]
    assert "<v Speaker 2>" in export_transcript(voiced("en"), "vtt")


def test_txt_starts_a_turn_where_the_voice_changes() -> None:
    txt = export_transcript(voiced(), "txt")
    assert txt.split("\n")[2:] == [
        "[00:00:00] Intervenant 1",
        "Bonjour à toutes et à tous. Nous commençons la séance.",
        "",
        "[00:00:04] Intervenant 2",
        "Une question de la salle.",
        "",
        "[00:00:07] Marie Veltz",
        "Je vous réponds volontiers.",
        "",
    ]


def test_srt_names_the_voice_where_its_turn_starts() -> None:
    srt = export_transcript(voiced(), "srt")
    assert "Intervenant 1: Bonjour" in srt and "Intervenant 2: Une question" in srt
    assert "Intervenant 1: Nous" not in srt  # the same voice goes on


def test_json_carries_the_voice_beside_the_speaker_fields() -> None:
    segments = json.loads(export_transcript(voiced(), "json"))["segments"]
    assert [(s["speaker"], s["speaker_name"], s["voice"]) for s in segments] == [
        (None, "Intervenant 1", "1"),
        (None, "Intervenant 1", "1"),
        (None, "Intervenant 2", "2"),
        ("marie-veltz", "Marie Veltz", "1"),
    ]


@pytest.mark.parametrize("fmt", ["vtt", "srt", "json"])
def test_our_own_export_reads_back_voices_as_voices_not_people(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"seance.{fmt}"
    path.write_text(export_transcript(voiced(), fmt), encoding="utf-8")
    segments = read_transcript_file(path)
    heard = [(s.speaker_name, s.voice) for s in segments]
    assert ("Intervenant 1", None) not in heard and ("Intervenant 2", None) not in heard
    assert heard[0] == (None, "1")
    assert (None, "2") in heard
    assert heard[-1][0] == "Marie Veltz"  # a named person stays a name
    assert not any(s.speaker_slug for s in segments[:-1])
