"""An import's progress: a bar on a terminal, a plain line now and then elsewhere."""

from __future__ import annotations

from typing import IO, Any


class Progress:
    """Counts rows done; `update(done)` with the running total, `close()` at the end."""

    def __init__(self, *, total: int, label: str, stream: IO[str], terminal: bool) -> None:
        self.total = max(total, 1)
        self.label = label
        self.stream = stream
        self._bar: Any = None
        self._shown = 0
        if terminal:
            from tqdm import tqdm  # only on a terminal

            self._bar = tqdm(total=total, desc=label, unit="row", file=stream, leave=True)

    def update(self, done: int) -> None:
        if self._bar is not None:
            self._bar.update(done - self._bar.n)
            return
        # Plain lines for logs and pipes: one at each tenth of the way.
        if done >= self.total or done - self._shown >= max(self.total // 10, 1):
            self._line(done)

    def _line(self, done: int) -> None:
        self.stream.write(f"{self.label}: {done}/{self.total}\n")
        self.stream.flush()
        self._shown = done

    def close(self, done: int) -> None:
        if self._bar is not None:
            self._bar.update(done - self._bar.n)
            self._bar.close()
        elif done != self._shown:
            self._line(done)
