from __future__ import annotations

import pytest

from _sdkcore.paths import build_path, path_param, validate_base_url


@pytest.mark.parametrize(
    "bad",
    ["", "   ", " abc", "abc ", "a/b", "..", ".", "a\\b", "a\x00b", "line\nbreak", "tab\t", "\x7f"],
)
def test_bad_segments_raise_before_any_request(bad: str) -> None:
    with pytest.raises(ValueError, match="invalid contact_id"):
        path_param(bad, name="contact_id")


def test_segments_are_encoded() -> None:
    assert path_param("abc-123_X") == "abc-123_X"
    assert path_param("a b?c#d%") == "a%20b%3Fc%23d%25"
    assert path_param("..a") == "..a"
    assert path_param(42) == "42"
    assert (
        build_path("/contacts/{cid}/tasks/{tid}", cid="c 1", tid="t?")
        == "/contacts/c%201/tasks/t%3F"
    )


def test_wrong_types() -> None:
    with pytest.raises(TypeError):
        path_param(None)
    with pytest.raises(TypeError):
        path_param(True)


@pytest.mark.parametrize(
    "url",
    [
        "https://services.leadconnectorhq.com",
        "https://api.ninox.com/v1/",
        "http://localhost:8000",
        "http://127.0.0.1:9/x",
        "http://[::1]:8080",
    ],
)
def test_good_base_urls(url: str) -> None:
    assert str(validate_base_url(url)).rstrip("/") == url.rstrip("/")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://api.ninox.com/v1", "plain http"),
        ("http://10.0.0.5/", "plain http"),
        ("ftp://example.com", "absolute https"),
        ("api.ninox.com", "absolute https"),
        ("https://example.com/v1?x=1", "query string"),
        ("https://user:pw@example.com", "credentials"),
    ],
)
def test_bad_base_urls(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_base_url(url)
