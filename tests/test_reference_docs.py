"""The API reference (docs/reference/) covers every public name of the SDKs and the bridge
modules it lists: a name exported in ``__all__`` must be rendered on some reference page."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "docs" / "reference"

#: Each public module, and the page that renders it.
PAGES = {
    "ghlsdk": "ghl/client.md",
    "ghlsdk.resources": "ghl/resources.md",
    "ghlsdk.models": "ghl/models.md",
    "ghlsdk.errors": "ghl/errors.md",
    "ghlsdk.auth": "ghl/auth.md",
    "ghlsdk.webhooks": "ghl/webhooks.md",
    "ghlsdk.testing": "ghl/testing.md",
    "ninoxsdk": "ninox/client.md",
    "ninoxsdk.resources": "ninox/resources.md",
    "ninoxsdk.models": "ninox/models.md",
    "ninoxsdk.fields": "ninox/fields.md",
    "ninoxsdk.errors": "ninox/errors.md",
    "ninoxsdk.testing": "ninox/testing.md",
    "bridge.sync": "bridge/sync.md",
    "bridge.config": "bridge/config.md",
    "bridge.upsert": "bridge/upsert.md",
    "bridge.state": "bridge/state.md",
    "bridge.mapping": "bridge/mapping.md",
    "bridge.cli": "bridge/cli.md",
    "bridge.fleet": "bridge/fleet.md",
}


def _rendered() -> set[str]:
    """Every ``::: path`` block, with the explicit ``members`` lists under it."""
    names: set[str] = set()
    for page in REFERENCE.rglob("*.md"):
        text = page.read_text(encoding="utf-8")
        for block in re.split(r"^::: ", text, flags=re.M)[1:]:
            path = block.split()[0]
            names.add(path)
            members = re.search(r"^\s+members:\s*\n((?:\s+- .+\n)+)", block, flags=re.M)
            if members is not None:
                names |= {f"{path}.{m}" for m in re.findall(r"- (\S+)", members.group(1))}
            else:  # the module's __all__
                names.add(f"{path}.*")
    return names


@pytest.mark.parametrize("module", sorted(PAGES))
def test_every_public_name_is_in_the_reference(module: str) -> None:
    page = REFERENCE / PAGES[module]
    assert f"::: {module}" in page.read_text(encoding="utf-8")
    rendered = _rendered()
    mod = importlib.import_module(module)
    missing = []
    for name in getattr(mod, "__all__", ()):
        obj = getattr(mod, name)
        homes = [
            m
            for m in PAGES
            if name in getattr(importlib.import_module(m), "__all__", ())
            and getattr(importlib.import_module(m), name) is obj
        ]
        if not any(f"{m}.{name}" in rendered or f"{m}.*" in rendered for m in homes):
            missing.append(name)
    assert missing == [], f"{module}: not in docs/reference/: {missing}"


def test_the_reference_is_in_the_nav() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in sorted(REFERENCE.rglob("*.md")):
        assert str(page.relative_to(ROOT / "docs")) in nav, page
