"""The step registry: every pipeline step and the two routes through them, in one place.

A step says what runs (`ingest.steps`), which files it leaves in the job's work
folder (a resumed run repeats a finished step whose files vanished), its share
of a run's progress, and the words an archivist reads while it runs. Adding a
step means adding one `Step` here and placing it in a route; the orchestrator,
the progress bar and the jobs page read everything else from it.

Labels are English and marked with `N_` for extraction only: the portal
translates them when it shows them, so this module needs no Flask.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ingest import steps
from ingest.steps import RunContext


def N_(text: str) -> str:
    """Mark a label for translation extraction; the portal translates it when shown."""
    return text


@dataclass(frozen=True)
class Step:
    """One pipeline step: its name, function, leftover files, progress weight and label.

    weight is the step's share of a Whisper run's progress (that route's weights
    sum to 1); another route's shares are its weights over their sum.
    outputs are file names in the job's work folder.
    """

    name: str
    run: Callable[[RunContext], dict]
    outputs: tuple[str, ...]
    weight: float
    label: str

    def outputs_exist(self, work_dir: Path) -> bool:
        """Say whether the files this step left are still there, so a resumed run may skip it."""
        return all((work_dir / name).exists() for name in self.outputs)


# Transcription dominates a Whisper run; the steps around it share what is left.
PROBE = Step("probe", steps.step_probe, (), 0.02, N_("checking the file"))
AUDIO = Step("audio", steps.step_audio, ("audio.wav",), 0.02, N_("extracting the sound"))
PLAYABLE = Step("playable", steps.step_playable, (), 0.02, N_("preparing playback"))
POSTER = Step("poster", steps.step_poster, (), 0.02, N_("taking a picture"))
TRANSCRIBE = Step(
    "transcribe", steps.step_transcribe, ("transcription.json",), 0.84, N_("transcribing")
)
IMPORT = Step(
    "import", steps.step_import, ("cleaned.json",), 0.02, N_("reading the transcript file")
)
CLEAN = Step("clean", steps.step_clean, ("cleaned.json",), 0.01, N_("cleaning the transcript"))
DIARIZE = Step("diarize", steps.step_diarize, ("diarization.json",), 0.03, N_("recognising voices"))
CURRENT = Step(
    "current", steps.step_current, ("cleaned.json",), 0.01, N_("reading the current transcript")
)
SPEAKERS = Step(
    "speakers", steps.step_speakers, ("attributed.json",), 0.01, N_("finding the speakers")
)
STORE = Step("store", steps.step_store, (), 0.01, N_("saving the transcript"))
EXPORT = Step("export", steps.step_export, (), 0.01, N_("writing subtitles"))
INDEX = Step("index", steps.step_index, (), 0.01, N_("updating the search"))

WHISPER_ROUTE = (
    PROBE, AUDIO, PLAYABLE, POSTER, TRANSCRIBE, CLEAN, DIARIZE, SPEAKERS, STORE, EXPORT, INDEX,
)  # fmt: skip
IMPORT_ROUTE = (PROBE, PLAYABLE, POSTER, IMPORT, SPEAKERS, STORE, EXPORT, INDEX)
# `archive diarize`: the voices found again under the current transcript, its text untouched.
DIARIZE_ROUTE = (PROBE, AUDIO, DIARIZE, CURRENT, SPEAKERS, STORE, EXPORT, INDEX)
ROUTES = (WHISPER_ROUTE, IMPORT_ROUTE, DIARIZE_ROUTE)
STEPS: Mapping[str, Step] = {step.name: step for route in ROUTES for step in route}


def route_for(params: dict) -> tuple[Step, ...]:
    """Pick a job's route: an imported transcript file replaces Whisper; re-diarizing skips it."""
    if params.get("rediarize"):
        return DIARIZE_ROUTE
    return IMPORT_ROUTE if params.get("transcript_file") else WHISPER_ROUTE


def route_progress(route: tuple[Step, ...], name: str, fraction: float) -> float:
    """Turn progress within one step into progress through its whole route, 0..1."""
    position = [step.name for step in route].index(name)
    before = math.fsum(step.weight for step in route[:position])
    total = math.fsum(step.weight for step in route)
    return (before + route[position].weight * fraction) / total
