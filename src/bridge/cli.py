"""``python -m bridge`` / ``ghl-ninox``: the command line of the bridge."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

NOT_BUILT = """\
ghl-ninox demo: the two-way sync demo is not built yet.

What exists today:
  - ghlsdk and ninoxsdk: typed sync/async clients, OAuth, webhooks, and in-memory fakes
  - bridge: field mapping, upsert helpers both ways (bridge.upsert), conflict policies,
    durable sync state; try examples/upsert_with_fakes.py for GHL -> Ninox -> GHL on fakes

Not built yet (issue "bridge: two-way sync with conflict resolution, triggers, and the CLI"):
  - the sync engine, webhook/poll triggers, the sync/plan/doctor/serve commands, this demo.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ghl-ninox", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="run the whole flow on built-in fakes (no credentials)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        sys.stdout.write(NOT_BUILT)
        return 0
    return 2  # pragma: no cover - argparse rejects unknown commands first


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
