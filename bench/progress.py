"""A one-line progress bar on stderr, so a long run shows it is alive."""

from __future__ import annotations

import sys
import time


class Bar:
    def __init__(self, total: int, *, width: int = 24) -> None:
        self.total = max(total, 1)
        self.done = 0
        self.width = width
        self.started = time.monotonic()
        self.live = sys.stderr.isatty()

    def show(self, label: str, fraction: float = 0.0) -> None:
        """Draw the bar with the current step `fraction` of the way through."""
        whole = min(1.0, (self.done + max(0.0, min(1.0, fraction))) / self.total)
        filled = round(whole * self.width)
        line = (
            f"[{'#' * filled}{'-' * (self.width - filled)}] {whole:4.0%} "
            f"{time.monotonic() - self.started:6.1f}s  {label}"
        )
        if self.live:
            sys.stderr.write("\r\033[K" + line)
        elif fraction == 0.0:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def step(self) -> None:
        self.done += 1

    def close(self) -> None:
        if self.live:
            sys.stderr.write("\n")
            sys.stderr.flush()
