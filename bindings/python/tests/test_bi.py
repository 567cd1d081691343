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
    """The vendor's metric bi-42 as a generic desired object (the SDK's own shape)."""
    value = {
        "label": "Revenue per order",
        "description": description,
        "type": "derived",
        "expr": "revenue / nullif(order_count, 0)",
        "input_metrics": [{"name": "revenue"}, {"name": "order_count"}],
        **extra,
    }
    return ix.Desired("bi-42", "metric", name, value, file="models/marts/_metrics.yml")


def revenue_per_order(name: str = "revenue_per_order", description: str = "Revenue divided by orders.") -> ix.Metric:
    """The vendor's metric bi-42 as the BI category's typed object."""
    return ix.Metric(
        id="bi-42",
        name=name,
        label="Revenue per order",
        description=description,
        type="derived",
        expr="revenue / nullif(order_count, 0)",
        inputs=[{"name": "revenue"}, {"name": "order_count"}],
    )


def own(pulled: ix.Pulled, id: str = "bi-42") -> ix.Metric:
    """The vendor's own metric among the pulled objects."""
    [found] = [o for o in pulled.objects if isinstance(o, ix.Metric) and o.id == id]
    return found


def agreed(session: ix.Session, repo: Path, objects: list[ix.Metric]) -> None:
    """Syncs, the customer merges, and the next sync records the agreement."""
    session.apply(session.plan_bi(objects))
    merge_pr(repo, VENDOR)
    session.apply(session.plan_bi(objects))


def test_the_metric_class_takes_and_gives_plain_dicts() -> None:
    typed = revenue_per_order()
    as_dict = typed.to_dict()
    assert as_dict == {
        "id": "bi-42",
        "name": "revenue_per_order",
        "label": "Revenue per order",
        "description": "Revenue divided by orders.",
        "type": "derived",
        "expr": "revenue / nullif(order_count, 0)",
        "inputs": [{"name": "revenue"}, {"name": "order_count"}],
    }
    assert ix.Metric.from_dict(as_dict) == typed == ix.Metric(as_dict)
    assert ix.Metric(as_dict, description="Other.") != typed
    assert (typed.type, typed.filter, typed.join_to_timespine) == ("derived", None, False)
    assert repr(typed).startswith("Metric(id='bi-42', name='revenue_per_order', label=")
    with pytest.raises(AttributeError):
        typed.no_such_field  # type: ignore[attr-defined]  # noqa: B018
    with pytest.raises(ix.InputError, match="unknown variant `median_of_three`"):
        ix.Metric(id="m", name="m", type="median_of_three")
    model = ix.SemanticModel(
        id="sm-1",
        name="orders",
        model="orders",
        entities=[ix.Entity(id="e-1", name="order", type="primary", expr="order_id")],
        dimensions=[ix.Dimension(id="d-1", name="ordered_at", type="time", granularity="day")],
    )
    assert model.entities == [{"id": "e-1", "name": "order", "type": "primary", "expr": "order_id"}]
    assert ix.Dimension.from_dict(model.dimensions[0]).granularity == "day"
    assert model.label is None and ix.SemanticModel.from_dict(model.to_dict()) == model


def test_a_metric_lands_on_the_sync_branch_and_a_second_sync_changes_nothing(repo: Path) -> None:
    main_before = git(repo, "rev-parse", "main")
    session = ix.Session(repo, VENDOR, "bi")
    objects = [revenue_per_order()]
    plan = session.plan_bi(objects)
    assert [(c.change, c.resource) for c in plan.changes] == [
        ("added", "metric.shop.revenue_per_order")
    ]
    assert [f.path for f in plan.files] == ["models/marts/_metrics.yml"]
    assert "name: revenue_per_order" in plan.files[0].after
    assert "input_metrics:" in plan.files[0].after, "written in the repo's spec"
    assert plan.errors == [] and plan.conflicts == []
    assert "1 added" in plan.pr_title
    assert repr(plan).startswith("Plan('acme-bi: 1 added resource': 1 change(s) in 1 file(s)")

    record = session.apply(plan)
    assert record.created_commit and record.commit is not None
    assert record.to_dict()["schema"] == ix.RECORD_SCHEMA
    assert git(repo, "rev-parse", "main") == main_before, "main is never written"
    stat = git(repo, "diff", "--stat", "main", f"interop/{VENDOR}")
    assert "_metrics.yml" in stat and "1 file changed" in stat

    again = session.apply(session.plan_bi(objects))
    assert not again.created_commit and again.commit == record.commit

    merge_pr(repo, VENDOR)
    after = session.plan_bi(objects)
    assert after.is_noop and mine(after.vendor_changes) == []
    session.apply(after)
    status = session.status()
    assert (status.agreed, status.proposed) == (1, 0)
    assert status.branch == f"interop/{VENDOR}"
    # Read back from the repo, the metric is the one the vendor wrote; the repo's own
    # semantic layer arrives as typed objects the vendor did not have.
    pulled = session.pull_bi(objects)
    assert own(pulled) == objects[0]
    kinds = {type(o).__name__ for o in pulled.objects}
    assert {"Metric", "SemanticModel", "SavedQuery", "Dashboard"} <= kinds
    assert all(c["change"] == "created" for c in pulled.changes)
    assert repr(pulled).startswith("Pulled(bi: ")


def test_a_bi_set_is_a_list_of_objects_or_its_dict(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "bi")
    as_list = session.plan_bi([revenue_per_order()])
    as_dict = session.plan_bi({"metrics": [revenue_per_order().to_dict()]})
    assert as_list.to_dict() == as_dict.to_dict()
    with pytest.raises(ix.InputError) as raised:
        session.plan_bi([revenue_per_order(), {"id": "x"}])  # type: ignore[list-item]
    assert raised.value.yaml_path == "[1]"
    with pytest.raises(ix.InputError, match="the id is used twice"):
        session.plan_bi([revenue_per_order(), revenue_per_order("other")])


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
    objects = [revenue_per_order()]
    agreed(session, repo, objects)
    edit_file(
        repo,
        "models/marts/_metrics.yml",
        "description: Revenue divided by orders.",
        "description: Revenue divided by the number of orders, refunds excluded.",
    )
    pulled = session.pull_bi(objects)
    [change] = [c for c in pulled.changes if c["id"] == "bi-42"]
    assert (change["change"], change["fields"]) == ("updated", ["description"])
    [vendor_change] = mine(pulled.vendor_changes)
    assert repr(vendor_change) == (
        "VendorChange(updated bi-42 (metric.shop.revenue_per_order): description)"
    )
    taken = own(pulled)
    assert taken == revenue_per_order(
        description="Revenue divided by the number of orders, refunds excluded."
    )
    # The vendor keeps the metric as it now is and syncs: nothing to do.
    plan = session.plan_bi([taken])
    assert plan.is_noop and mine(plan.vendor_changes) == [] and plan.conflicts == []


def test_a_conflict_is_surfaced_with_both_sides_and_resolved(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "bi")
    agreed(session, repo, [revenue_per_order()])
    edit_file(
        repo,
        "models/marts/_metrics.yml",
        "description: Revenue divided by orders.",
        "description: Net revenue per order.",
    )
    vendor_edit = [revenue_per_order(description="Gross revenue per order.")]
    plan = session.plan_bi(vendor_edit)
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
    assert session.status().branch_commit is not None

    session.apply(plan)
    session.resolve("bi-42", "description", "vendor")
    assert session.status().resolutions == 1
    resolved = session.plan_bi(vendor_edit)
    assert resolved.conflicts == []
    assert len(resolved.files) == 1
    assert "description: Gross revenue per order." in resolved.files[0].after


def test_a_conflict_through_the_generic_path_blocks_sync(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "bi")
    session.apply(session.plan([metric("revenue_per_order", "Revenue divided by orders.")]))
    merge_pr(repo, VENDOR)
    session.apply(session.plan([metric("revenue_per_order", "Revenue divided by orders.")]))
    edit_file(
        repo,
        "models/marts/_metrics.yml",
        "description: Revenue divided by orders.",
        "description: Net revenue per order.",
    )
    with pytest.raises(ix.ConflictError):
        session.sync([metric("revenue_per_order", "Gross revenue per order.")], allow_conflicts=False)


def test_a_policy_settles_what_would_conflict(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "bi", policies={"description": "prefer-vendor"})
    agreed(session, repo, [revenue_per_order()])
    edit_file(
        repo,
        "models/marts/_metrics.yml",
        "description: Revenue divided by orders.",
        "description: Net revenue per order.",
    )
    plan = session.plan_bi([revenue_per_order(description="Gross revenue per order.")])
    assert plan.conflicts == []
    assert [c.path for c in plan.auto_resolved] == ["description"]
    assert "description: Gross revenue per order." in plan.files[0].after


def test_renames_on_either_side_keep_the_vendor_id(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "bi")
    objects = [revenue_per_order()]
    agreed(session, repo, objects)
    edit_file(repo, "models/marts/_metrics.yml", "name: revenue_per_order", "name: avg_order_revenue")

    plan = session.plan_bi(objects)
    assert plan.changes == [], "no duplicate, no re-create"
    [change] = mine(plan.vendor_changes)
    assert (change.change, change.id, change.name) == ("updated", "bi-42", "avg_order_revenue")
    assert change.unique_id == "metric.shop.avg_order_revenue"
    pulled = session.pull_bi(objects)
    renamed = own(pulled)
    assert renamed == revenue_per_order("avg_order_revenue")

    plan = session.plan_bi([renamed])
    assert plan.is_noop and mine(plan.vendor_changes) == []
    session.apply(plan)

    plan = session.plan_bi([revenue_per_order("revenue_per_order_v2")])
    [rename] = plan.changes
    assert (rename.change, rename.resource, rename.previous) == (
        "renamed",
        "metric.shop.revenue_per_order_v2",
        "metric.shop.avg_order_revenue",
    )
    after = plan.files[0].after
    assert "name: revenue_per_order_v2" in after and "name: avg_order_revenue" not in after


def test_a_metric_the_vendor_drops_is_removed_and_a_customer_deletion_arrives(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "bi")
    objects = [revenue_per_order()]
    agreed(session, repo, objects)
    plan = session.plan_bi([])
    assert [(c.change, c.resource) for c in plan.changes] == [
        ("removed", "metric.shop.revenue_per_order")
    ]
    text = (repo / "models/marts/_metrics.yml").read_text()
    start = text.index("  - name: revenue_per_order")
    (repo / "models/marts/_metrics.yml").write_text(text[:start].rstrip("\n") + "\n")
    git(repo, "commit", "-qam", "drop revenue_per_order")
    pulled = session.pull_bi(objects)
    assert not any(isinstance(o, ix.Metric) and o.id == "bi-42" for o in pulled.objects)
    assert [c["change"] for c in pulled.changes if c["id"] == "bi-42"] == ["deleted"]


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
