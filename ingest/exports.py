"""Write one transcript version as WebVTT, SubRip, plain text or JSON.

The shapes written here are a public contract: the portal's download links,
outside tools and `ingest.subtitles` (which reads them back) all rely on them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache

from core.contracts import ExportSegment, ExportTranscript
from core.timecodes import format_clock, format_cue_time
from core.voices import voice_name
from ingest.captions import MAX_LINE_CHARS, Cue, build_cues

# Media type and file extension of each format, for download links.
EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    "vtt": ("text/vtt; charset=utf-8", ".vtt"),
    "srt": ("application/x-subrip; charset=utf-8", ".srt"),
    "txt": ("text/plain; charset=utf-8", ".txt"),
    "json": ("application/json", ".json"),
}

# VTT and SRT are captions, cut to broadcast practice (ingest.captions); TXT and
# JSON keep whole segments, for reading and for tools.
CAPTION_LINE_CHARS = MAX_LINE_CHARS


def export_transcript(transcript: ExportTranscript, fmt: str) -> str:
    """Render a transcript in one of the EXPORT_FORMATS (vtt, srt, txt, json)."""
    writer = _WRITERS.get(fmt)
    if writer is None:
        known = ", ".join(EXPORT_FORMATS)
        raise ValueError(f"unknown export format {fmt!r}; choose one of: {known}")
    return writer(replace(transcript, segments=_named_voices(transcript)))


def _named_voices(transcript: ExportTranscript) -> tuple[ExportSegment, ...]:
    """Name each segment that only has a voice "Intervenant N" (or "Speaker N"), as shown.

    Only the displayed name is filled in: the slug stays empty, since an unnamed
    voice is not a person of the catalogue.
    """
    return tuple(
        replace(s, speaker_name=voice_name(s.voice, transcript.language))
        if s.voice and not (s.speaker_slug or s.speaker_name)
        else s
        for s in transcript.segments
    )


def _flat(text: str) -> str:
    """Collapse all whitespace, since a blank line would end a cue early."""
    return " ".join(text.split())


def _speaker_label(segment: ExportSegment) -> str | None:
    """Return the name to show for the segment's speaker, or None if unknown."""
    label = _flat(segment.speaker_name or segment.speaker_slug or "")
    return label or None


def _vtt_escape(text: str) -> str:
    """Escape the characters WebVTT cue text reserves for tags and entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _note_line(text: str) -> str:
    """Make header text safe inside a NOTE block, which cannot contain '-->'."""
    return _flat(text).replace("-->", "->")


@lru_cache(maxsize=8)
def _cues(segments: tuple[ExportSegment, ...], label_turns: bool) -> tuple[Cue, ...]:
    """Cut captions once per transcript: the player asks for them on every page view.

    Keyed on the segments themselves (speaker names included), so a renamed
    speaker or a new version is never served stale captions.
    """
    return tuple(build_cues(segments, label_turns))


def _to_vtt(transcript: ExportTranscript) -> str:
    """Write WebVTT: a NOTE header, then captions (ingest.captions) with a voice tag each."""
    out = [
        "WEBVTT",
        "",
        "NOTE",
        f"Session: {_note_line(transcript.session_title)}",
        f"Version: {transcript.version}",
        _provenance(transcript),
        "",
    ]
    for number, cue in enumerate(_cues(transcript.segments, False), start=1):
        # Lines are cut before escaping, so that their length counts visible characters.
        lines = [_vtt_escape(line) for line in cue.lines]
        if cue.speaker:
            lines[0] = f"<v {_vtt_escape(cue.speaker)}>{lines[0]}"
        start, end = format_cue_time(cue.start_ms, "."), format_cue_time(cue.end_ms, ".")
        out += [str(number), f"{start} --> {end}", *lines, ""]
    return "\n".join(out)


def _to_srt(transcript: ExportTranscript) -> str:
    """Write SubRip captions, with 'Name: ' where a known speaker starts to speak."""
    out: list[str] = []
    for number, cue in enumerate(_cues(transcript.segments, True), start=1):
        start, end = format_cue_time(cue.start_ms, ","), format_cue_time(cue.end_ms, ",")
        out += [str(number), f"{start} --> {end}", *cue.lines, ""]
    return "\n".join(out)


def _to_txt(transcript: ExportTranscript) -> str:
    """Write plain paragraphs, with a '[hh:mm:ss] Name' line at each new turn."""
    turns: list[tuple[str | None, list[str]]] = []  # (header line, texts of one paragraph)
    previous_label: str | None = None
    for segment in transcript.segments:
        text = _flat(segment.text)
        if not text:
            continue
        label = _speaker_label(segment)
        if label is not None and label == previous_label:
            turns[-1][1].append(text)
        elif label is not None:
            turns.append((f"[{format_clock(segment.start_ms)}] {label}", [text]))
        else:
            # Unknown speakers get a paragraph each: we cannot claim two
            # unattributed segments came from the same person.
            turns.append((None, [text]))
        previous_label = label
    lines = [_flat(transcript.session_title), ""]
    for header, texts in turns:
        lines += [header] if header else []
        lines += [" ".join(texts), ""]
    return "\n".join(lines)


def _provenance(transcript: ExportTranscript) -> str:
    """Say who made this version's text: the model alone, or archivists over its draft.

    An edited version keeps its model's name (the draft it corrected); claiming
    "Model: base" for text people have fixed would understate it.
    """
    model = _note_line(transcript.model)
    if transcript.source != "edit":
        return f"Model: {model}"
    verified, total = transcript.verified_count, len(transcript.segments)
    return (
        f"Corrected by archivists ({verified} of {total} segments verified), "
        f"from a draft by: {model}"
    )


def _seconds(ms: int) -> float:
    """Convert milliseconds to seconds with three decimals."""
    return round(ms / 1000, 3)


def _to_json(transcript: ExportTranscript) -> str:
    """Write the whole transcript, words included, as indented UTF-8 JSON."""
    document = {
        "session": transcript.session_slug,
        "title": transcript.session_title,
        "language": transcript.language,
        "version": transcript.version,
        "model": transcript.model,
        # "edit": archivists corrected the model's draft (see each segment's "verified").
        "source": transcript.source,
        "segments": [
            {
                "start": _seconds(segment.start_ms),
                "end": _seconds(segment.end_ms),
                "start_ms": segment.start_ms,
                "end_ms": segment.end_ms,
                "text": segment.text,
                "speaker": segment.speaker_slug,
                "speaker_name": segment.speaker_name,
                "affiliation": segment.affiliation,
                "voice": segment.voice,
                "confidence": segment.confidence,
                "verified": segment.verified,
                "words": [
                    {
                        "start": _seconds(word.start_ms),
                        "end": _seconds(word.end_ms),
                        "word": word.text,
                        "probability": word.probability,
                    }
                    for word in segment.words
                ],
            }
            for segment in transcript.segments
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


_WRITERS: dict[str, Callable[[ExportTranscript], str]] = {
    "vtt": _to_vtt,
    "srt": _to_srt,
    "txt": _to_txt,
    "json": _to_json,
}
