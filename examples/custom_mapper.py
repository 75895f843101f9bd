"""Customising the GHL ↔ Ninox mapping: custom fields, a replaced transform, whole mappers.

Run it: ``python examples/custom_mapper.py`` (pure code, no network, no credentials).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bridge.canonical import PhoneNormalizer
from bridge.mapping import (
    DATE,
    NUMBER,
    BaseMapper,
    FieldMap,
    MappingSet,
    RefResolver,
    SchemaMismatchError,
    mapper_from_functions,
)
from bridge.mapping.defaults import custom_field, default_mappings, task_status_choice

# A contact as GHL returns it (GET /contacts/{id} → "contact").
CONTACT: dict[str, Any] = {
    "id": "seD4PfOuKoVMLkEZqohJ",
    "firstName": "rubika",
    "lastName": "Deo",
    "email": " Rubika@Deos.com",
    "phone": "(883) 232-7657",
    "customFields": [
        {"id": "MgobCB14YMVKuE4Ka8p1", "value": "DGS VolMAX"},
        {"id": "kZ1oBirthday", "value": "1990-05-17T00:00:00.000Z"},
        {"id": "sc0reFieldId", "value": "42"},
    ],
}


def build_mappings() -> MappingSet:
    """The defaults, plus three custom fields, one replaced transform and two whole mappers."""
    mappings = default_mappings(
        phone=PhoneNormalizer(region="US", backend="simple"),
        task_status=task_status_choice(ninox="Status", done="Done", open="To do"),
    )

    # 1. GHL custom fields by id, each with the canonical kind of its values.
    contacts = mappings.entity("contact").with_fields(
        custom_field("MgobCB14YMVKuE4Ka8p1", "Company", name="company"),
        custom_field("kZ1oBirthday", "Birthday", name="birthday", kind=DATE, ninox_type="date"),
        FieldMap(
            name="score",
            ghl="customFields.sc0reFieldId",  # same as custom_field(...)
            ninox="Score",
            kind=NUMBER,
            ninox_type="number",
            direction="ghl_to_ninox",  # GHL owns the score; Ninox edits are not pushed
        ),
    )

    # 2. Replace a transform: Ninox shows US numbers as "(883) 232-7657". Reading it back
    #    canonicalises to E.164 again, so both sides still compare equal.
    contacts = contacts.replace_field("phone", to_ninox=_us_display)

    # 3a. A whole mapper class: notes keep a one-line summary next to the body.
    # 3b. A mapper from plain functions, for an entity the defaults do not cover.
    opportunities = mapper_from_functions(
        entity="opportunity",
        ninox_table="Opportunities",
        to_ninox=lambda ghl: {"Name": ghl.get("name"), "Value": ghl.get("monetaryValue")},
        layout={"Name": {"type": "string"}, "Value": {"type": "number"}},
    )
    return mappings.replace(contacts).replace(SummaryNotes()).replace(opportunities)


def _us_display(e164: Any) -> Any:
    if isinstance(e164, str) and e164.startswith("+1") and len(e164) == 12:
        return f"({e164[2:5]}) {e164[5:8]}-{e164[8:]}"
    return e164  # other countries (and numbers kept as given) stay as they are


class SummaryNotes(BaseMapper):
    """Notes → Ninox ``Notes`` with ``Body`` and a ``Summary`` (first line, 40 characters).

    ``layout()`` declares the fields ``to_ninox`` writes: ``validate`` checks them against the
    Ninox schema, and the sync engine compares and writes exactly those (``Contact``, a
    reference, links the note to its contact). ``refs`` is a mapping from GHL contact ids to
    Ninox record ids, in upserts and in the sync alike.
    """

    entity = "note"
    ninox_table = "Notes"

    def to_ninox(
        self, ghl: Mapping[str, Any], *, refs: RefResolver | None = None
    ) -> dict[str, Any]:
        body = str(ghl.get("body") or "").strip()
        fields: dict[str, Any] = {
            self.ninox_key: self.ghl_id(ghl),
            "Body": body,
            "Summary": body.splitlines()[0][:40] if body else None,
        }
        parent = ghl.get("contactId")
        if isinstance(refs, Mapping) and isinstance(parent, str) and parent in refs:
            fields["Contact"] = refs[parent]
        return fields

    def to_ghl(
        self, ninox: Mapping[str, Any], *, current: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        return {"body": ninox.get("Body")}

    def layout(self) -> dict[str, dict[str, dict[str, Any]]]:
        return {
            "Notes": {
                "GHL Id": {"type": "string"},
                "Body": {"type": "string"},
                "Summary": {"type": "string"},
                "Contact": {"type": "ref", "ref": "Contacts"},
            }
        }


def main() -> dict[str, Any]:
    """Run the example; returns what it printed, for the test."""
    mappings = build_mappings()
    contacts = mappings.entity("contact")
    out: dict[str, Any] = {}

    out["contact"] = contacts.to_ninox(CONTACT)
    print("contact → Ninox:", out["contact"])
    out["differences"] = contacts.compare(CONTACT, out["contact"])
    print("differences after the write:", out["differences"])

    # Only changed fields are written on update; equal-meaning values are not "changes".
    current = {**out["contact"], "Email": "RUBIKA@deos.com ", "Score": 41}
    out["patch"] = contacts.ninox_patch(CONTACT, current)
    print("patch for an existing record:", out["patch"])

    # Ninox → GHL: the score is GHL → Ninox only, so it is not in the body.
    out["to_ghl"] = contacts.to_ghl({**out["contact"], "Company": "DGS Volmax GmbH"})
    print("Ninox → GHL body:", out["to_ghl"])

    note = {"id": "n1", "body": "Called back.\nWants a demo.", "contactId": CONTACT["id"]}
    out["note"] = mappings["note"].to_ninox(note, refs={CONTACT["id"]: 17})
    print("note → Ninox:", out["note"])

    task = {"id": "t1", "title": "Demo", "completed": True, "contactId": CONTACT["id"]}
    out["task"] = mappings["task"].to_ninox(task, refs={CONTACT["id"]: 17})
    print("task → Ninox:", out["task"])

    out["opportunity"] = mappings["opportunity"].to_ninox(
        {"id": "o1", "name": "Big", "monetaryValue": 900}
    )
    print("opportunity → Ninox:", out["opportunity"])

    # What the sync engine sees of the hand-written notes mapper: the fields of its layout,
    # compared on canonical values (formatting differences are not changes).
    notes = mappings.sync_mapper("note")
    stored = {**out["note"], "Body": out["note"]["Body"] + "  "}
    out["note_sync"] = {
        "directions": notes.directions(),
        "parent": notes.parent_field,
        "same": notes.ghl_canonical(note) == notes.ninox_canonical(stored),
    }
    print("note as the sync sees it:", out["note_sync"])

    # The layout these mappings need, and a check against an (outdated) schema.
    layout = mappings.layout()
    out["tables"] = list(layout)
    schema = {
        table: {name: decl["type"] for name, decl in fields.items()}
        for table, fields in layout.items()
    }
    del schema["Contacts"]["Birthday"]
    schema["Notes"]["Summary"] = "number"
    try:
        mappings.validate(schema)
    except SchemaMismatchError as exc:
        out["problems"] = [str(p) for p in exc.problems]
        print(exc)
    return out


if __name__ == "__main__":
    main()
