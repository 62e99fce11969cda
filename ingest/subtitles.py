"""Import existing transcripts (WebVTT, SubRip, JSON) as transcribed segments.

Archives hold subtitles written by older systems, so the readers forgive
sloppy formatting (BOM, CRLF, missing cue ids, short times, styling tags) but
refuse what would corrupt a transcript (no cues, an end before its start,
bytes that are not text) and name the file and line so an archivist can fix it.
"""

from __future__ import annotations

import codecs
import html
import json
import re
from collections.abc import Callable, Iterator
from json.decoder import JSONObject
from json.scanner import py_make_scanner
from pathlib import Path

from core.contracts import TranscribedSegment, Word
from core.timing import estimate_words
from ingest.errors import SubtitleError

ACCEPTED_SUFFIXES = (".vtt", ".srt", ".json")

# [HH:]MM:SS[.mmm]; SubRip's comma and WebVTT's dot are both accepted.
_TIME = r"(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?"
_TIMING = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}(?:\s.*)?$")
# Two full times joined by a wrong arrow: a broken timing line, not cue text.
_FULL_TIME = r"\d+:\d{2}:\d{2}[.,]\d{3}"
_LOOSE_TIMING = re.compile(rf"^\s*{_FULL_TIME}\s*\S{{1,3}}\s*{_FULL_TIME}\s*$")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?[ \t]+([^>]*)>")
# How our exports name a voice nobody has named (core.voices.voice_name): read back,
# it is that voice again, not a person called "Intervenant 1".
_UNNAMED_VOICE = re.compile(r"(?:Intervenant|Speaker) (\d{1,6})")
# Styling tags of WebVTT and SubRip, inline timestamps and ASS overrides like
# {\an8}. Unknown tags stay: in SubRip `<script>` is text someone said.
_TAG = re.compile(
    r"</?(?:v|c|i|b|u|s|ruby|rt|lang|font|span)(?=[\s.>])[^>]*>"
    r"|<\d+(?::\d+)*[.,]\d+>"
    r"|\{\\[^}]*\}",
    re.IGNORECASE,
)
_LINE_BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)
_VTT_SKIPPED_BLOCKS = ("WEBVTT", "NOTE", "STYLE", "REGION")

# A SubRip 'Name: ' prefix: up to five words, no space before the colon.
_PREFIX = re.compile(r"^([^\W\d_][\w.'’-]*(?: [\w.'’-]+){0,4}):\s+(?=\S)")
_DIALOGUE_DASH = re.compile(r"^[-–—]\s+(?=\S)")
_NAME_PARTICLES = frozenset({"de", "du", "des", "la", "le", "van", "von", "der", "di", "da"})
_MAX_NAME_CHARS = 40

_Cue = tuple[int, int, str]  # start_ms, end_ms, raw cue text


def read_transcript_file(path: Path) -> list[TranscribedSegment]:
    """Read a .vtt, .srt or .json transcript into segments sorted by start time."""
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        accepted = ", ".join(ACCEPTED_SUFFIXES)
        raise SubtitleError(
            f"{path.name}: cannot import '{suffix or 'no extension'}' files; "
            f"accepted transcript files are {accepted}"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SubtitleError(f"{path.name}: cannot read the file ({exc.strerror})") from exc
    segments = reader(path.name, _decode(path.name, data))
    if not segments:
        raise SubtitleError(
            f"{path.name}, line 1: no subtitle cues found; the file is empty or not a {suffix} file"
        )
    segments.sort(key=lambda segment: (segment.start_ms, segment.end_ms))
    return segments


def _decode(name: str, data: bytes) -> str:
    """Decode UTF-8 (or BOM-marked UTF-16) text and normalise line endings."""
    is_utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    try:
        text = data.decode("utf-16" if is_utf16 else "utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SubtitleError(
            f"{name}, line {line}: byte {data[exc.start]:#04x} is not UTF-8 text; "
            "re-save the file as UTF-8 and import it again"
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _blocks(text: str) -> Iterator[tuple[int, list[str]]]:
    """Yield each run of non-blank lines with the number of its first line."""
    block: list[str] = []
    first = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if not block:
                first = number
            block.append(line)
        elif block:
            yield first, block
            block = []
    if block:
        yield first, block


def _cues(name: str, text: str) -> list[_Cue]:
    """Split WebVTT or SubRip text into cues, checking every timing line."""
    cues: list[_Cue] = []
    for first, block in _blocks(text):
        timings = [index for index, line in enumerate(block) if "-->" in line]
        for index, line in enumerate(block):
            if index not in timings and _LOOSE_TIMING.match(line):
                raise SubtitleError(
                    f"{name}, line {first + index}: '{line.strip()}' looks like cue times "
                    "but the arrow between them is not '-->'"
                )
        if not timings:
            if block[0].lstrip().startswith(_VTT_SKIPPED_BLOCKS):
                continue  # header, comment, style sheet or region definition
            if not cues:
                raise SubtitleError(
                    f"{name}, line {first}: expected cue times 'start --> end' before the text"
                )
            # A stray blank line inside a cue's text, common in old SubRip files.
            start_ms, end_ms, raw = cues[-1]
            cues[-1] = (start_ms, end_ms, raw + "\n" + "\n".join(block))
            continue
        # Lines before the first timing are a cue id (or the header): ignored.
        # Several timings in one block mean the blank lines between cues are missing.
        for position, index in enumerate(timings):
            stop = timings[position + 1] if position + 1 < len(timings) else len(block)
            body = block[index + 1 : stop]
            if stop < len(block) and body and body[-1].strip().isdigit():
                body = body[:-1]  # the next cue's number
            start_ms, end_ms = _timing(f"{name}, line {first + index}", block[index])
            cues.append((start_ms, end_ms, "\n".join(body)))
    return cues


def _timing(where: str, line: str) -> tuple[int, int]:
    """Read 'start --> end' (cue settings may follow) as milliseconds."""
    match = _TIMING.match(line)
    if match is None:
        raise SubtitleError(
            f"{where}: cannot read the cue times in '{line.strip()}'; "
            "expected 'HH:MM:SS.mmm --> HH:MM:SS.mmm'"
        )
    start_ms = _parse_time(match.groups()[:4], where)
    end_ms = _parse_time(match.groups()[4:], where)
    if end_ms < start_ms:
        raise SubtitleError(
            f"{where}: the cue ends before it starts ({line.strip()}); correct the times"
        )
    return start_ms, end_ms


def _parse_time(groups: tuple[str | None, ...], where: str) -> int:
    """Convert ([hours], minutes, seconds, [fraction]) captures to milliseconds."""
    hours, minutes, seconds, fraction = groups
    if int(seconds or 0) > 59 or (hours is not None and int(minutes or 0) > 59):
        raise SubtitleError(f"{where}: minutes and seconds in cue times must be below 60")
    millis = int((fraction or "0").ljust(3, "0"))
    return ((int(hours or 0) * 60 + int(minutes or 0)) * 60 + int(seconds or 0)) * 1000 + millis


def _clean(raw: str) -> str:
    """Strip styling tags, unescape entities and join the cue's lines."""
    text = _TAG.sub("", _LINE_BREAK_TAG.sub(" ", raw))
    return " ".join(html.unescape(text).split())


def _segment(start_ms: int, end_ms: int, text: str, speaker: str | None) -> TranscribedSegment:
    """Build a segment whose words are estimated from the cue's span."""
    return TranscribedSegment(
        start_ms=start_ms,
        end_ms=end_ms,
        text=text,
        words=estimate_words(text, start_ms, end_ms),
        **_name_or_voice(speaker),
    )


def _name_or_voice(name: str | None) -> dict[str, str | None]:
    """Read a speaker name, or the voice label our exports write as "Intervenant N"."""
    unnamed = _UNNAMED_VOICE.fullmatch(name or "")
    if unnamed:
        return {"speaker_name": None, "voice": unnamed.group(1)}
    return {"speaker_name": name}


def _read_vtt(name: str, text: str) -> list[TranscribedSegment]:
    """Read WebVTT cues; a `<v Name>` voice tag gives the speaker name."""
    segments = []
    for start_ms, end_ms, raw in _cues(name, text):
        voice = _VOICE.search(raw)
        speaker = " ".join(html.unescape(voice.group(1)).split()) if voice else ""
        cue_text = _clean(raw)
        if cue_text:
            segments.append(_segment(start_ms, end_ms, cue_text, speaker or None))
    return segments


def _speaker_prefix(text: str) -> tuple[str, str] | None:
    """Split 'Name: text' into (name, text) when the prefix looks like a name."""
    match = _PREFIX.match(text)
    if match is None or len(match.group(1)) > _MAX_NAME_CHARS:
        return None
    name = match.group(1)
    if _UNNAMED_VOICE.fullmatch(name):  # our export's name for an unnamed voice
        return name, text[match.end() :]
    if not all(word[0].isupper() or word in _NAME_PARTICLES for word in name.split()):
        return None
    return name, text[match.end() :]


def _read_srt(name: str, text: str) -> list[TranscribedSegment]:
    """Read SubRip cues; 'Name: ' prefixes become speakers if used in 2+ cues.

    As in subtitling (and our export), a name holds until the next name, and a
    leading dialogue dash marks a change to a speaker nobody named.
    """
    cues = [(start_ms, end_ms, _clean(raw)) for start_ms, end_ms, raw in _cues(name, text)]
    cues = [cue for cue in cues if cue[2]]
    prefixes = [_speaker_prefix(cue_text) for _start, _end, cue_text in cues]
    # A single 'Note: …' is prose; a convention used repeatedly names speakers.
    use_prefixes = sum(prefix is not None for prefix in prefixes) >= 2
    segments = []
    speaker = None
    for (start_ms, end_ms, cue_text), prefix in zip(cues, prefixes, strict=True):
        if use_prefixes and prefix is not None:
            speaker, cue_text = prefix
        elif use_prefixes and _DIALOGUE_DASH.match(cue_text):
            speaker, cue_text = None, _DIALOGUE_DASH.sub("", cue_text, count=1)
        segments.append(_segment(start_ms, end_ms, cue_text, speaker))
    return segments


class _BadJson(Exception):
    """A JSON transcript's content is wrong; `where` is the key path to the culprit."""

    def __init__(self, message: str, where: tuple[str | int, ...]) -> None:
        super().__init__(message)
        self.where = where


def _read_json(name: str, text: str) -> list[TranscribedSegment]:
    """Read our JSON export or a Whisper-style JSON, estimating missing words."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SubtitleError(f"{name}, line {exc.lineno}: not valid JSON ({exc.msg})") from None
    try:
        return _json_segments(document)
    except _BadJson as exc:
        raise SubtitleError(f"{name}, line {_json_line(text, exc.where)}: {exc}") from None


def _json_line(text: str, where: tuple[str | int, ...]) -> int:
    """Find the line where the object at key path `where` starts."""
    # Only on the error path: the pure-Python scanner is slow, but unlike the
    # C parser it lets us record where each object starts.
    offsets: dict[int, int] = {}

    def parse_object(s_and_end: tuple[str, int], *args: object) -> tuple[object, int]:
        value, end = JSONObject(s_and_end, *args)
        offsets[id(value)] = s_and_end[1]
        return value, end

    decoder = json.JSONDecoder()
    decoder.parse_object = parse_object
    decoder.scan_once = py_make_scanner(decoder)
    node = decoder.decode(text)
    offset = offsets.get(id(node), 0)
    for key in where:
        node = node[key]
        offset = offsets.get(id(node), offset)
    return text.count("\n", 0, offset) + 1


def _json_segments(document: object) -> list[TranscribedSegment]:
    """Convert a parsed JSON transcript (or a bare list of segments) to segments."""
    prefix: tuple[str | int, ...] = ("segments",) if isinstance(document, dict) else ()
    raw_segments = document.get("segments") if isinstance(document, dict) else document
    if not isinstance(raw_segments, list):
        raise _BadJson("expected an object with a 'segments' list", ())
    segments = []
    for index, raw in enumerate(raw_segments):
        where, what = (*prefix, index), f"segment {index + 1}"
        if not isinstance(raw, dict):
            raise _BadJson(f"{what} is not an object", where)
        start_ms, end_ms = _json_span(raw, where, what)
        text = raw.get("text") or ""
        if not isinstance(text, str):
            raise _BadJson(f"{what}: 'text' is not a string", where)
        text = " ".join(text.split())
        if not text:
            continue
        words = _json_words(raw.get("words") or [], where)
        confidence = _number(raw.get("confidence"))
        if confidence is None:
            confidence = sum(w.probability for w in words) / len(words) if words else 1.0
        segments.append(
            TranscribedSegment(
                start_ms=start_ms,
                end_ms=end_ms,
                text=text,
                words=words or estimate_words(text, start_ms, end_ms),
                confidence=confidence,
                no_speech_prob=_number(raw.get("no_speech_prob")) or 0.0,
                avg_logprob=_number(raw.get("avg_logprob")) or 0.0,
                compression_ratio=_number(raw.get("compression_ratio")) or 1.0,
                **_json_speaker(raw),
            )
        )
    return segments


def _number(value: object) -> float | None:
    """Return value as a float if it is a JSON number (not a boolean)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _json_span(raw: dict, where: tuple[str | int, ...], what: str) -> tuple[int, int]:
    """Read start/end in ms from start_ms/end_ms, else from start/end seconds."""
    start_ms, end_ms = _number(raw.get("start_ms")), _number(raw.get("end_ms"))
    if start_ms is None or end_ms is None:
        start_s, end_s = _number(raw.get("start")), _number(raw.get("end"))
        if start_s is None or end_s is None:
            raise _BadJson(f"{what} has no numeric 'start' and 'end' times", where)
        start_ms, end_ms = start_s * 1000, end_s * 1000
    if start_ms < 0:
        raise _BadJson(f"{what} starts before the recording ({start_ms / 1000:.3f} s)", where)
    if end_ms < start_ms:
        raise _BadJson(
            f"{what} ends ({end_ms / 1000:.3f} s) before it starts ({start_ms / 1000:.3f} s)",
            where,
        )
    return round(start_ms), round(end_ms)


def _json_words(raw_words: object, where: tuple[str | int, ...]) -> list[Word]:
    """Read a segment's word timings, keeping the recogniser's probabilities."""
    if not isinstance(raw_words, list):
        raise _BadJson("'words' is not a list", where)
    words = []
    for index, raw in enumerate(raw_words):
        word_where, what = (*where, "words", index), f"word {index + 1}"
        if not isinstance(raw, dict):
            raise _BadJson(f"{what} is not an object", word_where)
        start_ms, end_ms = _json_span(raw, word_where, what)
        token = raw.get("word", raw.get("text"))
        if not isinstance(token, str):
            raise _BadJson(f"{what} has no 'word' text", word_where)
        if token.strip():  # Whisper words carry their leading space
            probability = _number(raw.get("probability"))
            words.append(
                Word(start_ms, end_ms, token.strip(), 1.0 if probability is None else probability)
            )
    return words


def _json_speaker(raw: dict) -> dict[str, str | None]:
    """Read the speaker: our export's slug and name, or another tool's label."""
    slug, name = raw.get("speaker"), raw.get("speaker_name")
    if "speaker_name" in raw:  # our own export, where 'speaker' is a catalogue slug
        voice = raw.get("voice")
        if isinstance(slug, str) and slug:
            return {
                "speaker_slug": slug,
                "speaker_name": name if isinstance(name, str) else None,
                "voice": voice if isinstance(voice, str) and voice else None,
            }
        if isinstance(voice, str) and voice:  # an unnamed voice: its name is only a label
            return {"speaker_slug": None, "speaker_name": None, "voice": voice}
        return {"speaker_slug": None, **_name_or_voice(name if isinstance(name, str) else None)}
    # Other tools (WhisperX …) put a display label such as SPEAKER_00 there.
    return {"speaker_slug": None, "speaker_name": slug if isinstance(slug, str) else None}


_READERS: dict[str, Callable[[str, str], list[TranscribedSegment]]] = {
    ".vtt": _read_vtt,
    ".srt": _read_srt,
    ".json": _read_json,
}
