"""What every command is given (`Context`), and the checks ``serve`` and its fleet variant
share: the extras it needs and the webhook keys."""

from __future__ import annotations

import argparse
import importlib.util
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import attrs

from bridge._progress import Progress
from bridge.cli._engine import Connect, EngineFactory
from bridge.cli._output import MissingExtraError, Out
from bridge.config import Config, ConfigError, load_config

__all__ = ["SERVE_NEEDS", "Context", "check_extras", "webhook_keys"]

#: What ``serve`` imports, and the extra that provides it.
SERVE_NEEDS: Final = {"uvicorn": "server", "cryptography": "webhooks"}


@attrs.frozen(kw_only=True)
class Context:
    """One command's arguments, streams, environment and replaceable parts."""

    args: argparse.Namespace
    out: Out
    environ: Mapping[str, str]
    cwd: Path | None
    connect: Connect
    engine_factory: EngineFactory

    def load(self) -> Config:
        return load_config(self.args.config, environ=self.environ, cwd=self.cwd)

    def progress(self) -> Progress | None:
        """The progress display, on stderr (``None`` with ``--quiet``)."""
        return None if self.args.quiet else Progress(self.out.stderr)

    def status(self, text: str) -> None:
        """A status line on stderr (not with ``--json`` or ``--quiet``)."""
        if not (self.out.json or self.args.quiet):
            self.out.err(text)


def check_extras(command: str, needs: Mapping[str, str]) -> None:
    """Raise [`MissingExtraError`][bridge.cli.MissingExtraError] naming every missing module's
    extra."""
    missing = {module: extra for module, extra in needs.items() if not _importable(module)}
    if missing:
        raise MissingExtraError(command, missing)


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def webhook_keys(key: str | None) -> Any:
    """GHL's bundled webhook keys plus ``GHL_WEBHOOK_PUBLIC_KEY`` (Ed25519, else RSA)."""
    if key is None:
        return None
    from ghlsdk.webhooks import WebhookKeys

    keys = WebhookKeys.bundled()
    try:
        return keys.with_keys(ed25519=[key])
    except ValueError:
        try:
            return keys.with_keys(rsa=[key])
        except ValueError as exc:
            raise ConfigError(f"GHL_WEBHOOK_PUBLIC_KEY cannot be read: {exc}") from None
