"""Running a sync in production: the status facts of a location (for ``ghl-ninox status``
and the health page of ``serve``), pausing it when it keeps failing, and the alerts.

>>> facts = collect_status(store, location="loc1")        # doctest: +SKIP
>>> facts.in_sync, facts.failing, facts.in_review, facts.paused   # doctest: +SKIP
"""

# The modules: _status (the facts, computed once for the CLI and the page), _pause (the
# pause flag, the guard deciding it, the alerts), _render (review items as text).

from __future__ import annotations

from bridge.ops._pause import (
    AUTH_FAILURES_FLAG,
    PAUSE_FLAG,
    RESUMED_FLAG,
    Alert,
    Guard,
    Notifier,
    Pause,
    PauseKind,
    current_pause,
    error_rate,
)
from bridge.ops._render import fmt_value, render_review, review_fields, when
from bridge.ops._status import (
    FailingGroup,
    RunSummary,
    StatusFacts,
    collect_status,
    describe_age,
    review_dict,
)

__all__ = [
    "AUTH_FAILURES_FLAG",
    "PAUSE_FLAG",
    "RESUMED_FLAG",
    "Alert",
    "FailingGroup",
    "Guard",
    "Notifier",
    "Pause",
    "PauseKind",
    "RunSummary",
    "StatusFacts",
    "collect_status",
    "current_pause",
    "describe_age",
    "error_rate",
    "fmt_value",
    "render_review",
    "review_dict",
    "review_fields",
    "when",
]
