"""One error root: every exception class ``ghlsdk`` defines derives from ``SDKError``, so
``except SDKError`` catches whatever the SDK raises on purpose. The classes are found by
walking the package, not listed: a new error outside the tree fails here."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import ghlsdk
from _sdkcore.errors import SDKError
from ghlsdk import errors
from ghlsdk.auth import TokenUnavailableError
from ghlsdk.resources.custom_fields import UnknownCustomFieldError

#: FakeGHL's server side signals an HTTP error answer with these; a client sees the answer
#: (an APIStatusError), never the exception.
SERVER_SIDE = {"ghlsdk.testing._base._ApiError", "ghlsdk.testing._search.SearchError"}


def _defined_errors() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(ghlsdk.__path__, "ghlsdk."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == module.__name__
            ):
                found[f"{module.__name__}.{name}"] = value
    assert found.keys() >= SERVER_SIDE  # the exemptions are still there to exempt
    return {name: cls for name, cls in found.items() if name not in SERVER_SIDE}


DEFINED = _defined_errors()


def test_the_walk_finds_the_sdks_errors() -> None:
    names = {cls.__name__ for cls in DEFINED.values()}
    assert {"TokenUnavailableError", "UnknownCustomFieldError", "DuplicateContactError"} <= names


@pytest.mark.parametrize("name", sorted(DEFINED))
def test_every_error_derives_from_the_root(name: str) -> None:
    assert issubclass(DEFINED[name], SDKError), f"{name} is not an SDKError"


def test_the_two_late_errors_are_caught_by_the_root_and_by_what_they_were() -> None:
    assert errors.SDKError is SDKError
    with pytest.raises(SDKError, match="loc_1"):
        raise UnknownCustomFieldError(["favourite_colour"], "loc_1", ["birthday"])
    with pytest.raises(ValueError, match="favourite_colour"):  # still a ValueError
        raise UnknownCustomFieldError(["favourite_colour"], "loc_1", [])
    with pytest.raises(RuntimeError):  # still a RuntimeError
        raise TokenUnavailableError("no usable token")
