"""``ghl-ninox doctor``: every check of the configuration, credentials, scopes, the Ninox
layout and the state store, each with a fix. Required settings come first; optional ones
(used only by some commands) are listed apart and never fail the run."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Literal

import attrs

from bridge.cli._context import SERVE_NEEDS, Context, check_extras
from bridge.cli._engine import Connections
from bridge.cli._output import (
    EXIT_CODES,
    HELP_HINT,
    READ_SCOPES,
    WRITE_SCOPES,
    ExitCode,
    MissingExtraError,
    classify,
)
from bridge.config import Config, ConfigError, Secrets
from bridge.mapping import MappingSet, SchemaMismatchError, validate
from bridge.ops import current_pause
from bridge.state import (
    STATE_PASSWORD_ENV,
    PostgresStateStore,
    SQLiteStateStore,
    StateStore,
    StateStoreError,
    open_store,
)

__all__ = ["Check", "Doctor", "doctor"]


@attrs.frozen(kw_only=True)
class Check:
    """One doctor check: ``status`` ok / warn / fail / skip; ``code`` is the exit code a
    failure stands for. ``required`` is false for settings only some commands use (shown
    apart; they never fail)."""

    name: str
    status: Literal["ok", "warn", "fail", "skip"]
    detail: str
    hint: str | None = None
    problems: tuple[str, ...] = ()
    code: int = 0
    required: bool = True


class Doctor:
    """The checks of ``ghl-ninox doctor``, in order; each adds a [`Check`][bridge.cli.Check]."""

    def __init__(self, ctx: Context, mappings: MappingSet | None = None) -> None:
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

    def optional(self, name: str, status: Literal["ok", "skip"], detail: str) -> None:
        self.add(Check(name=name, status=status, detail=detail, required=False))

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
        code, hint = classify(exc)
        self.fail(name, f"{what}: {exc}", hint, code)

    @property
    def exit_code(self) -> int:
        return max((c.code for c in self.checks if c.status == "fail"), default=0)

    def run(self) -> None:
        try:
            config = self.ctx.load()
        except ConfigError as exc:
            self.fail("config", str(exc), f"fix the file ({HELP_HINT})", ExitCode.USAGE)
            self.secrets(None)
            for name in ("ghl", "ninox", "ninox layout", "state store"):
                self.skip(name, "needs a readable configuration")
            self.optional_settings(None)
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
        self.optional_settings(config)

    def secrets(self, config: Config | None) -> None:
        """The required secrets only: a GHL credential (a token, or both OAuth variables) and
        the Ninox key. The optional ones are in `optional_settings`."""
        secrets = self._secrets(config)
        status = secrets.status()
        if secrets.ghl_token is not None:
            ghl = ["GHL_TOKEN set"]
        elif secrets.ghl_oauth:
            ghl = ["GHL_CLIENT_ID and GHL_CLIENT_SECRET set (OAuth)"]
        else:
            partial = [
                f"{var} {status[var]}"
                for var in ("GHL_CLIENT_ID", "GHL_CLIENT_SECRET")
                if status[var] == "set"
            ]
            ghl = ["GHL_TOKEN missing", *partial]
        shown = ", ".join([*ghl, f"NINOX_API_KEY {status['NINOX_API_KEY']}"])
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

    def _secrets(self, config: Config | None) -> Secrets:
        return config.secrets if config is not None else Secrets.from_env(self.ctx.environ)

    def optional_settings(self, config: Config | None) -> None:
        """What only ``serve`` needs: the webhook key and the extras."""
        if self._secrets(config).ghl_webhook_public_key is not None:
            self.optional("webhook key", "ok", "GHL_WEBHOOK_PUBLIC_KEY set (serve adds it)")
        else:
            self.optional(
                "webhook key",
                "skip",
                "GHL_WEBHOOK_PUBLIC_KEY not set: serve verifies with the keys bundled with "
                "the SDK (set it to the Ed25519 key of your app's settings)",
            )
        try:
            check_extras("serve", SERVE_NEEDS)
        except MissingExtraError as exc:
            self.optional(
                "serve extras",
                "skip",
                ", ".join(exc.missing) + f" not installed; serve needs them: {exc.install}",
            )
        else:
            self.optional("serve extras", "ok", ", ".join(SERVE_NEEDS) + " installed")

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
        if config.state.url is not None:
            self.postgres_state(config.state.url)
            return
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
        self.state_contents(store, str(path), "integrity ok")

    def postgres_state(self, url: str) -> None:
        """PostgreSQL: the extra, the connection (never showing the password), the schema."""
        try:
            check_extras("doctor", {"psycopg": "postgres"})
        except MissingExtraError as exc:
            self.fail("state store", f"[state] url: {exc}", exc.install, ExitCode.STATE)
            return
        try:
            store = open_store(url, environ=self.ctx.environ)
        except StateStoreError as exc:
            self.fail(
                "state store",
                str(exc),
                f"start the server or fix [state] url; the password comes from "
                f"{STATE_PASSWORD_ENV} (or PGPASSWORD / ~/.pgpass)",
                ExitCode.STATE,
            )
            return
        assert isinstance(store, PostgresStateStore)
        self.state_contents(
            store, store.location, f"connected, schema version {store.schema_version}"
        )

    def state_contents(self, store: StateStore, where: str, health: str) -> None:
        """What an open store holds: links, reviews, the last runs and the lock."""
        try:
            links = len(store.links())
            reviews = len(store.open_reviews())
            paused = current_pause(store)
            runs = store.runs(limit=3)
            owner = f"ghl-ninox-doctor-{os.getpid()}"
            free = store.acquire_lock(owner, ttl=1.0)
            if free:
                store.release_lock(owner)
        except Exception as exc:
            self.fail_from("state store", f"{where} cannot be read", exc)
            return
        finally:
            store.close()
        history = "; ".join(f"{r.kind} {r.status} at {r.started_at:%Y-%m-%d %H:%M}Z" for r in runs)
        self.ok(
            "state store",
            f"{where}: {health}, {links} link(s), {reviews} open review(s); "
            + (f"last runs: {history}" if runs else "no runs yet"),
        )
        if reviews:
            self.warn(
                "reviews", f"{reviews} conflict(s) wait for review", "resolve them (see the docs)"
            )
        if paused is not None:
            self.warn(
                "paused",
                f"the location is paused since {paused.since:%Y-%m-%d %H:%M}Z ({paused.kind}): "
                f"{paused.reason}",
                "fix the cause, then `ghl-ninox resume` (sync exits 9 until then)",
            )
        if not free:
            self.warn("lock", "a sync run holds the lock right now", "wait for it to finish")

    def render(self) -> str:
        symbols = self.ctx.out.symbols()
        width = max(len(c.name) for c in self.checks)
        lines = ["ghl-ninox doctor"]
        required = [c for c in self.checks if c.required]
        optional = [c for c in self.checks if not c.required]
        for c in required:
            lines.append(f"{symbols[c.status]} {c.name:<{width}}  {c.detail}")
            lines += [f"    - {p}" for p in c.problems]
            if c.hint and c.status in ("fail", "warn"):
                lines.append(f"    fix: {c.hint}")
        if optional:
            lines.append("optional (only some commands use these):")
            lines += [f"{symbols[c.status]} {c.name:<{width}}  {c.detail}" for c in optional]
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
                    "required": c.required,
                }
                for c in self.checks
            ],
        }
        return json.dumps(doc, indent=2, ensure_ascii=False)


def doctor(ctx: Context) -> int:
    """Run every check; print them (or the JSON document); exit with the worst failure."""
    checks = Doctor(ctx)
    checks.run()
    ctx.out.say(checks.to_json() if ctx.out.json else checks.render())
    return checks.exit_code
