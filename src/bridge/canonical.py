"""Canonical forms: one rendering per meaning, so values that mean the same compare equal.

Both sides' values go through the same canonicaliser before they are compared or hashed.
Canonical values are plain JSON values (``str``, ``int``, ``float``, ``bool``, ``None``, lists,
dicts), so a sync engine can store them as they are. Every canonicaliser is idempotent:
``canon(canon(x)) == canon(x)``.

==========  =================================================================================
kind        canonical form
==========  =================================================================================
text        Unicode NFC, CRLF/CR → LF, trimmed; ``""`` ≡ ``None``; numbers become their text
name        text, with runs of whitespace collapsed to one space
email       trimmed and case-folded (no plus-address folding)
phone       E.164 (``+14155550100``); a value that cannot be normalised is kept trimmed, as
            given, and reported (`PhoneResult`), never an exception
datetime    aware UTC instant truncated to seconds, written ``2021-07-08T02:30:00Z``
date        ``YYYY-MM-DD``
bool        ``True`` / ``False`` (``"yes"``, ``"1"``, ``"true"`` ... accepted)
number      ``int`` when integral, else ``float``
==========  =================================================================================

Blank values (``None``, ``""``, whitespace, ``[]``, ``{}``) are all ``None``.
"""

from __future__ import annotations

import functools
import importlib
import math
import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from types import ModuleType
from typing import Any, Final, Literal

import attrs

from ghlsdk import parse_date, parse_datetime

__all__ = [
    "PhoneNormalizer",
    "PhoneResult",
    "canonical_bool",
    "canonical_date",
    "canonical_datetime",
    "canonical_email",
    "canonical_json",
    "canonical_name",
    "canonical_number",
    "canonical_phone",
    "canonical_text",
    "format_ninox_datetime",
    "is_blank",
    "phonenumbers_available",
]


def is_blank(value: Any) -> bool:
    """True for ``None``, empty or whitespace-only strings, and empty lists / dicts."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, tuple, dict)):
        return len(value) == 0
    return False


def _type_name(value: Any) -> str:
    return type(value).__name__


def canonical_text(value: Any) -> str | None:
    """NFC, line endings as LF, trimmed; blank → ``None``. Numbers become text.

    Raises ``TypeError`` for values that are not text (bool, list, dict ...).
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise TypeError(f"expected text, got a bool ({value!r})")
    if isinstance(value, (int, float, Decimal)):
        number = canonical_number(value)
        return None if number is None else str(number)
    if not isinstance(value, str):
        raise TypeError(f"expected text, got {_type_name(value)}")
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n").strip()
    return text or None


def canonical_name(value: Any) -> str | None:
    """A person's name: text with every run of whitespace collapsed to one space."""
    text = canonical_text(value)
    if text is None:
        return None
    return " ".join(text.split()) or None


def canonical_email(value: Any) -> str | None:
    """Trimmed and case-folded; plus-addresses are kept (``a+x@b.c`` ≠ ``a@b.c``)."""
    text = canonical_text(value)
    return None if text is None else text.casefold()


def canonical_datetime(value: Any, *, naive_tz: tzinfo = timezone.utc) -> str | None:
    """An instant as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC, seconds precision); blank → ``None``.

    Accepts ISO 8601 strings (``Z``, an offset, or none), ``datetime`` objects and epoch
    seconds / milliseconds. A value without a zone is read in ``naive_tz`` (UTC by default).
    Raises ``ValueError`` / ``TypeError`` for anything else.
    """
    if is_blank(value):
        return None
    if isinstance(value, str):
        value = value.strip()
    try:
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=naive_tz)
        elif isinstance(value, str) and naive_tz is not timezone.utc and not _has_zone(value):
            value = datetime.fromisoformat(value.replace(" ", "T", 1)).replace(tzinfo=naive_tz)
        parsed = parse_datetime(value)
    except OverflowError as exc:
        raise ValueError(f"timestamp out of range: {value!r}") from exc
    except ValueError:
        raise ValueError(f"expected an ISO 8601 timestamp, got {value!r}") from None
    return parsed.replace(microsecond=0, tzinfo=None).isoformat() + "Z"


_ZONE_RE: Final = re.compile(r"(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$")


def _has_zone(text: str) -> bool:
    if text.lstrip("-").isdigit():
        return True  # epoch numbers are absolute
    time_part = text.split("T", 1)[1] if "T" in text else text.partition(" ")[2]
    return bool(time_part) and bool(_ZONE_RE.search(time_part))


def format_ninox_datetime(canonical: str, tz: tzinfo = timezone.utc) -> str:
    """Render a canonical instant the way Ninox stores date-times: local to ``tz``, no zone."""
    moment = datetime.fromisoformat(canonical.replace("Z", "+00:00")).astimezone(tz)
    return moment.replace(tzinfo=None, microsecond=0).isoformat()


def canonical_date(value: Any) -> str | None:
    """A calendar date as ``YYYY-MM-DD`` (a timestamp keeps its UTC date); blank → ``None``."""
    if is_blank(value):
        return None
    if isinstance(value, str):
        value = value.strip()
    if not isinstance(value, (str, date, int, float)) or isinstance(value, bool):
        raise TypeError(f"expected a date, got {_type_name(value)}")
    try:
        return parse_date(value).isoformat()
    except OverflowError as exc:
        raise ValueError(f"date out of range: {value!r}") from exc
    except ValueError:
        raise ValueError(f"expected a date like 2021-01-23, got {value!r}") from None


_TRUE: Final = frozenset({"true", "yes", "y", "1", "on"})
_FALSE: Final = frozenset({"false", "no", "n", "0", "off"})


def canonical_bool(value: Any) -> bool | None:
    """``True``/``False``; also ``1``/``0`` and the words true/false, yes/no, on/off."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().casefold()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise ValueError(f"expected a yes/no value, got {value!r}")


def canonical_number(value: Any) -> int | float | None:
    """``int`` when the value is integral, else ``float``; numeric strings are parsed.

    Raises ``TypeError`` for bools and non-numbers, ``ValueError`` for NaN / infinity.
    """
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise TypeError(f"expected a number, got a bool ({value!r})")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            value = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"expected a number, got {value!r}") from None
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"expected a finite number, got {value!r}")
        if value == value.to_integral_value():
            return int(value)
        return float(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {value!r}")
        return int(value) if value.is_integer() else value
    raise TypeError(f"expected a number, got {_type_name(value)}")


def canonical_json(value: Any) -> Any:
    """Any JSON value (e.g. a GHL custom field of unknown kind), recursively canonical:
    strings trimmed, numbers normalised, blanks (including ``[]`` and ``{}``) as ``None``."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float, Decimal)):
        return canonical_number(value)
    if isinstance(value, str):
        return canonical_text(value)
    if isinstance(value, Mapping):
        out = {str(k): canonical_json(v) for k, v in value.items()}
        return out or None
    if isinstance(value, (list, tuple)):
        return [canonical_json(v) for v in value]
    raise TypeError(f"expected a JSON value, got {_type_name(value)}")


# ---------------------------------------------------------------------------------------------
# Phones

#: Country calling codes of common regions, for the simple normaliser (phonenumbers knows all).
CALLING_CODES: Final[Mapping[str, str]] = {
    "US": "1", "CA": "1", "PR": "1", "GB": "44", "IE": "353", "DE": "49", "AT": "43",
    "CH": "41", "FR": "33", "BE": "32", "NL": "31", "LU": "352", "IT": "39", "ES": "34",
    "PT": "351", "DK": "45", "SE": "46", "NO": "47", "FI": "358", "PL": "48", "CZ": "420",
    "AU": "61", "NZ": "64", "IN": "91", "ZA": "27", "BR": "55", "MX": "52", "AR": "54",
    "JP": "81", "SG": "65", "AE": "971", "IL": "972",
}  # fmt: skip

_PHONE_SEPARATORS: Final = re.compile(r"[\s\-.()/\u00a0\u2010-\u2015]")
_PHONE_EXTENSION: Final = re.compile(r"(?:;\s*ext=|ext\.?|extension|x|#)\s*\d+\s*$", re.I)
_DIGITS: Final = re.compile(r"[0-9]+")

PhoneBackend = Literal["auto", "simple", "phonenumbers"]


def _load_phonenumbers() -> ModuleType | None:
    try:
        return importlib.import_module("phonenumbers")
    except ImportError:
        return None


def phonenumbers_available() -> bool:
    """True when the optional ``phonenumbers`` package (extra ``phone``) is installed."""
    return _load_phonenumbers() is not None


@attrs.frozen(kw_only=True)
class PhoneResult:
    """Outcome of normalising one phone number.

    ``value`` is the canonical form: E.164 when ``valid``, else the trimmed input as given
    (``None`` for blank input). ``reason`` says why a value could not be normalised.
    """

    value: str | None
    valid: bool
    raw: Any
    reason: str | None = None


@attrs.frozen(kw_only=True)
class PhoneNormalizer:
    """Turns phone numbers into E.164.

    - ``region``: ISO country of numbers written without a country code (default ``"US"``);
      ``None`` means such numbers cannot be normalised and are kept as given.
    - ``calling_code``: the country calling code for those numbers with the simple backend
      (digits, e.g. ``"49"``); derived from ``region`` when not given.
    - ``backend``: ``"phonenumbers"`` (Google's libphonenumber port, extra ``phone``),
      ``"simple"`` (strip separators, ``00`` → ``+``, add the default calling code after
      dropping a national trunk ``0``; 7 to 15 digits), or ``"auto"`` (the former when
      installed). The two can disagree on unusual input, so pick one explicitly if digests
      must stay stable across machines.

    Never raises on junk: call [`normalize`][bridge.canonical.PhoneNormalizer.normalize] for the
    verdict, or [`__call__`][bridge.canonical.PhoneNormalizer.__call__] for the canonical value
    alone.
    """

    region: str | None = "US"
    calling_code: str | None = None
    backend: PhoneBackend = "auto"

    def __attrs_post_init__(self) -> None:
        if self.backend not in ("auto", "simple", "phonenumbers"):
            raise ValueError(
                f"backend must be 'auto', 'simple' or 'phonenumbers', got {self.backend!r}"
            )
        if self.calling_code is not None and not _DIGITS.fullmatch(self.calling_code):
            raise ValueError(f"calling_code must be digits like '49', got {self.calling_code!r}")
        if self.backend == "phonenumbers" and _load_phonenumbers() is None:
            raise ImportError(
                "PhoneNormalizer(backend='phonenumbers') needs the 'phonenumbers' package, the "
                "'phone' extra: pip install -e '.[phone]' from a clone, or the wheel with "
                "[phone] (or use backend='simple')"
            )
        if (
            self.uses_simple
            and self.region is not None
            and self.calling_code is None
            and self.region.upper() not in CALLING_CODES
        ):
            raise ValueError(
                f"no calling code known for region {self.region!r}; "
                "pass calling_code='<digits>' or install the 'phone' extra"
            )

    @property
    def uses_simple(self) -> bool:
        """True when the simple normaliser is in use (explicitly, or ``auto`` without the
        ``phonenumbers`` package)."""
        if self.backend == "simple":
            return True
        return self.backend == "auto" and _load_phonenumbers() is None

    @property
    def default_calling_code(self) -> str | None:
        """The calling code added to national numbers by the simple backend."""
        if self.calling_code is not None:
            return self.calling_code
        return CALLING_CODES.get(self.region.upper()) if self.region else None

    def __call__(self, value: Any) -> str | None:
        """The canonical value (E.164, or the trimmed input when it cannot be normalised)."""
        return self.normalize(value).value

    def normalize(self, value: Any) -> PhoneResult:
        """Normalise ``value``; never raises."""
        if is_blank(value):
            return PhoneResult(value=None, valid=True, raw=value)
        if isinstance(value, int) and not isinstance(value, bool):
            text = str(value)
        elif isinstance(value, str):
            text = unicodedata.normalize("NFKC", value).strip()
        else:
            return PhoneResult(
                value=None, valid=False, raw=value, reason=f"not a phone number: {value!r}"
            )
        return _normalize_phone(self, text, value)

    def _normalize_text(self, text: str, value: Any) -> PhoneResult:
        if _PHONE_EXTENSION.search(text):
            return self._invalid(text, value, "has an extension, which E.164 cannot hold")
        module = None if self.uses_simple else _load_phonenumbers()
        if module is None:
            return self._simple(text, value)
        return self._library(module, text, value)

    @staticmethod
    def _invalid(text: str, raw: Any, reason: str) -> PhoneResult:
        return PhoneResult(value=text, valid=False, raw=raw, reason=reason)

    def _simple(self, text: str, raw: Any) -> PhoneResult:
        compact = _PHONE_SEPARATORS.sub("", text)
        if compact.startswith("+"):
            digits, international = compact[1:], True
        elif compact.startswith("00"):
            digits, international = compact[2:], True
        else:
            digits, international = compact, False
        if not _DIGITS.fullmatch(digits):
            return self._invalid(text, raw, "contains characters other than digits")
        if not international:
            code = self.default_calling_code
            if code is None:
                return self._invalid(text, raw, "no country code and no default region set")
            if code == "1" and len(digits) == 11 and digits.startswith("1"):
                digits = digits[1:]  # NANP trunk prefix
            elif digits.startswith("0"):
                digits = digits[1:]  # national trunk prefix (0 in most countries)
            digits = code + digits
        if digits.startswith("0") or not 7 <= len(digits) <= 15:
            return self._invalid(text, raw, "not 7 to 15 digits after the country code")
        return PhoneResult(value="+" + digits, valid=True, raw=raw)

    def _library(self, module: ModuleType, text: str, raw: Any) -> PhoneResult:
        region = self.region.upper() if self.region else None
        try:
            number = module.parse(text, region)
        except module.NumberParseException as exc:
            return self._invalid(text, raw, f"cannot be parsed ({exc})")
        if not module.is_possible_number(number):
            return self._invalid(text, raw, "not a possible number for its country")
        formatted = module.format_number(number, module.PhoneNumberFormat.E164)
        return PhoneResult(value=str(formatted), valid=True, raw=raw)


#: The normaliser used when none is configured: region US, backend ``auto``.
DEFAULT_PHONE: Final = PhoneNormalizer()


def canonical_phone(value: Any, normalizer: PhoneNormalizer = DEFAULT_PHONE) -> str | None:
    """E.164 when possible, else the trimmed input (never raises; see `PhoneResult`)."""
    return normalizer(value)


@functools.lru_cache(maxsize=65_536)
def _normalize_phone(normalizer: PhoneNormalizer, text: str, value: str | int) -> PhoneResult:
    # Parsing is the costliest canonical form, and a sync compares each number several times.
    return normalizer._normalize_text(text, value)
