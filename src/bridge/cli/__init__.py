"""``python -m bridge`` / ``ghl-ninox``: the command line of the bridge.

Commands: ``init`` (writes a commented sample configuration), ``sync`` (one full pass both
ways), ``plan`` (dry run: every change it would make, writes nothing), ``doctor`` (checks
configuration, credentials, scopes, the Ninox layout and the state store), ``serve`` (the
webhook server) and ``demo`` (everything on built-in fakes, no credentials). Settings come
from a TOML file, secrets from environment variables ([`bridge.config`][bridge.config]).
Exit codes are [`ExitCode`][bridge.cli.ExitCode]; ``--json`` prints one JSON document on
stdout for scripts. Results go to stdout; progress, status and errors to stderr.

For tests and embedding, [`main`][bridge.cli.main] takes ``connect`` (config → clients) and
``engine_factory`` (clients + store → engine), so any part can be replaced by a fake.

The package: ``_app`` (parser and wiring), ``_commands`` (sync, plan, serve, demo, init),
``_doctor``, ``_engine`` (clients and engine from the config), ``_output`` (exit codes,
errors, streams).
"""

from bridge.cli._app import build_parser, main, version
from bridge.cli._commands import report_exit_code
from bridge.cli._doctor import Check
from bridge.cli._engine import (
    Connections,
    Engine,
    EngineParts,
    RunReport,
    build_ghl,
    build_ninox,
    build_sync_config,
    connect_clients,
    default_engine_factory,
)
from bridge.cli._output import (
    EXIT_CODES,
    CredentialsError,
    ExitCode,
    LockHeldError,
    MissingExtraError,
)

__all__ = [
    "EXIT_CODES",
    "Check",
    "Connections",
    "CredentialsError",
    "Engine",
    "EngineParts",
    "ExitCode",
    "LockHeldError",
    "MissingExtraError",
    "RunReport",
    "build_ghl",
    "build_ninox",
    "build_parser",
    "build_sync_config",
    "connect_clients",
    "default_engine_factory",
    "main",
    "report_exit_code",
    "version",
]
