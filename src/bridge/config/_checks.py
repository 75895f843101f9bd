"""The checker's machinery: each check records its problem and lets the reading go on, so one
run reports every mistake in the file; typed getters for the values of a section."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from bridge.config._errors import ConfigError
from ghlsdk import validate_base_url

__all__ = ["Checker", "suggest"]

_T = TypeVar("_T")


def suggest(name: str, options: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``options``, or nothing."""
    close = difflib.get_close_matches(name, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class Checker:
    """Collects the problems of one file. Each getter raises
    [`ConfigError`][bridge.config.ConfigError]; `attempt` records it and goes on with a
    placeholder."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.base = path.parent if path is not None else Path.cwd()
        self.errors: list[ConfigError] = []
        # Keys whose absence is already explained (a broken section, a key outside its
        # section): "is required" would only repeat the problem.
        self.explained: set[str] = set()

    def error(self, key: str | None, message: str) -> ConfigError:
        return ConfigError(message, path=self.path, key=key)

    def report(self, key: str | None, message: str) -> None:
        self.errors.append(self.error(key, message))

    def attempt(self, get: Callable[[], _T], placeholder: _T) -> _T:
        """``get()``, or ``placeholder`` after recording the problem it raised."""
        try:
            return get()
        except ConfigError as exc:
            self.errors.append(exc)
            return placeholder

    # -- typed getters (each raises ConfigError) ------------------------------------------

    def text(
        self, section: Mapping[str, Any], name: str, key: str, *, required: bool = False
    ) -> str | None:
        dotted = f"{name}.{key}"
        if key not in section:
            if required and dotted not in self.explained:
                raise self.error(dotted, f'is required: add {key} = "..." under [{name}]')
            return None
        value = section[key]
        if not isinstance(value, str) or not value.strip():
            raise self.error(dotted, f'must be a non-empty string in quotes, e.g. {key} = "..."')
        if value != value.strip():
            raise self.error(dotted, "has leading or trailing spaces; remove them")
        return value

    def required_text(self, section: Mapping[str, Any], name: str, key: str) -> str:
        # A placeholder when the problem is explained elsewhere (the config is refused anyway).
        return self.text(section, name, key, required=True) or ""

    def number(
        self,
        section: Mapping[str, Any],
        name: str,
        key: str,
        default: float,
        *,
        minimum: float,
        maximum: float | None = None,
        integer: bool = False,
    ) -> float:
        dotted = f"{name}.{key}"
        if key not in section:
            return default
        value = section[key]
        kind = (int,) if integer else (int, float)
        bounds = f"from {minimum:g}" + (f" to {maximum:g}" if maximum is not None else " up")
        what = "a whole number" if integer else "a number"
        if isinstance(value, bool) or not isinstance(value, kind):
            raise self.error(dotted, f"must be {what} {bounds} (got {value!r})")
        if value < minimum or (maximum is not None and value > maximum):
            raise self.error(dotted, f"must be {what} {bounds} (got {value!r})")
        return value

    def flag(self, section: Mapping[str, Any], name: str, key: str) -> bool:
        value = section.get(key, False)
        if not isinstance(value, bool):
            raise self.error(f"{name}.{key}", f"must be true or false (got {value!r})")
        return value

    def url(self, section: Mapping[str, Any], name: str, key: str) -> str | None:
        value = self.text(section, name, key)
        if value is None:
            return None
        try:
            validate_base_url(value)
        except ValueError as exc:
            raise self.error(f"{name}.{key}", str(exc)) from None
        return value

    def file_path(self, value: str) -> Path:
        expanded = Path(value).expanduser()
        return expanded if expanded.is_absolute() else self.base / expanded
