"""Importing existing transcript files: round trips, tolerance, strict errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.contracts import TranscribedSegment, Word
from ingest.errors import SubtitleError
from ingest.exports import export_transcript
from ingest.subtitles import read_transcript_file
from tests.ingest.test_exports import sample_transcript


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def _summary(segments: list[TranscribedSegment]) -> list[tuple[int, int, str, str | None]]:
    return [(s.start_ms, s.end_ms, s.text, s.speaker_name) for s in segments]


def test_json_export_reads_back_with_same_times_text_and_speakers(tmp_path: Path) -> None:
    transcript = sample_transcript()
    path = _write(tmp_path, "seance.json", export_transcript(transcript, "json"))
    segments = read_transcript_file(path)
    assert _summary(segments) == [
        (s.start_ms, s.end_ms, s.text, s.speaker_name) for s in transcript.segments
    ]


@pytest.mark.parametrize("fmt", ["vtt", "srt"])
def test_caption_exports_read_back_with_same_words_speakers_and_turn_starts(
    tmp_path: Path, fmt: str
) -> None:
    """Captions cut segments up; read back, each turn keeps its words, speaker and start."""
    transcript = sample_transcript()
    path = _write(tmp_path, f"seance.{fmt}", export_transcript(transcript, fmt))
    turns: list[tuple[int, str | None, list[str]]] = []
    for segment in read_transcript_file(path):
        if turns and segment.speaker_name == turns[-1][1] and segment.speaker_name:
            turns[-1][2].extend(segment.text.split())
        else:
            turns.append((segment.start_ms, segment.speaker_name, segment.text.split()))
    assert turns == [(s.start_ms, s.speaker_name, s.text.split()) for s in transcript.segments]


def test_json_round_trip_keeps_slugs_words_and_confidence(tmp_path: Path) -> None:
    path = _write(tmp_path, "seance.json", export_transcript(sample_transcript(), "json"))
    first, second, third = read_transcript_file(path)
    assert first.speaker_slug == "marie-dupont"
    assert first.words == [Word(1000, 1480, "Bonjour", 0.98), Word(1480, 1620, "à", 0.875)]
    assert first.confidence == 0.91
    assert second.speaker_slug == "jean-luc-petre"
    assert third.speaker_slug is None and third.speaker_name is None


def test_whisper_style_json_keeps_word_timings_and_scores(tmp_path: Path) -> None:
    document = {
        "language": "fr",
        "segments": [
            {
                "id": 0,
                "start": 0.0,
                "end": 1.25,
                "text": " Bonjour à tous.",
                "avg_logprob": -0.3,
                "no_speech_prob": 0.01,
                "compression_ratio": 1.2,
                "words": [
                    {"start": 0.0, "end": 0.5, "word": " Bonjour", "probability": 0.9},
                    {"start": 0.5, "end": 0.7, "word": " à", "probability": 0.7},
                    {"start": 0.7, "end": 1.25, "word": " tous.", "probability": 0.8},
                ],
            },
            {"start": 2.0, "end": 3.0, "text": "Sans mots."},
        ],
    }
    segments = read_transcript_file(_write(tmp_path, "w.json", json.dumps(document)))
    assert [w.text for w in segments[0].words] == ["Bonjour", "à", "tous."]
    assert segments[0].words[2] == Word(700, 1250, "tous.", 0.8)
    assert segments[0].confidence == pytest.approx(0.8)
    assert (segments[0].avg_logprob, segments[0].no_speech_prob) == (-0.3, 0.01)
    # No word timings in the file: estimated ones, flagged with probability 0.
    assert [(w.start_ms, w.end_ms, w.probability) for w in segments[1].words] == [
        (2000, 2444, 0.0),
        (2444, 3000, 0.0),
    ]


def test_cue_words_are_spread_by_length_and_flagged_as_estimated(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.vtt", "WEBVTT\n\n00:00:10.000 --> 00:00:11.000\na bb ccc dddd\n")
    (segment,) = read_transcript_file(path)
    assert segment.words == [
        Word(10_000, 10_100, "a", 0.0),
        Word(10_100, 10_300, "bb", 0.0),
        Word(10_300, 10_600, "ccc", 0.0),
        Word(10_600, 11_000, "dddd", 0.0),
    ]


VTT_CASES = {
    "bom-crlf-no-ids": (
        b"\xef\xbb\xbfWEBVTT\r\n\r\n00:00:01.000 --> 00:00:02.000\r\nUn\r\n\r\n"
        b"00:00:03.000 --> 00:00:04.000\r\nDeux\r\n",
        [(1000, 2000, "Un", None), (3000, 4000, "Deux", None)],
    ),
    "short-times-and-settings": (
        "WEBVTT\nKind: captions\nLanguage: fr\n\nintro\n01:02.5 --> 01:04.250 align:start"
        " position:10%\nÉté\n",
        [(62_500, 64_250, "Été", None)],
    ),
    "tags-stripped-voice-kept": (
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\n<v.loud Jean Dupont><i>Bonjour</i>"
        " <c.yellow>à</c> <00:00:01.500>tous</v>\n",
        [(1000, 2000, "Bonjour à tous", "Jean Dupont")],
    ),
    "entities-and-escaped-name": (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Dupont &amp; Fils>R&amp;D &lt;3"
        " &eacute;t&eacute;\n",
        [(1000, 2000, "R&D <3 été", "Dupont & Fils")],
    ),
    "multiline-empty-unsorted-notes": (
        "WEBVTT\n\nNOTE written by an old system\n\nSTYLE\n::cue { color: red }\n\n"
        "00:00:05.000 --> 00:00:06.000\nplus\ntard\n\n"
        "00:00:03.000 --> 00:00:04.000\n<i> </i>\n\n"
        "00:00:01.000 --> 00:00:02.000\nd'abord\n",
        [(1000, 2000, "d'abord", None), (5000, 6000, "plus tard", None)],
    ),
}


@pytest.mark.parametrize("content", VTT_CASES.values(), ids=VTT_CASES.keys())
def test_tolerates_old_webvtt_files(tmp_path: Path, content: tuple) -> None:
    data, expected = content
    assert _summary(read_transcript_file(_write(tmp_path, "old.vtt", data))) == expected


SRT_CASES = {
    "styling-tags": (
        "1\n00:00:01,000 --> 00:00:02,000\n{\\an8}<i>Bonjour</i><br>"
        '<font color="red">à tous</font>\n',
        [(1000, 2000, "Bonjour à tous", None)],
    ),
    "missing-blank-line-between-cues": (
        "1\n00:00:01,000 --> 00:00:02,000\nUn\n2\n00:00:03,000 --> 00:00:04,000\nDeux\n",
        [(1000, 2000, "Un", None), (3000, 4000, "Deux", None)],
    ),
    "stray-blank-line-inside-cue": (
        "1\n00:00:01,000 --> 00:00:02,000\nune phrase\n\ncoupée\n\n"
        "2\n00:00:03,000 --> 00:00:04,000\nsuite\n",
        [(1000, 2000, "une phrase coupée", None), (3000, 4000, "suite", None)],
    ),
    "repeated-prefixes-are-speakers": (
        "1\n00:00:01,000 --> 00:00:02,000\nAnne de la Tour: Bonjour.\n\n"
        "2\n00:00:03,000 --> 00:00:04,000\nM. Bruno: Salut.\n\n"
        "3\n00:00:05,000 --> 00:00:06,000\nToujours lui.\n\n"
        "4\n00:00:07,000 --> 00:00:08,000\n– Sans locuteur.\n",
        [
            (1000, 2000, "Bonjour.", "Anne de la Tour"),
            (3000, 4000, "Salut.", "M. Bruno"),
            # A name holds until the next one; a dialogue dash is an unnamed voice.
            (5000, 6000, "Toujours lui.", "M. Bruno"),
            (7000, 8000, "Sans locuteur.", None),
        ],
    ),
    "single-prefix-is-prose": (
        "1\n00:00:01,000 --> 00:00:02,000\nAttention: la salle change.\n\n"
        "2\n00:00:03,000 --> 00:00:04,000\nMerci.\n",
        [(1000, 2000, "Attention: la salle change.", None), (3000, 4000, "Merci.", None)],
    ),
    "lowercase-long-or-spaced-prefixes-are-prose": (
        "1\n00:00:01,000 --> 00:00:02,000\nle point: clair.\n\n"
        "2\n00:00:03,000 --> 00:00:04,000\nLa question posée : pourquoi ?\n\n"
        "3\n00:00:05,000 --> 00:00:06,000\nAbcdefghij Abcdefghij Abcdefghij Abcdefghij: x\n\n"
        "4\n00:00:07,000 --> 00:00:08,000\nAnne: oui\n",
        [
            (1000, 2000, "le point: clair.", None),
            (3000, 4000, "La question posée : pourquoi ?", None),
            (5000, 6000, "Abcdefghij Abcdefghij Abcdefghij Abcdefghij: x", None),
            (7000, 8000, "Anne: oui", None),
        ],
    ),
}


@pytest.mark.parametrize("content", SRT_CASES.values(), ids=SRT_CASES.keys())
def test_tolerates_old_subrip_files(tmp_path: Path, content: tuple) -> None:
    data, expected = content
    assert _summary(read_transcript_file(_write(tmp_path, "old.srt", data))) == expected


STRICT_CASES = {
    "end-before-start": (
        "a.vtt",
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\n00:00:05.000 --> 00:00:04.000\nx\n",
        r"a\.vtt, line 6: the cue ends before it starts",
    ),
    "unreadable-times": (
        "b.srt",
        "1\n00:00:01,000 --> 00:00:0x,000\ntexte\n",
        r"b\.srt, line 2: cannot read the cue times",
    ),
    "wrong-arrow": (
        "c.srt",
        "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:03,000 -> 00:00:04,000\nx\n",
        r"c\.srt, line 6: .*arrow",
    ),
    "seconds-over-59": (
        "d.vtt",
        "WEBVTT\n\n00:00:75.000 --> 00:01:20.000\nx\n",
        r"d\.vtt, line 3: minutes and seconds",
    ),
    "text-before-any-cue": (
        "e.srt",
        "\n\nBonjour sans temps\n",
        r"e\.srt, line 3: expected cue times",
    ),
    "not-utf8": (
        "f.srt",
        b"1\n00:00:01,000 --> 00:00:02,000\nok\n\xe9t\xe9\n",
        r"f\.srt, line 4: byte 0xe9 is not UTF-8",
    ),
    "no-cues": ("g.vtt", "WEBVTT\n\nNOTE nothing here\n", r"g\.vtt, line 1: no subtitle cues"),
    "json-syntax": ("h.json", '{\n  "segments": [\n    {"start": 1,,}\n]}', r"h\.json, line 3"),
    "json-end-before-start": (
        "i.json",
        '{"segments": [\n  {"start": 1, "end": 2, "text": "a"},\n'
        '  {"start": 5, "end": 4, "text": "b"}\n]}',
        r"i\.json, line 3: segment 2 ends \(4\.000 s\) before it starts",
    ),
    "json-word-without-times": (
        "j.json",
        '{"segments": [{"start": 1, "end": 2, "text": "a",\n "words": [\n  {"word": "a"}]}]}',
        r"j\.json, line 3: word 1 has no numeric",
    ),
    "json-no-segments": ("k.json", '{"text": "a"}', r"k\.json, line 1: expected .*'segments'"),
}


@pytest.mark.parametrize("case", STRICT_CASES.values(), ids=STRICT_CASES.keys())
def test_real_errors_name_the_file_and_line(tmp_path: Path, case: tuple) -> None:
    name, content, message = case
    with pytest.raises(SubtitleError, match=message):
        read_transcript_file(_write(tmp_path, name, content))


def test_unknown_extension_lists_accepted_ones(tmp_path: Path) -> None:
    with pytest.raises(SubtitleError, match=r"old\.ass: .*\.vtt, \.srt, \.json"):
        read_transcript_file(_write(tmp_path, "old.ass", "[Script Info]\n"))


def test_missing_file_is_a_subtitle_error(tmp_path: Path) -> None:
    with pytest.raises(SubtitleError, match="absent.srt: cannot read"):
        read_transcript_file(tmp_path / "absent.srt")
