"""The status facts of one location, computed once for ``ghl-ninox status`` and the health
page: what is in sync, what fails and why, what waits for review, whether it is paused, how
fresh the last pass is, the recent runs and the GHL rate-limit budget."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Final, Literal

import attrs

from bridge.ops._pause import Pause, current_pause
from bridge.state import Link, ReviewItem, Run, StateStore

__all__ = ["FailingGroup", "RunSummary", "StatusFacts", "collect_status", "describe_age"]

#: Link states that are settled (in sync, or deliberately gone on one side).
_SETTLED: Final = ("active", "tombstone_ghl", "tombstone_ninox", "tombstone_both")
_STATE_REASONS: Final = {
    "creating_ghl": "waiting for its GHL create to be confirmed",
    "creating_ninox": "waiting for its Ninox create to be confirmed",
    "conflict": "in conflict",
    "quarantined": "quarantined",
}
_ERROR_NAME = re.compile(r"^([A-Za-z_][A-Za-z0-9_.]*(?:Error|Exception|Timeout)):\s")
#: How many record names a failing group shows.
EXAMPLES: Final = 5


@attrs.frozen(kw_only=True)
class FailingGroup:
    """Records failing for one reason. ``source`` is ``link`` (a linked pair whose last
    write failed or was lost: every pass re-reads it) or ``run`` (a record error of the last
    sync pass). ``records`` names a few of them."""

    source: Literal["link", "run"]
    reason: str
    count: int
    records: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "reason": self.reason,
            "count": self.count,
            "records": list(self.records),
        }


@attrs.frozen(kw_only=True)
class RunSummary:
    """One run for the status: its kind, outcome, when, and its counts summed up."""

    run_id: str
    kind: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    writes: int
    errors: int

    @classmethod
    def of(cls, run: Run) -> RunSummary:
        errors = sum(n for key, n in run.counts.items() if key.endswith(".error"))
        writes = sum(
            n
            for key, n in run.counts.items()
            if key.rpartition(".")[2].startswith(("create", "update", "delete", "soft_delete"))
        )
        return cls(
            run_id=run.run_id,
            kind=run.kind,
            status=run.status,
            started_at=run.started_at,
            finished_at=run.finished_at,
            writes=writes,
            errors=errors,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "kind": self.kind,
            "status": self.status,
            "started_at": self.started_at.isoformat(),
            "finished_at": None if self.finished_at is None else self.finished_at.isoformat(),
            "writes": self.writes,
            "errors": self.errors,
        }


@attrs.frozen(kw_only=True)
class StatusFacts:
    """Everything ``ghl-ninox status`` and the health page show, computed by
    [`collect_status`][bridge.ops.collect_status].

    ``in_sync``: active links that agree (no failed or lost write outstanding). ``failing``:
    unsettled links grouped by reason, then the last sync pass's record errors grouped by
    error. ``in_review``: open review items (``reviews`` holds them). ``last_sync``: the
    last successful sync pass (incremental, from the cursors) and ``last_full``: the last
    successful one that read everything (no cursor before it); ``*_age`` in seconds.
    ``rate_limit``: the GHL budget of the last response, when known.
    """

    location: str | None
    now: datetime
    links: int
    in_sync: int
    failing: tuple[FailingGroup, ...]
    in_review: int
    reviews: tuple[ReviewItem, ...]
    paused: Pause | None
    open_ops: int
    last_sync: datetime | None
    last_full: datetime | None
    runs: tuple[RunSummary, ...]
    rate_limit: Mapping[str, Any] | None = None

    @property
    def failing_records(self) -> int:
        return sum(g.count for g in self.failing)

    @property
    def last_sync_age(self) -> float | None:
        return None if self.last_sync is None else (self.now - self.last_sync).total_seconds()

    @property
    def last_full_age(self) -> float | None:
        return None if self.last_full is None else (self.now - self.last_full).total_seconds()

    @property
    def healthy(self) -> bool:
        """Nothing failing, nothing waiting for review, not paused."""
        return not (self.failing or self.in_review or self.paused)

    def to_dict(self) -> dict[str, Any]:
        return {
            "location": self.location,
            "at": self.now.isoformat(),
            "healthy": self.healthy,
            "links": self.links,
            "in_sync": self.in_sync,
            "failing": {
                "records": self.failing_records,
                "groups": [g.to_dict() for g in self.failing],
            },
            "in_review": self.in_review,
            "paused": None if self.paused is None else self.paused.to_dict(),
            "open_ops": self.open_ops,
            "freshness": {
                "last_sync": _iso(self.last_sync),
                "last_sync_age_seconds": _rounded(self.last_sync_age),
                "last_full": _iso(self.last_full),
                "last_full_age_seconds": _rounded(self.last_full_age),
            },
            "rate_limit": None if self.rate_limit is None else dict(self.rate_limit),
            "runs": [r.to_dict() for r in self.runs],
            "reviews": [review_dict(item) for item in self.reviews],
        }


def review_dict(item: ReviewItem) -> dict[str, Any]:
    """A review item as JSON-able data."""
    return {
        "id": item.review_id,
        "kind": item.kind,
        "status": item.status,
        "record": item.source_ref,
        "link_id": item.link_id,
        "fields": list(item.fields),
        "base": dict(item.base_values),
        "ghl": dict(item.ghl_values),
        "ninox": dict(item.ninox_values),
        "resolution": item.resolution,
        "detected_at": _iso(item.detected_at),
        "resolved_at": _iso(item.resolved_at),
    }


def collect_status(
    store: StateStore,
    *,
    location: str | None = None,
    rate_limit: Any = None,
    runs: int = 10,
    now: Callable[[], datetime] | None = None,
) -> StatusFacts:
    """Read the status facts from ``store``. ``rate_limit`` is the GHL client's
    ``rate_limit`` (an object with ``burst_remaining``, ``daily_remaining`` … or ``None``);
    ``runs`` how many recent runs to list."""
    at = (now or _utcnow)()
    links = store.links()
    recent = store.runs(limit=max(runs, 50))
    syncs = [r for r in recent if r.kind == "sync"]
    last_sync_run = next((r for r in syncs if r.status == "ok"), None)
    last_full_run = next((r for r in syncs if r.status == "ok" and not r.cursors_before), None)
    last_finished = next((r for r in syncs if r.status != "running"), None)
    errors = store.record_errors(last_finished.run_id) if last_finished is not None else []
    reviews = store.open_reviews()
    unsettled = [link for link in links if _unsettled(link)]
    # A record error of a linked record that stays unsettled is shown once, with its link.
    known = {link.ghl_id for link in unsettled} | {str(link.ninox_id) for link in unsettled}
    errors = [e for e in errors if e.record_id not in known]
    return StatusFacts(
        location=location,
        now=at,
        links=len(links),
        in_sync=sum(1 for link in links if link.state == "active" and link.error_count == 0),
        failing=(
            *_link_groups(unsettled),
            *_groups("run", [(e.error, f"{e.side}:{e.record_id}") for e in errors]),
        ),
        in_review=len(reviews),
        reviews=tuple(reviews),
        paused=current_pause(store),
        open_ops=len(store.open_ops()),
        last_sync=_finished(last_sync_run),
        last_full=_finished(last_full_run),
        runs=tuple(RunSummary.of(r) for r in recent[:runs]),
        rate_limit=_budget(rate_limit),
    )


def _unsettled(link: Link) -> bool:
    return link.state not in _SETTLED or link.error_count > 0


def _link_groups(links: Sequence[Link]) -> tuple[FailingGroup, ...]:
    failing: list[tuple[str, str]] = []
    for link in links:
        label = _link_label(link)
        if link.state not in _SETTLED:
            failing.append((_STATE_REASONS.get(link.state, link.state), label))
        else:
            failing.append((_reason(link.last_error), label))
    return _groups("link", failing)


def _groups(
    source: Literal["link", "run"], items: Sequence[tuple[str, str]]
) -> tuple[FailingGroup, ...]:
    by_reason: dict[str, list[str]] = defaultdict(list)
    for reason, record in items:
        by_reason[reason].append(record)
    counts = Counter({reason: len(records) for reason, records in by_reason.items()})
    return tuple(
        FailingGroup(
            source=source,
            reason=reason,
            count=count,
            records=tuple(by_reason[reason][:EXAMPLES]),
        )
        for reason, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )


def _reason(error: str | None) -> str:
    """A failed link's reason: the error's class name (``NotFoundError: ...``), else the
    message itself."""
    if not error:
        return "a write failed or was lost"
    match = _ERROR_NAME.match(error)
    return match.group(1) if match else error


def _link_label(link: Link) -> str:
    if link.ghl_id is not None:
        return f"{link.entity} ghl:{link.ghl_id}"
    return f"{link.entity} ninox:{link.ninox_id}"


def _budget(info: Any) -> dict[str, Any] | None:
    if info is None:
        return None
    names = ("burst_limit", "burst_remaining", "burst_interval", "daily_limit", "daily_remaining")
    values = {name: getattr(info, name, None) for name in names}
    if all(v is None for v in values.values()):
        return None
    observed = getattr(info, "observed_at", None)
    if isinstance(observed, (int, float)) and observed > 0:
        values["observed_at"] = datetime.fromtimestamp(observed, timezone.utc).isoformat()
    return values


def _finished(run: Run | None) -> datetime | None:
    if run is None:
        return None
    return run.finished_at or run.started_at


def describe_age(seconds: float | None) -> str:
    """``"42 s ago"``, ``"5 min ago"``, ``"3 h ago"``, ``"2 days ago"``, or ``"never"``."""
    if seconds is None:
        return "never"
    s = max(0, int(seconds))
    if s < 120:
        return f"{s} s ago"
    if s < 7200:
        return f"{s // 60} min ago"
    if s < 172800:
        return f"{s // 3600} h ago"
    return f"{s // 86400} days ago"


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)
