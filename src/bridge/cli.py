"""``python -m bridge`` / ``ghl-ninox``: the command line of the bridge."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

NOT_BUILT = """\
ghl-ninox demo: the bridge is not built yet.

What exists today:
  - the shared HTTP core (retries, rate limits, typed errors, pagination, redaction)
  - the GHL and Ninox SDKs as far as the README says

Not built yet (tracked in the issues "bridge: field mapping and upsert helpers" and
"bridge: two-way sync with conflict resolution, triggers, and the CLI"):
  - field mapping, upserts, two-way sync, webhooks/poll triggers, and this demo.
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
