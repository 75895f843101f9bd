"""[`ConfigError`][bridge.config.ConfigError]: what is wrong with a configuration, every
problem at once."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

__all__ = ["ConfigError"]


class ConfigError(ValueError):
    """The configuration cannot be used. ``path`` is the file (if any), ``key`` the dotted
    key at fault (if any); the message says what to fix. Never contains a secret value.

    The checker reports every problem of a file at once: ``errors`` holds one
    ``ConfigError`` per problem (just this one when there is one), and the message lists them
    all. ``key`` is then the first problem's key."""

    def __init__(
        self,
        message: str,
        *,
        path: Path | None = None,
        key: str | None = None,
        errors: Sequence[ConfigError] = (),
    ):
        self.path = path
        self.key = key
        self.problem = message
        self.errors: tuple[ConfigError, ...] = tuple(errors) or (self,)
        where = str(path) if path is not None else "configuration"
        if errors:
            super().__init__(f"{where}: {message}")
            return
        if key is not None:
            where += f": {key}"
        super().__init__(f"{where}: {message}")

    @classmethod
    def combine(cls, errors: Sequence[ConfigError], *, path: Path | None) -> ConfigError:
        """One error for several problems (the single problem itself when there is one)."""
        if len(errors) == 1:
            return errors[0]
        lines = [f"{len(errors)} problems:"]
        for e in errors:
            lines.append(f"  - {e.key}: {e.problem}" if e.key else f"  - {e.problem}")
        return cls("\n".join(lines), path=path, key=errors[0].key, errors=errors)
