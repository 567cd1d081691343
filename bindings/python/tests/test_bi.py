"""A BI vendor's metric through the whole life of a sync: it lands on the sync branch, a
second sync changes nothing, the customer's edits come back, a conflict is surfaced and
resolved, and renames on either side keep the vendor's id."""

from __future__ import annotations

from pathlib import Path

import pytest

import interop_sync as ix
from conftest import edit_file, git, merge_pr, mine

VENDOR = "acme-bi"


def metric(name: str, description: str, **extra: object) -> ix.Desired:
    """The vendor's metric bi-42 as a desired object."""
    value = {
        "label": "Revenue per order",
        "description": description,
        "type": "derived",
        "expr": "revenue / nullif(order_count, 0)",
        "input_metrics": [{"name": "revenue"}, {"name": "order_count"}],
        **extra,
    }
    return ix.Desired("bi-42", "metric", name, value, file="models/marts/_metrics.yml")


def agreed(session: ix.Session, repo: Path, desired: list[ix.Desired]) -> None:
    """Syncs, the customer merges, and the next sync records the agreement."""
    session.apply(session.plan(desired))
    merge_pr(repo, VENDOR)
    session.apply(session.plan(desired))


def test_a_metric_lands_on_the_sync_branch_and_a_second_sync_changes_nothing(repo: Path) -> None:
    main_before = git(repo, "rev-parse", "main")
    session = ix.Session(repo, VENDOR, "bi")
    desired = [metric("revenue_per_order", "Revenue divided by orders.")]
    plan = session.plan(desired)
    assert [(c.change, c.resource) for c in plan.changes] == [
        ("added", "metric.shop.revenue_per_order")
    ]
    assert [f.path for f in plan.files] == ["models/marts/_metrics.yml"]
    assert "name: revenue_per_order" in plan.files[0].after
    assert plan.errors == [] and plan.conflicts == []
    assert "1 added" in plan.pr_title
    assert repr(plan).startswith("Plan('acme-bi: 1 added resource': 1 change(s) in 1 file(s)")

    record = session.apply(plan)
    assert record.created_commit and record.commit is not None
    assert record.to_dict()["schema"] == ix.RECORD_SCHEMA
    assert git(repo, "rev-parse", "main") == main_before, "main is never written"
    stat = git(repo, "diff", "--stat", "main", f"interop/{VENDOR}")
    assert "_metrics.yml" in stat and "1 file changed" in stat

    again = session.apply(session.plan(desired))
    assert not again.created_commit and again.commit == record.commit

    merge_pr(repo, VENDOR)
    after = session.plan(desired)
    assert after.is_noop and mine(after.vendor_changes) == []
    session.apply(after)
    status = session.status()
    assert (status.agreed, status.proposed) == (1, 0)
    assert status.branch == f"interop/{VENDOR}"


def test_dicts_and_typed_objects_are_the_same_thing(repo: Path) -> None:
    typed = metric("revenue_per_order", "Revenue divided by orders.")
    as_dict = typed.to_dict()
    assert as_dict["kind"] == "metric" and as_dict["value"]["name"] == "revenue_per_order"
    assert ix.Desired.from_dict(as_dict) == typed
    session = ix.Session(repo, VENDOR, "bi")
    from_dict = session.plan([as_dict])
    from_typed = session.plan([typed])
    assert from_dict.to_dict() == from_typed.to_dict()
    record = session.apply(from_dict)
    assert ix.SyncRecord.from_dict(record.to_dict()) == record


def test_a_customer_edit_arrives_through_pull_and_taking_it_is_a_no_op(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "bi")
    agreed(session, repo, [metric("revenue_per_order", "Revenue divided by orders.")])
    edit_file(
        repo,
        "models/marts/_metrics.yml",
        "description: Revenue divided by orders.",
        "description: Revenue divided by the number of orders, refunds excluded.",
    )
    pulled = mine(session.pull())
    assert [(c.change, c.id, c.fields) for c in pulled] == [("updated", "bi-42", ["description"])]
    change = pulled[0]
    assert change.value is not None
    assert change.value["description"].endswith("refunds excluded.")
    assert repr(change) == (
        "VendorChange(updated bi-42 (metric.shop.revenue_per_order): description)"
    )
    # The vendor takes the change (to_desired gives the object back) and syncs: nothing to do.
    taken = change.to_desired()
    assert taken is not None and taken.id == "bi-42"
    plan = session.plan([taken])
    assert plan.is_noop and mine(plan.vendor_changes) == [] and plan.conflicts == []


def test_a_conflict_is_surfaced_with_both_sides_and_resolved(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "bi")
    agreed(session, repo, [metric("revenue_per_order", "Revenue divided by orders.")])
    edit_file(
        repo,
        "models/marts/_metrics.yml",
        "description: Revenue divided by orders.",
        "description: Net revenue per order.",
    )
    vendor_edit = [metric("revenue_per_order", "Gross revenue per order.")]
    plan = session.plan(vendor_edit)
    assert len(plan.conflicts) == 1
    conflict = plan.conflicts[0]
    assert (conflict.id, conflict.unique_id, conflict.path) == (
        "bi-42",
        "metric.shop.revenue_per_order",
        "description",
    )
    assert conflict.base == "Revenue divided by orders."
    assert conflict.vendor == "Gross revenue per order."
    assert conflict.repo == "Net revenue per order."
    assert conflict.sides == ["base", "vendor", "repo"]
    assert "description" in repr(conflict) and "Net revenue per order." in repr(conflict)
    assert plan.is_noop, "the repo's value is kept until someone decides"
    assert "`description`" in plan.pr_body

    with pytest.raises(ix.ConflictError) as raised:
        plan.check_conflicts()
    assert raised.value.conflicts == plan.conflicts
    with pytest.raises(ix.ConflictError):
        session.apply(plan, allow_conflicts=False)
    with pytest.raises(ix.ConflictError):
        session.sync(vendor_edit, allow_conflicts=False)
    assert session.status().branch_commit is not None

    session.apply(plan)
    session.resolve("bi-42", "description", "vendor")
    assert session.status().resolutions == 1
    resolved = session.plan(vendor_edit)
    assert resolved.conflicts == []
    assert len(resolved.files) == 1
    assert "description: Gross revenue per order." in resolved.files[0].after


def test_a_policy_settles_what_would_conflict(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "bi", policies={"description": "prefer-vendor"})
    agreed(session, repo, [metric("revenue_per_order", "Revenue divided by orders.")])
    edit_file(
        repo,
        "models/marts/_metrics.yml",
        "description: Revenue divided by orders.",
        "description: Net revenue per order.",
    )
    plan = session.plan([metric("revenue_per_order", "Gross revenue per order.")])
    assert plan.conflicts == []
    assert [c.path for c in plan.auto_resolved] == ["description"]
    assert "description: Gross revenue per order." in plan.files[0].after


def test_renames_on_either_side_keep_the_vendor_id(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "bi")
    desired = [metric("revenue_per_order", "Revenue divided by orders.")]
    agreed(session, repo, desired)
    edit_file(repo, "models/marts/_metrics.yml", "name: revenue_per_order", "name: avg_order_revenue")

    plan = session.plan(desired)
    assert plan.changes == [], "no duplicate, no re-create"
    [change] = mine(plan.vendor_changes)
    assert (change.change, change.id, change.name) == ("updated", "bi-42", "avg_order_revenue")
    assert change.unique_id == "metric.shop.avg_order_revenue"

    renamed = [metric("avg_order_revenue", "Revenue divided by orders.")]
    plan = session.plan(renamed)
    assert plan.is_noop and mine(plan.vendor_changes) == []
    session.apply(plan)

    plan = session.plan([metric("revenue_per_order_v2", "Revenue divided by orders.")])
    [rename] = plan.changes
    assert (rename.change, rename.resource, rename.previous) == (
        "renamed",
        "metric.shop.revenue_per_order_v2",
        "metric.shop.avg_order_revenue",
    )
    after = plan.files[0].after
    assert "name: revenue_per_order_v2" in after and "name: avg_order_revenue" not in after


def test_two_syncs_racing_one_gets_repo_moved(repo: Path) -> None:
    first = ix.Session(repo, VENDOR, "bi")
    second = ix.Session(repo, VENDOR, "bi")
    plan_a = first.plan([metric("revenue_per_order", "A.")])
    plan_b = second.plan([metric("revenue_per_order", "B.")])
    first.apply(plan_a)
    with pytest.raises(ix.RepoMovedError) as raised:
        second.apply(plan_b)
    assert raised.value.reference.endswith("interop/acme-bi") or "interop" in raised.value.reference
    assert isinstance(raised.value, ix.InteropError)
    # Plan again and retry: it lands.
    assert second.apply(second.plan([metric("revenue_per_order", "B.")])).created_commit
