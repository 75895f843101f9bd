"""``__version__`` comes from one place: the version in pyproject.toml, via the installed
distribution's metadata."""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path
from types import ModuleType

import pytest

import bridge
import ghlsdk
import ninoxsdk

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
PACKAGES = [ghlsdk, ninoxsdk, bridge]


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.__name__)
def test_version_is_the_distributions(package: ModuleType) -> None:
    declared = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["version"]
    assert package.__version__ == declared
    assert declared == importlib.metadata.version("ghl-ninox")


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.__name__)
def test_version_falls_back_when_not_installed(
    package: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    def not_installed(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    assert package._installed_version() == "0+unknown"
