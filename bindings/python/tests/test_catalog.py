"""A catalog vendor: descriptions and owners flow both ways; SQL and new resources are
outside its scope."""

from __future__ import annotations

from pathlib import Path

import pytest

import interop_sync as ix
from conftest import edit_file, merge_pr, mine

VENDOR = "acme-catalog"


def note(steward: str) -> dict[str, object]:
    """The catalog's owner note on order_items, as a plain dict."""
    return {
        "id": "c1",
        "kind": "model",
        "name": "order_items",
        "value": {"config": {"meta": {"steward": steward}}},
    }


def test_an_owner_note_round_trips_and_leaves_everything_else_alone(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "catalog")
    plan = session.plan([note("finance")])
    [change] = plan.changes
    assert (change.change, change.resource, change.fields) == (
        "modified",
        "model.shop.order_items",
        ["config"],
    )
    assert plan.insertions == 2
    session.apply(plan)
    merge_pr(repo, VENDOR)
    for _ in range(2):
        plan = session.plan([note("finance")])
        assert plan.is_noop and plan.conflicts == []
        session.apply(plan)
    assert session.status().to_dict()["agreed"] == 1

    edit_file(repo, "models/marts/finance/_finance__models.yml", "steward: finance", "steward: revenue-ops")
    [pulled] = mine(session.pull())
    assert pulled.id == "c1" and pulled.value is not None
    assert pulled.value["config"]["meta"]["steward"] == "revenue-ops"
    assert "sql" not in pulled.value, "a catalog never sees SQL"


def test_a_description_both_sides_know_conflicts_until_resolved(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "catalog")
    doc = ix.Desired("c3", "model", "order_items", {"description": "Every item of every order, priced."})
    plan = session.plan([doc])
    assert plan.is_noop
    [conflict] = plan.conflicts
    assert conflict.path == "description" and conflict.vendor == "Every item of every order, priced."
    assert "base" not in conflict.sides and conflict.base is None
    assert "base" not in conflict.to_dict()
    session.apply(plan)
    session.resolve("c3", "description", "vendor")
    plan = session.plan([doc])
    [file] = plan.files
    assert file.before is not None
    changed = [(a, b) for a, b in zip(file.before.splitlines(), file.after.splitlines()) if a != b]
    assert len(changed) == 1 and "Every item of every order, priced." in changed[0][1]


def test_sql_and_new_models_are_outside_a_catalog(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "catalog")
    with pytest.raises(ix.ScopeError, match="'sql'"):
        session.plan([{"id": "c1", "kind": "model", "name": "orders", "value": {"sql": "select 1"}}])
    with pytest.raises(ix.ScopeError, match="creating a model"):
        session.plan([ix.Desired("c2", "model", "not_in_repo", {"description": "x"})])
    with pytest.raises(ix.InputError) as raised:
        session.resolve("c1", "description", "both")  # type: ignore[arg-type]
    assert raised.value.yaml_path == "choice"


def test_a_custom_scope_object_or_dict_works_like_a_category(repo: Path) -> None:
    scope = ix.Scope(kinds=["model"], fields=["description"], create=[], delete=[])
    assert scope.kinds == ["model"] and scope == ix.Scope.from_dict(scope.to_dict())
    assert repr(scope) == "Scope(kinds=['model'], fields=['description'], create=[], delete=[])"
    session = ix.Session(repo, VENDOR, scope)
    assert session.scope == scope
    with pytest.raises(ix.ScopeError, match="config"):
        session.plan([note("finance")])
    dict_session = ix.Session(repo, VENDOR, scope.to_dict())
    assert dict_session.scope == scope
    with pytest.raises(ix.InputError, match="unknown category 'sales'"):
        ix.Session(repo, VENDOR, "sales")  # type: ignore[arg-type]
    with pytest.raises(ix.InputError, match="unknown policy"):
        ix.Session(repo, VENDOR, "catalog", policy="prefer-both")  # type: ignore[arg-type]


def test_an_owner_note_keeps_the_config_keys_outside_the_scope(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "catalog")
    [file] = session.plan([note("finance")]).files
    assert file.before is not None
    assert file.after.count("access: protected") == file.before.count("access: protected")
