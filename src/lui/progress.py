"""A small step-by-step progress bar on stderr, quiet when stderr is not a terminal."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

WIDTH = 24


class Steps:
    """Numbered steps, each with a bar: `[2/3] validating  [#########.......]  56%  3s`."""

    def __init__(self, total: int, enabled: bool | None = None, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total = total
        self.number = 0
        self.label = ""
        self.started = time.monotonic()
        self._drawn = 0.0
        self._open = False

    def step(self, label: str) -> Callable[[float], None]:
        """Start the next step; returns the callback that moves its bar (share 0..1)."""
        self.finish()
        self.number += 1
        self.label = label
        self.started = time.monotonic()
        self._drawn = 0.0
        self._draw(0.0, force=True)
        return self._draw

    def _draw(self, share: float, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._drawn < 0.1 and share < 1.0:
            return
        self._drawn = now
        filled = int(WIDTH * max(0.0, min(share, 1.0)))
        bar = "#" * filled + "." * (WIDTH - filled)
        line = (
            f"\r[{self.number}/{self.total}] {self.label:<12} [{bar}] {share:4.0%} "
            f"{now - self.started:4.0f}s"
        )
        self.stream.write(line)
        self.stream.flush()
        self._open = True

    def finish(self) -> None:
        """End the current step's line."""
        if self.enabled and self._open:
            self._draw(1.0, force=True)
            self.stream.write("\n")
            self.stream.flush()
        self._open = False
