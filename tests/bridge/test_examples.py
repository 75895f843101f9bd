"""The mapping example runs as a script and does what the docs say."""

from __future__ import annotations

import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "custom_mapper.py"


def test_custom_mapper_example_runs_as_a_script() -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "contact → Ninox:" in done.stdout
    assert "the Ninox schema does not match the mapping (2 problems):" in done.stdout


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    namespace = runpy.run_path(str(EXAMPLE), run_name="custom_mapper_example")
    out: dict[str, Any] = namespace["main"]()
    return out


def test_custom_fields_and_the_replaced_transform(results: dict[str, Any]) -> None:
    assert results["contact"] == {
        "GHL Id": "seD4PfOuKoVMLkEZqohJ",
        "First Name": "rubika",
        "Last Name": "Deo",
        "Email": "rubika@deos.com",
        "Phone": "(883) 232-7657",  # the replaced transform
        "Company": "DGS VolMAX",
        "Birthday": "1990-05-17",
        "Score": 42,
    }
    assert results["differences"] == {}
    assert results["patch"] == {"Score": 42}  # the email differed only in case and spaces


def test_directions_in_the_ghl_body(results: dict[str, Any]) -> None:
    body = results["to_ghl"]
    assert body["phone"] == "+18832327657"
    assert body["customFields"] == [
        {"id": "MgobCB14YMVKuE4Ka8p1", "field_value": "DGS Volmax GmbH"},
        {"id": "kZ1oBirthday", "field_value": "1990-05-17"},
    ]  # the score is GHL → Ninox only


def test_whole_mappers(results: dict[str, Any]) -> None:
    assert results["note"] == {
        "GHL Id": "n1",
        "Body": "Called back.\nWants a demo.",
        "Summary": "Called back.",
        "Contact": 17,
    }
    assert results["task"] == {"GHL Id": "t1", "Title": "Demo", "Status": "Done", "Contact": 17}
    assert results["opportunity"] == {"Name": "Big", "Value": 900, "GHL Id": "o1"}
    assert results["tables"] == ["Contacts", "Tasks", "Notes", "Appointments", "Opportunities"]


def test_validation_lists_every_problem(results: dict[str, Any]) -> None:
    assert results["problems"] == [
        "Contacts.Birthday: field not found (expected date, found no such field)",
        "Notes.Summary: type mismatch (expected string (or html), found number)",
    ]


UPSERT_EXAMPLE = EXAMPLE.with_name("upsert_with_fakes.py")


def test_upsert_example_runs_and_converges() -> None:
    namespace = runpy.run_path(str(UPSERT_EXAMPLE), run_name="upsert_example")
    reports = namespace["main"](contacts=5)
    assert reports["first_contact"].counts["created"] == 5
    assert reports["first_appointment"].counts["created"] == 5
    assert reports["back"].counts == {"created": 0, "updated": 1, "unchanged": 4, "failed": 0}
    for entity in ("contact", "task", "note", "appointment"):
        assert reports[f"again_{entity}"].counts["unchanged"] == 5
