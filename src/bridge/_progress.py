"""A small progress display for the command line: a redrawn bar on a terminal, plain lines
otherwise (logs and CI keep readable output). No dependency beyond the standard library."""

from __future__ import annotations

from typing import Final, TextIO

__all__ = ["Progress"]

_WIDTH: Final = 30


class Progress:
    """``progress(done, total, label)``: the callable the sync engine reports to.

    On a TTY the bar is redrawn in place (``\\r``) and ends with a newline when ``done``
    reaches ``total`` or the label changes. Elsewhere one line is written per label at each
    quarter (0%, 25%, 50%, 75%, 100%), so a 10,000-record run does not flood a log.
    ``tty`` overrides the detection (tests). `close` ends an open bar line.
    """

    def __init__(self, stream: TextIO, *, tty: bool | None = None) -> None:
        self.stream = stream
        if tty is None:
            isatty = getattr(stream, "isatty", None)
            tty = bool(isatty()) if callable(isatty) else False
        self.tty = tty
        self._label: str | None = None
        self._open = False  # a TTY bar line is drawn and not yet ended
        self._last_step = -1

    def __call__(self, done: int, total: int, label: str) -> None:
        if label != self._label:
            self.close()
            self._label = label
            self._last_step = -1
        total = max(total, 0)
        done = max(0, min(done, total)) if total else max(done, 0)
        if self.tty:
            self._draw(done, total, label)
        else:
            self._line(done, total, label)

    def _draw(self, done: int, total: int, label: str) -> None:
        if total:
            filled = _WIDTH * done // total
            bar = "#" * filled + "-" * (_WIDTH - filled)
            text = f"\r{label:<14} [{bar}] {done}/{total} {100 * done // total:3d}%"
        else:
            text = f"\r{label:<14} {done}"
        self.stream.write(text)
        self._open = True
        if total and done >= total:
            self.stream.write("\n")
            self._open = False
        self.stream.flush()

    def _line(self, done: int, total: int, label: str) -> None:
        step = 4 * done // total if total else 0
        if step <= self._last_step:
            return
        self._last_step = step
        if total:
            self.stream.write(f"{label}: {done}/{total} ({100 * done // total}%)\n")
        else:
            self.stream.write(f"{label}: {done}\n")
        self.stream.flush()

    def close(self) -> None:
        """End a bar left open on a TTY (a label that never reached its total)."""
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False
