"""An observability vendor's monitors as dbt data tests: a monitor lands on a model's column,
the customer's edit of the test comes back, and a custom SQL monitor adopts a singular test."""

from __future__ import annotations

from pathlib import Path

import pytest

import interop_sync as ix
from conftest import edit_file, git, merge_pr, mine

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


# The same life with the observability category's typed objects (`Monitor`, `Description`),
# synced with `plan_monitors` / `pull_monitors`.

SOURCES = "models/staging/shop_db/_shop_db__sources.yml"
STAGING = "models/staging/shop_db/_shop_db__models.yml"


def monitors(warn_hours: int = 3) -> list[ix.Monitor | ix.Description]:
    """The vendor's monitors: a not-null check on a staging column and a freshness check."""
    return [
        ix.Monitor(
            id="wt-1",
            target={"kind": "model", "name": "stg_shop_db__customers"},
            column="first_name",
            check="not_null",
            severity="warn",
        ),
        ix.Monitor(
            id="wt-2",
            target={"kind": "source", "source": "shop_db", "name": "customers"},
            check="freshness",
            warn_after={"count": warn_hours, "period": "hour"},
            error_after={"count": 1, "period": "day"},
            loaded_at_field="_loaded_at",
        ),
        ix.Description(
            target={"kind": "source", "source": "shop_db", "name": "orders"},
            column="customer_id",
            text="Account that placed the order.",
        ),
    ]


def by_id(pulled: ix.Pulled, id: str) -> ix.Monitor:
    """The pulled monitor with this id."""
    [found] = [o for o in pulled.objects if isinstance(o, ix.Monitor) and o.id == id]
    return found


def updates(pulled: ix.Pulled) -> dict[str, list[str]]:
    """Monitor id → the fields the repo changed."""
    return {
        c["monitor"]["id"]: c["fields"] for c in pulled.changes if c["change"] == "monitor_updated"
    }


def agreed_monitors(session: ix.Session, repo: Path, objects: list[ix.Monitor | ix.Description]) -> None:
    """Syncs, the customer merges, and the next sync records the agreement."""
    session.apply(session.plan_monitors(objects))
    merge_pr(repo, VENDOR)
    session.apply(session.plan_monitors(objects))


def test_monitor_objects_take_and_give_plain_dicts() -> None:
    [not_null, freshness, description] = monitors()
    assert isinstance(not_null, ix.Monitor) and isinstance(freshness, ix.Monitor)
    assert not_null.to_dict() == {
        "id": "wt-1",
        "target": {"kind": "model", "name": "stg_shop_db__customers"},
        "column": "first_name",
        "check": "not_null",
        "severity": "warn",
    }
    assert ix.Monitor.from_dict(freshness.to_dict()) == freshness
    assert freshness.warn_after == {"count": 3, "period": "hour"} and freshness.where is None
    assert not_null.config == {} and not_null != freshness
    assert repr(description).startswith("Description(target={'kind': 'source'")
    with pytest.raises(ix.InputError, match="unknown variant `sometimes_null`"):
        ix.Monitor(id="x", target={"kind": "model", "name": "orders"}, check="sometimes_null")
    # A misspelled key is named, not dropped: on the monitor, its target and a description.
    with pytest.raises(ix.InputError, match="unknown field `sevrity`"):
        ix.Monitor(not_null.to_dict(), sevrity="error")
    with pytest.raises(ix.InputError, match="unknown field `schema`"):
        target = {"kind": "model", "name": "orders", "schema": "x"}
        ix.Monitor(id="x", target=target, check="unique")
    with pytest.raises(ix.InputError, match="unknown field `txt`"):
        ix.Description(target={"kind": "model", "name": "orders"}, txt="Orders.")


def test_monitors_land_as_tests_and_come_back_equal(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "observability")
    objects = monitors()
    plan = session.plan_monitors(objects)
    assert sorted(c.resource for c in plan.changes) == [
        "model.shop.stg_shop_db__customers",
        "source.shop.shop_db.customers",
        "source.shop.shop_db.orders",
    ]
    assert plan.errors == [] and plan.conflicts == [] and plan.deletions <= 1
    sources = next(f for f in plan.files if f.path == SOURCES)
    assert "loaded_at_field: _loaded_at" in sources.after and "count: 3" in sources.after
    agreed_monitors(session, repo, objects)
    plan = session.plan_monitors(objects)
    assert plan.is_noop and plan.conflicts == []
    pulled = session.pull_monitors(objects)
    assert by_id(pulled, "wt-1") == objects[0] and by_id(pulled, "wt-2") == objects[1]
    assert updates(pulled) == {}
    # The customer's own tests arrive as monitors the vendor did not have.
    created = [c["monitor"] for c in pulled.changes if c["change"] == "monitor_created"]
    assert any(m["check"] == "unique" for m in created)
    assert repr(pulled).startswith("Pulled(observability: ")


def test_a_customer_threshold_and_severity_edit_update_the_same_monitors(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "observability")
    objects = monitors()
    agreed_monitors(session, repo, objects)
    edit_file(repo, SOURCES, "count: 3", "count: 6")
    text = (repo / STAGING).read_text()
    at = text.index("- name: first_name")
    sev = at + text[at:].index("severity: warn")
    (repo / STAGING).write_text(text[:sev] + "severity: error" + text[sev + len("severity: warn") :])
    git(repo, "commit", "-qam", "first names are required")

    pulled = session.pull_monitors(objects)
    assert updates(pulled) == {"wt-1": ["severity"], "wt-2": ["warn_after"]}
    assert by_id(pulled, "wt-1").severity == "error"
    assert by_id(pulled, "wt-2") == monitors(warn_hours=6)[1]
    assert not any(c["change"] == "monitor_deleted" for c in pulled.changes)
    # The vendor keeps what it pulled: the next sync has nothing to write.
    plan = session.plan_monitors(pulled.objects)
    assert plan.is_noop and plan.conflicts == []


def test_both_sides_changing_a_threshold_conflict_until_resolved(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "observability")
    agreed_monitors(session, repo, monitors())
    edit_file(repo, SOURCES, "count: 3", "count: 6")
    plan = session.plan_monitors(monitors(warn_hours=12))
    [conflict] = plan.conflicts
    assert conflict.id == "source:shop_db.customers"
    assert "warn_after" in conflict.path
    assert (conflict.base, conflict.vendor, conflict.repo) == (3, 12, 6)
    session.apply(plan)
    session.resolve(conflict.id, conflict.path, "vendor")
    resolved = session.plan_monitors(monitors(warn_hours=12))
    assert resolved.conflicts == []
    [file] = resolved.files
    assert "count: 12" in file.after and "count: 6" not in file.after.split("customers", 1)[1][:400]


def test_a_customer_rename_moves_the_monitors_to_the_new_name(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "observability")
    objects = monitors()
    agreed_monitors(session, repo, objects)
    git(
        repo,
        "mv",
        "models/staging/shop_db/stg_shop_db__customers.sql",
        "models/staging/shop_db/stg_shop_db__accounts.sql",
    )
    edit_file(repo, STAGING, "  - name: stg_shop_db__customers\n", "  - name: stg_shop_db__accounts\n")
    pulled = session.pull_monitors(objects)
    assert updates(pulled) == {"wt-1": ["target"]}
    assert by_id(pulled, "wt-1").target == {"kind": "model", "name": "stg_shop_db__accounts"}
    assert not any(c["change"] == "monitor_deleted" for c in pulled.changes)
    plan = session.plan_monitors(pulled.objects)
    assert plan.is_noop and plan.conflicts == []
