"""The ingest progress display: a live bar on a terminal, plain lines in a log file.

A tqdm bar redraws itself with carriage returns, which a log file (or CI, or
`make demo > demo.log`) keeps as one unreadable line of hundreds of bars.
When stderr is not a terminal, progress is written as one line per step and
per tenth of the run instead.
"""

from __future__ import annotations

import sys
from typing import TextIO

from core.timecodes import format_clock

LINE_STEP_PERCENT = 10


class ProgressDisplay:
    """Show a job's progress (core.jobs progress: step, fraction, eta_s) on stream."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.bar = None
        self._last: tuple[str, int] | None = None

    def __enter__(self) -> ProgressDisplay:
        if self.live:
            from tqdm import tqdm

            self.bar = tqdm(
                total=100,
                unit="%",
                file=self.stream,
                dynamic_ncols=True,
                bar_format="{desc:<11} {percentage:3.0f}%|{bar}| {postfix}",
            )
        return self

    def update(self, progress) -> None:
        """Show progress: redraw the bar, or write a line at each new step or tenth."""
        percent = round(progress.fraction * 100, 1)
        eta = progress.eta_s
        eta_text = f"ETA {format_clock(round(eta * 1000))}" if eta is not None else ""
        if self.bar is not None:
            self.bar.set_description_str(progress.step)
            self.bar.n = percent
            self.bar.set_postfix_str(eta_text, refresh=False)
            self.bar.refresh()
            return
        mark = (progress.step, int(percent // LINE_STEP_PERCENT))
        if mark == self._last:
            return
        self._last = mark
        print(f"{progress.step:<11} {percent:3.0f}% {eta_text}".rstrip(), file=self.stream)
        self.stream.flush()

    def __exit__(self, *exc_info) -> None:
        if self.bar is not None:
            self.bar.close()
