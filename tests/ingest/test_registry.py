"""The step registry: every step fully described, and the routes agree with it."""

from __future__ import annotations

import inspect
import math
from dataclasses import fields
from pathlib import Path

import pytest

from ingest import steps
from ingest.registry import ROUTES, STEPS, WHISPER_ROUTE, Step, route_for, route_progress

ROUTE_IDS = ["whisper", "import", "diarize"]


@pytest.mark.parametrize("step", STEPS.values(), ids=list(STEPS))
def test_every_step_has_all_its_attributes(step: Step) -> None:
    assert {f.name for f in fields(Step)} == {"name", "run", "outputs", "weight", "label"}
    assert step.name and step.name.isidentifier()
    assert callable(step.run)
    assert isinstance(step.outputs, tuple)
    assert all(isinstance(name, str) and not Path(name).is_absolute() for name in step.outputs)
    assert isinstance(step.weight, float) and step.weight > 0
    assert isinstance(step.label, str) and step.label.strip()


def test_every_step_function_is_registered_once_under_its_name() -> None:
    functions = {
        name.removeprefix("step_")
        for name, value in inspect.getmembers(steps, inspect.isfunction)
        if name.startswith("step_") and value.__module__ == steps.__name__
    }
    assert functions == set(STEPS)
    assert all(step.run is getattr(steps, f"step_{name}") for name, step in STEPS.items())


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_a_route_is_registered_steps_each_once(route: tuple[Step, ...]) -> None:
    names = [step.name for step in route]
    assert len(names) == len(set(names))
    assert all(STEPS[step.name] is step for step in route)  # one Step per name everywhere
    assert len({step.label for step in route}) == len(route)  # the archivist can tell them apart


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_a_route_progresses_from_0_to_1_without_going_back(route: tuple[Step, ...]) -> None:
    points = [
        route_progress(route, step.name, fraction) for step in route for fraction in (0, 0.5, 1)
    ]
    assert points[0] == 0 and math.isclose(points[-1], 1)
    assert points == sorted(points)
    shares = [route_progress(route, s.name, 1) - route_progress(route, s.name, 0) for s in route]
    assert math.isclose(math.fsum(shares), 1)


def test_whisper_weights_sum_to_1_and_transcription_dominates() -> None:
    assert math.isclose(math.fsum(step.weight for step in WHISPER_ROUTE), 1)
    # 8 % before, 84 % transcribing, 3 % recognising voices, 5 % after.
    assert math.isclose(route_progress(WHISPER_ROUTE, "transcribe", 0), 0.08)
    assert math.isclose(route_progress(WHISPER_ROUTE, "transcribe", 0.5), 0.08 + 0.84 / 2)
    assert math.isclose(route_progress(WHISPER_ROUTE, "diarize", 0), 0.93)
    assert math.isclose(route_progress(WHISPER_ROUTE, "diarize", 1), 0.96)
    assert math.isclose(route_progress(WHISPER_ROUTE, "poster", 0.5), 0.07)
    assert math.isclose(route_progress(WHISPER_ROUTE, "export", 0), 0.98)


def test_an_imported_transcript_takes_the_import_route() -> None:
    assert [s.name for s in route_for({"transcript_file": "/tmp/talk.vtt"})] == [
        "probe", "playable", "poster", "import", "speakers", "store", "export", "index",
    ]  # fmt: skip
    assert route_for({"language": "fr"}) is WHISPER_ROUTE


def test_rediarizing_keeps_the_text_and_finds_the_voices_again() -> None:
    assert [s.name for s in route_for({"rediarize": True})] == [
        "probe", "audio", "diarize", "current", "speakers", "store", "export", "index",
    ]  # fmt: skip


def test_a_step_counts_as_done_only_while_its_files_remain(tmp_path: Path) -> None:
    step = STEPS["speakers"]
    assert not step.outputs_exist(tmp_path)
    (tmp_path / "attributed.json").write_text("{}")
    assert step.outputs_exist(tmp_path)
    assert STEPS["store"].outputs_exist(tmp_path)  # its result lives in the catalogue
