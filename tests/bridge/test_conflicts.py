from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridge.conflicts import (
    GHL_WINS,
    MANUAL,
    NINOX_WINS,
    PREFER_NON_EMPTY,
    Direction,
    FieldConflict,
    Newest,
    PreferNonEmpty,
    reconcile,
    resolve,
)

BOTH: dict[str, Direction] = {"email": "both", "phone": "both", "name": "both"}
T0 = datetime(2026, 1, 1, 12, tzinfo=timezone.utc)


def test_no_change_is_a_noop() -> None:
    base = {"email": "a@x", "phone": "+1"}
    plan = reconcile(base, dict(base), dict(base), directions=BOTH)
    assert plan.is_noop
    assert plan.base == base


def test_one_sided_changes_flow_to_the_other_side() -> None:
    base = {"email": "a@x", "phone": "+1", "name": "Ada"}
    plan = reconcile(base, {**base, "email": "b@x"}, {**base, "phone": "+2"}, directions=BOTH)
    # edits to different fields of one record both survive
    assert plan.to_ninox == {"email": "b@x"}
    assert plan.to_ghl == {"phone": "+2"}
    assert plan.base == {"email": "b@x", "phone": "+2", "name": "Ada"}
    assert not plan.review


def test_same_change_on_both_sides_is_agreed_without_writes() -> None:
    base = {"email": "a@x"}
    plan = reconcile(base, {"email": "b@x"}, {"email": "b@x"}, directions={"email": "both"})
    assert plan.is_noop
    assert plan.base == {"email": "b@x"}


@pytest.mark.parametrize(
    ("policy", "to_ghl", "to_ninox", "review"),
    [
        (GHL_WINS, {}, {"email": "g@x"}, False),
        (NINOX_WINS, {"email": "n@x"}, {}, False),
        (MANUAL, {}, {}, True),
    ],
)
def test_conflict_follows_the_field_policy(
    policy: Any, to_ghl: dict[str, str], to_ninox: dict[str, str], review: bool
) -> None:
    base = {"email": "a@x", "name": "Ada"}
    plan = reconcile(
        base,
        {"email": "g@x", "name": "Ada L"},
        {"email": "n@x", "name": "Ada"},
        directions={"email": "both", "name": "both"},
        policies={"email": policy},
    )
    assert plan.to_ghl == to_ghl
    assert plan.to_ninox == {**to_ninox, "name": "Ada L"}  # the other field still flows
    assert bool(plan.review) is review
    if review:
        assert plan.base["email"] == "a@x"  # stays contested until a person decides
        assert plan.review["email"].ghl == "g@x"


def test_newest_with_clock_skew_tolerance() -> None:
    policy = Newest(tolerance=timedelta(minutes=5), tie_breaker="ghl")
    conflict = FieldConflict(
        field="f",
        base=1,
        ghl=2,
        ninox=3,
        ghl_updated_at=T0,
        ninox_modified_at=T0 + timedelta(minutes=10),
    )
    assert policy(conflict) == "ninox"
    skewed = FieldConflict(
        field="f",
        base=1,
        ghl=2,
        ninox=3,
        ghl_updated_at=T0,
        ninox_modified_at=T0 + timedelta(minutes=4),
    )
    assert policy(skewed) == "ghl"  # within tolerance: tie breaker
    unknown = FieldConflict(field="f", base=1, ghl=2, ninox=3, ghl_updated_at=T0)
    assert Newest()(unknown) == "manual"


def test_prefer_non_empty() -> None:
    assert PREFER_NON_EMPTY(FieldConflict(field="f", base="x", ghl=None, ninox="y")) == "ninox"
    assert PREFER_NON_EMPTY(FieldConflict(field="f", base="x", ghl="z", ninox="")) == "ghl"
    assert PreferNonEmpty("ninox")(FieldConflict(field="f", base="x", ghl="a", ninox="b")) == (
        "ninox"
    )


def test_user_callable_policy_and_its_errors() -> None:
    def longest(conflict: FieldConflict) -> Any:
        return "ghl" if len(conflict.ghl) >= len(conflict.ninox) else "ninox"

    plan = reconcile(
        {"name": "A"},
        {"name": "Ada"},
        {"name": "Ad"},
        directions={"name": "both"},
        policies={"name": longest},
    )
    assert plan.to_ninox == {"name": "Ada"}
    assert plan.settled == {"name": "ghl"}
    with pytest.raises(ValueError, match="return 'ghl', 'ninox' or 'manual'"):
        resolve(FieldConflict(field="f", base=1, ghl=2, ninox=3), lambda c: "both")


def test_one_way_fields() -> None:
    base = {"score": 1, "notes": "a"}
    directions: dict[str, Direction] = {"score": "ghl_to_ninox", "notes": "ninox_to_ghl"}
    # an edit on the side that does not own the field is ignored and reported
    plan = reconcile(
        base, {"score": 1, "notes": "g"}, {"score": 5, "notes": "a"}, directions=directions
    )
    assert plan.is_noop
    assert sorted(plan.ignored) == ["notes", "score"]
    # a conflict on a one-way field is owned by its source, whatever the policy
    plan = reconcile(
        base,
        {"score": 2, "notes": "a"},
        {"score": 3, "notes": "a"},
        directions=directions,
        default_policy=NINOX_WINS,
    )
    assert plan.to_ninox == {"score": 2}


def test_fields_a_side_does_not_carry_count_as_unchanged() -> None:
    plan = reconcile({"a": 1}, {}, {"a": 2}, directions={"a": "both"})
    assert plan.to_ghl == {"a": 2}


values = st.one_of(st.none(), st.sampled_from(["", "a", "b", "c"]))
policies = st.sampled_from(["ghl", "ninox", "manual"])


@given(base=values, g=values, n=values, winner=policies)
def test_merge_outcome_matches_the_policy(base: Any, g: Any, n: Any, winner: str) -> None:
    policy = {"ghl": GHL_WINS, "ninox": NINOX_WINS, "manual": MANUAL}[winner]
    plan = reconcile(
        {"f": base}, {"f": g}, {"f": n}, directions={"f": "both"}, default_policy=policy
    )
    final_g = plan.to_ghl.get("f", g)
    final_n = plan.to_ninox.get("f", n)
    if "f" in plan.review:
        assert winner == "manual"
        assert g != n
        assert base not in (g, n)
        assert plan.base["f"] == base
        return
    # after applying the plan both sides agree, and the base records that agreement
    assert final_g == final_n == plan.base["f"]
    if g == base:
        assert final_n == n  # only Ninox changed (or nothing did): Ninox's value stands
    elif n == base:
        assert final_g == g
    elif g != n:
        assert final_g == (g if winner == "ghl" else n)
    # and a second reconcile of the result is a no-op (no echo)
    again = reconcile(
        plan.base, {"f": final_g}, {"f": final_n}, directions={"f": "both"}, default_policy=policy
    )
    assert again.is_noop
