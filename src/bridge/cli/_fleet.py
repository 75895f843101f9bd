"""The fleet commands: ``ghl-ninox worker`` (claims and syncs partitions), ``ghl-ninox fleet
list|pause|resume`` (the partitions and their state) and ``serve`` for a fleet (receives
webhooks for any location into the shared inbox).

Everything is checked before anything is contacted: the fleet needs ``[state] url``
(PostgreSQL) and ``[fleet]``; every partition needs GHL credentials (its ``token_env``,
``GHL_TOKEN`` for the ``[ghl]`` location, or OAuth tokens in PostgreSQL with
``GHL_CLIENT_ID``/``GHL_CLIENT_SECRET``) and ``NINOX_API_KEY`` is required.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import threading
from collections.abc import Mapping
from typing import Any

from bridge.cli._context import SERVE_NEEDS, Context, check_extras, webhook_keys
from bridge.cli._engine import build_ninox, build_oauth, build_sync_config
from bridge.cli._output import CredentialsError, ExitCode
from bridge.config import Config, ConfigError
from bridge.fleet import (
    FleetClients,
    FleetDB,
    FleetInbox,
    FleetWorker,
    GHLCredentials,
    PartitionLeases,
    PartitionSpec,
    PostgresRateLimiter,
    ReceiverInbox,
    open_partition_store,
    partition_schema,
)
from bridge.ops import Guard
from bridge.state import STATE_PASSWORD_ENV
from bridge.state.postgres_fleet import PartitionHeldError

__all__ = ["add_fleet_commands", "fleet", "fleet_serve", "partition_specs", "worker"]


def add_fleet_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register ``worker`` and ``fleet`` on the command parser."""
    worker_cmd = commands.add_parser(
        "worker",
        parents=[common],
        help="sync the fleet's partitions with other workers ([fleet], PostgreSQL state)",
    )
    worker_cmd.add_argument(
        "--once", action="store_true", help="serve every due partition once, then exit"
    )
    worker_cmd.add_argument("--name", help="this worker's name in leases (default: host:pid)")
    fleet_cmd = commands.add_parser(
        "fleet", parents=[common], help="the fleet's partitions: list, pause, resume, remove"
    )
    actions = fleet_cmd.add_subparsers(dest="fleet_action", required=True, metavar="ACTION")
    actions.add_parser("list", parents=[common], help="every partition and who holds it")
    for name, text in (
        ("pause", "no worker claims it"),
        ("resume", "workers claim it again"),
        ("remove", "out of the fleet (not configured any more; its state is kept)"),
    ):
        action = actions.add_parser(name, parents=[common], help=f"{name} a partition: {text}")
        action.add_argument("key", metavar="KEY", help="the partition (ghl-ninox fleet list)")


def partition_specs(config: Config) -> list[tuple[PartitionSpec, bool]]:
    """The configured partitions and whether each is paused in the file."""
    specs: list[tuple[PartitionSpec, bool]] = []
    if config.fleet.include_default and config.ghl.location_id:
        specs.append(
            (
                PartitionSpec(
                    location_id=config.ghl.location_id,
                    team_id=config.ninox.team_id,
                    database_id=config.ninox.database_id,
                ),
                False,
            )
        )
    for loc in config.fleet.locations:
        spec = PartitionSpec(
            location_id=loc.location_id,
            team_id=loc.team_id,
            database_id=loc.database_id,
            key=loc.key or "",
        )
        specs.append((spec, loc.paused))
    return specs


def _fleet_url(config: Config, command: str) -> str:
    check_extras(command, {"psycopg": "postgres"})
    if not config.fleet.enabled:
        raise ConfigError(
            f"ghl-ninox {command} needs a [fleet] section listing the locations",
            path=config.source,
            key="fleet",
        )
    if config.state.url is None:
        raise ConfigError(
            f"ghl-ninox {command} needs the state in PostgreSQL: set url = "
            '"postgresql://user@host/db" under [state] (every worker and receiver shares it)',
            path=config.source,
            key="state.url",
        )
    return config.state.url


def _password(environ: Mapping[str, str]) -> str | None:
    return environ.get(STATE_PASSWORD_ENV, "").strip() or None


def credentials(config: Config, environ: Mapping[str, str], url: str) -> GHLCredentials:
    """Each location's GHL credentials, all checked now (before any request): a location's
    ``token_env``; ``GHL_TOKEN`` for the ``[ghl]`` location; else OAuth tokens kept in
    PostgreSQL (``GHL_CLIENT_ID``/``GHL_CLIENT_SECRET``; with ``[fleet] agency_id``, location
    tokens are minted from the agency's)."""
    tokens: dict[str, str] = {}
    missing: list[str] = []
    for loc in config.fleet.locations:
        if loc.token_env is None:
            continue
        value = environ.get(loc.token_env, "").strip()
        if value:
            tokens[loc.location_id] = value
        else:
            missing.append(f"{loc.token_env} (location {loc.location_id})")
    if config.secrets.ghl_token is not None and config.ghl.location_id:
        tokens.setdefault(config.ghl.location_id, config.secrets.ghl_token)
    oauth = config.secrets.ghl_oauth
    uncovered = [
        spec.location_id
        for spec, _ in partition_specs(config)
        if spec.location_id not in tokens and not oauth
    ]
    if missing or uncovered:
        parts = [f"set {', '.join(missing)}"] if missing else []
        if uncovered:
            parts.append(
                f"give location(s) {', '.join(sorted(set(uncovered)))} a token_env, or set "
                "GHL_CLIENT_ID and GHL_CLIENT_SECRET (OAuth tokens in PostgreSQL)"
            )
        raise CredentialsError("no GHL credentials for every location: " + "; ".join(parts))
    sessions = _oauth_sessions(config, environ, url) if oauth else None

    def credentials_for(location_id: str) -> Any:
        if location_id in tokens:
            return tokens[location_id]
        assert sessions is not None
        return sessions(location_id)

    return credentials_for


def _oauth_sessions(config: Config, environ: Mapping[str, str], url: str) -> Any:
    from ghlsdk.auth import OAuthSession, PostgresTokenStore

    oauth = build_oauth(config)
    store = PostgresTokenStore(url, password=_password(environ))
    agency_id = config.fleet.agency_id
    agency = (
        OAuthSession(oauth, store, key=agency_id, company_id=agency_id)
        if agency_id is not None
        else None
    )

    def session(location_id: str) -> OAuthSession:
        return OAuthSession(
            oauth,
            store,
            key=location_id,
            location_id=location_id,
            company_id=agency_id,
            agency=agency,
        )

    return session


def register(db: FleetDB, config: Config) -> int:
    """Add (or update) the configured partitions; pause those paused in the file."""
    leases = PartitionLeases(db)
    specs = partition_specs(config)
    for spec, paused in specs:
        leases.register(
            spec.key,
            location_id=spec.location_id,
            team_id=spec.team_id,
            database_id=spec.database_id,
        )
        if paused:
            leases.set_paused(spec.key, True)
    return len(specs)


def worker(ctx: Context) -> int:
    """``ghl-ninox worker``: register the configured partitions, then claim and sync due ones
    until SIGTERM/SIGINT (``--once``: until none is due)."""
    config = ctx.load()
    url = _fleet_url(config, "worker")
    creds = credentials(config, ctx.environ, url)
    ninox = build_ninox(config)
    password = _password(ctx.environ)
    db = FleetDB(url, password=password)
    limiter_db = FleetDB(url, password=password)
    clients = FleetClients(
        credentials=creds,
        ninox=ninox,
        limiter=PostgresRateLimiter(limiter_db),
        ghl_base_url=config.ghl.base_url,
    )
    try:
        count = register(db, config)
        fleet_worker = FleetWorker(
            db,
            url,
            clients,
            name=ctx.args.name,
            password=password,
            config=build_sync_config(config),
            lease_ttl=config.fleet.lease_seconds,
            interval=config.fleet.interval_seconds,
            scan_deletes=config.sync.scan_deletes,
            guard=lambda store, partition: Guard.from_config(
                store, config, location=partition.location_id
            ),
            history_days=config.history.keep_days,
        )
        ctx.status(f"ghl-ninox worker {fleet_worker.name}: {count} partitions configured")
        served = _work(ctx, fleet_worker)
    finally:
        clients.close()
        limiter_db.close()
        db.close()
    if ctx.out.json:
        ctx.out.document({"command": "worker", "ok": True, "exit_code": 0, "passes": served})
    return int(ExitCode.OK)


def _work(ctx: Context, fleet_worker: FleetWorker) -> list[dict[str, Any]]:
    served: list[dict[str, Any]] = []
    stop = threading.Event()
    if ctx.args.once:
        while (done := fleet_worker.run_once()) is not None:
            served.append({"partition": done.key, "outcome": done.outcome, "error": done.error})
            ctx.status(f"ghl-ninox worker: {done.key}: {done.outcome}")
        return served
    previous = {
        sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        fleet_worker.run(stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return served


def fleet(ctx: Context) -> int:
    """``ghl-ninox fleet list|pause KEY|resume KEY|remove KEY``."""
    config = ctx.load()
    url = _fleet_url(config, "fleet")
    with FleetDB(url, password=_password(ctx.environ)) as db:
        leases = PartitionLeases(db)
        if ctx.args.fleet_action == "remove":
            _remove(ctx, config, db, leases)
        elif ctx.args.fleet_action != "list":
            try:
                leases.set_paused(ctx.args.key, ctx.args.fleet_action == "pause")
            except KeyError:
                raise ConfigError(
                    f"no partition {ctx.args.key!r} (ghl-ninox fleet list shows them)"
                ) from None
            if ctx.args.fleet_action == "resume":  # and a pause kept in its own state
                with open_partition_store(
                    db, url, ctx.args.key, password=_password(ctx.environ)
                ) as store:
                    (location,) = (
                        p.location_id for p in leases.partitions() if p.key == ctx.args.key
                    )
                    guard = Guard.from_config(store, config, location=location)
                    guard.resume("resumed by hand (ghl-ninox fleet resume)")
            ctx.status(f"ghl-ninox fleet: {ctx.args.key} {ctx.args.fleet_action}d")
        rows = [
            {
                "key": p.key,
                "location_id": p.location_id,
                "database_id": p.database_id,
                "paused": p.paused,
                "owner": p.owner,
                "last_synced_at": None
                if p.last_synced_at is None
                else p.last_synced_at.isoformat(),
            }
            for p in leases.partitions()
        ]
    if ctx.out.json:
        ctx.out.document({"command": "fleet", "ok": True, "exit_code": 0, "partitions": rows})
    elif ctx.args.fleet_action == "list":
        for row in rows:
            state = (
                "paused"
                if row["paused"]
                else (f"held by {row['owner']}" if row["owner"] else "idle")
            )
            ctx.out.say(f"{row['key']}  {state}  last pass {row['last_synced_at'] or 'never'}")
    return int(ExitCode.OK)


def _remove(ctx: Context, config: Config, db: FleetDB, leases: PartitionLeases) -> None:
    """Take a partition out of the fleet with the webhooks waiting for it; its state stays."""
    key = ctx.args.key
    if any(spec.key == key for spec, _paused in partition_specs(config)):
        raise ConfigError(
            f"partition {key!r} is still in [fleet] of {config.source or 'the configuration'}: "
            "remove its [[fleet.locations]] block first (a worker would add it back)"
        )
    try:
        with db.transaction():
            leases.forget(key)
            dropped = FleetInbox(db).forget(key)
    except KeyError:
        raise ConfigError(f"no partition {key!r} (ghl-ninox fleet list shows them)") from None
    except PartitionHeldError as exc:
        raise ConfigError(str(exc)) from None
    ctx.status(
        f"ghl-ninox fleet: {key} removed"
        + (f", {dropped} webhooks waiting for it dropped" if dropped else "")
        + f"; its state stays in schema {partition_schema(key)!r}"
        " (DROP SCHEMA ... CASCADE deletes it and its history)"
    )


def fleet_serve(ctx: Context, config: Config) -> int:
    """``serve`` for a fleet: verified webhooks for any configured location go to the shared
    inbox; the workers handle them. No engine and no poller here."""
    check_extras("serve", SERVE_NEEDS)
    asgi = importlib.import_module("bridge.asgi")
    url = _fleet_url(config, "serve")
    keys = webhook_keys(config.secrets.ghl_webhook_public_key)
    host = ctx.args.host or config.server.host
    port = ctx.args.port or config.server.port
    with ReceiverInbox(url, password=_password(ctx.environ)) as inbox:
        register(inbox, config)
        app = asgi.create_app(
            handler=lambda event: None,  # stored is all a receiver does
            store=inbox,
            public_keys=keys,
            path=config.server.path,
            replay_pending=False,
        )
        ctx.status(f"ghl-ninox serve: fleet receiver on http://{host}:{port}{config.server.path}")
        asgi.serve(app, host, port)
    if ctx.out.json:
        ctx.out.document({"command": "serve", "ok": True, "exit_code": 0})
    return int(ExitCode.OK)
