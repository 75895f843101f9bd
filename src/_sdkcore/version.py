"""The version every package of the distribution reports (``ghlsdk.__version__``,
``ninoxsdk.__version__``): read once from the installed distribution's metadata."""

from __future__ import annotations

__all__ = ["installed_version"]

DISTRIBUTION = "ghl-ninox"


def installed_version() -> str:
    """The version of the installed ``ghl-ninox`` distribution (pyproject.toml is its one
    source); ``"0+unknown"`` when the sources are imported without being installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "0+unknown"
