"""Finding speech (Silero VAD on onnxruntime) must not report to anyone or leave a device id.

onnxruntime's Linux wheels (1.29+) send each session's details to Microsoft and
keep a device id under ~/.cache unless telemetry is off before they load; an
archive of people's voices runs it at every ingest.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import numpy as np
from ingest.transcribe import speech_spans
rate = 16_000
t = np.arange(rate * 2) / rate
tone = (0.3 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 3 * t))).astype(np.float32)
speech_spans(tone, 300, 100)
"""


def test_finding_speech_leaves_nothing_in_the_home_folder(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("ORT_DISABLE_TELEMETRY", "CI")}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), PYTHONPATH=str(REPO))
    subprocess.run([sys.executable, "-c", SCRIPT], check=True, env=env, cwd=tmp_path)
    left = sorted(str(p.relative_to(home)) for p in home.rglob("*"))
    assert left == [], left
