"""An observability vendor's monitors as dbt data tests: a monitor lands on a model's column,
the customer's edit of the test comes back, and a custom SQL monitor adopts a singular test."""

from __future__ import annotations

from pathlib import Path

import pytest

import interop_sync as ix
from conftest import edit_file, merge_pr, mine

VENDOR = "acme-obs"
FILE = "models/marts/finance/_finance__models.yml"


def status_monitor(severity: str) -> ix.Desired:
    """Monitor obs-1: the status of every order is set, at `severity`."""
    return ix.Desired(
        "obs-1",
        "model",
        "orders",
        {
            "columns": [
                {
                    "name": "status",
                    "data_tests": [{"not_null": {"config": {"severity": severity}}}],
                }
            ]
        },
    )


def test_a_monitor_lands_as_a_column_test_and_the_customer_edit_comes_back(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "observability")
    desired = [status_monitor("warn")]
    plan = session.plan(desired)
    assert [(c.change, c.resource) for c in plan.changes] == [("modified", "model.shop.orders")]
    assert plan.changes[0].fields == ["columns[name=status].data_tests"]
    [file] = plan.files
    assert file.path == FILE and file.before is not None
    added = [line for line in file.after.splitlines() if line not in file.before.splitlines()]
    assert any("not_null" in line for line in added), added
    assert any("severity: warn" in line for line in added), added
    assert plan.deletions == 0, "nothing else in the file moves"
    session.apply(plan)
    merge_pr(repo, VENDOR)
    session.apply(session.plan(desired))
    assert session.status().agreed == 1

    edit_file(repo, FILE, "severity: warn", "severity: error")
    [change] = mine(session.pull())
    assert (change.change, change.id) == ("updated", "obs-1")
    # The pull speaks of the whole resource in scope: the vendor knew only this test, so the
    # model's other fields in scope (descriptions, other tests) are listed as new to it too.
    assert "columns[name=status].data_tests" in change.fields
    assert change.value is not None
    column = next(c for c in change.value["columns"] if c["name"] == "status")
    assert column["data_tests"] == [{"not_null": {"config": {"severity": "error"}}}]
    plan = session.plan([status_monitor("error")])
    assert plan.is_noop and plan.conflicts == []


def test_a_custom_sql_monitor_adopts_the_repo_test_and_stays_in_scope(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "observability")
    name = "assert_completed_orders_are_fully_paid"
    sql = (repo / "tests" / f"{name}.sql").read_text()
    # The monitor adopts the repo's singular test: nothing to write, and what the repo adds
    # (its description in tests/_singular_tests.yml) arrives for the vendor.
    plan = session.plan([ix.Desired("obs-2", "singular_test", name, {"sql": sql})])
    assert plan.is_noop and plan.conflicts == []
    [change] = plan.vendor_changes
    assert (change.change, change.unique_id, change.fields) == (
        "updated",
        f"test.shop.{name}",
        ["description"],
    )
    assert change.value is not None and change.value["sql"] == sql
    session.apply(plan)
    taken = change.to_desired()
    assert taken is not None
    again = session.plan([taken])
    assert again.is_noop and again.vendor_changes == []

    with pytest.raises(ix.ScopeError) as raised:
        session.plan([ix.Desired("obs-3", "model", "orders", {"config": {"materialized": "view"}})])
    assert (raised.value.object, raised.value.what) == ("obs-3", "the field 'config'")
    with pytest.raises(ix.ScopeError) as raised:
        session.plan([ix.Desired("obs-4", "metric", "revenue", {})])
    assert "metric" in raised.value.what
