"""Run the installed `archive` console script as an archivist would, for end-to-end tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_archive(home: Path, *args: str | Path, timeout_s: int = 540) -> subprocess.CompletedProcess:
    """Run `archive --home HOME ARGS` without the caller's ARCHIVE_* settings; insist on success."""
    script = Path(sys.executable).with_name("archive")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARCHIVE_")}
    result = subprocess.run(
        [script, "--home", home, *args], capture_output=True, text=True, env=env, timeout=timeout_s
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result
