"""The commands: ``sync``/``plan``, ``serve``, ``demo`` and ``init`` (``doctor`` has its own
module). Each takes the `Context` and returns the exit code."""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import inspect
import os
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

from bridge.cli._context import SERVE_NEEDS, Context, check_extras, webhook_keys
from bridge.cli._engine import EngineParts, RunReport
from bridge.cli._output import ExitCode, LockHeldError, MissingExtraError, PausedError
from bridge.config import CONFIG_ENV, DEFAULT_CONFIG_FILE, Config, ConfigError
from bridge.state import SQLiteStateStore, StateStore, StateStoreError, open_store

__all__ = [
    "SERVE_NEEDS",
    "Context",
    "build_poller",
    "check_extras",
    "demo",
    "init",
    "prune_history",
    "report_exit_code",
    "run_engine",
    "serve",
]


def report_exit_code(report: RunReport) -> ExitCode:
    """0 when the run is ok and no conflict waits for review, else 1."""
    waiting = [c for c in report.conflicts if getattr(c, "resolution", None) in ("manual", None)]
    return ExitCode.OK if report.ok and not waiting else ExitCode.RECORD_ERRORS


# ---------------------------------------------------------------------------------------------
# sync and plan


def _open_store(
    config: Config, environ: Mapping[str, str], command: str, *, create: bool = True
) -> StateStore:
    """The state store of ``[state]``: PostgreSQL for a ``url`` (password from
    ``GHL_NINOX_STATE_PASSWORD`` in ``environ``), else the SQLite file ``path``."""
    if config.state.url is not None:
        check_extras(command, {"psycopg": "postgres"})
        return open_store(config.state.url, environ=environ)
    path = config.state.path
    if not create and not path.exists():
        # A plan before the first sync: an empty in-memory state, so no file is created.
        return SQLiteStateStore(":memory:")
    if not path.parent.is_dir():
        raise StateStoreError(
            f"the directory of the state store does not exist: {path.parent} "
            "(create it, or change [state] path)"
        )
    return open_store(path)


def _store_location(store: StateStore) -> str:
    """Where a store keeps its state, for messages (never a password)."""
    return str(getattr(store, "location", None) or getattr(store, "path", "the state store"))


class _Lock:
    """The state store's ``sync`` lock for the duration of a run."""

    def __init__(self, store: StateStore, ttl: float = 3600.0) -> None:
        self.store = store
        self.owner = f"ghl-ninox-cli-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.ttl = ttl

    def __enter__(self) -> _Lock:
        if not self.store.acquire_lock(self.owner, ttl=self.ttl):
            raise LockHeldError(
                f"another run holds the sync lock of {_store_location(self.store)}; wait for it "
                f"to finish (the lock of a crashed run expires after {int(self.ttl)} s)"
            )
        return self

    def __exit__(self, *exc: object) -> None:
        self.store.release_lock(self.owner)


def run_engine(ctx: Context) -> int:
    """``sync`` (one pass, under the lock; refused while the location is paused; afterwards
    the pause guard and the history retention) and ``plan`` (the dry run, no lock)."""
    from bridge.ops import Guard, current_pause

    command: Literal["sync", "plan"] = ctx.args.command
    config = ctx.load()
    conns = ctx.connect(config)
    progress = ctx.progress()
    try:
        store = _open_store(config, ctx.environ, command, create=command == "sync")
        try:
            parts = EngineParts(
                config=config, ghl=conns.ghl, ninox=conns.db, store=store, progress=progress
            )
            scan = ctx.args.scan_deletes or config.sync.scan_deletes
            if command == "sync":
                guard = Guard.from_config(store, config)
                pause = guard.blocked()
                if pause is not None:
                    raise PausedError(
                        f"location {config.ghl.location_id} is paused since "
                        f"{pause.since:%Y-%m-%d %H:%M}Z: {pause.reason}"
                    )
                try:
                    engine = ctx.engine_factory(parts)  # checks the Ninox layout
                except Exception as exc:
                    _tell_guard(ctx, guard, exc)
                    raise
                with _Lock(store):
                    try:
                        report = engine.sync(scan_deletes=scan)
                    except Exception as exc:
                        _tell_guard(ctx, guard, exc)
                        raise
                    _paused_now(ctx, guard.passed(report))
                    prune_history(store, config)
            else:
                pause = current_pause(store)
                if pause is not None:
                    ctx.status(f"ghl-ninox plan: note: the location is paused ({pause.reason})")
                report = ctx.engine_factory(parts).plan(scan_deletes=scan)
        finally:
            store.close()
    finally:
        if progress is not None:
            progress.close()
        conns.close()
    return _say_report(ctx, command, report)


def _say_report(ctx: Context, command: str, report: RunReport) -> int:
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


def undo(ctx: Context) -> int:
    """``undo RUN``: put back, on both sides, what a run wrote where nobody changed it since
    (the others are listed); a run of its own, under the lock."""
    config = ctx.load()
    conns = ctx.connect(config)
    try:
        store = _open_store(config, ctx.environ, "undo")
        try:
            parts = EngineParts(
                config=config, ghl=conns.ghl, ninox=conns.db, store=store, progress=None
            )
            engine = ctx.engine_factory(parts)
            with _Lock(store):
                try:
                    report = engine.undo(ctx.args.run)  # type: ignore[attr-defined]
                except ValueError as exc:  # an unknown run: nothing was written
                    raise ConfigError(str(exc)) from None
        finally:
            store.close()
    finally:
        conns.close()
    return _say_report(ctx, "undo", report)


def _tell_guard(ctx: Context, guard: Any, exc: BaseException) -> None:
    """Count a failed pass for the pause guard; a broken state store only loses the count."""
    with contextlib.suppress(StateStoreError):
        _paused_now(ctx, guard.failed(exc))


def _paused_now(ctx: Context, pause: Any) -> None:
    if pause is not None:
        ctx.out.err(
            f"ghl-ninox {ctx.args.command}: the location is now PAUSED: {pause.reason} "
            "(`ghl-ninox resume` resumes it)"
        )


def prune_history(store: StateStore, config: Config) -> int:
    """Drop per-record history older than ``[history] keep_days`` (0: keep it all)."""
    days = config.history.keep_days
    if days <= 0:
        return 0
    return store.prune_history(before=datetime.now(timezone.utc) - timedelta(days=days))


# ---------------------------------------------------------------------------------------------
# serve


def serve(ctx: Context) -> int:
    """The webhook server with the Ninox poller. Everything that can be checked without the
    network (extras, configuration, the webhook key) is checked before anything is
    contacted."""
    check_extras("serve", SERVE_NEEDS)
    try:
        asgi = importlib.import_module("bridge.asgi")
    except ModuleNotFoundError as exc:
        if exc.name != "bridge.asgi":
            raise
        raise ConfigError(
            "the webhook server is not available in this version (bridge.asgi is missing)"
        ) from None
    config = ctx.load()
    if config.fleet.enabled:  # a receiver of the fleet: the workers handle the webhooks
        from bridge.cli._fleet import fleet_serve

        return fleet_serve(ctx, config)
    keys = webhook_keys(config.secrets.ghl_webhook_public_key)
    host = ctx.args.host or config.server.host
    port = ctx.args.port or config.server.port
    url = f"http://{host}:{port}{config.server.path}"
    conns = ctx.connect(config)
    try:
        store = _open_store(config, ctx.environ, "serve")
        try:
            engine = ctx.engine_factory(
                EngineParts(
                    config=config, ghl=conns.ghl, ninox=conns.db, store=store, progress=None
                )
            )
            handler = engine.handle_ghl_event  # type: ignore[attr-defined]
            page = _status_page(asgi, store, config, host, conns.ghl, ctx)
            options = {"public_keys": keys, "path": config.server.path, "status_page": page}
            app = _call_with_known(asgi.create_app, {"handler": handler, "store": store}, options)
            ctx.status(f"ghl-ninox serve: listening on {url}")
            poller = _start_poller(engine, config.server.poll_interval, ctx, store, config)
            try:
                asgi.serve(app, host, port)
            except ImportError as exc:  # uvicorn vanished since the check: say what to install
                raise MissingExtraError("serve", {"uvicorn": "server"}) from exc
            finally:
                if poller is not None:
                    poller.stop()
        finally:
            store.close()
    finally:
        conns.close()
    if ctx.out.json:
        ctx.out.document({"command": "serve", "ok": True, "exit_code": 0, "url": url})
    return int(ExitCode.OK)


def _status_page(
    asgi: Any, store: StateStore, config: Config, host: str, ghl: Any, ctx: Context
) -> Any:
    """The health page at ``/``: open on loopback without a token, else only with one."""
    page_class = getattr(asgi, "StatusPage", None)
    if page_class is None:
        return None
    token = config.server.page_token(ctx.environ)
    page = page_class(
        store,
        location=config.ghl.location_id,
        token=token,
        open_without_token=asgi.is_loopback(host) if hasattr(asgi, "is_loopback") else False,
        rate_limit=lambda: getattr(ghl, "rate_limit", None),
    )
    if page.is_open or token is not None:
        ctx.status(
            "ghl-ninox serve: health page at / and /status.json"
            + (" (token required)" if token is not None else "")
        )
    else:
        ctx.status(
            "ghl-ninox serve: the health page is off: listening beyond loopback without "
            "GHL_NINOX_STATUS_TOKEN or [server] status_token"
        )
    return page


def _start_poller(
    engine: Any, interval: float, ctx: Context, store: StateStore, config: Config
) -> Any:
    """Ninox has no webhooks: a background poller runs a sync pass every ``interval`` s,
    skipping passes while the location is paused."""
    from bridge.sync import SyncEngine

    if interval <= 0 or not isinstance(engine, SyncEngine):
        return None
    poller = build_poller(engine, interval, store, config)
    poller.start()
    ctx.status(f"ghl-ninox serve: syncing every {interval:g} s (Ninox changes -> GHL)")
    return poller


def build_poller(engine: Any, interval: float, store: StateStore, config: Config) -> Any:
    """The poller of ``serve``: the pause guard told of each pass, and the history pruned
    after each one that did not fail (as ``sync`` does)."""
    from bridge.ops import Guard
    from bridge.triggers import Poller

    return Poller(
        engine,
        interval=interval,
        guard=Guard.from_config(store, config),
        on_report=lambda _report: prune_history(store, config),
    )


def _call_with_known(
    func: Callable[..., Any], required: Mapping[str, Any], optional: Mapping[str, Any]
) -> Any:
    # create_app's optional settings are passed only when it declares them (and are set).
    params = inspect.signature(func).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    extra = {k: v for k, v in optional.items() if v is not None and (takes_any or k in params)}
    return func(**required, **extra)


# ---------------------------------------------------------------------------------------------
# demo and init


def demo(ctx: Context) -> int:
    """The whole flow on the fakes: narration (or the JSON document) on stdout, progress on
    stderr."""
    from bridge import demo as demo_module

    progress = ctx.progress()
    try:
        return demo_module.run_demo(ctx.out.stdout, progress=progress, json=ctx.out.json)
    finally:
        if progress is not None:
            progress.close()


def init(ctx: Context) -> int:
    """Write the commented sample configuration; an existing file only with ``--force``."""
    from bridge.config import sample_config

    target = _init_target(ctx.args.path, ctx.environ, ctx.cwd)
    existed = target.exists()
    if existed and not ctx.args.force:
        raise ConfigError(
            "already exists; it was left unchanged (pass --force to overwrite it, or give "
            "another PATH)",
            path=target,
        )
    if not target.parent.is_dir():
        raise ConfigError(f"the directory {target.parent} does not exist", path=target)
    target.write_text(sample_config(), encoding="utf-8")
    steps = [
        f"edit {target}: set [ghl] location_id, [ninox] team_id and database_id",
        "export GHL_TOKEN=... and NINOX_API_KEY=... (secrets never go in the file)",
        "ghl-ninox doctor" + _config_flag(target, ctx),
    ]
    if ctx.out.json:
        ctx.out.document(
            {
                "command": "init",
                "ok": True,
                "exit_code": 0,
                "path": str(target),
                "overwritten": existed,
                "next_steps": steps,
            }
        )
    else:
        ctx.out.say(f"{'overwrote' if existed else 'wrote'} {target}")
        ctx.out.say("next:")
        for number, step in enumerate(steps, 1):
            ctx.out.say(f"  {number}. {step}")
    return int(ExitCode.OK)


def _init_target(path: str | None, environ: Mapping[str, str], cwd: Path | None) -> Path:
    # Where the other commands look: PATH, else $GHL_NINOX_CONFIG, else ./ghl-ninox.toml.
    chosen = path or environ.get(CONFIG_ENV, "").strip() or DEFAULT_CONFIG_FILE
    target = Path(chosen).expanduser()
    return target if target.is_absolute() else (cwd or Path.cwd()) / target


def _config_flag(target: Path, ctx: Context) -> str:
    """`` --config PATH`` when the other commands would not find ``target`` by themselves."""
    default = _init_target(None, ctx.environ, ctx.cwd)
    return "" if target == default else f" --config {target}"
