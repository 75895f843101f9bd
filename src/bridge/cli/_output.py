"""Exit codes, the errors that stop a command, and where output goes.

Results (reports, checks, JSON documents) go to stdout; progress, status lines and errors go
to stderr, on a terminal or not, so ``ghl-ninox sync --json > report.json`` captures only the
report.
"""

from __future__ import annotations

import enum
import json
import traceback
from collections.abc import Mapping
from typing import Any, Final, TextIO

import attrs

from bridge.config import ConfigError
from bridge.mapping import SchemaMismatchError
from bridge.state import StateStoreError
from ghlsdk import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    MissingScopeError,
    PermissionDeniedError,
)

__all__ = [
    "EXIT_CODES",
    "HELP_HINT",
    "READ_SCOPES",
    "WRITE_SCOPES",
    "CredentialsError",
    "ExitCode",
    "LockHeldError",
    "MissingExtraError",
    "Out",
    "PausedError",
    "classify",
    "fail",
]


class ExitCode(enum.IntEnum):
    """The exit codes of ``ghl-ninox`` (``ghl-ninox --help`` lists them)."""

    #: Success: the run finished, no record errors, no conflict waiting for review.
    OK = 0
    #: The run finished, but some records failed or conflicts wait for review.
    RECORD_ERRORS = 1
    #: Bad command line or configuration file, or a missing optional dependency.
    USAGE = 2
    #: Credentials missing, rejected, or lacking a permission/scope.
    CREDENTIALS = 3
    #: The Ninox database layout does not match the mapping.
    SCHEMA = 4
    #: The state store cannot be opened or used (corrupt, newer schema, unwritable).
    STATE = 5
    #: Another run holds the state store's lock.
    LOCKED = 6
    #: A service could not be reached, or kept failing after retries (network, 5xx, 429).
    UNAVAILABLE = 7
    #: An unexpected error (a bug): rerun with ``--debug`` for the traceback and report it.
    INTERNAL = 8
    #: The location is paused (repeated authentication failures, too many errors, or by
    #: hand): ``ghl-ninox status`` says why, ``ghl-ninox resume`` resumes it.
    PAUSED = 9


#: One line per exit code, for ``--help`` and the docs.
EXIT_CODES: Final[Mapping[int, str]] = {
    ExitCode.OK: "ok: finished, no record errors, no conflict waiting for review",
    ExitCode.RECORD_ERRORS: "finished with record errors or conflicts waiting for review",
    ExitCode.USAGE: "usage or configuration error, or a missing extra",
    ExitCode.CREDENTIALS: "credentials missing, rejected, or lacking a permission/scope",
    ExitCode.SCHEMA: "the Ninox layout does not match the mapping",
    ExitCode.STATE: "the state store cannot be opened or used",
    ExitCode.LOCKED: "another run holds the lock",
    ExitCode.UNAVAILABLE: "a service could not be reached or kept failing",
    ExitCode.INTERNAL: "unexpected internal error (rerun with --debug and report it)",
    ExitCode.PAUSED: "the location is paused (see `ghl-ninox status`; `ghl-ninox resume`)",
}

#: Where a hint sends a user for the configuration: both ship with the package.
HELP_HINT: Final = "`ghl-ninox init` writes a commented sample; `ghl-ninox --help` lists commands"

# Scopes the two-way sync needs (GHL Marketplace scope names).
READ_SCOPES: Final = ("contacts.readonly", "calendars/events.readonly")
WRITE_SCOPES: Final = ("contacts.write", "calendars/events.write")


class CredentialsError(Exception):
    """A credential is missing from the environment (never carries a secret's value)."""


class LockHeldError(Exception):
    """Another run holds the state store's lock."""


class PausedError(Exception):
    """The location is paused: ``sync`` does not run until it resumes."""


class MissingExtraError(Exception):
    """A command needs an optional dependency that is not installed. ``extras`` are the
    package extras that provide it; ``install`` says how to add them (from a clone, or to the
    wheel: the package is not on PyPI)."""

    def __init__(self, command: str, missing: Mapping[str, str]) -> None:
        self.missing = dict(missing)  # module -> extra
        self.extras = tuple(dict.fromkeys(missing.values()))
        extras = ",".join(self.extras)
        self.install = f"pip install -e '.[{extras}]' from a clone, or the wheel with [{extras}]"
        modules = ", ".join(self.missing)
        super().__init__(
            f"`ghl-ninox {command}` needs {modules} (the "
            + " and ".join(f"'{e}'" for e in self.extras)
            + f" extra{'s' if len(self.extras) > 1 else ''}), which is not installed"
        )


@attrs.define
class Out:
    """The two streams: `say` writes results to stdout, `err` everything else
    to stderr."""

    stdout: TextIO
    stderr: TextIO
    json: bool = False
    debug: bool = False

    def say(self, text: str = "") -> None:
        self.stdout.write(text + ("\n" if not text.endswith("\n") else ""))

    def err(self, text: str) -> None:
        self.stderr.write(text + "\n")

    def document(self, doc: Mapping[str, Any]) -> None:
        """One JSON document on stdout."""
        self.say(json.dumps(doc, indent=2, ensure_ascii=False))

    def symbols(self) -> Mapping[str, str]:
        encoding = getattr(self.stdout, "encoding", None) or "utf-8"
        try:
            "✓✗".encode(encoding)
        except (UnicodeEncodeError, LookupError):
            return {"ok": "OK  ", "fail": "FAIL", "warn": "WARN", "skip": "SKIP"}
        return {"ok": "✓", "fail": "✗", "warn": "!", "skip": "-"}


def classify(exc: BaseException) -> tuple[ExitCode, str]:
    """The exit code for an error that stopped a command, and a hint to fix it."""
    from bridge.upsert import ReadOnlyTokenError

    # One error tree serves both SDKs: ghlsdk's classes are ninoxsdk's too.
    if isinstance(exc, ConfigError):
        return ExitCode.USAGE, f"fix the configuration file ({HELP_HINT})"
    if isinstance(exc, MissingExtraError):
        return ExitCode.USAGE, exc.install
    if isinstance(exc, CredentialsError):
        return ExitCode.CREDENTIALS, "set the environment variable named above"
    if isinstance(exc, AuthenticationError):
        return ExitCode.CREDENTIALS, (
            "the API rejected the credentials: check GHL_TOKEN / NINOX_API_KEY and that they "
            "belong to the configured location / team"
        )
    if isinstance(exc, (PermissionDeniedError, MissingScopeError, ReadOnlyTokenError)):
        return ExitCode.CREDENTIALS, (
            "the credentials lack a permission: give the token the scopes "
            + ", ".join(READ_SCOPES + WRITE_SCOPES)
        )
    if isinstance(exc, SchemaMismatchError):
        return ExitCode.SCHEMA, (
            "add the missing tables/fields in Ninox (or adjust the mapping); "
            "`ghl-ninox doctor` lists every problem"
        )
    if isinstance(exc, PausedError):
        return ExitCode.PAUSED, (
            "fix the cause named above, then run `ghl-ninox resume` "
            "(`ghl-ninox status` shows the failing records)"
        )
    if isinstance(exc, LockHeldError):
        return ExitCode.LOCKED, "wait for the other run to finish (a crashed run's lock expires)"
    if isinstance(exc, StateStoreError):
        return ExitCode.STATE, "see the message; `ghl-ninox doctor` checks the state store"
    if isinstance(exc, (APIConnectionError, APIError)):
        return ExitCode.UNAVAILABLE, "check the network and the service status, then rerun"
    return ExitCode.INTERNAL, "this is a bug: rerun with --debug and report the traceback"


def fail(out: Out, exc: BaseException, command: str) -> int:
    """Report the error that stopped ``command`` (JSON on stdout with ``--json``, else text
    on stderr); returns its exit code."""
    code, hint = classify(exc)
    message = str(exc) or type(exc).__name__
    if code is ExitCode.INTERNAL:
        message = f"{type(exc).__name__}: {message}"
    if out.json:
        error: dict[str, Any] = {"kind": code.name.lower(), "message": message, "hint": hint}
        if isinstance(exc, ConfigError):
            error["problems"] = [
                {"key": e.key, "message": e.problem, "path": _opt_str(e.path)} for e in exc.errors
            ]
        out.document({"command": command, "ok": False, "exit_code": int(code), "error": error})
    else:
        out.err(f"ghl-ninox {command}: error: {message}")
        out.err(f"  fix: {hint}")
        out.err(f"  (exit code {int(code)}: {EXIT_CODES[code]})")
    if out.debug and code is ExitCode.INTERNAL:
        out.stderr.write("".join(traceback.format_exception(exc)))
    return int(code)


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)
