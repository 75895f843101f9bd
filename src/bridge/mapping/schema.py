"""Ninox field types: which types accept which values, and checking layouts against a schema.

[`normalize_schema`][bridge.mapping.normalize_schema] turns the accepted schema shapes into one
form; `check_layouts` lists every mismatch between mappers' layouts and a schema (the
[`validate`][bridge.mapping.validate] entry point lives in `bridge.mapping.validation`,
because it defaults to `default_mappings`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any, Final

import attrs

from bridge.mapping.errors import SchemaProblem

__all__ = ["check_layouts", "compatible_types", "normalize_schema"]

_TYPE_ALIASES: Final = {
    "text": "string",
    "reference": "ref",
    "reverse": "rev",
    "timestamp": "datetime",
    "link": "url",
    "function": "fn",
    "formula": "fn",
}

#: For each Ninox type a mapping asks for, the types that can hold its values.
_COMPATIBLE: Final[Mapping[str, frozenset[str]]] = {
    "string": frozenset({"string", "html"}),
    "html": frozenset({"html", "string"}),
    "email": frozenset({"email", "string"}),
    "phone": frozenset({"phone", "string"}),
    "url": frozenset({"url", "string"}),
    "choice": frozenset({"choice", "string"}),
    "datetime": frozenset({"datetime"}),
    "date": frozenset({"date"}),
    "boolean": frozenset({"boolean"}),
    "number": frozenset({"number"}),
    "ref": frozenset({"ref"}),
}

_READ_ONLY_TYPES: Final = frozenset({"fn", "rev"})


def _norm_type(value: Any) -> str:
    text = str(getattr(value, "value", value)).strip().lower()
    return _TYPE_ALIASES.get(text, text)


def compatible_types(expected: str) -> frozenset[str]:
    """Ninox types (normalised: ``text`` → ``string``, ``timestamp`` → ``datetime`` ...) that
    accept values meant for a field of type ``expected``."""
    norm = _norm_type(expected)
    return _COMPATIBLE.get(norm, frozenset({norm}))


_DATE_RE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_RE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$")
_TEXT_TYPES: Final = frozenset({"string", "html", "email", "phone", "url", "choice"})


def _ninox_value_problem(ninox_type: str, value: Any, choices: Sequence[str]) -> str | None:
    """Why ``value`` cannot be stored in a Ninox field of ``ninox_type`` (``None`` if it can)."""
    if value is None:
        return None
    kind = _norm_type(ninox_type)
    if kind in _TEXT_TYPES:
        if not isinstance(value, str):
            return f"a Ninox {kind!r} field holds text, not {type(value).__name__}"
        if kind == "choice" and choices and value not in choices:
            return f"not one of the choices {list(choices)}"
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"a Ninox 'number' field holds numbers, not {type(value).__name__}"
    elif kind == "boolean":
        if not isinstance(value, bool):
            return f"a Ninox 'boolean' field holds true/false, not {type(value).__name__}"
    elif kind == "date":
        if not (isinstance(value, str) and _DATE_RE.match(value)):
            return "a Ninox 'date' field holds YYYY-MM-DD"
    elif kind == "datetime":
        if not (isinstance(value, str) and _DATETIME_RE.match(value)):
            return "a Ninox 'datetime' field holds YYYY-MM-DDTHH:MM:SS (no zone)"
    elif kind == "ref" and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        return "a Ninox reference holds a record id (integer >= 1)"
    return None


@attrs.frozen(kw_only=True)
class _FieldInfo:
    type: str
    ref: str | None = None


def normalize_schema(schema: Any) -> dict[str, dict[str, _FieldInfo]]:
    """Turn the accepted schema shapes into ``{table: {field: info}}``.

    Accepted:

    - a mapping ``{table name: {field name: ninox type}}`` (a value may also be a mapping
      ``{"type": ..., "ref": <table name>}``, so a `bridge.mappers.default_layout` is
      itself a valid schema);
    - anything with ``.tables`` (or iterable of tables) whose items have ``.name`` and
      ``.fields``, each field with ``.name`` and ``.type`` (and optionally
      ``.reference_to_table``, a table id or name), such as ``ninoxsdk.Schema``.
    """
    if isinstance(schema, Mapping):
        out: dict[str, dict[str, _FieldInfo]] = {}
        for table, fields in schema.items():
            if not isinstance(fields, Mapping):
                raise TypeError(f"schema[{table!r}] must map field names to types")
            out[str(table)] = {
                str(name): _info_from_plain(table, name, decl) for name, decl in fields.items()
            }
        return out
    tables = getattr(schema, "tables", schema)
    if isinstance(tables, (str, bytes)) or not isinstance(tables, Iterable):
        raise TypeError(
            "schema must be a mapping {table: {field: type}} or have .tables "
            f"(items with .name and .fields), got {type(schema).__name__}"
        )
    table_list = list(tables)
    names_by_id = {str(t.id): str(t.name) for t in table_list if hasattr(t, "id")}
    out = {}
    for table in table_list:
        try:
            table_name, fields = str(table.name), table.fields
        except AttributeError:
            raise TypeError(f"schema table {table!r} lacks .name or .fields") from None
        entry: dict[str, _FieldInfo] = {}
        for fld in fields:
            try:
                fname, ftype = str(fld.name), fld.type
            except AttributeError:
                raise TypeError(
                    f"field {fld!r} of table {table_name!r} lacks .name or .type"
                ) from None
            ref = getattr(fld, "reference_to_table", None)
            ref_name = None if ref is None else names_by_id.get(str(ref), str(ref))
            kind = "fn" if getattr(fld, "formula", None) else _norm_type(ftype)
            entry[fname] = _FieldInfo(type=kind, ref=ref_name)
        out[table_name] = entry
    return out


def _info_from_plain(table: Any, name: Any, decl: Any) -> _FieldInfo:
    if isinstance(decl, Mapping):
        if "type" not in decl:
            raise TypeError(f"schema[{table!r}][{name!r}] needs a 'type'")
        ref = decl.get("ref")
        return _FieldInfo(type=_norm_type(decl["type"]), ref=None if ref is None else str(ref))
    return _FieldInfo(type=_norm_type(decl))


def _hint(name: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(options), n=3, cutoff=0.75)
    return f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def _no_read_only_fields(mapper: Any) -> Collection[str]:
    return ()


def check_layouts(
    mappers: Iterable[Any],
    schema: Mapping[str, Mapping[str, _FieldInfo]],
    *,
    read_only: Callable[[Any], Collection[str]] = _no_read_only_fields,
) -> list[SchemaProblem]:
    """Every mismatch between the ``layout()`` of each mapper and a normalised ``schema``
    (see [`normalize_schema`][bridge.mapping.normalize_schema]).

    ``read_only(mapper)`` names the Ninox fields a mapper only reads (never writes): those
    may be computed fields (a formula feeding GHL), whose result type a schema does not give.
    """
    problems: list[SchemaProblem] = []
    for mapper in mappers:
        inputs = read_only(mapper)
        for table, fields in mapper.layout().items():
            found_fields = schema.get(table)
            if found_fields is None:
                problems.append(
                    SchemaProblem(
                        table=table,
                        field=None,
                        expected="a table",
                        found="no such table",
                        message=f"table not found (needed by the {mapper.entity} mapping)"
                        + _hint(table, schema),
                    )
                )
                continue
            for name, decl in fields.items():
                expected = _norm_type(decl.get("type", ""))
                info = found_fields.get(name)
                if info is None:
                    problems.append(
                        SchemaProblem(
                            table=table,
                            field=name,
                            expected=expected,
                            found="no such field",
                            message="field not found" + _hint(name, found_fields),
                        )
                    )
                    continue
                accepted = compatible_types(expected)
                if info.type in _READ_ONLY_TYPES and name in inputs:
                    continue  # a formula may feed GHL; its result type is not in the schema
                if info.type in _READ_ONLY_TYPES:
                    problems.append(
                        SchemaProblem(
                            table=table,
                            field=name,
                            expected=expected,
                            found=info.type,
                            message="computed field (formula / reverse link) cannot be written",
                        )
                    )
                elif info.type not in accepted:
                    also = sorted(accepted - {expected})
                    label = expected + (f" (or {'/'.join(also)})" if also else "")
                    problems.append(
                        SchemaProblem(
                            table=table,
                            field=name,
                            expected=label,
                            found=info.type,
                            message="type mismatch",
                        )
                    )
                elif expected == "ref" and info.ref is not None and info.ref != decl.get("ref"):
                    problems.append(
                        SchemaProblem(
                            table=table,
                            field=name,
                            expected=f"ref to {decl.get('ref')}",
                            found=f"ref to {info.ref}",
                            message="reference points at another table",
                        )
                    )
    return problems
