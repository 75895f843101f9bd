"""Kinds: a canonical type per mapped value, and how each side stores it.

[`Kind`][bridge.mapping.Kind] is the base (any JSON value); `TEXT`, `NAME`, `EMAIL`,
`PHONE`, `ID`, `BOOL`, `NUMBER`, `DATE`, `DATETIME` and
`JSON` are ready to use; [`PhoneKind`][bridge.mapping.PhoneKind],
[`DateTimeKind`][bridge.mapping.DateTimeKind] and [`ChoiceKind`][bridge.mapping.ChoiceKind] take
settings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timezone, tzinfo
from typing import Any, ClassVar, Final

from bridge.canonical import (
    DEFAULT_PHONE,
    PhoneNormalizer,
    canonical_bool,
    canonical_date,
    canonical_datetime,
    canonical_email,
    canonical_json,
    canonical_name,
    canonical_number,
    canonical_text,
    format_ninox_datetime,
)

__all__ = [
    "BOOL",
    "DATE",
    "DATETIME",
    "EMAIL",
    "ID",
    "JSON",
    "NAME",
    "NUMBER",
    "PHONE",
    "TEXT",
    "ChoiceKind",
    "DateTimeKind",
    "Kind",
    "PhoneKind",
]


class Kind:
    """A canonical type: [`canon`][bridge.mapping.Kind.canon] gives the canonical form, the
    ``from_*``/``to_*`` methods translate between the canonical form and each side's wire value.

    Subclass to add a kind; the defaults pass values through unchanged.
    """

    name: ClassVar[str] = "json"

    def canon(self, value: Any) -> Any:
        """The canonical form of ``value`` (idempotent). Raise ValueError/TypeError for junk."""
        return canonical_json(value)

    def note(self, value: Any) -> str | None:
        """A warning about a value that is mapped but not normalised (``None`` if fine)."""
        return None

    def from_ghl(self, raw: Any) -> Any:
        """GHL wire value → something [`canon`][bridge.mapping.Kind.canon] accepts."""
        return raw

    def to_ghl(self, canonical: Any) -> Any:
        """Canonical value → GHL wire value."""
        return canonical

    def from_ninox(self, raw: Any) -> Any:
        """Ninox wire value → something [`canon`][bridge.mapping.Kind.canon] accepts."""
        return raw

    def to_ninox(self, canonical: Any) -> Any:
        """Canonical value → Ninox wire value."""
        return canonical

    def __repr__(self) -> str:
        return f"<Kind {self.name}>"


def _canonical_id(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return canonical_text(value)


def _simple_kind(kind_name: str, canon: Callable[[Any], Any]) -> Kind:
    """A kind that only differs from [`Kind`][bridge.mapping.Kind] by its canonical form."""

    class _Simple(Kind):
        name = kind_name

        def canon(self, value: Any) -> Any:
            return canon(value)

    _Simple.__qualname__ = _Simple.__name__ = f"_{kind_name.title()}Kind"
    return _Simple()


class PhoneKind(Kind):
    """Phone numbers in E.164; unparsable input is kept as given and reported as a warning."""

    name = "phone"

    def __init__(self, normalizer: PhoneNormalizer = DEFAULT_PHONE) -> None:
        self.normalizer = normalizer

    def canon(self, value: Any) -> Any:
        return self.normalizer(value)

    def note(self, value: Any) -> str | None:
        result = self.normalizer.normalize(value)
        return None if result.valid else f"phone number kept as given: {result.reason}"


class DateTimeKind(Kind):
    """Instants, canonical as ``YYYY-MM-DDTHH:MM:SSZ``.

    Ninox stores date-times without a zone (``2021-01-23T12:30:00``); ``ninox_tz`` says which
    zone those are in (UTC by default; whether Ninox ``datetime`` *field* values are UTC or
    workspace-local is UNCONFIRMED, so it is a setting). ``ghl_naive_tz`` is the zone of GHL
    timestamps that come without one (appointment ``startTime`` examples look like
    ``2021-07-16 11:00:00``; UTC by default, UNCONFIRMED).
    """

    name = "datetime"

    def __init__(
        self, *, ninox_tz: tzinfo = timezone.utc, ghl_naive_tz: tzinfo = timezone.utc
    ) -> None:
        self.ninox_tz = ninox_tz
        self.ghl_naive_tz = ghl_naive_tz

    def canon(self, value: Any) -> Any:
        return canonical_datetime(value)

    def from_ghl(self, raw: Any) -> Any:
        return canonical_datetime(raw, naive_tz=self.ghl_naive_tz)

    def from_ninox(self, raw: Any) -> Any:
        return canonical_datetime(raw, naive_tz=self.ninox_tz)

    def to_ninox(self, canonical: Any) -> Any:
        return None if canonical is None else format_ninox_datetime(canonical, self.ninox_tz)


class ChoiceKind(Kind):
    """A value stored as a Ninox choice caption through a value map.

    ``ChoiceKind({True: "Done", False: "Open"})`` maps GHL ``completed`` to a Ninox choice
    field. The canonical form is the GHL-side value, canonicalised by ``base`` (``BOOL`` in the
    example, ``TEXT`` by default). A caption the map does not know is an error on read.
    """

    name = "choice"

    def __init__(self, captions: Mapping[Any, str], base: Kind | None = None) -> None:
        self.base = base if base is not None else TEXT
        self.captions = {self.base.canon(k): v for k, v in captions.items()}
        self.values = {canonical_text(v): k for k, v in self.captions.items()}
        if len(self.values) != len(self.captions):
            raise ValueError(f"choice captions must be distinct, got {list(captions.values())}")

    def canon(self, value: Any) -> Any:
        return self.base.canon(value)

    def to_ninox(self, canonical: Any) -> Any:
        if canonical is None:
            return None
        if canonical not in self.captions:
            raise ValueError(f"no Ninox choice for {canonical!r}; known: {list(self.captions)}")
        return self.captions[canonical]

    def from_ninox(self, raw: Any) -> Any:
        caption = canonical_text(raw)
        if caption is None:
            return None
        if caption not in self.values:
            raise ValueError(f"unknown choice {raw!r}; expected one of {list(self.values)}")
        return self.values[caption]


TEXT: Final[Kind] = _simple_kind("text", canonical_text)
NAME: Final[Kind] = _simple_kind("name", canonical_name)
EMAIL: Final[Kind] = _simple_kind("email", canonical_email)
PHONE: Final[Kind] = PhoneKind()
ID: Final[Kind] = _simple_kind("id", _canonical_id)
BOOL: Final[Kind] = _simple_kind("bool", canonical_bool)
NUMBER: Final[Kind] = _simple_kind("number", canonical_number)
DATE: Final[Kind] = _simple_kind("date", canonical_date)
DATETIME: Final[Kind] = DateTimeKind()
JSON: Final[Kind] = Kind()
