"""Pausing a location, and the alerts that say so.

A location pauses after ``auth_failures`` passes in a row failed to authenticate, or when the
record error rate of the last ``error_runs`` sync passes is over ``error_rate``
([`AlertSettings`][bridge.config.AlertSettings]). The pause is a flag in the state store
(``paused``: its kind, reason and time), so every process sees it: ``ghl-ninox sync`` refuses
to run (exit code 9), the poller of ``serve`` skips its passes, and ``status``, ``doctor`` and
the health page show it. Pausing fires exactly one ``paused`` alert; resuming (``ghl-ninox
resume``, or a pass that succeeds after the cool-down ``auto_resume_minutes``) fires exactly
one ``recovered`` alert. The flag changes in a transaction that first reads it, so two
processes cannot both fire.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any, Final, Literal

import attrs
import httpx

from bridge.state import Run, StateStore
from ghlsdk import AuthenticationError, get_redacting_logger, redact_secrets

__all__ = [
    "AUTH_FAILURES_FLAG",
    "PAUSE_FLAG",
    "RESUMED_FLAG",
    "Alert",
    "Guard",
    "Notifier",
    "Pause",
    "PauseKind",
    "current_pause",
    "error_rate",
]

_log = get_redacting_logger("bridge.ops")

#: The flag holding the pause (JSON: kind, reason, since).
PAUSE_FLAG: Final = "paused"
#: Consecutive passes that failed to authenticate.
AUTH_FAILURES_FLAG: Final = "auth_failures"
#: When the location last resumed: the error rate counts only passes after it.
RESUMED_FLAG: Final = "resumed_at"

PauseKind = Literal["auth", "error_rate", "manual"]


@attrs.frozen(kw_only=True)
class Pause:
    """Why and since when a location is paused."""

    kind: PauseKind
    reason: str
    since: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "reason": self.reason, "since": self.since.isoformat()}

    def to_flag(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_flag(cls, value: str) -> Pause:
        try:
            data = json.loads(value)
            kind = data.get("kind", "manual")
            return cls(
                kind=kind if kind in ("auth", "error_rate", "manual") else "manual",
                reason=str(data.get("reason", "")),
                since=datetime.fromisoformat(data["since"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            # A hand-written flag: still a pause.
            return cls(kind="manual", reason=value, since=datetime.now(timezone.utc))


def current_pause(store: StateStore) -> Pause | None:
    """The location's pause, or ``None`` when it runs."""
    value = store.get_flag(PAUSE_FLAG)
    return None if value is None else Pause.from_flag(value)


@attrs.frozen(kw_only=True)
class Alert:
    """One alert: ``paused`` (with the pause) or ``recovered`` (with the pause it ends)."""

    event: Literal["paused", "recovered"]
    location: str | None
    pause: Pause
    at: datetime
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": "ghl-ninox",
            "event": self.event,
            "location": self.location,
            "kind": self.pause.kind,
            "reason": self.pause.reason,
            "paused_since": self.pause.since.isoformat(),
            "at": self.at.isoformat(),
            "detail": self.detail,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)


class Notifier:
    """Delivers alerts: a JSON POST to ``webhook_url`` and/or ``command`` run with the JSON
    on its stdin. Delivery problems are logged (redacted) and returned, never raised: a
    broken alert channel must not stop the sync from pausing."""

    def __init__(
        self,
        *,
        webhook_url: str | None = None,
        command: Sequence[str] = (),
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.webhook_url = webhook_url
        self.command = tuple(command)
        self.timeout = timeout
        self._transport = transport

    def __repr__(self) -> str:  # the URL may carry a secret (chat webhooks do)
        return (
            f"Notifier(webhook={'set' if self.webhook_url else 'none'}, "
            f"command={self.command[:1]!r})"
        )

    @property
    def configured(self) -> bool:
        return bool(self.webhook_url or self.command)

    def send(self, alert: Alert) -> list[str]:
        """Deliver ``alert`` on every configured channel; the problems, if any."""
        body = alert.to_json()
        problems: list[str] = []
        if self.webhook_url:
            try:
                with httpx.Client(timeout=self.timeout, transport=self._transport) as http:
                    response = http.post(
                        self.webhook_url,
                        content=body.encode(),
                        headers={"content-type": "application/json"},
                    )
                if response.status_code >= 300:
                    problems.append(f"the alert webhook answered {response.status_code}")
            except httpx.HTTPError as exc:
                problems.append(f"the alert webhook failed: {type(exc).__name__}")
        if self.command:
            try:
                done = subprocess.run(  # noqa: S603 - the operator's configured command
                    self.command,
                    input=body,
                    text=True,
                    capture_output=True,
                    timeout=self.timeout * 3,
                    check=False,
                )
                if done.returncode != 0:
                    problems.append(f"the alert command exited {done.returncode}")
            except (OSError, subprocess.SubprocessError) as exc:
                problems.append(f"the alert command failed: {type(exc).__name__}: {exc}")
        for problem in problems:
            _log.warning("%s alert not delivered: %s", alert.event, redact_secrets(problem))
        return problems


def error_rate(runs: Sequence[Run]) -> float | None:
    """The share of records that failed over ``runs``: record errors ÷ records handled,
    a pass that failed as a whole counting as one failed record. ``None`` when nothing was
    handled."""
    errors = handled = 0
    for run in runs:
        if run.status == "failed":
            errors += 1
            handled += 1
            continue
        for key, n in run.counts.items():
            action = key.rpartition(".")[2]
            if action in ("conflict", "review"):
                continue  # a conflict is counted again as the write (or review) it became
            handled += n
            if action == "error":
                errors += n
    return None if handled == 0 else errors / handled


class Guard:
    """Decides when a location pauses and resumes, keeps that in the store's flags, and fires
    the alerts. Call [`blocked`][bridge.ops.Guard.blocked] before a pass, then
    [`passed`][bridge.ops.Guard.passed] or [`failed`][bridge.ops.Guard.failed] after it."""

    def __init__(
        self,
        store: StateStore,
        *,
        location: str | None = None,
        notifier: Notifier | None = None,
        auth_failures: int = 3,
        error_rate: float = 0.5,
        error_runs: int = 5,
        auto_resume_minutes: float = 0.0,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self.location = location
        self.notifier = notifier or Notifier()
        self.auth_failures = auth_failures
        self.error_rate = error_rate
        self.error_runs = error_runs
        self.cool_down = timedelta(minutes=auto_resume_minutes)
        self._now = now or (lambda: datetime.now(timezone.utc))

    @classmethod
    def from_config(
        cls,
        store: StateStore,
        config: Any,
        *,
        transport: httpx.BaseTransport | None = None,
        location: str | None = None,
    ) -> Guard:
        """A guard with the ``[alerts]`` settings of a [`Config`][bridge.config.Config], for
        ``location`` (default: the config's ``[ghl] location_id``; a fleet's partition names
        its own)."""
        alerts = config.alerts
        return cls(
            store,
            location=location or config.ghl.location_id,
            notifier=Notifier(
                webhook_url=alerts.webhook_url, command=alerts.command, transport=transport
            ),
            auth_failures=alerts.auth_failures,
            error_rate=alerts.error_rate,
            error_runs=alerts.error_runs,
            auto_resume_minutes=alerts.auto_resume_minutes,
        )

    # -- before and after a pass ------------------------------------------------------------

    def pause_state(self) -> Pause | None:
        return current_pause(self.store)

    def blocked(self) -> Pause | None:
        """The pause that stops the next pass, or ``None``: not paused, or paused long enough
        ago (``auto_resume_minutes``) that one pass may try again."""
        pause = current_pause(self.store)
        if pause is None:
            return None
        if self.cool_down > timedelta(0) and self._now() - pause.since >= self.cool_down:
            return None
        return pause

    def passed(self, report: Any = None) -> Pause | None:
        """A pass finished: the login works again; a paused location (a pass after the
        cool-down) resumes; then the error rate may pause it (returned, if it did)."""
        if self.store.get_flag(AUTH_FAILURES_FLAG) is not None:
            self.store.set_flag(AUTH_FAILURES_FLAG, None)
        if current_pause(self.store) is not None:
            self.resume("a sync pass succeeded after the cool-down")
            return None
        return self._check_error_rate()

    def failed(self, exc: BaseException) -> Pause | None:
        """A pass (or building it) raised ``exc``: count authentication failures in a row,
        check the error rate; pause when either is over its limit. A paused location whose
        retry after the cool-down failed stays paused (its cool-down starts again). Returns
        the pause this failure started, if any."""
        pause = current_pause(self.store)
        if pause is not None:
            self.store.set_flag(PAUSE_FLAG, attrs.evolve(pause, since=self._now()).to_flag())
            return None
        if isinstance(exc, AuthenticationError):
            count = int(self.store.get_flag(AUTH_FAILURES_FLAG) or 0) + 1
            self.store.set_flag(AUTH_FAILURES_FLAG, str(count))
            if self.auth_failures > 0 and count >= self.auth_failures:
                return self.pause(
                    "auth",
                    f"{count} passes in a row failed to authenticate ({type(exc).__name__}); "
                    "renew the credentials, then run `ghl-ninox resume`",
                )
        else:
            self.store.set_flag(AUTH_FAILURES_FLAG, None)
        return self._check_error_rate()

    def _check_error_rate(self) -> Pause | None:
        if self.error_runs <= 0:
            return None
        resumed = self.store.get_flag(RESUMED_FLAG)
        since = datetime.fromisoformat(resumed) if resumed else None
        runs = [
            r
            for r in self.store.runs(limit=self.error_runs * 4 + 10)
            if r.kind == "sync"
            and r.status in ("ok", "failed")
            and (since is None or r.started_at >= since)
        ][: self.error_runs]
        if len(runs) < self.error_runs:
            return None
        rate = error_rate(runs)
        if rate is None or rate <= self.error_rate:
            return None
        return self.pause(
            "error_rate",
            f"{rate:.0%} of the records handled in the last {len(runs)} sync passes "
            f"failed (limit {self.error_rate:.0%}); see `ghl-ninox status`, fix the "
            "cause, then run `ghl-ninox resume`",
        )

    # -- pause and resume -----------------------------------------------------------------------

    def pause(self, kind: PauseKind, reason: str) -> Pause | None:
        """Pause the location and fire the ``paused`` alert; ``None`` (and no alert) when it
        was paused already."""
        pause = Pause(kind=kind, reason=reason, since=self._now())
        with self.store.transaction():
            if self.store.get_flag(PAUSE_FLAG) is not None:
                return None
            self.store.set_flag(PAUSE_FLAG, pause.to_flag())
        _log.info("location %s paused: %s", self.location, reason)
        self.notifier.send(
            Alert(event="paused", location=self.location, pause=pause, at=self._now())
        )
        return pause

    def resume(self, detail: str = "resumed by hand") -> Pause | None:
        """Resume the location and fire the ``recovered`` alert; returns the pause that
        ended, or ``None`` (and no alert) when it was not paused."""
        at = self._now()
        with self.store.transaction():
            value = self.store.get_flag(PAUSE_FLAG)
            if value is None:
                return None
            self.store.set_flag(PAUSE_FLAG, None)
            self.store.set_flag(AUTH_FAILURES_FLAG, None)
            self.store.set_flag(RESUMED_FLAG, at.isoformat())
        pause = Pause.from_flag(value)
        _log.info("location %s resumed: %s", self.location, detail)
        self.notifier.send(
            Alert(event="recovered", location=self.location, pause=pause, at=at, detail=detail)
        )
        return pause
