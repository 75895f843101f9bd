"""The commands that run a sync in production: ``review`` (list, show, resolve), ``history``,
``status``, ``pause`` and ``resume``. None of them contacts GHL or Ninox: they read and write
the state store only, so they work without credentials."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bridge.cli._commands import Context, _open_store
from bridge.cli._output import ExitCode
from bridge.config import Config
from bridge.ops import (
    FailingGroup,
    Guard,
    StatusFacts,
    collect_status,
    current_pause,
    describe_age,
    fmt_value,
    render_review,
    review_dict,
    when,
)
from bridge.state import HistoryEntry, ReviewItem, StateStore
from bridge.sync.review import resolve

__all__ = [
    "history",
    "parse_assignments",
    "pause",
    "render_status",
    "resume",
    "review",
    "status",
]


def _store(ctx: Context, config: Config, *, create: bool = False) -> StateStore:
    return _open_store(config, ctx.environ, ctx.args.command, create=create)


# ---------------------------------------------------------------------------------------------
# review


def review(ctx: Context) -> int:
    """``review list | show ID | resolve ID ...``."""
    config = ctx.load()
    action = ctx.args.review_command
    store = _store(ctx, config, create=action == "resolve")
    try:
        if action == "list":
            return _review_list(ctx, store)
        if action == "show":
            return _review_show(ctx, store, ctx.args.id)
        return _review_resolve(ctx, store, ctx.args.id)
    finally:
        store.close()


def _review_list(ctx: Context, store: StateStore) -> int:
    status = None if ctx.args.all else "open"
    items = store.reviews(status=status, limit=ctx.args.limit)
    if ctx.out.json:
        ctx.out.document(
            {
                "command": "review list",
                "ok": True,
                "exit_code": 0,
                "status": status or "any",
                "items": [review_dict(i) for i in items],
            }
        )
        return int(ExitCode.OK)
    if not items:
        ctx.out.say("no open review items" if status else "no review items")
        return int(ExitCode.OK)
    for item in items:
        fields = ", ".join(item.fields) or "-"
        if item.kind == "mass_delete":
            fields = f"{len(item.fields)} record(s)"
        ctx.out.say(
            f"#{item.review_id}  {item.kind:<15} {item.status:<8} {item.source_ref or '-'}  "
            f"{fields}  {when(item.detected_at)}"
        )
    if status:
        ctx.status("ghl-ninox review: `ghl-ninox review show ID` shows one item")
    return int(ExitCode.OK)


def _get_item(store: StateStore, review_id: int) -> ReviewItem:
    item = store.review(review_id)
    if item is None:
        raise _UsageError(f"there is no review item {review_id} (`ghl-ninox review list`)")
    return item


def _review_show(ctx: Context, store: StateStore, review_id: int) -> int:
    try:
        item = _get_item(store, review_id)
    except _UsageError as exc:
        return _usage(ctx, "review show", str(exc))
    if ctx.out.json:
        ctx.out.document(
            {"command": "review show", "ok": True, "exit_code": 0, "item": review_dict(item)}
        )
        return int(ExitCode.OK)
    for line in render_review(item):
        ctx.out.say(line)
    return int(ExitCode.OK)


def parse_assignments(pairs: Sequence[str]) -> dict[str, Any]:
    """``FIELD=VALUE`` pairs as a mapping. A VALUE is text; ``FIELD:=JSON`` takes a JSON
    value (a number, ``true``, ``null``, a list) instead."""
    values: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep:
            raise _UsageError(f"--set {pair}: write FIELD=VALUE (or FIELD:=JSON)")
        value: Any = raw
        if name.endswith(":"):
            name = name[:-1]
            try:
                value = json.loads(raw)
            except ValueError:
                raise _UsageError(f"--set {pair}: the value after := is not JSON") from None
        name = name.strip()
        if not name:
            raise _UsageError(f"--set {pair}: the field name is missing")
        values[name] = value
    return values


class _UsageError(Exception):
    pass


def _usage(ctx: Context, command: str, message: str) -> int:
    code = ExitCode.USAGE
    if ctx.out.json:
        ctx.out.document(
            {
                "command": command,
                "ok": False,
                "exit_code": int(code),
                "error": {"kind": "usage", "message": message},
            }
        )
    else:
        ctx.out.err(f"ghl-ninox {command}: error: {message}")
    return int(code)


def _review_resolve(ctx: Context, store: StateStore, review_id: int) -> int:
    args = ctx.args
    try:
        values = parse_assignments(args.set or [])
        approve, reject = bool(args.approve), bool(args.reject)
        chosen = sum(bool(x) for x in (args.keep, values, approve, reject, args.dismiss))
        if chosen != 1:
            raise _UsageError(
                "give exactly one of --keep ghl|ninox, --set FIELD=VALUE, --approve, --reject, "
                "--dismiss"
            )
        _get_item(store, review_id)
        item = resolve(
            store,
            review_id,
            keep=args.keep,
            values=values or None,
            approve=approve,
            reject=reject,
            dismiss=bool(args.dismiss),
        )
    except (_UsageError, ValueError) as exc:
        return _usage(ctx, "review resolve", str(exc))
    except KeyError as exc:
        return _usage(ctx, "review resolve", str(exc.args[0]) if exc.args else str(exc))
    if ctx.out.json:
        ctx.out.document(
            {"command": "review resolve", "ok": True, "exit_code": 0, "item": review_dict(item)}
        )
    else:
        after = "upsert (ninox_to_ghl)" if item.kind == "upsert_guard" else "`ghl-ninox sync`"
        done = "closed" if item.status == "applied" else f"the next {after} carries it out"
        ctx.out.say(f"review #{review_id} resolved ({item.resolution}); {done}")
    return int(ExitCode.OK)


# ---------------------------------------------------------------------------------------------
# history


def history(ctx: Context) -> int:
    """``history ID``: a record's writes and decisions, newest first."""
    config = ctx.load()
    raw: str = ctx.args.id.strip()
    side = ctx.args.side or ("ninox" if raw.isdigit() else "ghl")
    if side == "ninox" and not raw.isdigit():
        return _usage(ctx, "history", f"a Ninox record id is a number, got {raw!r}")
    store = _store(ctx, config)
    try:
        if side == "ninox":
            entries = store.history(ninox_id=int(raw), limit=ctx.args.limit)
        else:
            entries = store.history(ghl_id=raw, limit=ctx.args.limit)
    finally:
        store.close()
    if ctx.args.entity:
        entries = [e for e in entries if e.entity == ctx.args.entity]
    if ctx.out.json:
        ctx.out.document(
            {
                "command": "history",
                "ok": True,
                "exit_code": 0,
                "id": raw,
                "side": side,
                "entries": [_entry_dict(e) for e in entries],
            }
        )
        return int(ExitCode.OK)
    if not entries:
        ctx.out.say(f"no history for {side} id {raw}")
        return int(ExitCode.OK)
    ctx.out.say(f"history of {side} id {raw}: {len(entries)} entries, newest first")
    entities = sorted({e.entity for e in entries})
    if side == "ninox" and len(entities) > 1:
        ctx.status(
            f"ghl-ninox history: Ninox record ids are per table; {raw} names a record of "
            f"{', '.join(entities)} (--entity picks one)"
        )
    for entry in entries:
        for line in render_entry(entry):
            ctx.out.say(line)
    return int(ExitCode.OK)


def _entry_dict(e: HistoryEntry) -> dict[str, Any]:
    return {
        "at": None if e.at is None else e.at.isoformat(),
        "entity": e.entity,
        "action": e.action,
        "side": e.side,
        "ghl_id": e.ghl_id,
        "ninox_id": e.ninox_id,
        "run_id": e.run_id,
        "before": dict(e.before),
        "after": dict(e.after),
    }


def render_entry(e: HistoryEntry) -> list[str]:
    """One history entry: when, what, which side, the run; then each field before → after."""
    if e.action in ("conflict", "review"):
        what = "conflict" if e.action == "conflict" else "conflict sent to review"
        where = "" if e.action == "review" else f" (written to {e.side})"
    else:
        what, where = e.action, f" {e.side}"
    ids = f"ghl:{e.ghl_id or '-'} ninox:{e.ninox_id if e.ninox_id is not None else '-'}"
    lines = [f"{when(e.at)}  {e.entity} {what}{where}  {ids}  run {e.run_id or '-'}"]
    if e.action in ("conflict", "review"):
        sides = ", ".join(f"{k} {fmt_value(v)}" for k, v in e.before.items())
        chosen = ", ".join(f"{k} = {fmt_value(v)}" for k, v in e.after.items())
        chosen = chosen or "a person decides"
        lines.append(f"    {sides} → {chosen}")
        return lines
    for name in dict.fromkeys([*e.before, *e.after]):
        before = fmt_value(e.before[name]) if name in e.before else "(none)"
        after = fmt_value(e.after[name]) if name in e.after else "(none)"
        lines.append(f"    {name}: {before} → {after}")
    return lines


# ---------------------------------------------------------------------------------------------
# status, pause, resume


def status(ctx: Context) -> int:
    """``status``: the location's health; exit 0 healthy, 1 failing records or review items,
    9 paused."""
    config = ctx.load()
    store = _store(ctx, config)
    try:
        facts = collect_status(store, location=config.ghl.location_id)
    finally:
        store.close()
    code = status_code(facts)
    if ctx.out.json:
        ctx.out.document(
            {"command": "status", "ok": code == 0, "exit_code": int(code), **facts.to_dict()}
        )
    else:
        for line in render_status(facts):
            ctx.out.say(line)
    return int(code)


def status_code(facts: StatusFacts) -> ExitCode:
    if facts.paused is not None:
        return ExitCode.PAUSED
    return ExitCode.OK if facts.healthy else ExitCode.RECORD_ERRORS


def render_status(facts: StatusFacts) -> list[str]:
    """The status as lines of text."""
    lines = [f"ghl-ninox status: location {facts.location or '-'}"]
    if facts.paused is not None:
        p = facts.paused
        lines.append(f"  PAUSED       since {when(p.since)} ({p.kind}): {p.reason}")
    lines.append(f"  in sync      {facts.in_sync} of {facts.links} links")
    lines.append(f"  failing      {facts.failing_records} record(s)")
    for group in facts.failing:
        lines.append("    " + _group_line(group))
    review_hint = "  (ghl-ninox review list)" if facts.in_review else ""
    lines.append(f"  in review    {facts.in_review}{review_hint}")
    lines.append(f"  paused       {'yes' if facts.paused else 'no'}")
    lines.append(
        f"  last sync    {describe_age(facts.last_sync_age)}"
        + (f" ({when(facts.last_sync)})" if facts.last_sync else "")
    )
    lines.append(
        f"  last full    {describe_age(facts.last_full_age)}"
        + (f" ({when(facts.last_full)})" if facts.last_full else "")
    )
    lines.append(f"  open ops     {facts.open_ops}")
    if facts.runs:
        last = facts.runs[0]
        lines.append(
            f"  last run     {last.kind} {last.status} at {when(last.started_at)} "
            f"({last.writes} writes, {last.errors} errors)"
        )
    return lines


def _group_line(group: FailingGroup) -> str:
    where = "linked, re-read every pass" if group.source == "link" else "last sync pass"
    shown = ", ".join(group.records)
    more = "" if len(group.records) >= group.count else ", …"
    return f"{group.reason}: {group.count} ({where}): {shown}{more}"


def pause(ctx: Context) -> int:
    """``pause``: stop ``sync`` and the poller until ``resume`` (fires the alert)."""
    config = ctx.load()
    store = _store(ctx, config, create=True)
    try:
        guard = Guard.from_config(store, config)
        reason = ctx.args.reason or "paused by hand (ghl-ninox pause)"
        made = guard.pause("manual", reason)
        existing = made or current_pause(store)
    finally:
        store.close()
    assert existing is not None
    if ctx.out.json:
        ctx.out.document(
            {
                "command": "pause",
                "ok": True,
                "exit_code": 0,
                "paused": existing.to_dict(),
                "changed": made is not None,
            }
        )
    elif made is None:
        ctx.out.say(f"already paused since {when(existing.since)}: {existing.reason}")
    else:
        ctx.out.say(f"paused: {existing.reason}; `ghl-ninox resume` resumes")
    return int(ExitCode.OK)


def resume(ctx: Context) -> int:
    """``resume``: end the pause (fires the recovered alert)."""
    config = ctx.load()
    store = _store(ctx, config)
    try:
        ended = Guard.from_config(store, config).resume("resumed by hand (ghl-ninox resume)")
    finally:
        store.close()
    if ctx.out.json:
        ctx.out.document(
            {
                "command": "resume",
                "ok": True,
                "exit_code": 0,
                "resumed": ended is not None,
                "was": None if ended is None else ended.to_dict(),
            }
        )
    elif ended is None:
        ctx.out.say("not paused: nothing to resume")
    else:
        ctx.out.say(f"resumed (was paused since {when(ended.since)}: {ended.reason})")
    return int(ExitCode.OK)
