"""``python -m bridge`` / ``ghl-ninox``: the command line of the bridge.

Commands: ``sync`` (one full pass both ways), ``plan`` (dry run: every change it would make,
writes nothing), ``doctor`` (checks configuration, credentials, scopes, the Ninox layout and
the state store), ``serve`` (the webhook server) and ``demo`` (everything on built-in fakes,
no credentials). Settings come from a TOML file, secrets from environment variables
(:mod:`bridge.config`). Exit codes are :class:`ExitCode`; ``--json`` prints one JSON document
on stdout for scripts.

For tests and embedding, :func:`main` takes ``connect`` (config → clients) and
``engine_factory`` (clients + store → engine), so any part can be replaced by a fake.
"""

from __future__ import annotations

import argparse
import enum
import importlib
import importlib.util
import inspect
import json
import os
import sys
import traceback
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Literal, Protocol, TextIO

import attrs
import httpx

from bridge._progress import Progress
from bridge.config import Config, ConfigError, load_config
from bridge.mapping import MappingSet, SchemaMismatchError, validate
from bridge.state import SQLiteStateStore, StateStoreError

__all__ = [
    "EXIT_CODES",
    "Connections",
    "CredentialsError",
    "Engine",
    "EngineParts",
    "ExitCode",
    "LockHeldError",
    "RunReport",
    "build_ghl",
    "build_ninox",
    "build_parser",
    "build_sync_config",
    "connect_clients",
    "default_engine_factory",
    "main",
    "report_exit_code",
]


class ExitCode(enum.IntEnum):
    """The exit codes of ``ghl-ninox`` (documented in docs/bridge/cli.md)."""

    #: Success: the run finished, no record errors, no conflict waiting for review.
    OK = 0
    #: The run finished, but some records failed or conflicts wait for review.
    RECORD_ERRORS = 1
    #: Bad command line or configuration file.
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


#: One line per exit code, for ``--help`` and the docs.
EXIT_CODES: Final[Mapping[int, str]] = {
    ExitCode.OK: "ok: finished, no record errors, no conflict waiting for review",
    ExitCode.RECORD_ERRORS: "finished with record errors or conflicts waiting for review",
    ExitCode.USAGE: "usage or configuration error",
    ExitCode.CREDENTIALS: "credentials missing, rejected, or lacking a permission/scope",
    ExitCode.SCHEMA: "the Ninox layout does not match the mapping",
    ExitCode.STATE: "the state store cannot be opened or used",
    ExitCode.LOCKED: "another run holds the lock",
    ExitCode.UNAVAILABLE: "a service could not be reached or kept failing",
    ExitCode.INTERNAL: "unexpected internal error (rerun with --debug and report it)",
}

# Scopes the two-way sync needs (GHL Marketplace scope names).
READ_SCOPES: Final = ("contacts.readonly", "calendars/events.readonly")
WRITE_SCOPES: Final = ("contacts.write", "calendars/events.write")

Progressor = Callable[[int, int, str], None]


# ---------------------------------------------------------------------------------------------
# What the CLI needs from the engine (bridge.sync) and its reports


class RunReport(Protocol):
    """The part of :class:`bridge.sync.RunReport` the CLI uses."""

    @property
    def ok(self) -> bool: ...
    @property
    def conflicts(self) -> Sequence[Any]: ...
    @property
    def errors(self) -> Sequence[Any]: ...
    def to_json(self) -> str: ...


class Engine(Protocol):
    """The part of :class:`bridge.sync.SyncEngine` the CLI uses."""

    def sync(self, *, scan_deletes: bool = False) -> RunReport: ...
    def plan(self, *, scan_deletes: bool = False) -> RunReport: ...


@attrs.frozen(kw_only=True)
class EngineParts:
    """Everything an engine is built from: the configuration, the two clients, the open
    state store and the progress callback (``None`` when quiet)."""

    config: Config
    ghl: Any  # ghlsdk.GHLClient
    ninox: Any  # ninoxsdk.DatabaseHandle
    store: SQLiteStateStore
    progress: Progressor | None


EngineFactory = Callable[[EngineParts], Engine]


class CredentialsError(Exception):
    """A credential is missing from the environment (never carries a secret's value)."""


class LockHeldError(Exception):
    """Another run holds the state store's lock."""


# ---------------------------------------------------------------------------------------------
# Clients from the configuration


@attrs.define
class Connections:
    """The clients built from a :class:`~bridge.config.Config`: ``ghl`` (GHLClient),
    ``ninox`` (NinoxClient) and ``db`` (its DatabaseHandle). Close with :meth:`close`."""

    ghl: Any
    ninox: Any
    db: Any
    _closers: list[Any] = attrs.field(factory=list)

    def close(self) -> None:
        for item in reversed(self._closers):
            item.close()
        self._closers.clear()


Connect = Callable[[Config], Connections]


def build_ghl(config: Config, *, transport: httpx.BaseTransport | None = None) -> Any:
    """A ``GHLClient`` from the config: ``GHL_TOKEN``, else OAuth (``GHL_CLIENT_ID`` and
    ``GHL_CLIENT_SECRET`` with ``[ghl] token_store``). ``transport`` is for tests/fakes."""
    from ghlsdk import GHLClient

    secrets, ghl = config.secrets, config.ghl
    http = httpx.Client(transport=transport) if transport is not None else None
    try:
        if secrets.ghl_token is not None:
            return GHLClient(
                token=secrets.ghl_token,
                location_id=ghl.location_id,
                base_url=ghl.base_url,
                http_client=http,
            )
        if secrets.ghl_oauth:
            return GHLClient(
                auth=_oauth_session(config, http),
                location_id=ghl.location_id,
                base_url=ghl.base_url,
                http_client=http,
            )
    except ConfigError:
        if http is not None:
            http.close()
        raise
    except ValueError as exc:
        if http is not None:
            http.close()
        raise CredentialsError(f"cannot use the GHL credentials: {exc}") from None
    if http is not None:
        http.close()
    raise CredentialsError(
        "no GHL credentials: set GHL_TOKEN (a Private Integration or access token), or "
        "GHL_CLIENT_ID and GHL_CLIENT_SECRET with [ghl] token_store for OAuth"
    )


def _oauth_session(config: Config, http: httpx.Client | None) -> Any:
    from ghlsdk import FileTokenStore, OAuth2, OAuthSession

    if config.ghl.token_store is None:
        raise ConfigError(
            "OAuth (GHL_CLIENT_ID/GHL_CLIENT_SECRET) needs a token store: add "
            'token_store = "ghl-tokens.json" under [ghl]',
            path=config.source,
            key="ghl.token_store",
        )
    assert config.secrets.ghl_client_id is not None
    assert config.secrets.ghl_client_secret is not None
    oauth = OAuth2(
        client_id=config.secrets.ghl_client_id,
        client_secret=config.secrets.ghl_client_secret,
        base_url=config.ghl.base_url,
        http_client=http,
    )
    return OAuthSession(
        oauth,
        FileTokenStore(config.ghl.token_store),
        key=config.ghl.location_id,
        location_id=config.ghl.location_id,
    )


def build_ninox(
    config: Config, *, transport: httpx.BaseTransport | None = None, **options: Any
) -> Any:
    """A ``NinoxClient`` for the configured host with ``NINOX_API_KEY``. ``options`` go to
    the client (e.g. ``min_interval=0`` on fakes)."""
    from ninoxsdk import NinoxClient

    key = config.secrets.ninox_api_key
    if key is None:
        raise CredentialsError("no Ninox credentials: set NINOX_API_KEY (Ninox > Integrations)")
    if transport is not None:
        options["http_client"] = httpx.Client(transport=transport)
    nx = config.ninox
    try:
        if nx.private_cloud is not None:
            return NinoxClient.private_cloud(nx.private_cloud, key, **options)
        if nx.on_premise is not None:
            return NinoxClient.on_premise(nx.on_premise, key, **options)
        if nx.base_url is not None:
            return NinoxClient(key, base_url=nx.base_url, **options)
        return NinoxClient(key, **options)
    except ValueError as exc:
        if "http_client" in options:
            options["http_client"].close()
        raise CredentialsError(f"cannot use the Ninox settings: {exc}") from None


def connect_clients(
    config: Config,
    *,
    ghl_transport: httpx.BaseTransport | None = None,
    ninox_transport: httpx.BaseTransport | None = None,
    **ninox_options: Any,
) -> Connections:
    """Build both clients from ``config`` (the default ``connect`` of :func:`main`). The
    transports route requests elsewhere, e.g. to ``FakeGHL``/``FakeNinox`` in tests."""
    ghl = build_ghl(config, transport=ghl_transport)
    try:
        nx = build_ninox(config, transport=ninox_transport, **ninox_options)
    except BaseException:
        ghl.close()
        raise
    db = nx.database(config.ninox.team_id, config.ninox.database_id)
    return Connections(ghl=ghl, ninox=nx, db=db, closers=[ghl, nx])


def default_engine_factory(parts: EngineParts) -> Engine:
    """Build :class:`bridge.sync.SyncEngine` from the parts and the ``[sync]`` settings,
    after checking the Ninox layout against the mapping (``SchemaMismatchError``, exit 4,
    before anything is read or written)."""
    from bridge.sync import SyncEngine

    validate(parts.ninox.schema())
    engine: Engine = SyncEngine(
        parts.ghl,
        parts.ninox,
        parts.store,
        config=build_sync_config(parts.config),
        progress=parts.progress,
    )
    return engine


def build_sync_config(config: Config) -> Any:
    """The engine's :class:`bridge.sync.SyncConfig` from ``[sync]``: ``"entity.field"``
    policies become per-field policies, ``"entity"`` policies the entity's default (contacts
    default to GHL wins), ``default_policy`` the fallback for every other entity."""
    from bridge.conflicts import GHL_WINS
    from bridge.sync import SyncConfig

    s = config.sync
    fields: dict[str, dict[str, Any]] = {}
    entity_defaults: dict[str, Any] = {"contact": GHL_WINS}
    for key, name in s.policies.items():
        entity, _, field = key.partition(".")
        if field:
            fields.setdefault(entity, {})[field] = s.policy(name)
        else:
            entity_defaults[entity] = s.policy(name)
    options: dict[str, Any] = {}
    if s.default_policy is not None:
        options["fallback_policy"] = s.policy(s.default_policy)
    return SyncConfig(
        policies=fields,
        default_policy=entity_defaults,
        overlap=s.overlap,
        deletes=s.deletes,
        deleted_tag=s.deleted_tag,
        ninox_deleted_field=s.ninox_deleted_field,
        mass_delete_min=s.mass_delete_min,
        mass_delete_fraction=s.mass_delete_fraction,
        chunk_size=s.chunk_size,
        **options,
    )


# ---------------------------------------------------------------------------------------------
# Output helpers


@attrs.define
class _Out:
    stdout: TextIO
    stderr: TextIO
    json: bool = False
    debug: bool = False

    def say(self, text: str = "") -> None:
        self.stdout.write(text + ("\n" if not text.endswith("\n") else ""))

    def err(self, text: str) -> None:
        self.stderr.write(text + "\n")

    def symbols(self) -> Mapping[str, str]:
        encoding = getattr(self.stdout, "encoding", None) or "utf-8"
        try:
            "✓✗".encode(encoding)
        except (UnicodeEncodeError, LookupError):
            return {"ok": "OK  ", "fail": "FAIL", "warn": "WARN", "skip": "SKIP"}
        return {"ok": "✓", "fail": "✗", "warn": "!", "skip": "-"}


def _classify(exc: BaseException) -> tuple[ExitCode, str]:
    """The exit code for an error that stopped a command, and a hint to fix it."""
    from _sdkcore.errors import (
        APIConnectionError,
        APIError,
        AuthenticationError,
        PermissionDeniedError,
    )
    from bridge.upsert import ReadOnlyTokenError
    from ghlsdk.errors import MissingScopeError

    if isinstance(exc, ConfigError):
        return ExitCode.USAGE, "fix the configuration file (see docs/bridge/cli.md)"
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
    if isinstance(exc, LockHeldError):
        return ExitCode.LOCKED, "wait for the other run to finish (a crashed run's lock expires)"
    if isinstance(exc, StateStoreError):
        return ExitCode.STATE, "see the message; `ghl-ninox doctor` checks the state store"
    if isinstance(exc, (APIConnectionError, APIError)):
        return ExitCode.UNAVAILABLE, "check the network and the service status, then rerun"
    return ExitCode.INTERNAL, "this is a bug: rerun with --debug and report the traceback"


def _fail(out: _Out, exc: BaseException, command: str) -> int:
    code, hint = _classify(exc)
    message = str(exc) or type(exc).__name__
    if code is ExitCode.INTERNAL:
        message = f"{type(exc).__name__}: {message}"
    if out.json:
        doc = {
            "command": command,
            "ok": False,
            "exit_code": int(code),
            "error": {"kind": code.name.lower(), "message": message, "hint": hint},
        }
        out.say(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        out.err(f"ghl-ninox {command}: error: {message}")
        out.err(f"  fix: {hint}")
        out.err(f"  (exit code {int(code)}: {EXIT_CODES[code]})")
    if out.debug and code is ExitCode.INTERNAL:
        out.stderr.write("".join(traceback.format_exception(exc)))
    return int(code)


def report_exit_code(report: RunReport) -> ExitCode:
    """0 when the run is ok and no conflict waits for review, else 1."""
    waiting = [c for c in report.conflicts if getattr(c, "resolution", None) in ("manual", None)]
    return ExitCode.OK if report.ok and not waiting else ExitCode.RECORD_ERRORS


# ---------------------------------------------------------------------------------------------
# The parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for the docs and tests)."""
    codes = "\n".join(f"  {int(code)}  {text}" for code, text in EXIT_CODES.items())
    parser = argparse.ArgumentParser(
        prog="ghl-ninox",
        description="Keep HighLevel (GHL) and Ninox in sync, both ways.",
        epilog=f"exit codes:\n{codes}\n\nSecrets come from GHL_TOKEN (or GHL_CLIENT_ID/"
        "GHL_CLIENT_SECRET), NINOX_API_KEY and GHL_WEBHOOK_PUBLIC_KEY.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        metavar="PATH",
        help="the TOML configuration (default: $GHL_NINOX_CONFIG, else ./ghl-ninox.toml)",
    )
    common.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    common.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    common.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    scan = argparse.ArgumentParser(add_help=False)
    scan.add_argument(
        "--scan-deletes",
        action="store_true",
        help="also compare every linked id with both sides to find deletions",
    )
    commands.add_parser(
        "sync",
        parents=[common, scan],
        help="one full sync pass, both ways; prints the run report",
    )
    commands.add_parser(
        "plan",
        parents=[common, scan],
        help="dry run: every change a sync would make; writes nothing",
    )
    commands.add_parser(
        "doctor",
        parents=[common],
        help="check config, credentials, scopes, the Ninox layout and the state store",
    )
    serve = commands.add_parser("serve", parents=[common], help="run the GHL webhook server")
    serve.add_argument("--host", help="listen address (default: [server] host, 127.0.0.1)")
    serve.add_argument("--port", type=int, help="listen port (default: [server] port, 8080)")
    commands.add_parser(
        "demo", parents=[common], help="run the whole flow on built-in fakes (no credentials)"
    )
    return parser


# ---------------------------------------------------------------------------------------------
# main


@attrs.frozen(kw_only=True)
class _Context:
    args: argparse.Namespace
    out: _Out
    environ: Mapping[str, str]
    cwd: Path | None
    connect: Connect
    engine_factory: EngineFactory


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    connect: Connect | None = None,
    engine_factory: EngineFactory | None = None,
) -> int:
    """Run the command line; returns the process exit code (:class:`ExitCode`).

    ``stdout``/``stderr`` default to the process streams, ``environ`` to ``os.environ``,
    ``cwd`` to the current directory. ``connect`` builds the clients from the config
    (default :func:`connect_clients`); ``engine_factory`` builds the engine (default
    :func:`default_engine_factory`, i.e. ``bridge.sync.SyncEngine``).
    """
    out_stream = stdout if stdout is not None else sys.stdout
    err_stream = stderr if stderr is not None else sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse printed the usage; keep our documented code
        return int(exc.code) if isinstance(exc.code, int) else int(ExitCode.USAGE)
    ctx = _Context(
        args=args,
        out=_Out(out_stream, err_stream, json=args.json, debug=args.debug),
        environ=os.environ if environ is None else environ,
        cwd=None if cwd is None else Path(cwd),
        connect=connect or connect_clients,
        engine_factory=engine_factory or default_engine_factory,
    )
    handler = {
        "sync": _run_engine,
        "plan": _run_engine,
        "doctor": _doctor,
        "serve": _serve,
        "demo": _demo,
    }[args.command]
    try:
        return handler(ctx)
    except KeyboardInterrupt:
        ctx.out.err(f"ghl-ninox {args.command}: interrupted")
        return 130
    except BrokenPipeError:  # the reader went away (``| head``): stop quietly, as Unix tools do
        _silence(out_stream)
        return 141
    except Exception as exc:
        return _fail(ctx.out, exc, args.command)


def _silence(stream: TextIO) -> None:
    # Further writes (including the interpreter's final flush) must not raise again.
    try:
        fileno = stream.fileno()
    except (OSError, ValueError, AttributeError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fileno)
    os.close(devnull)


def _load(ctx: _Context) -> Config:
    return load_config(ctx.args.config, environ=ctx.environ, cwd=ctx.cwd)


def _progress(ctx: _Context, stream: TextIO) -> Progress | None:
    return None if ctx.args.quiet else Progress(stream)


def _open_store(config: Config, *, create: bool = True) -> SQLiteStateStore:
    path = config.state.path
    if not create and not path.exists():
        # A plan before the first sync: an empty in-memory state, so no file is created.
        return SQLiteStateStore(":memory:")
    if not path.parent.is_dir():
        raise StateStoreError(
            f"the directory of the state store does not exist: {path.parent} "
            "(create it, or change [state] path)"
        )
    return SQLiteStateStore(path)


class _Lock:
    """The state store's ``sync`` lock for the duration of a run."""

    def __init__(self, store: SQLiteStateStore, ttl: float = 3600.0) -> None:
        self.store = store
        self.owner = f"ghl-ninox-cli-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.ttl = ttl

    def __enter__(self) -> _Lock:
        if not self.store.acquire_lock(self.owner, ttl=self.ttl):
            raise LockHeldError(
                f"another run holds the sync lock of {self.store.path}; wait for it to finish "
                f"(the lock of a crashed run expires after {int(self.ttl)} s)"
            )
        return self

    def __exit__(self, *exc: object) -> None:
        self.store.release_lock(self.owner)


def _run_engine(ctx: _Context) -> int:
    command: Literal["sync", "plan"] = ctx.args.command
    config = _load(ctx)
    conns = ctx.connect(config)
    progress = _progress(ctx, ctx.out.stderr)
    try:
        store = _open_store(config, create=command == "sync")
        try:
            parts = EngineParts(
                config=config, ghl=conns.ghl, ninox=conns.db, store=store, progress=progress
            )
            engine = ctx.engine_factory(parts)
            scan = ctx.args.scan_deletes or config.sync.scan_deletes
            if command == "sync":
                with _Lock(store):
                    report = engine.sync(scan_deletes=scan)
            else:
                report = engine.plan(scan_deletes=scan)
        finally:
            store.close()
    finally:
        if progress is not None:
            progress.close()
        conns.close()
    code = report_exit_code(report)
    if ctx.out.json:
        ctx.out.say(report.to_json())
    else:
        ctx.out.say(str(report))
        if code is not ExitCode.OK:
            waiting = sum(
                1 for c in report.conflicts if getattr(c, "resolution", None) in ("manual", None)
            )
            ctx.out.err(
                f"ghl-ninox {command}: {len(report.errors)} record error(s), {waiting} "
                f"conflict(s) waiting for review (exit code {int(code)})"
            )
    return int(code)


# ---------------------------------------------------------------------------------------------
# doctor


@attrs.frozen(kw_only=True)
class Check:
    """One doctor check: ``status`` ok / warn / fail / skip; ``code`` is the exit code a
    failure stands for."""

    name: str
    status: Literal["ok", "warn", "fail", "skip"]
    detail: str
    hint: str | None = None
    problems: tuple[str, ...] = ()
    code: int = 0


class _Doctor:
    def __init__(self, ctx: _Context, mappings: MappingSet | None = None) -> None:
        self.ctx = ctx
        self.checks: list[Check] = []
        self.mappings = mappings

    def add(self, check: Check) -> Check:
        self.checks.append(check)
        return check

    def ok(self, name: str, detail: str) -> None:
        self.add(Check(name=name, status="ok", detail=detail))

    def warn(self, name: str, detail: str, hint: str) -> None:
        self.add(Check(name=name, status="warn", detail=detail, hint=hint))

    def skip(self, name: str, detail: str) -> None:
        self.add(Check(name=name, status="skip", detail=detail))

    def fail(
        self,
        name: str,
        detail: str,
        hint: str,
        code: ExitCode,
        problems: Sequence[str] = (),
    ) -> None:
        self.add(
            Check(
                name=name,
                status="fail",
                detail=detail,
                hint=hint,
                code=int(code),
                problems=tuple(problems),
            )
        )

    def fail_from(self, name: str, what: str, exc: BaseException) -> None:
        code, hint = _classify(exc)
        self.fail(name, f"{what}: {exc}", hint, code)

    @property
    def exit_code(self) -> int:
        return max((c.code for c in self.checks if c.status == "fail"), default=0)

    def run(self) -> None:
        try:
            config = _load(self.ctx)
        except ConfigError as exc:
            self.fail("config", str(exc), "fix the file (see docs/bridge/cli.md)", ExitCode.USAGE)
            self.secrets(None)
            for name in ("ghl", "ninox", "ninox layout", "state store"):
                self.skip(name, "needs a readable configuration")
            return
        self.ok("config", f"{config.source} read")
        self.secrets(config)
        conns = self.connect(config)
        try:
            self.ghl(config, conns)
            self.ninox(config, conns)
        finally:
            if conns is not None:
                conns.close()
        self.state(config)

    def secrets(self, config: Config | None) -> None:
        from bridge.config import Secrets

        secrets = config.secrets if config is not None else Secrets.from_env(self.ctx.environ)
        status = secrets.status()
        shown = ", ".join(f"{var} {state}" for var, state in status.items())
        if secrets.ghl_token is None and not secrets.ghl_oauth:
            self.fail(
                "secrets",
                shown,
                "export GHL_TOKEN=... (or GHL_CLIENT_ID and GHL_CLIENT_SECRET for OAuth)",
                ExitCode.CREDENTIALS,
            )
        elif secrets.ninox_api_key is None:
            self.fail("secrets", shown, "export NINOX_API_KEY=...", ExitCode.CREDENTIALS)
        else:
            self.ok("secrets", shown)

    def connect(self, config: Config) -> Connections | None:
        try:
            return self.ctx.connect(config)
        except Exception as exc:
            self.fail_from("clients", "cannot build the clients", exc)
            for name in ("ghl", "ninox", "ninox layout"):
                self.skip(name, "needs both clients")
            return None

    def ghl(self, config: Config, conns: Connections | None) -> None:
        if conns is None:
            return
        try:
            page = conns.ghl.contacts.list(limit=1).first_page()
        except Exception as exc:
            self.fail_from("ghl token", "GET /contacts/?limit=1 failed", exc)
            self.skip("ghl scopes", "needs a working token")
            return
        seen = "one contact" if page.items else "no contacts yet"
        self.ok("ghl token", f"works for location {config.ghl.location_id} ({seen})")
        scopes = conns.ghl.scopes
        if scopes is None:
            self.warn(
                "ghl scopes",
                "unknown (the token does not say; Private Integration tokens never do)",
                "make sure the token has "
                + ", ".join(READ_SCOPES + WRITE_SCOPES)
                + "; without the write scopes the sync is one-way (GHL to Ninox)",
            )
            return
        missing_read = [s for s in READ_SCOPES if s not in scopes]
        missing_write = [s for s in WRITE_SCOPES if s not in scopes]
        if missing_read:
            self.fail(
                "ghl scopes",
                "missing " + ", ".join(missing_read),
                "grant the token these scopes (reading GHL needs them)",
                ExitCode.CREDENTIALS,
            )
        elif missing_write:
            self.warn(
                "ghl scopes",
                "read-only: missing " + ", ".join(missing_write),
                "two-way sync writes to GHL: grant " + ", ".join(missing_write),
            )
        else:
            self.ok("ghl scopes", "read and write: " + ", ".join(READ_SCOPES + WRITE_SCOPES))

    def ninox(self, config: Config, conns: Connections | None) -> None:
        if conns is None:
            return
        nx = config.ninox
        try:
            teams = conns.ninox.teams.list()
        except Exception as exc:
            self.fail_from("ninox key", f"GET /teams on {nx.host} failed", exc)
            self.skip("ninox database", "needs a working key")
            self.skip("ninox layout", "needs a working key")
            return
        self.ok("ninox key", f"works on {nx.host} ({len(teams)} team(s) visible)")
        team_ids = [t.id for t in teams]
        if nx.team_id not in team_ids:
            self.fail(
                "ninox database",
                f"team {nx.team_id!r} not visible to this key",
                "set [ninox] team_id to one of: "
                + (", ".join(team_ids) or "(none)")
                + " (or use a key of that team)",
                ExitCode.USAGE,
            )
            self.skip("ninox layout", "needs the database")
            return
        try:
            databases = conns.ninox.databases.list(nx.team_id)
        except Exception as exc:
            self.fail_from("ninox database", "listing the team's databases failed", exc)
            self.skip("ninox layout", "needs the database")
            return
        names = {d.id: getattr(d, "name", "") for d in databases}
        if nx.database_id not in names:
            self.fail(
                "ninox database",
                f"database {nx.database_id!r} not found in team {nx.team_id!r}",
                "set [ninox] database_id to one of: "
                + (", ".join(f"{i} ({n})" for i, n in names.items()) or "(none)"),
                ExitCode.USAGE,
            )
            self.skip("ninox layout", "needs the database")
            return
        self.ok("ninox database", f"{nx.team_id}/{nx.database_id} ({names[nx.database_id]})")
        try:
            schema = conns.db.schema()
            validate(schema, self.mappings)
        except SchemaMismatchError as exc:
            count = len(exc.problems)
            self.fail(
                "ninox layout",
                f"{count} problem{'s' if count != 1 else ''} against the mapping",
                "add or fix these tables/fields in Ninox (or adjust the mapping)",
                ExitCode.SCHEMA,
                problems=[str(p) for p in exc.problems],
            )
            return
        except Exception as exc:
            self.fail_from("ninox layout", "reading the schema failed", exc)
            return
        self.ok("ninox layout", "every table and field of the mapping is there")

    def state(self, config: Config) -> None:
        path = config.state.path
        if not path.exists():
            if path.parent.is_dir() and os.access(path.parent, os.W_OK):
                self.ok("state store", f"{path} not created yet; the first sync creates it")
            else:
                self.fail(
                    "state store",
                    f"{path}: its directory is missing or not writable",
                    "create the directory or change [state] path",
                    ExitCode.STATE,
                )
            return
        try:
            store = SQLiteStateStore(path)
        except StateStoreError as exc:
            self.fail("state store", str(exc), "restore a backup or move it away", ExitCode.STATE)
            return
        try:
            links = len(store.links())
            reviews = len(store.open_reviews())
            runs = store.runs(limit=3)
            owner = f"ghl-ninox-doctor-{os.getpid()}"
            free = store.acquire_lock(owner, ttl=1.0)
            if free:
                store.release_lock(owner)
        except Exception as exc:
            self.fail_from("state store", f"{path} cannot be read", exc)
            return
        finally:
            store.close()
        history = "; ".join(f"{r.kind} {r.status} at {r.started_at:%Y-%m-%d %H:%M}Z" for r in runs)
        self.ok(
            "state store",
            f"{path}: integrity ok, {links} link(s), {reviews} open review(s); "
            + (f"last runs: {history}" if runs else "no runs yet"),
        )
        if reviews:
            self.warn(
                "reviews", f"{reviews} conflict(s) wait for review", "resolve them (see the docs)"
            )
        if not free:
            self.warn("lock", "a sync run holds the lock right now", "wait for it to finish")

    def render(self) -> str:
        symbols = self.ctx.out.symbols()
        width = max(len(c.name) for c in self.checks)
        lines = ["ghl-ninox doctor"]
        for c in self.checks:
            lines.append(f"{symbols[c.status]} {c.name:<{width}}  {c.detail}")
            lines += [f"    - {p}" for p in c.problems]
            if c.hint and c.status in ("fail", "warn"):
                lines.append(f"    fix: {c.hint}")
        code = self.exit_code
        lines.append("all checks passed" if code == 0 else f"exit code {code}: {EXIT_CODES[code]}")
        return "\n".join(lines)

    def to_json(self) -> str:
        doc = {
            "command": "doctor",
            "ok": self.exit_code == 0,
            "exit_code": self.exit_code,
            "checks": [
                {
                    "name": c.name,
                    "status": c.status,
                    "detail": c.detail,
                    "hint": c.hint,
                    "problems": list(c.problems),
                    "exit_code": c.code,
                }
                for c in self.checks
            ],
        }
        return json.dumps(doc, indent=2, ensure_ascii=False)


def _doctor(ctx: _Context) -> int:
    doctor = _Doctor(ctx)
    doctor.run()
    ctx.out.say(doctor.to_json() if ctx.out.json else doctor.render())
    return doctor.exit_code


# ---------------------------------------------------------------------------------------------
# serve and demo


def _serve(ctx: _Context) -> int:
    try:
        asgi = importlib.import_module("bridge.asgi")
    except ModuleNotFoundError as exc:
        if exc.name != "bridge.asgi":
            raise
        raise ConfigError(
            "the webhook server is not available in this version (bridge.asgi is missing)"
        ) from None
    config = _load(ctx)
    host = ctx.args.host or config.server.host
    port = ctx.args.port or config.server.port
    conns = ctx.connect(config)
    try:
        store = _open_store(config)
        try:
            engine = ctx.engine_factory(
                EngineParts(
                    config=config, ghl=conns.ghl, ninox=conns.db, store=store, progress=None
                )
            )
            handler = engine.handle_ghl_event  # type: ignore[attr-defined]
            options = {
                "public_keys": _webhook_keys(config.secrets.ghl_webhook_public_key),
                "path": config.server.path,
            }
            app = _call_with_known(asgi.create_app, {"handler": handler, "store": store}, options)
            if not ctx.out.json:
                ctx.out.err(
                    f"ghl-ninox serve: listening on http://{host}:{port}{config.server.path}"
                )
            poller = _start_poller(engine, config.server.poll_interval, ctx)
            try:
                asgi.serve(app, host, port)
            except ImportError as exc:  # uvicorn missing: asgi's message says what to install
                raise ConfigError(str(exc)) from None
            finally:
                if poller is not None:
                    poller.stop()
        finally:
            store.close()
    finally:
        conns.close()
    return int(ExitCode.OK)


def _start_poller(engine: Any, interval: float, ctx: _Context) -> Any:
    """Ninox has no webhooks: a background poller runs a sync pass every ``interval`` s."""
    from bridge.sync import SyncEngine
    from bridge.triggers import Poller

    if interval <= 0 or not isinstance(engine, SyncEngine):
        return None
    poller = Poller(engine, interval=interval)
    poller.start()
    if not ctx.out.json:
        ctx.out.err(f"ghl-ninox serve: syncing every {interval:g} s (Ninox changes -> GHL)")
    return poller


def _webhook_keys(key: str | None) -> Any:
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


def _call_with_known(
    func: Callable[..., Any], required: Mapping[str, Any], optional: Mapping[str, Any]
) -> Any:
    # create_app's optional settings are passed only when it declares them (and are set).
    params = inspect.signature(func).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    extra = {k: v for k, v in optional.items() if v is not None and (takes_any or k in params)}
    return func(**required, **extra)


def _demo(ctx: _Context) -> int:
    from bridge.demo import run_demo

    progress = _progress(ctx, ctx.out.stdout)
    try:
        return run_demo(ctx.out.stdout, progress=progress)
    finally:
        if progress is not None:
            progress.close()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
