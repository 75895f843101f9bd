"""The argument parser and [`main`][bridge.cli.main], which wires a command to its handler."""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from bridge.cli._commands import Context, demo, init, run_engine, serve, undo
from bridge.cli._doctor import doctor
from bridge.cli._engine import Connect, EngineFactory, connect_clients, default_engine_factory
from bridge.cli._fleet import add_fleet_commands, fleet, worker
from bridge.cli._ops import history, pause, resume, review, status
from bridge.cli._output import EXIT_CODES, ExitCode, Out, fail

__all__ = ["build_parser", "main", "version"]

_HANDLERS: dict[str, Callable[[Context], int]] = {
    "sync": run_engine,
    "plan": run_engine,
    "doctor": doctor,
    "serve": serve,
    "demo": demo,
    "init": init,
    "review": review,
    "history": history,
    "status": status,
    "pause": pause,
    "resume": resume,
    "undo": undo,
    "worker": worker,
    "fleet": fleet,
}


def version() -> str:
    """The installed version of the ``ghl-ninox`` distribution."""
    try:
        return importlib.metadata.version("ghl-ninox")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - not installed
        import bridge

        return str(getattr(bridge, "__version__", "unknown"))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for the docs and tests)."""
    codes = "\n".join(f"  {int(code)}  {text}" for code, text in EXIT_CODES.items())
    parser = argparse.ArgumentParser(
        prog="ghl-ninox",
        description="Keep HighLevel (GHL) and Ninox in sync, both ways. "
        "Start with `ghl-ninox init` (a commented sample configuration) and "
        "`ghl-ninox doctor`, or try `ghl-ninox demo` (no credentials needed).",
        epilog=f"exit codes:\n{codes}\n\nSecrets come from GHL_TOKEN (or GHL_CLIENT_ID/"
        "GHL_CLIENT_SECRET), NINOX_API_KEY and GHL_WEBHOOK_PUBLIC_KEY.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"ghl-ninox {version()}", help="show the version"
    )
    output = argparse.ArgumentParser(add_help=False)
    output.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    output.add_argument("--quiet", "-q", action="store_true", help="no progress output")
    output.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    common = argparse.ArgumentParser(add_help=False, parents=[output])
    common.add_argument(
        "--config",
        metavar="PATH",
        help="the TOML configuration (default: $GHL_NINOX_CONFIG, else ./ghl-ninox.toml)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    scan = argparse.ArgumentParser(add_help=False)
    scan.add_argument(
        "--scan-deletes",
        action="store_true",
        help="also compare every linked id with both sides to find deletions",
    )
    init_cmd = commands.add_parser(
        "init", parents=[output], help="write a commented sample configuration file"
    )
    init_cmd.add_argument(
        "path",
        nargs="?",
        metavar="PATH",
        help="where to write it (default: $GHL_NINOX_CONFIG, else ./ghl-ninox.toml)",
    )
    init_cmd.add_argument("--force", action="store_true", help="overwrite an existing file")
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
    serve_cmd = commands.add_parser(
        "serve",
        parents=[common],
        help="run the GHL webhook server (needs the server and webhooks extras)",
    )
    serve_cmd.add_argument("--host", help="listen address (default: [server] host, 127.0.0.1)")
    serve_cmd.add_argument("--port", type=int, help="listen port (default: [server] port, 8080)")
    undo_cmd = commands.add_parser(
        "undo",
        parents=[common],
        help="put back what a run wrote, on both sides, where nobody changed it since",
    )
    undo_cmd.add_argument("run", metavar="RUN", help="the run id (ghl-ninox status lists runs)")
    commands.add_parser(
        "demo", parents=[output], help="run the whole flow on built-in fakes (no credentials)"
    )
    _ops_commands(commands, common)
    add_fleet_commands(commands, common)
    return parser


def _ops_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """review, history, status, pause, resume: they read the state store only."""
    review_cmd = commands.add_parser(
        "review", help="the review queue: list, show and resolve items (options after ACTION)"
    )
    actions = review_cmd.add_subparsers(dest="review_command", required=True, metavar="ACTION")
    listing = actions.add_parser("list", parents=[common], help="open items (--all: every item)")
    listing.add_argument("--all", action="store_true", help="also resolved and applied items")
    listing.add_argument("--limit", type=int, default=100, help="at most this many (100)")
    show = actions.add_parser("show", parents=[common], help="one item with each side's values")
    show.add_argument("id", type=int, metavar="ID")
    resolve = actions.add_parser(
        "resolve",
        parents=[common],
        help="decide an item; the next sync carries the decision out",
        description="Give exactly one of --keep, --set (repeatable), --approve, --reject or "
        "--dismiss.",
    )
    resolve.add_argument("id", type=int, metavar="ID")
    resolve.add_argument(
        "--keep", choices=("ghl", "ninox"), help="keep this side's values on both sides"
    )
    resolve.add_argument(
        "--set",
        action="append",
        metavar="FIELD=VALUE",
        help="write VALUE (text; FIELD:=JSON for a number, true, null …) to both sides",
    )
    resolve.add_argument(
        "--approve", action="store_true", help="mass delete: apply exactly the deletions listed"
    )
    resolve.add_argument(
        "--reject", action="store_true", help="mass delete: delete nothing; tombstone the links"
    )
    resolve.add_argument("--dismiss", action="store_true", help="close it, changing nothing")
    history_cmd = commands.add_parser(
        "history",
        parents=[common],
        help="a record's writes and decisions, newest first (a GHL id or a Ninox record id)",
    )
    history_cmd.add_argument("id", metavar="ID", help="a GHL id, or a Ninox record id (a number)")
    history_cmd.add_argument(
        "--side", choices=("ghl", "ninox"), help="whose id ID is (default: a number is Ninox's)"
    )
    history_cmd.add_argument(
        "--entity",
        choices=("contact", "task", "note", "appointment"),
        help="only this entity's records (Ninox ids repeat across tables)",
    )
    history_cmd.add_argument("--limit", type=int, default=50, help="at most this many (50)")
    commands.add_parser(
        "status",
        parents=[common],
        help="in sync, failing by reason, in review, paused, freshness; exit 0/1/9",
    )
    pause_cmd = commands.add_parser(
        "pause", parents=[common], help="stop sync and the poller until resume (alerts)"
    )
    pause_cmd.add_argument("--reason", help="shown by status and in the alert")
    commands.add_parser(
        "resume", parents=[common], help="end a pause (alerts that the location recovered)"
    )


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
    """Run the command line; returns the process exit code ([`ExitCode`][bridge.cli.ExitCode]).

    ``stdout``/``stderr`` default to the process streams, ``environ`` to ``os.environ``,
    ``cwd`` to the current directory. ``connect`` builds the clients from the config
    (default [`connect_clients`][bridge.cli.connect_clients]); ``engine_factory`` builds the
    engine (default [`default_engine_factory`][bridge.cli.default_engine_factory], i.e.
    ``bridge.sync.SyncEngine``).
    """
    out_stream = stdout if stdout is not None else sys.stdout
    err_stream = stderr if stderr is not None else sys.stderr
    parser = build_parser()
    try:  # --help and --version go to stdout, usage errors to stderr: ours, not sys's
        with contextlib.redirect_stdout(out_stream), contextlib.redirect_stderr(err_stream):
            args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse printed the usage; keep our documented code
        return int(exc.code) if isinstance(exc.code, int) else int(ExitCode.USAGE)
    ctx = Context(
        args=args,
        out=Out(out_stream, err_stream, json=args.json, debug=args.debug),
        environ=os.environ if environ is None else environ,
        cwd=None if cwd is None else Path(cwd),
        connect=connect or connect_clients,
        engine_factory=engine_factory or default_engine_factory,
    )
    if not hasattr(args, "config"):
        args.config = None
    try:
        return _HANDLERS[args.command](ctx)
    except KeyboardInterrupt:
        ctx.out.err(f"ghl-ninox {args.command}: interrupted")
        return 130
    except BrokenPipeError:  # the reader went away (``| head``): stop quietly, as Unix tools do
        _silence(out_stream)
        return 141
    except Exception as exc:
        return fail(ctx.out, exc, args.command)


def _silence(stream: TextIO) -> None:
    # Further writes (including the interpreter's final flush) must not raise again.
    try:
        fileno = stream.fileno()
    except (OSError, ValueError, AttributeError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fileno)
    os.close(devnull)
