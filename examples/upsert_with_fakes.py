"""GHL → Ninox and back with the upsert helpers, on in-memory fakes (no credentials).

Run: ``python examples/upsert_with_fakes.py``
"""

from __future__ import annotations

from bridge.testing import FakeWorld
from bridge.upsert import Upserter, UpsertReport


def main(contacts: int = 25) -> dict[str, UpsertReport]:
    world = FakeWorld()
    world.seed_ghl(contacts)  # each contact gets a task, a note and an appointment
    db = world.ninox_db()
    up = Upserter(world.ghl_client(), db)

    first = up.import_ghl()
    for report in first.values():
        print(report)

    # Someone fixes a phone number in Ninox; push it back to the GHL master record.
    table = db.table("Contacts", typed=False)
    record = next(iter(table.list()))
    table.update(record.id, {"Phone": "+15557654321"})
    back = up.ninox_to_ghl()
    print(back)

    # Nothing changed since: a second import writes nothing.
    again = up.import_ghl()
    print("second import:", {entity: r.counts["unchanged"] for entity, r in again.items()})
    world.close()
    return {
        **{f"first_{k}": v for k, v in first.items()},
        "back": back,
        **{f"again_{k}": v for k, v in again.items()},
    }


if __name__ == "__main__":
    main()
