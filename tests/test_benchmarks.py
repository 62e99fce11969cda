"""Every benchmark script starts: `make bench` and the README's figures depend on them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(p for p in (REPO / "benchmarks").glob("*.py") if p.name != "__init__.py")


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_benchmark_script_starts_and_explains_itself(script: Path, tmp_path: Path) -> None:
    # Run as `make bench` does: the script's folder comes first on sys.path, so a
    # script named like one of our packages (ingest.py) would shadow it.
    result = subprocess.run(
        [sys.executable, str(script), "--help"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout.lower()
    # Asking for help leaves nothing behind (a folder made at import once piled up in /tmp).
    assert list(tmp_path.iterdir()) == []
