"""Canonical forms: tables of inputs (including junk), both phone backends, and properties."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.canonical import (
    PhoneNormalizer,
    canonical_bool,
    canonical_date,
    canonical_datetime,
    canonical_email,
    canonical_json,
    canonical_name,
    canonical_number,
    canonical_phone,
    canonical_text,
    format_ninox_datetime,
    is_blank,
    phonenumbers_available,
)

SIMPLE = PhoneNormalizer(backend="simple")
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, True),
        ("", True),
        ("  \t\n", True),
        ([], True),
        ({}, True),
        ("x", False),
        (0, False),
        (False, False),
        ([None], False),
    ],
)
def test_is_blank(value: Any, expected: bool) -> None:
    assert is_blank(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  hello  ", "hello"),
        ("", None),
        ("   ", None),
        (None, None),
        ("a\r\nb\rc", "a\nb\nc"),
        ("Cafe\u0301", "Café"),  # NFD → NFC
        (42, "42"),
        (1.50, "1.5"),
        (2.0, "2"),
    ],
)
def test_canonical_text(value: Any, expected: str | None) -> None:
    assert canonical_text(value) == expected


@pytest.mark.parametrize("junk", [True, [1, 2], {"a": 1}, object()])
def test_canonical_text_rejects_non_text(junk: Any) -> None:
    with pytest.raises(TypeError, match="expected text"):
        canonical_text(junk)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  Mary   Ann ", "Mary Ann"),
        ("\tAda\nLovelace ", "Ada Lovelace"),
        ("", None),
        (None, None),
    ],
)
def test_canonical_name(value: Any, expected: str | None) -> None:
    assert canonical_name(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  Rubika@Deos.COM ", "rubika@deos.com"),
        ("a+tag@Example.org", "a+tag@example.org"),  # plus-addressing kept
        ("", None),
        (None, None),
        ("not an email", "not an email"),  # kept, not validated
    ],
)
def test_canonical_email(value: Any, expected: str | None) -> None:
    assert canonical_email(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-07-08T02:30:00.000Z", "2021-07-08T02:30:00Z"),
        ("2021-07-08T02:30:00.999Z", "2021-07-08T02:30:00Z"),  # seconds precision
        ("2023-09-25T16:00:00+05:30", "2023-09-25T10:30:00Z"),
        ("2021-07-16 11:00:00", "2021-07-16T11:00:00Z"),  # no zone → UTC
        ("2021-07-16", "2021-07-16T00:00:00Z"),
        (1625711400000, "2021-07-08T02:30:00Z"),  # epoch ms
        (1625711400, "2021-07-08T02:30:00Z"),  # epoch s
        (datetime(2021, 7, 8, 4, 30, tzinfo=timezone(timedelta(hours=2))), "2021-07-08T02:30:00Z"),
        (datetime(2021, 7, 8, 2, 30), "2021-07-08T02:30:00Z"),
        ("", None),
        (None, None),
    ],
)
def test_canonical_datetime(value: Any, expected: str | None) -> None:
    assert canonical_datetime(value) == expected


def test_canonical_datetime_reads_zone_less_values_in_the_given_zone() -> None:
    # Berlin is UTC+2 in July and UTC+1 in January (DST).
    assert canonical_datetime("2021-07-16 11:00:00", naive_tz=BERLIN) == "2021-07-16T09:00:00Z"
    assert canonical_datetime("2021-01-16T11:00:00", naive_tz=BERLIN) == "2021-01-16T10:00:00Z"
    # values with a zone ignore naive_tz
    assert canonical_datetime("2021-07-16T11:00:00Z", naive_tz=BERLIN) == "2021-07-16T11:00:00Z"
    assert canonical_datetime("2021-07-16T11:00:00-05:00", naive_tz=BERLIN) == (
        "2021-07-16T16:00:00Z"
    )


@pytest.mark.parametrize("junk", ["tomorrow", "2021-13-45", "12/31/2021 noon"])
def test_canonical_datetime_junk_is_a_clear_value_error(junk: str) -> None:
    with pytest.raises(ValueError, match="expected an ISO 8601 timestamp"):
        canonical_datetime(junk)


@pytest.mark.parametrize("junk", [True, [2021], {"at": 1}])
def test_canonical_datetime_rejects_non_timestamps(junk: Any) -> None:
    with pytest.raises(TypeError):
        canonical_datetime(junk)


def test_format_ninox_datetime_renders_local_time_without_zone() -> None:
    assert format_ninox_datetime("2021-07-16T09:00:00Z") == "2021-07-16T09:00:00"
    assert format_ninox_datetime("2021-07-16T09:00:00Z", BERLIN) == "2021-07-16T11:00:00"
    assert format_ninox_datetime("2021-01-16T09:00:00Z", BERLIN) == "2021-01-16T10:00:00"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-07-08", "2021-07-08"),
        (" 2021-07-08 ", "2021-07-08"),
        ("2021-07-08T23:30:00-02:00", "2021-07-09"),  # the UTC date
        (date(2020, 2, 29), "2020-02-29"),
        (datetime(2020, 2, 29, 12, tzinfo=timezone.utc), "2020-02-29"),
        ("", None),
        (None, None),
    ],
)
def test_canonical_date(value: Any, expected: str | None) -> None:
    assert canonical_date(value) == expected


@pytest.mark.parametrize("junk", ["2021-02-30", "soon"])
def test_canonical_date_junk(junk: str) -> None:
    with pytest.raises(ValueError, match="expected a date"):
        canonical_date(junk)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        ("yes", True),
        (" TRUE ", True),
        ("off", False),
        ("0", False),
        ("", None),
        (None, None),
    ],
)
def test_canonical_bool(value: Any, expected: bool | None) -> None:
    assert canonical_bool(value) is expected


@pytest.mark.parametrize("junk", ["maybe", 2, 0.5, [True]])
def test_canonical_bool_junk(junk: Any) -> None:
    with pytest.raises(ValueError, match="yes/no"):
        canonical_bool(junk)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3, 3),
        (3.0, 3),
        (1.25, 1.25),
        ("1.50", 1.5),
        (" 42 ", 42),
        (Decimal("7.000"), 7),
        ("", None),
        (None, None),
    ],
)
def test_canonical_number(value: Any, expected: float | None) -> None:
    result = canonical_number(value)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("junk", "error"),
    [("abc", ValueError), (float("nan"), ValueError), ("inf", ValueError), (True, TypeError)],
)
def test_canonical_number_junk(junk: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        canonical_number(junk)


def test_canonical_json_normalises_nested_values() -> None:
    value = {"a": " x ", "b": [1.0, "", {"c": []}], "d": {}, "e": True}
    assert canonical_json(value) == {"a": "x", "b": [1, None, {"c": None}], "d": None, "e": True}


# --- phones -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("+1 (415) 555-0100", "+14155550100"),
        ("+14155550100", "+14155550100"),
        ("(415) 555-0100", "+14155550100"),  # default region US
        ("1-415-555-0100", "+14155550100"),  # NANP trunk prefix
        ("415.555.0100", "+14155550100"),
        (4155550100, "+14155550100"),
        ("0049 30 1234567", "+49301234567"),  # 00 international prefix
        ("+44 20 7946 0958", "+442079460958"),
        ("", None),
        (None, None),
    ],
)
def test_simple_phone_normaliser(value: Any, expected: str | None) -> None:
    result = SIMPLE.normalize(value)
    assert result.value == expected
    assert result.valid


@pytest.mark.parametrize(
    ("value", "kept", "reason"),
    [
        ("call me maybe", "call me maybe", "other than digits"),
        ("  12  ", "12", "7 to 15 digits"),
        ("+0123456789", "+0123456789", "7 to 15 digits"),
        ("+1 415 555 0100 ext. 12", "+1 415 555 0100 ext. 12", "extension"),
        ("+1234567890123456789", "+1234567890123456789", "7 to 15 digits"),
    ],
)
def test_simple_phone_normaliser_keeps_junk_and_reports_it(
    value: str, kept: str, reason: str
) -> None:
    result = SIMPLE.normalize(value)
    assert result.valid is False
    assert result.value == kept
    assert result.raw == value
    assert result.reason is not None
    assert reason in result.reason


def test_phone_normaliser_never_raises_on_non_text() -> None:
    result = SIMPLE.normalize([415, 5550100])
    assert result.valid is False
    assert result.value is None
    assert "not a phone number" in (result.reason or "")


def test_simple_phone_default_country_is_configurable() -> None:
    germany = PhoneNormalizer(region="DE", backend="simple")
    assert germany("030 1234567") == "+49301234567"
    explicit = PhoneNormalizer(region=None, calling_code="44", backend="simple")
    assert explicit("020 7946 0958") == "+442079460958"
    nowhere = PhoneNormalizer(region=None, backend="simple").normalize("030 1234567")
    assert nowhere.valid is False
    assert nowhere.value == "030 1234567"
    assert "no default region" in (nowhere.reason or "")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"backend": "magic"}, "backend must be"),
        ({"calling_code": "+49", "backend": "simple"}, "calling_code must be digits"),
        ({"region": "ZZ", "backend": "simple"}, "no calling code known for region 'ZZ'"),
    ],
)
def test_phone_normaliser_bad_settings(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PhoneNormalizer(**kwargs)


def test_phonenumbers_backend_when_installed_or_clear_import_error() -> None:
    if not phonenumbers_available():
        with pytest.raises(ImportError, match="ghl-ninox\\[phone\\]"):
            PhoneNormalizer(backend="phonenumbers")
        return
    lib = PhoneNormalizer(backend="phonenumbers")
    assert lib("(415) 555-0100") == "+14155550100"
    assert lib("+49 30 1234567") == "+49301234567"
    assert PhoneNormalizer(region="DE", backend="phonenumbers")("030 1234567") == "+49301234567"
    junk = lib.normalize("call me maybe")
    assert junk.valid is False
    assert junk.value == "call me maybe"
    assert "cannot be parsed" in (junk.reason or "")


def test_auto_backend_picks_what_is_installed() -> None:
    assert PhoneNormalizer(backend="auto").uses_simple is not phonenumbers_available()
    assert PhoneNormalizer(backend="simple").uses_simple is True


def test_canonical_phone_uses_the_given_normaliser() -> None:
    assert canonical_phone("030 1234567", PhoneNormalizer(region="DE", backend="simple")) == (
        "+49301234567"
    )
    assert canonical_phone("(415) 555-0100") == "+14155550100"


# --- properties ------------------------------------------------------------------------------

texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)
aware = st.datetimes(
    min_value=datetime(1900, 1, 2),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from(
        [timezone.utc, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]
    ),
)
phone_text = st.text(alphabet="0123456789 +-().x", max_size=20)


@given(texts)
def test_text_forms_are_idempotent(value: str) -> None:
    for canon in (canonical_text, canonical_name, canonical_email):
        once = canon(value)
        assert canon(once) == once


@given(st.one_of(texts, phone_text, st.integers(min_value=0, max_value=10**16)))
def test_phone_is_idempotent_on_both_backends(value: Any) -> None:
    backends = [SIMPLE, PhoneNormalizer(region="DE", backend="simple")]
    if phonenumbers_available():
        backends.append(PhoneNormalizer(backend="phonenumbers"))
    for normalizer in backends:
        once = normalizer(value)
        assert normalizer(once) == once


@given(aware)
def test_datetime_is_idempotent_and_offsets_compare_equal(moment: datetime) -> None:
    once = canonical_datetime(moment)
    assert canonical_datetime(once) == once
    # the same instant written in another zone, as an ISO string, means the same
    elsewhere = moment.astimezone(timezone(timedelta(hours=-3))).isoformat()
    assert canonical_datetime(elsewhere) == once
    assert canonical_datetime(
        moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    ) == (once)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)))
def test_date_is_idempotent(day: date) -> None:
    once = canonical_date(day)
    assert canonical_date(once) == once
    assert canonical_date(day.isoformat()) == once


@given(
    st.one_of(
        st.integers(min_value=-(10**12), max_value=10**12),
        st.floats(allow_nan=False, allow_infinity=False, width=32),
        st.decimals(
            allow_nan=False, allow_infinity=False, places=3, max_value=10**6, min_value=-(10**6)
        ),
    )
)
def test_number_is_idempotent(value: Any) -> None:
    once = canonical_number(value)
    assert canonical_number(once) == once


@given(
    st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), texts),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
        max_leaves=8,
    )
)
def test_json_is_idempotent(value: Any) -> None:
    once = canonical_json(value)
    assert canonical_json(once) == once


@given(
    st.from_regex(r"[a-z0-9._+-]{1,10}@[a-z0-9-]{1,10}\.[a-z]{2,4}", fullmatch=True),
    st.text(alphabet=" \t", max_size=3),
    st.text(alphabet=" \t", max_size=3),
)
def test_equal_meaning_emails_compare_equal(email: str, before: str, after: str) -> None:
    assert canonical_email(before + email.upper() + after) == canonical_email(email)


@given(st.integers(min_value=200, max_value=999), st.integers(min_value=0, max_value=9999999))
def test_equal_meaning_phones_compare_equal(area: int, local: int) -> None:
    digits = f"{area}{local:07d}"
    renderings = [
        f"+1{digits}",
        f"+1 ({area}) {digits[3:6]}-{digits[6:]}",
        f"({area}) {digits[3:6]} {digits[6:]}",
        f"1-{area}-{digits[3:6]}-{digits[6:]}",
        f"001 {area} {digits[3:]}",
    ]
    assert {SIMPLE(r) for r in renderings} == {f"+1{digits}"}


@given(st.sampled_from(["", "  ", None, "\n"]), st.sampled_from(["", None, " \t "]))
def test_blank_values_compare_equal(a: Any, b: Any) -> None:
    for canon in (canonical_text, canonical_email, canonical_datetime, canonical_date):
        assert canon(a) == canon(b) is None
    assert SIMPLE(a) == SIMPLE(b) is None
