"""Finding, reading and parsing the configuration file, and the shipped sample."""

from __future__ import annotations

import importlib
import importlib.resources
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bridge.config._errors import ConfigError
from bridge.config._parser import Parser
from bridge.config._settings import CONFIG_ENV, DEFAULT_CONFIG_FILE, Config, Secrets

__all__ = ["find_config", "load_config", "parse_config", "sample_config"]


def _toml_module() -> Any:
    # tomllib is in the standard library from 3.11; on 3.10 the same parser is 'tomli'.
    name = "tomllib" if sys.version_info >= (3, 11) else "tomli"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError:  # pragma: no cover - Python 3.10 without tomli
        return None


def find_config(
    path: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> Path:
    """The configuration file to use: ``path``, else ``$GHL_NINOX_CONFIG``, else
    ``ghl-ninox.toml`` in ``cwd`` (default: the current directory). Raises
    [`ConfigError`][bridge.config.ConfigError] when that file does not exist."""
    env = os.environ if environ is None else environ
    base = Path(cwd) if cwd is not None else Path.cwd()
    if path is not None:
        chosen, how = Path(path), "given with --config"
    elif env.get(CONFIG_ENV, "").strip():
        chosen, how = Path(env[CONFIG_ENV].strip()), f"named by ${CONFIG_ENV}"
    else:
        chosen, how = Path(DEFAULT_CONFIG_FILE), "the default"
    if not chosen.is_absolute():
        chosen = base / chosen
    if not chosen.is_file():
        raise ConfigError(
            f"no such file ({how}). Create one with `ghl-ninox init` (a commented sample), "
            f"pass --config PATH, or set {CONFIG_ENV}.",
            path=chosen,
        )
    return chosen


def sample_config() -> str:
    """The commented sample configuration ``ghl-ninox init`` writes (shipped in the package
    as ``bridge/sample_config.toml``; it parses, with placeholder ids)."""
    return (
        importlib.resources.files("bridge")
        .joinpath("sample_config.toml")
        .read_text(encoding="utf-8")
    )


def load_config(
    path: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    fields: Mapping[str, Iterable[str]] | None = None,
) -> Config:
    """Find (see [`find_config`][bridge.config.find_config]), read and check the configuration
    file; secrets come from ``environ`` (default ``os.environ``). ``fields`` (entity → field
    names; default: the default mapping's) is what ``[sync.policies]`` keys may name."""
    file = find_config(path, environ=environ, cwd=cwd)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the file: {exc}", path=file) from exc
    return parse_config(text, path=file, environ=environ, fields=fields)


def parse_config(
    text: str,
    *,
    path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    fields: Mapping[str, Iterable[str]] | None = None,
) -> Config:
    """Parse TOML ``text`` into a [`Config`][bridge.config.Config] (``path`` names the file in
    errors and anchors relative paths)."""
    tomllib = _toml_module()
    if tomllib is None:  # pragma: no cover - Python 3.10 without tomli
        raise ConfigError(
            "reading TOML on Python 3.10 needs the 'tomli' package: pip install tomli",
            path=path,
        )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=path) from exc
    return Parser(path, fields).config(data, Secrets.from_env(environ))
