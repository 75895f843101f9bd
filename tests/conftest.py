"""Suite-wide pytest hooks."""

from __future__ import annotations

import pytest

_SNIPPETS = "tests/test_snippets.py::test_snippet["


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line on the documentation snippets (tests/test_snippets.py), when they ran."""
    counts: dict[str, int] = {}
    for outcome in ("passed", "failed", "skipped", "xfailed", "xpassed", "error"):
        reports = terminalreporter.stats.get(outcome, [])
        counts[outcome] = len(
            {r.nodeid for r in reports if getattr(r, "nodeid", "").startswith(_SNIPPETS)}
        )
    if not any(counts.values()):
        return
    failed = counts["failed"] + counts["error"]
    known = counts["xfailed"] + counts["xpassed"]
    ran = counts["passed"] + failed + known
    terminalreporter.write_sep(
        "-",
        f"doc snippets: {ran} ran ({counts['passed']} passed, {failed} failed, {known} known "
        f"broken), {counts['skipped']} skipped as illustrative",
    )
