"""Export formats: the exact shapes outside tools and the portal rely on."""

from __future__ import annotations

import json

import pytest

from core.contracts import ExportSegment, ExportTranscript, Word
from ingest.exports import CAPTION_LINE_CHARS, EXPORT_FORMATS, export_transcript


def sample_transcript() -> ExportTranscript:
    """Return three segments: two known speakers, then an unknown one an hour in."""
    return ExportTranscript(
        session_slug="2024-03-14-economie-solidaire",
        session_title="Séance 3 — Économie sociale & solidaire",
        language="fr",
        version=2,
        model="whisper-base",
        segments=(
            ExportSegment(
                1000,
                4500,
                "Bonjour à tous, bienvenue à cette séance consacrée à l'économie"
                " sociale & solidaire.",
                words=(Word(1000, 1480, "Bonjour", 0.98), Word(1480, 1620, "à", 0.875)),
                speaker_slug="marie-dupont",
                speaker_name="Marie Dupont",
                affiliation="Université Lumière Lyon 2",
                confidence=0.91,
                verified=True,
            ),
            ExportSegment(
                4500,
                9250,
                "Merci Marie. Une balise <script>alert(1)</script> n'a rien à faire ici.",
                speaker_slug="jean-luc-petre",
                speaker_name="Jean-Luc Pétré",
                confidence=0.8,
            ),
            ExportSegment(
                3_661_005,
                3_665_000,
                "Une question depuis la salle : est-ce que la séance est enregistrée ?",
            ),
        ),
    )


GOLDEN_VTT = """\
WEBVTT

NOTE
Session: Séance 3 — Économie sociale & solidaire
Version: 2
Model: whisper-base

1
00:00:01.000 --> 00:00:02.069
<v Marie Dupont>Bonjour à tous, bienvenue

2
00:00:02.069 --> 00:00:04.500
<v Marie Dupont>à cette séance consacrée
à l'économie sociale &amp; solidaire.

3
00:00:04.500 --> 00:00:05.342
<v Jean-Luc Pétré>Merci Marie.

4
00:00:05.342 --> 00:00:09.250
<v Jean-Luc Pétré>Une balise &lt;script&gt;alert(1)&lt;/script&gt;
n'a rien à faire ici.

5
01:01:01.005 --> 01:01:05.064
Une question depuis la salle :
est-ce que la séance est enregistrée ?
"""

GOLDEN_SRT = """\
1
00:00:01,000 --> 00:00:03,090
Marie Dupont: Bonjour à tous,
bienvenue à cette séance consacrée

2
00:00:03,090 --> 00:00:04,500
à l'économie sociale & solidaire.

3
00:00:04,500 --> 00:00:08,483
Jean-Luc Pétré: Merci Marie. Une balise
<script>alert(1)</script> n'a rien

4
00:00:08,483 --> 00:00:09,483
à faire ici.

5
01:01:01,005 --> 01:01:05,064
– Une question depuis la salle :
est-ce que la séance est enregistrée ?
"""

GOLDEN_TXT = """\
Séance 3 — Économie sociale & solidaire

[00:00:01] Marie Dupont
Bonjour à tous, bienvenue à cette séance consacrée à l'économie sociale & solidaire.

[00:00:04] Jean-Luc Pétré
Merci Marie. Une balise <script>alert(1)</script> n'a rien à faire ici.

Une question depuis la salle : est-ce que la séance est enregistrée ?
"""


@pytest.mark.parametrize(
    ("fmt", "expected"), [("vtt", GOLDEN_VTT), ("srt", GOLDEN_SRT), ("txt", GOLDEN_TXT)]
)
def test_text_formats_match_golden_output(fmt: str, expected: str) -> None:
    assert export_transcript(sample_transcript(), fmt) == expected


def test_json_export_has_the_documented_shape() -> None:
    expected = {
        "session": "2024-03-14-economie-solidaire",
        "title": "Séance 3 — Économie sociale & solidaire",
        "language": "fr",
        "version": 2,
        "model": "whisper-base",
        "source": "whisper",
        "segments": [
            {
                "start": 1.0,
                "end": 4.5,
                "start_ms": 1000,
                "end_ms": 4500,
                "text": "Bonjour à tous, bienvenue à cette séance consacrée à l'économie"
                " sociale & solidaire.",
                "speaker": "marie-dupont",
                "speaker_name": "Marie Dupont",
                "affiliation": "Université Lumière Lyon 2",
                "voice": None,
                "confidence": 0.91,
                "verified": True,
                "words": [
                    {"start": 1.0, "end": 1.48, "word": "Bonjour", "probability": 0.98},
                    {"start": 1.48, "end": 1.62, "word": "à", "probability": 0.875},
                ],
            },
            {
                "start": 4.5,
                "end": 9.25,
                "start_ms": 4500,
                "end_ms": 9250,
                "text": "Merci Marie. Une balise <script>alert(1)</script> n'a rien à faire ici.",
                "speaker": "jean-luc-petre",
                "speaker_name": "Jean-Luc Pétré",
                "affiliation": None,
                "voice": None,
                "confidence": 0.8,
                "verified": False,
                "words": [],
            },
            {
                "start": 3661.005,
                "end": 3665.0,
                "start_ms": 3_661_005,
                "end_ms": 3_665_000,
                "text": "Une question depuis la salle : est-ce que la séance est enregistrée ?",
                "speaker": None,
                "speaker_name": None,
                "affiliation": None,
                "voice": None,
                "confidence": None,
                "verified": False,
                "words": [],
            },
        ],
    }
    text = export_transcript(sample_transcript(), "json")
    # Key order, two-space indent and literal accents are part of the contract.
    assert text == json.dumps(expected, ensure_ascii=False, indent=2) + "\n"
    assert '"title": "Séance 3 — Économie sociale & solidaire"' in text


def test_unknown_format_names_the_known_ones() -> None:
    with pytest.raises(ValueError, match="'docx'.*vtt, srt, txt, json"):
        export_transcript(sample_transcript(), "docx")


def test_every_listed_format_has_media_type_and_extension_and_exports() -> None:
    assert EXPORT_FORMATS["vtt"] == ("text/vtt; charset=utf-8", ".vtt")
    assert EXPORT_FORMATS["json"][1] == ".json"
    for fmt, (media_type, extension) in EXPORT_FORMATS.items():
        assert extension == f".{fmt}"
        assert "/" in media_type
        assert export_transcript(sample_transcript(), fmt).endswith("\n")


def _transcript(*segments: ExportSegment, title: str = "T") -> ExportTranscript:
    return ExportTranscript("s", title, "fr", 1, "m", tuple(segments))


def test_vtt_escapes_speaker_names_and_keeps_note_header_safe() -> None:
    transcript = _transcript(
        ExportSegment(0, 1000, "a > b", speaker_name="Dupont & <Fils>"),
        title="Avant --> après",
    )
    vtt = export_transcript(transcript, "vtt")
    assert "<v Dupont &amp; &lt;Fils&gt;>a &gt; b\n" in vtt
    assert "Session: Avant -> après\n" in vtt


def test_a_long_segment_becomes_several_short_captions() -> None:
    # One 30-second segment used to be one cue of 8 lines on screen for 30 s.
    words = [f"mot{i}" for i in range(60)]
    vtt = export_transcript(_transcript(ExportSegment(0, 30_000, " ".join(words))), "vtt")
    cues = [block.split("\n") for block in vtt.strip().split("\n\n")[2:]]
    assert len(cues) >= 5
    for cue in cues:
        start, end = (_ms(time) for time in cue[1].split(" --> "))
        assert end - start <= 7000
        assert 1 <= len(cue[2:]) <= 2
        assert all(len(line) <= CAPTION_LINE_CHARS for line in cue[2:])
    assert [word for cue in cues for line in cue[2:] for word in line.split()] == words


def _ms(clock: str) -> int:
    hours, minutes, seconds = clock.split(":")
    return round((int(hours) * 3600 + int(minutes) * 60 + float(seconds)) * 1000)


def test_empty_segments_are_skipped_and_srt_numbers_stay_consecutive() -> None:
    transcript = _transcript(
        ExportSegment(0, 1000, "un"),
        ExportSegment(1000, 2000, "  "),
        ExportSegment(2000, 3000, "trois"),
    )
    srt = export_transcript(transcript, "srt")
    assert (
        srt == "1\n00:00:00,000 --> 00:00:01,000\nun\n\n2\n00:00:02,000 --> 00:00:03,000\ntrois\n"
    )
    vtt = export_transcript(transcript, "vtt")
    assert "\n1\n00:00:00.000" in vtt and "\n2\n00:00:02.000" in vtt and "\n3\n" not in vtt


def test_txt_headers_only_at_turn_changes_of_known_speakers() -> None:
    def said(start_s: int, text: str, name: str | None = None) -> ExportSegment:
        return ExportSegment(start_s * 1000, start_s * 1000 + 900, text, speaker_name=name)

    transcript = _transcript(
        said(5, "Premier.", "Anne"),
        said(6, "Suite.", "Anne"),
        said(7, "Inconnu un."),
        said(8, "Inconnu deux."),
        said(3725, "Reprise.", "Anne"),
        said(3726, "Réponse.", "Bruno"),
        said(3727, "Fin.", "Bruno"),
    )
    assert export_transcript(transcript, "txt") == (
        "T\n\n"
        "[00:00:05] Anne\nPremier. Suite.\n\n"
        "Inconnu un.\n\n"
        "Inconnu deux.\n\n"
        "[01:02:05] Anne\nReprise.\n\n"
        "[01:02:06] Bruno\nRéponse. Fin.\n"
    )


def test_an_edited_version_says_archivists_corrected_it_not_model_alone() -> None:
    from dataclasses import replace

    edited = replace(
        sample_transcript(),
        source="edit",
        segments=tuple(
            replace(s, verified=n == 0) for n, s in enumerate(sample_transcript().segments)
        ),
    )
    total = len(edited.segments)
    note = export_transcript(edited, "vtt").split("\n\n")[1]
    assert "Model: whisper-base" not in note
    assert f"Corrected by archivists (1 of {total} segments verified)" in note
    assert "from a draft by: whisper-base" in note
    assert json.loads(export_transcript(edited, "json"))["source"] == "edit"
