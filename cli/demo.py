"""Build the demo archive: the seed seminar with a synthesised French recording.

Run as `python -m cli.demo --home demo/instance` (what `make demo` does). It
imports the seed manifest, synthesises the opening of séance 4 with espeak-ng
(one voice per speaker), sets the programme's start offsets to where each
speaker starts in that recording, ingests it with the real Whisper model and
indexes it. Rerunning it on the same home is harmless: done steps are skipped.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import yaml

from core.timecodes import format_cue_time
from ingest.media import find_ffmpeg

REPO = Path(__file__).resolve().parents[1]
SEED_MANIFEST = REPO / "manifests" / "ville-intelligente-cycle-2.yaml"
SESSION = "2018-01-29-start-up-numerique-acteurs-municipaux"
RATE = 22_050  # espeak-ng's native rate
DEMO_USER, DEMO_PASSWORD = "archiviste", "demo-archiviste-2018"
GAP_S = 1.2

# (programme item index, person, espeak voice and pitch, text). Measured here with
# Whisper base: fr+edward at 120 words a minute gave 11-38 % word errors on these
# sentences where fr+f2 and fr+m7 gave 68-100 %, so every speaker is edward and
# speakers differ by pitch instead.
SCRIPT = [
    (0, "gilles-jeannot", "fr+edward:50",
     "Bonjour à tous et bienvenue à cette quatrième séance du séminaire ville intelligente. "
     "Nous allons parler aujourd'hui des modèles économiques et des réalités politiques."),
    (0, "francois-menard", "fr+edward:35",
     "Merci beaucoup. Le plan urbanisme construction architecture est heureux d'accueillir "
     "ce séminaire avec le laboratoire techniques territoires et sociétés."),
    (1, "steve-bernardin", "fr+edward:60",
     "La séance s'intéresse aux conditions politiques et sociales de déploiement des modèles "
     "économiques de la ville intelligente."),
    (1, "marie-veltz", "fr+edward:70",
     "Comment les entreprises parviennent-elles à convaincre des élus de la pertinence de "
     "leurs services ? Faut-il un droit à l'expérimentation ?"),
    (2, "pierre-saulnier", "fr+edward:45",
     "Je vais vous présenter des applications en faveur de l'implication des usagers dans "
     "les services proposés par les collectivités. Elles reposent sur les données ouvertes."),
]  # fmt: skip


def synthesise(dest: Path, ffmpeg: str) -> list[int]:
    """Write the demo recording (MP4, still image + speech) to dest; return part starts (ms)."""
    with tempfile.TemporaryDirectory() as tmp:
        parts = []
        for number, (_item, _person, voice, text) in enumerate(SCRIPT):
            wav_path = Path(tmp) / f"part{number}.wav"
            name, pitch = voice.split(":")
            subprocess.run(
                ["espeak-ng", "-v", name, "-p", pitch, "-s", "120", "-w", str(wav_path), text],
                check=True,
                capture_output=True,
            )
            parts.append(wav_path)
        speech = Path(tmp) / "speech.wav"
        starts = join_wavs(parts, speech, ffmpeg)
        dest.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                ffmpeg,
                "-y",
                "-loglevel",
                "error",
                "-f",
                "lavfi",
                "-i",
                "color=c=0x1d3557:s=1280x720:r=10",
                "-i",
                str(speech),
                "-shortest",
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-tune",
                "stillimage",
                "-pix_fmt",
                "yuv420p",
                "-c:a",
                "aac",
                "-b:a",
                "96k",
                "-movflags",
                "+faststart",
                str(dest),
            ],
            check=True,
        )
    return starts


def join_wavs(sources: list[Path], dest: Path, ffmpeg: str) -> list[int]:
    """Decode sources to mono WAV, join them with short pauses; return each start (ms)."""
    frames, starts = bytearray(), []
    gap = b"\x00\x00" * int(RATE * GAP_S)
    with tempfile.TemporaryDirectory() as tmp:
        for number, source in enumerate(sources):
            decoded = Path(tmp) / f"{number}.wav"
            subprocess.run(
                [
                    ffmpeg,
                    "-y",
                    "-loglevel",
                    "error",
                    "-i",
                    str(source),
                    "-ac",
                    "1",
                    "-ar",
                    str(RATE),
                    "-c:a",
                    "pcm_s16le",
                    str(decoded),
                ],
                check=True,
            )
            with wave.open(str(decoded), "rb") as part:
                starts.append(len(frames) // 2 * 1000 // RATE)
                frames += part.readframes(part.getnframes()) + gap
    with wave.open(str(dest), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(bytes(frames))
    return starts


def fleurs_session(media: Path, dest: Path, ffmpeg: str) -> dict | None:
    """Join the real French FLEURS clips into one recording; return its manifest."""
    clips = sorted((media / "fleurs_fr").glob("fleurs-fr-*.ogg"))
    if not clips:
        return None
    starts = join_wavs(clips, dest, ffmpeg)
    return {
        "series": [
            {
                "slug": "echantillons-de-parole",
                "title": "Échantillons de parole réelle",
                "language": "fr",
            }
        ],
        "sessions": [
            {
                "slug": "lectures-fleurs-fr",
                "series": "echantillons-de-parole",
                "title": "Lectures en français (FLEURS)",
                "language": "fr",
                "description": "Dix courts textes lus par des locuteurs différents. "
                "FLEURS dataset, Google, CC BY 4.0.",
                "programme": [
                    {
                        "title": f"Extrait {clip.stem}",
                        "kind": "other",
                        "start": format_cue_time(start),
                    }
                    for clip, start in zip(clips, starts, strict=True)
                ],
            }
        ],
    }


def offsets_manifest(starts: list[int]) -> dict:
    """Return a manifest re-importing séance 4 with each speaker's start offset."""
    seed = yaml.safe_load(SEED_MANIFEST.read_text(encoding="utf-8"))
    session = next(s for s in seed["sessions"] if s["slug"] == SESSION)
    programme = session["programme"]
    for (item_index, person, _voice, _text), start_ms in zip(SCRIPT, starts, strict=True):
        item = programme[item_index]
        item.setdefault("start", format_cue_time(start_ms))
        speakers = [s if isinstance(s, dict) else {"person": s} for s in item["speakers"]]
        for speaker in speakers:
            if speaker["person"] == person:
                speaker["start"] = format_cue_time(start_ms)
        item["speakers"] = speakers
    return {"sessions": [session]}


def main(argv: list[str] | None = None) -> int:
    """Build (or complete) the demo archive in --home."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", default="demo/instance", help="archive home to build")
    parser.add_argument("--model", default="base", help="speech model (default: base)")
    args = parser.parse_args(argv)
    if shutil.which("espeak-ng") is None:
        print(
            "espeak-ng is needed for the demo recording: apt-get install espeak-ng", file=sys.stderr
        )
        return 1
    home = Path(args.home).resolve()
    archive = [sys.executable, "-m", "cli", "--home", str(home)]
    recording = home.parent / "seance-4-ouverture.mp4"
    subprocess.run([*archive, "import", str(SEED_MANIFEST)], check=True)
    starts = synthesise(recording, find_ffmpeg())
    overlay = home.parent / "seance-4-offsets.yaml"
    overlay.write_text(
        yaml.safe_dump(offsets_manifest(starts), allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    subprocess.run([*archive, "import", str(overlay)], check=True)
    media = REPO.parent / "shared" / "media"
    extra = (
        fleurs_session(media, home.parent / "lectures-fleurs-fr.wav", find_ffmpeg())
        if media.is_dir()
        else None
    )
    if extra:  # real speech, when the shared samples are beside the checkout
        extra_manifest = home.parent / "lectures-fleurs-fr.yaml"
        extra_manifest.write_text(
            yaml.safe_dump(extra, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
        subprocess.run([*archive, "import", str(extra_manifest)], check=True)
    todo = [(recording, SESSION)] + (
        [(home.parent / "lectures-fleurs-fr.wav", "lectures-fleurs-fr")] if extra else []
    )
    listing = subprocess.run(
        [*archive, "sessions", "--json"], check=True, capture_output=True, text=True
    )
    transcribed = {row["slug"] for row in json.loads(listing.stdout) if row["transcript_version"]}
    for media_file, slug in todo:
        if slug not in transcribed:
            subprocess.run(
                [*archive, "ingest", str(media_file), "--session", slug, "--model", args.model],
                check=True,
            )
    users = subprocess.run([*archive, "user", "add", DEMO_USER, "--role", "admin",
                            "--password-stdin"], input=DEMO_PASSWORD + "\n", text=True,
                           capture_output=True)  # fmt: skip
    if users.returncode and "already" not in users.stderr + users.stdout:
        print(users.stderr, file=sys.stderr)
        return users.returncode
    print(f"Demo archive ready in {home}.")
    print(
        f"Workspace: http://127.0.0.1:5000/workspace/ as {DEMO_USER} / {DEMO_PASSWORD} "
        "(a local demo account: never use it on a server)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
