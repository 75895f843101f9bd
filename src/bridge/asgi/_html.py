"""The HTML of the health page: [`render_page`][bridge.asgi.render_page] and the small pages
around it (login, messages). Server-rendered, every value escaped, no JavaScript; a review
item's buttons are a plain form POST (see `bridge.asgi.StatusPage`)."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from typing import Any, Final

import attrs

from bridge.ops import StatusFacts, describe_age, review_fields, when
from bridge.state import ReviewItem

__all__ = ["ReviewForm", "login_page", "message_page", "render_page"]


@attrs.frozen
class ReviewForm:
    """Where a review item's buttons post, and the form token that proves the post came from
    this page (never the access token)."""

    action: str
    token: str = attrs.field(repr=False)


_CSS: Final = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;
 color:#1d2330;background:#f4f5f7}
main{max-width:1100px;margin:0 auto;padding:20px 24px 40px}
header{display:flex;align-items:baseline;gap:16px;flex-wrap:wrap}
h1{font-size:22px;margin:0}h2{font-size:17px;margin:28px 0 8px}
.muted{color:#667085}
.banner{border-radius:8px;padding:12px 16px;margin:16px 0;font-weight:600}
.ok{background:#e6f4ea;color:#135c2b}.attention{background:#fff4e0;color:#7a4a00}
.paused{background:#fde8e8;color:#9b1c1c;border:2px solid #e02424}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(125px,1fr));gap:12px}
.card{background:#fff;border-radius:8px;padding:12px 14px;box-shadow:0 1px 2px #0001}
.card .n{display:block;font-size:26px;font-weight:700}
.card.bad .n{color:#c81e1e}.card.warn .n{color:#b45309}
table{width:100%;border-collapse:collapse;background:#fff;border-radius:8px;overflow:hidden;
 box-shadow:0 1px 2px #0001}
th,td{text-align:left;padding:7px 10px;border-bottom:1px solid #eef0f3;vertical-align:top;
 overflow-wrap:break-word}
th{background:#f9fafb;font-weight:600;font-size:13px;color:#475467}
td.num{text-align:right;font-variant-numeric:tabular-nums}
th{white-space:nowrap}td.v{overflow-wrap:anywhere;min-width:8em}
td.decide{white-space:nowrap;width:1%}td.decide form{display:flex;gap:6px;margin:0}
button{font:inherit;font-size:13px;padding:3px 10px;border-radius:6px;border:1px solid #d0d5dd;
 background:#fff;cursor:pointer}button:hover{background:#f2f4f7}
button.reject,button.dismiss{color:#9b1c1c}
code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;background:#eef0f3;
 padding:1px 4px;border-radius:4px}
.status-failed,.status-interrupted{color:#c81e1e;font-weight:600}
.status-ok{color:#135c2b}
footer{margin-top:28px}
"""


def render_page(
    facts: StatusFacts,
    *,
    json_path: str = "/status.json",
    form: ReviewForm | None = None,
    notice: str | None = None,
) -> str:
    """The health page for ``facts`` (every value escaped). With ``form``, each review item
    gets its buttons (keep GHL / keep Ninox; approve / reject a mass delete; else dismiss);
    ``notice`` is shown above the cards (e.g. what the last button did)."""
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta http-equiv="refresh" content="60">',
        f"<title>ghl-ninox · {_e(facts.location or 'status')}</title>",
        f"<style>{_CSS}</style></head><body><main>",
        "<header><h1>ghl-ninox</h1>",
        f'<span id="location">location <code>{_e(facts.location or "-")}</code></span>',
        f'<span class="muted">as of {_e(when(facts.now))}</span></header>',
        _banner(facts),
        f'<p id="notice" class="banner ok">{_e(notice)}</p>' if notice else "",
        _cards(facts),
        _failing(facts),
        _reviews(facts.reviews, form),
        _runs(facts),
        _budget(facts.rate_limit),
        f'<footer class="muted">The same facts as <code>ghl-ninox status</code>; as JSON: '
        f'<a href="{_e(json_path)}">{_e(json_path)}</a>. The page reloads every minute.'
        "</footer>",
        "</main></body></html>",
    ]
    return "\n".join(parts)


def _banner(facts: StatusFacts) -> str:
    if facts.paused is not None:
        p = facts.paused
        return (
            f'<section id="paused" class="banner paused">Paused since {_e(when(p.since))} '
            f"({_e(p.kind)}): {_e(p.reason)}. Sync passes are stopped; resume with "
            "<code>ghl-ninox resume</code>.</section>"
        )
    if facts.healthy:
        return '<section id="health" class="banner ok">Healthy: everything is in sync.</section>'
    return (
        '<section id="health" class="banner attention">Needs attention: '
        f"{facts.failing_records} failing record(s), {facts.in_review} item(s) in review."
        "</section>"
    )


def _cards(facts: StatusFacts) -> str:
    cards = [
        ("in-sync", str(facts.in_sync), "in sync", f"of {facts.links} links", ""),
        (
            "failing-count",
            str(facts.failing_records),
            "failing",
            "records",
            "bad" if facts.failing_records else "",
        ),
        ("review-count", str(facts.in_review), "in review", "", "warn" if facts.in_review else ""),
        (
            "paused-state",
            "yes" if facts.paused else "no",
            "paused",
            "",
            "bad" if facts.paused else "",
        ),
        ("last-sync", describe_age(facts.last_sync_age), "last sync", "successful pass", ""),
        ("last-full", describe_age(facts.last_full_age), "last full pass", "read everything", ""),
        ("open-ops", str(facts.open_ops), "open ops", "outcome unknown", ""),
    ]
    items = [
        f'<div class="card {cls}" id="{ident}"><span class="n">{_e(value)}</span>'
        f'{_e(label)} <small class="muted">{_e(note)}</small></div>'
        for ident, value, label, note, cls in cards
    ]
    return '<section class="cards">' + "".join(items) + "</section>"


def _failing(facts: StatusFacts) -> str:
    head = '<section id="failing"><h2>Failing records by reason</h2>'
    if not facts.failing:
        return head + "<p>No failing records.</p></section>"
    rows = [
        f'<tr class="failing-group"><td class="reason">{_e(g.reason)}</td>'
        f'<td class="num count">{g.count}</td>'
        f"<td>{'linked; re-read every pass' if g.source == 'link' else 'last sync pass'}</td>"
        f"<td>{_e(', '.join(g.records))}{' …' if len(g.records) < g.count else ''}</td></tr>"
        for g in facts.failing
    ]
    return (
        head
        + "<table><thead><tr><th>reason</th><th>records</th><th>where</th><th>examples</th>"
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></section>"
    )


def _reviews(items: Iterable[ReviewItem], form: ReviewForm | None) -> str:
    head = '<section id="reviews"><h2>Waiting for review</h2>'
    rows = []
    for item in items:
        fields = review_fields(item)
        if item.kind == "mass_delete":
            shown = f"{len(fields)} record(s): " + ", ".join(fields[:5])
            cells = f"<td>{_e(shown + (' …' if len(fields) > 5 else ''))}</td><td>-</td>"
            cells += f"<td>{_e(_count(item.ghl_values))}</td><td>{_e(_count(item.ninox_values))}"
        else:
            cells = (
                f"<td>{_e(', '.join(fields))}</td>"
                f'<td class="v">{_values(item.base_values, fields)}</td>'
                f'<td class="v">{_values(item.ghl_values, fields)}</td>'
                f'<td class="v">{_values(item.ninox_values, fields)}'
            )
        rows.append(
            f'<tr class="review-item" id="review-{item.review_id}">'
            f"<td>#{item.review_id}</td><td>{_e(item.kind)}</td>"
            f"<td>{_e(item.source_ref or '-')}</td>{cells}</td>"
            + (f'<td class="decide">{_buttons(item, form)}</td>' if form else "")
            + "</tr>"
        )
    if not rows:
        return head + '<p id="no-reviews">Nothing waits for review.</p></section>'
    return (
        head
        + "<table><thead><tr><th>id</th><th>kind</th><th>record</th><th>fields</th>"
        + "<th>base</th><th>GHL</th><th>Ninox</th>"
        + ("<th>decide</th>" if form else "")
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table><p class='muted'>"
        + ("The buttons record the decision; " if form else "")
        + "<code>ghl-ninox review resolve ID --keep ghl|ninox</code>, "
        + "<code>--set FIELD=VALUE</code>, <code>--approve</code>, <code>--reject</code> or "
        + "<code>--dismiss</code> do the same; the next pass carries it out.</p></section>"
    )


_KEEP: Final = (("keep:ghl", "Keep GHL", "keep-ghl"), ("keep:ninox", "Keep Ninox", "keep-ninox"))
#: Per kind of item, its buttons: (the form's ``action`` value, label, CSS class).
_BUTTONS: Final[Mapping[str, tuple[tuple[str, str, str], ...]]] = {
    "field_conflict": _KEEP,
    "upsert_guard": _KEEP,
    "mass_delete": (("approve", "Approve deletes", "approve"), ("reject", "Reject", "reject")),
}
_DISMISS: Final = (("dismiss", "Dismiss", "dismiss"),)


def _buttons(item: ReviewItem, form: ReviewForm | None) -> str:
    if form is None:
        return ""
    choices = _BUTTONS.get(item.kind, _DISMISS)
    if item.kind == "mass_delete" and not item.fields:
        choices = _DISMISS  # a table read empty lists nothing to approve
    buttons = "".join(
        f'<button type="submit" name="action" value="{_e(value)}" class="{_e(css)}">'
        f"{_e(label)}</button>"
        for value, label, css in choices
    )
    return (
        f'<form method="post" action="{_e(form.action)}">'
        f'<input type="hidden" name="form_token" value="{_e(form.token)}">'
        f'<input type="hidden" name="id" value="{_e(item.review_id)}">{buttons}</form>'
    )


def _count(values: Mapping[str, Any]) -> str:
    deleted = sum(1 for v in values.values() if v == "deleted")
    return f"{deleted} deleted"


def _values(values: Mapping[str, Any], fields: list[str]) -> str:
    shown = [json.dumps(values[f], ensure_ascii=False, default=str) for f in fields if f in values]
    return _e("; ".join(shown) or "-")


def _runs(facts: StatusFacts) -> str:
    head = '<section id="runs"><h2>Recent runs</h2>'
    if not facts.runs:
        return head + "<p>No runs yet.</p></section>"
    rows = [
        f'<tr class="run"><td>{_e(when(r.started_at))}</td><td>{_e(r.kind)}</td>'
        f'<td class="status-{_e(r.status)}">{_e(r.status)}</td>'
        f'<td class="num">{r.writes}</td><td class="num">{r.errors}</td>'
        f"<td><code>{_e(r.run_id[:12])}</code></td></tr>"
        for r in facts.runs
    ]
    return (
        head
        + "<table><thead><tr><th>started</th><th>kind</th><th>status</th><th>writes</th>"
        + "<th>errors</th><th>run</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></section>"
    )


def _budget(budget: Mapping[str, Any] | None) -> str:
    head = '<section id="budget"><h2>GHL rate-limit budget</h2>'
    if budget is None:
        return head + "<p>Unknown until the server has answered a GHL request.</p></section>"
    burst = f"{budget.get('burst_remaining', '?')} of {budget.get('burst_limit', '?')}"
    interval = budget.get("burst_interval")
    daily = f"{budget.get('daily_remaining', '?')} of {budget.get('daily_limit', '?')}"
    return (
        head
        + f"<p>Burst: <strong>{_e(burst)}</strong> left"
        + (f" per {_e(f'{interval:g}')} s" if isinstance(interval, (int, float)) else "")
        + f" · daily: <strong>{_e(daily)}</strong> left"
        + (
            f" <span class='muted'>(as of {_e(budget['observed_at'])})</span>"
            if budget.get("observed_at")
            else ""
        )
        + "</p></section>"
    )


def message_page(title: str, text: str, *, back: str | None = None) -> bytes:
    """A page with one message (``back``: a link to the health page)."""
    link = f"<p><a href='{_e(back)}'>Back to the health page</a></p>" if back else ""
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{_e(title)}</title>"
        f"<style>{_CSS}</style></head><body><main><h1>{_e(title)}</h1><p>{_e(text)}</p>"
        f"{link}</main></body></html>"
    ).encode()


def login_page(path: str, *, wrong: bool) -> bytes:
    note = "<p class='paused banner'>That token is not right.</p>" if wrong else ""
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>ghl-ninox: token needed</title><style>{_CSS}</style></head><body><main>"
        f"<h1>ghl-ninox</h1>{note}<form method='get' action='{_e(path)}'>"
        "<p><label>Status token <input type='password' name='token' autocomplete='off'>"
        "</label> <button type='submit'>Show the status</button></p></form>"
        "<p class='muted'>The token is GHL_NINOX_STATUS_TOKEN (or [server] status_token) of "
        "the server.</p></main></body></html>"
    ).encode()


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)
