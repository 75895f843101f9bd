"""Schema-aware field codecs: Python values ↔ Ninox JSON, per field type, both ways.

With a table's schema, [`TableCodec`][ninoxsdk.fields.TableCodec] turns the JSON ``fields``
of a record into Python values ([`TableCodec.decode`][ninoxsdk.fields.TableCodec.decode])
and checks and converts values you write
([`TableCodec.encode`][ninoxsdk.fields.TableCodec.encode]). Writing a name that is not a
field, a computed field, or a value of the wrong type raises a
[`FieldError`][ninoxsdk.errors.FieldError] naming table, field, expected type and value,
before any request is sent.

| Ninox type | Python value | JSON value |
|---|---|---|
| string/text/html/email/phone/url/link | ``str`` | string |
| number | ``int``/``float`` | number (``Decimal`` accepted on write) |
| boolean | ``bool`` | ``true``/``false`` |
| date | ``datetime.date`` | ``"2021-01-23"`` |
| datetime/timestamp | aware ``datetime`` | ``"2021-01-23T12:30:00"`` (no zone; UTC by default) |
| time | ``datetime.time`` | ``"12:30:00"`` |
| timeinterval | ``timedelta`` | ``"123:25:16.123"`` |
| appointment | [`Appointment`][ninoxsdk.fields.Appointment] | ``"<start> - <end>"`` |
| choice | [`ChoiceValue`][ninoxsdk.fields.ChoiceValue] (str with ``.id``) | caption |
| multi | ``list[ChoiceValue]`` | list of captions |
| ref/reference | ``int`` (record id) | number |
| rev/reverse, formula (fn) | as sent (read-only) | — |
| location | [`Location`][ninoxsdk.fields.Location] | ``"Address <lat,lng>"`` |
| anything else | as sent | as given |

Reading is tolerant: a value that does not have the expected form is kept as sent rather than
failing the whole record (several of these wire forms are UNCONFIRMED in the reference).
Sub-millisecond precision is dropped on write.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any

import attrs

from ninoxsdk.errors import (
    FieldTypeError,
    ReadOnlyFieldError,
    UnknownFieldError,
    describe_value,
    field_names_hint,
)
from ninoxsdk.models import Choice, Field, FieldType, Record, Table

__all__ = [
    "Appointment",
    "ChoiceValue",
    "FieldCodec",
    "Location",
    "TableCodec",
    "codec_for",
]


@attrs.frozen
class Appointment:
    """A Ninox appointment: a ``start`` and an ``end`` (aware datetimes)."""

    start: datetime
    end: datetime


@attrs.frozen
class Location:
    """A Ninox location: an address text and optional coordinates."""

    address: str
    latitude: float | None = None
    longitude: float | None = None


class ChoiceValue(str):
    """A choice read from Ninox: compares equal to its caption, and carries the option's
    ``id`` (``None`` when the caption is not in the schema)."""

    id: str | None

    def __new__(cls, caption: str, id: str | None = None) -> ChoiceValue:
        obj = super().__new__(cls, caption)
        obj.id = id
        return obj

    @property
    def caption(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"ChoiceValue({self.caption!r}, id={self.id!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (ChoiceValue, (self.caption, self.id))


class _Reject(Exception):
    """Raised by an encoder: the value does not fit; ``expected`` says what would."""

    def __init__(self, expected: str, hint: str = "") -> None:
        self.expected = expected
        self.hint = hint
        super().__init__(expected)


Decoder = Callable[[Any], Any]
Encoder = Callable[[Any], Any]


@attrs.frozen
class FieldCodec:
    """How one field converts: ``decode`` (JSON → Python, tolerant), ``encode`` (Python →
    JSON, strict), ``expected`` (the accepted Python type, for messages), ``read_only``."""

    field: Field
    decode: Decoder
    encode: Encoder
    expected: str
    read_only: bool = False


# --------------------------------------------------------------------------- helpers


def _passthrough(value: Any) -> Any:
    return value


def _fmt_clock(t: time | datetime) -> str:
    return t.isoformat(timespec="milliseconds" if t.microsecond else "seconds")


def _text_encode(value: Any) -> Any:
    if isinstance(value, str):
        return str(value)
    raise _Reject("str")


def _number_decode(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip()
        return int(text) if re.fullmatch(r"-?\d+", text) else float(text)
    raise TypeError


def _number_encode(value: Any) -> Any:
    if isinstance(value, bool):
        raise _Reject("int, float or Decimal", "use a boolean field for True/False")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Reject("a finite int, float or Decimal")
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _Reject("a finite int, float or Decimal")
        return int(value) if value == value.to_integral_value() else float(value)
    raise _Reject("int, float or Decimal")


def _bool_decode(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    if value in (0, 1):
        return bool(value)
    raise TypeError


def _bool_encode(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    raise _Reject("bool")


def _date_decode(value: Any) -> Any:
    if isinstance(value, str) and len(value) == 10:
        return date.fromisoformat(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        ms = float(value)
        return datetime.fromtimestamp(ms / 1000.0, tz=timezone.utc).date()
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    raise TypeError


def _date_encode(value: Any) -> Any:
    if isinstance(value, datetime):
        raise _Reject("datetime.date", "pass value.date() for a date field")
    if isinstance(value, date):
        return value.isoformat()
    raise _Reject("datetime.date")


def _make_datetime_codec(tz: tzinfo) -> tuple[Decoder, Encoder]:
    def decode(value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.endswith(("Z", "z")):
                text = text[:-1] + "+00:00"
            dt = datetime.fromisoformat(text)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            dt = datetime.fromtimestamp(float(value) / 1000.0, tz=timezone.utc)
        else:
            raise TypeError
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=tz)
        return dt.astimezone(tz)

    def encode(value: Any) -> Any:
        if not isinstance(value, datetime):
            raise _Reject("an aware datetime")
        if value.tzinfo is None or value.utcoffset() is None:
            raise _Reject(
                "an aware datetime",
                "attach a zone, e.g. value.replace(tzinfo=timezone.utc)",
            )
        return _fmt_clock(value.astimezone(tz).replace(tzinfo=None))

    return decode, encode


def _time_decode(value: Any) -> Any:
    if isinstance(value, str):
        return time.fromisoformat(value.strip())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # Ninox stores times as milliseconds since midnight.
        ms = int(value)
        if not 0 <= ms < 86_400_000:
            raise ValueError
        seconds, milli = divmod(ms, 1000)
        return time(seconds // 3600, seconds // 60 % 60, seconds % 60, milli * 1000)
    raise TypeError


def _time_encode(value: Any) -> Any:
    if not isinstance(value, time):
        raise _Reject("datetime.time")
    if value.tzinfo is not None:
        raise _Reject("a naive datetime.time", "Ninox times have no zone")
    return _fmt_clock(value)


_INTERVAL_RE = re.compile(r"^(-)?(\d+):(\d{1,2}):(\d{1,2})(?:\.(\d{1,6}))?$")


def _interval_decode(value: Any) -> Any:
    if isinstance(value, str):
        m = _INTERVAL_RE.match(value.strip())
        if not m:
            raise ValueError
        sign, h, mi, s, frac = m.groups()
        micro = int((frac or "0").ljust(6, "0"))
        td = timedelta(hours=int(h), minutes=int(mi), seconds=int(s), microseconds=micro)
        return -td if sign else td
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return timedelta(milliseconds=value)
    raise TypeError


def _interval_encode(value: Any) -> Any:
    if not isinstance(value, timedelta):
        raise _Reject("datetime.timedelta", "numbers are ambiguous (seconds or ms?)")
    total_us = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    sign = "-" if total_us < 0 else ""
    total_ms = abs(total_us) // 1000
    seconds, ms = divmod(total_ms, 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{sign}{hours}:{minutes:02d}:{secs:02d}"
    return f"{text}.{ms:03d}" if ms else text


def _make_appointment_codec(tz: tzinfo) -> tuple[Decoder, Encoder]:
    dt_decode, dt_encode = _make_datetime_codec(tz)

    def decode(value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("[") and text.endswith((")", "]")):  # Ninox 4 range form
                start, end = text[1:-1].split(",", 1)
            else:
                start, end = text.split(" - ", 1)
            return Appointment(dt_decode(start.strip()), dt_decode(end.strip()))
        if isinstance(value, Mapping):
            start = value.get("start", value.get("begin"))
            return Appointment(dt_decode(start), dt_decode(value["end"]))
        if isinstance(value, (list, tuple)) and len(value) == 2:
            return Appointment(dt_decode(value[0]), dt_decode(value[1]))
        raise TypeError

    def encode(value: Any) -> Any:
        if isinstance(value, Appointment):
            start, end = value.start, value.end
        elif isinstance(value, tuple) and len(value) == 2:
            start, end = value
        else:
            raise _Reject("Appointment(start, end) or a (start, end) tuple of aware datetimes")
        try:
            text_start, text_end = dt_encode(start), dt_encode(end)
        except _Reject as exc:
            raise _Reject("Appointment(start, end) of aware datetimes", exc.hint) from None
        if end < start:
            raise _Reject("an appointment whose end is not before its start")
        return f"{text_start} - {text_end}"

    return decode, encode


def _make_choice_codec(field: Field) -> tuple[Decoder, Encoder, Callable[[Any], str]]:
    by_caption = {c.caption: c for c in field.choices}
    by_id = {c.id: c for c in field.choices}
    known = bool(field.choices)

    # Decoded values are shared per option: a str subclass is immutable, and building one per
    # read costs more than the rest of the choice decode.
    cached = {c.id: ChoiceValue(c.caption, c.id) for c in field.choices}
    known_values = {c.caption: cached[c.id] for c in field.choices}
    for cid, value in cached.items():
        known_values.setdefault(cid, value)  # choiceStyle=ids

    def decode_one(value: Any) -> ChoiceValue:
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            text = value if isinstance(value, str) else str(value)
            hit = known_values.get(text)
            return hit if hit is not None else ChoiceValue(text, None)
        raise TypeError

    def encode_one(value: Any) -> str:
        if isinstance(value, Choice):
            value = value.caption
        if isinstance(value, ChoiceValue):
            value = value.caption
        if isinstance(value, int) and not isinstance(value, bool) and str(value) in by_id:
            return by_id[str(value)].caption
        if not isinstance(value, str):
            raise _Reject("a choice caption (str)")
        if known and value not in by_caption:
            if value in by_id:
                return by_id[value].caption
            raise _Reject(
                "one of the captions " + field_names_hint([c.caption for c in field.choices])
            )
        return str(value)

    return decode_one, encode_one, encode_one


def _make_multi_codec(field: Field) -> tuple[Decoder, Encoder]:
    decode_one, encode_one, _ = _make_choice_codec(field)
    captions = {c.caption for c in field.choices}

    def decode(value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return [decode_one(v) for v in value]
        if isinstance(value, str):
            if value in captions or not captions:
                return [decode_one(value)] if value else []
            parts = [p.strip() for p in value.split(",")]
            if all(p in captions for p in parts):
                return [decode_one(p) for p in parts]
            return [decode_one(value)]
        raise TypeError

    def encode(value: Any) -> Any:
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            raise _Reject("a list of choice captions", "wrap a single caption in a list")
        try:
            return [encode_one(v) for v in value]
        except _Reject as exc:
            raise _Reject(f"a list of choice captions ({exc.expected})") from None

    return decode, encode


_REF_RE = re.compile(r"^[A-Z]*(\d+)$")


def _ref_decode(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        m = _REF_RE.match(value.strip())  # "42" or the script form "B42"
        if m:
            return int(m.group(1))
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise TypeError


def _ref_encode(value: Any) -> Any:
    if isinstance(value, Record):
        return value.id
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    raise _Reject("a record id (int >= 1) or a Record")


def _rev_decode(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_ref_decode(v) for v in value]
    return _ref_decode(value)


_LOCATION_RE = re.compile(r"^(.*?)\s*<\s*(-?[\d.eE+-]+)\s*,\s*(-?[\d.eE+-]+)\s*>\s*$", re.S)


def _location_decode(value: Any) -> Any:
    if isinstance(value, str):
        m = _LOCATION_RE.match(value)
        if m:
            return Location(m.group(1), float(m.group(2)), float(m.group(3)))
        return Location(value)
    if isinstance(value, Mapping):
        lat = value.get("lat", value.get("latitude"))
        lng = value.get("lng", value.get("longitude"))
        return Location(
            str(value.get("address", value.get("name", ""))),
            None if lat is None else float(lat),
            None if lng is None else float(lng),
        )
    raise TypeError


def _location_encode(value: Any) -> Any:
    if isinstance(value, str):
        return str(value)
    if not isinstance(value, Location):
        raise _Reject("Location(address, latitude, longitude) or an address str")
    if value.latitude is None or value.longitude is None:
        return value.address
    for coord in (value.latitude, value.longitude):
        if isinstance(coord, bool) or not isinstance(coord, (int, float)):
            raise _Reject("a Location with float coordinates")
        if not math.isfinite(coord):
            raise _Reject("a Location with finite coordinates")
    sep = " " if value.address else ""
    return f"{value.address}{sep}<{float(value.latitude)!r},{float(value.longitude)!r}>"


_TEXT_TYPES = frozenset(
    {
        FieldType.STRING,
        FieldType.TEXT,
        FieldType.HTML,
        FieldType.EMAIL,
        FieldType.PHONE,
        FieldType.URL,
        FieldType.LINK,
    }
)
_TEXT_ALIASES = frozenset({"multiline-text", "richtext", "styled"})


def _tolerant(decode: Decoder) -> Decoder:
    def run(value: Any) -> Any:
        try:
            return decode(value)
        except (TypeError, ValueError, KeyError, OverflowError, IndexError, AttributeError):
            return value  # unexpected wire form: keep what Ninox sent

    return run


def codec_for(field: Field, *, tz: tzinfo = timezone.utc) -> FieldCodec:
    """The [`FieldCodec`][ninoxsdk.fields.FieldCodec] for ``field``. ``tz`` is the zone of zone-less
    datetimes
    (UTC unless your workspace proves otherwise — UNCONFIRMED in the reference)."""
    kind = field.type
    if field.formula is not None or kind in (FieldType.FN, FieldType.FUNCTION):
        return FieldCodec(field, _passthrough, _passthrough, "nothing (formula)", read_only=True)
    if kind in (FieldType.REV, FieldType.REVERSE):
        return FieldCodec(
            field, _tolerant(_rev_decode), _passthrough, "nothing (reverse link)", read_only=True
        )
    if kind in _TEXT_TYPES or kind.value in _TEXT_ALIASES:
        return FieldCodec(field, _passthrough, _text_encode, "str")
    if kind is FieldType.NUMBER:
        return FieldCodec(field, _tolerant(_number_decode), _number_encode, "int/float/Decimal")
    if kind is FieldType.BOOLEAN:
        return FieldCodec(field, _tolerant(_bool_decode), _bool_encode, "bool")
    if kind is FieldType.DATE:
        return FieldCodec(field, _tolerant(_date_decode), _date_encode, "datetime.date")
    if kind in (FieldType.DATETIME, FieldType.TIMESTAMP):
        dec, enc = _make_datetime_codec(tz)
        return FieldCodec(field, _tolerant(dec), enc, "aware datetime")
    if kind is FieldType.TIME:
        return FieldCodec(field, _tolerant(_time_decode), _time_encode, "datetime.time")
    if kind is FieldType.TIMEINTERVAL:
        return FieldCodec(field, _tolerant(_interval_decode), _interval_encode, "timedelta")
    if kind is FieldType.APPOINTMENT:
        dec, enc = _make_appointment_codec(tz)
        return FieldCodec(field, _tolerant(dec), enc, "Appointment")
    if kind is FieldType.CHOICE or kind.value == "dchoice":
        dec1, enc1, _ = _make_choice_codec(field)
        return FieldCodec(field, _tolerant(dec1), enc1, "choice caption (str)")
    if kind is FieldType.MULTI or kind.value == "dmulti":
        dec, enc = _make_multi_codec(field)
        return FieldCodec(field, _tolerant(dec), enc, "list of choice captions")
    if kind in (FieldType.REF, FieldType.REFERENCE):
        return FieldCodec(field, _tolerant(_ref_decode), _ref_encode, "record id (int)")
    if kind is FieldType.LOCATION:
        return FieldCodec(field, _tolerant(_location_decode), _location_encode, "Location")
    # Unknown or unmodelled types (icon, color, user, file...): values pass through as given.
    return FieldCodec(field, _passthrough, _passthrough, "any JSON value")


class TableCodec:
    """Converts a whole record's ``fields`` for one table, in both directions.

    Keys may be field names or field ids; decoded and encoded output is keyed by field name
    (Ninox keys ``fields`` by name in responses, and accepts names in writes).
    """

    def __init__(self, table: Table, *, tz: tzinfo = timezone.utc) -> None:
        self.table = table
        self.tz = tz
        self._by_key: dict[str, FieldCodec] = {}
        for f in table.fields:  # ids first so that names win on a clash
            self._by_key.setdefault(f.id, codec_for(f, tz=tz))
        for f in table.fields:
            self._by_key[f.name] = self._by_key.get(f.id) or codec_for(f, tz=tz)
        self._decoders = {k: c.decode for k, c in self._by_key.items()}

    def codec(self, key: str) -> FieldCodec:
        """The codec of the field named (or with id) ``key``;
        [`UnknownFieldError`][ninoxsdk.errors.UnknownFieldError] if
        none."""
        found = self._by_key.get(key)
        if found is None:
            raise self._unknown(key, None)
        return found

    def decode(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """JSON ``fields`` → Python values; unknown keys and ``null`` pass through."""
        decoders = self._decoders
        out: dict[str, Any] = {}
        for key, value in raw.items():
            dec = decoders.get(key)
            out[key] = value if dec is None or value is None else dec(value)
        return out

    def decode_value(self, key: str, value: Any) -> Any:
        """One JSON value of field ``key`` → Python (tolerant)."""
        return None if value is None else self.codec(key).decode(value)

    def encode_value(self, key: str, value: Any) -> Any:
        """One Python value for field ``key`` → JSON; raises a FieldError if it does not fit.
        ``None`` is sent as ``null`` (clears the field; UNCONFIRMED in the classic API)."""
        codec = self.codec(key)
        where = f"{self.table.name}.{codec.field.name}"
        if codec.read_only:
            raise ReadOnlyFieldError(
                f"{where} is a computed ({codec.field.type.value}) field and cannot be "
                f"written; remove it from the values (got {describe_value(value)})",
                **self._fault(key, codec.expected, value),
            )
        if value is None:
            return None
        try:
            return codec.encode(value)
        except _Reject as exc:
            hint = f"; {exc.hint}" if exc.hint else ""
            raise FieldTypeError(
                f"{where} ({codec.field.type.value}) expects {exc.expected}, got "
                f"{describe_value(value)}{hint}",
                **self._fault(key, exc.expected, value),
            ) from None

    def _fault(self, key: str, expected: str, value: Any) -> dict[str, Any]:
        """The attributes of a field error about ``value`` for field ``key``."""
        return {"table": self.table.name, "field": key, "expected": expected, "value": value}

    def encode(self, values: Mapping[str, Any], *, skip_read_only: bool = False) -> dict[str, Any]:
        """Python values → JSON ``fields`` keyed by field name, checking every value first.

        ``skip_read_only`` silently drops computed fields (used when a
        [`Record`][ninoxsdk.models.Record] read
        from Ninox is written back)."""
        if not isinstance(values, Mapping):
            raise TypeError(
                f"fields for {self.table.name} must be a mapping of field name to value, "
                f"got {type(values).__name__}"
            )
        out: dict[str, Any] = {}
        for key, value in values.items():
            if not isinstance(key, str):
                raise self._unknown(key, value)
            codec = self._by_key.get(key)
            if codec is None:
                raise self._unknown(key, value)
            if skip_read_only and codec.read_only:
                continue
            out[codec.field.name] = self.encode_value(key, value)
        return out

    def _unknown(self, key: Any, value: Any) -> UnknownFieldError:
        names = [f.name for f in self.table.fields]
        hint = ""
        if key in ("id", "fields", "_upsert"):
            hint = " To update a record pass {'id': 7, 'fields': {...}}."
        return UnknownFieldError(
            f"{self.table.name} has no field {key!r} (got {describe_value(value)}). "
            f"Fields: {field_names_hint(names)}. Check the spelling; formula fields are "
            f"read-only and absent from /tables schemas.{hint}",
            table=self.table.name,
            field=str(key),
            expected="a field name or id of " + self.table.name,
            value=value,
        )
