"""A catalog vendor: descriptions and owners flow both ways; SQL and new resources are
outside its scope."""

from __future__ import annotations

from pathlib import Path

import pytest

import interop_sync as ix
from conftest import edit_file, git, merge_pr, mine

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


# The same life with the catalog category's typed `Annotation`, synced with
# `plan_annotations` / `pull_annotations`.

FINANCE = "models/marts/finance/_finance__models.yml"
ORDER_ITEMS = {"kind": "model", "name": "order_items"}


def stewardship(owner: str = "@finance", tags: tuple[str, ...] = ()) -> ix.Annotation:
    """The catalog's annotation of order_items: its owner, a glossary term (and tags)."""
    return ix.Annotation(
        target=ORDER_ITEMS,
        owner={"name": owner},
        tags=list(tags),
        terms=["Order line"],
        description="Order lines enriched with product attributes; grain is one row per line.",
    )


def annotation_of(pulled: ix.Pulled, target: dict[str, str], column: str | None = None) -> ix.Annotation:
    """The pulled annotation of `target` (and `column`)."""
    [found] = [
        o
        for o in pulled.objects
        if isinstance(o, ix.Annotation) and o.target == target and o.column == column
    ]
    return found


def agreed_annotations(session: ix.Session, repo: Path, objects: list[ix.Annotation]) -> None:
    """Syncs, the customer merges, and the next sync records the agreement."""
    session.apply(session.plan_annotations(objects))
    merge_pr(repo, VENDOR)
    session.apply(session.plan_annotations(objects))


def test_annotation_objects_take_and_give_plain_dicts() -> None:
    note = stewardship()
    assert note.to_dict() == {
        "target": ORDER_ITEMS,
        "owner": {"name": "@finance"},
        "terms": ["Order line"],
        "description": "Order lines enriched with product attributes; grain is one row per line.",
    }
    assert ix.Annotation.from_dict(note.to_dict()) == note and note != stewardship("@ops")
    assert stewardship(tags=("finance",)).tags == ["finance"]
    bare = ix.Annotation(target=ORDER_ITEMS, column="order_id")
    assert (bare.description, bare.owner, bare.tags, bare.meta) == (None, None, [], {})
    assert repr(bare) == "Annotation(target={'kind': 'model', 'name': 'order_items'}, column='order_id')"


def test_an_annotation_round_trips_into_config_and_leaves_the_rest_alone(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "catalog")
    objects = [stewardship()]
    plan = session.plan_annotations(objects)
    [change] = plan.changes
    assert (change.change, change.resource, change.fields) == (
        "modified",
        "model.shop.order_items",
        ["config"],
    )
    [file] = plan.files
    assert file.before is not None
    assert "owner: '@finance'" in file.after and "glossary_terms:" in file.after
    assert file.after.count("access: protected") == file.before.count("access: protected")
    agreed_annotations(session, repo, objects)
    plan = session.plan_annotations(objects)
    assert plan.is_noop and plan.conflicts == []
    pulled = session.pull_annotations(objects)
    assert annotation_of(pulled, ORDER_ITEMS) == objects[0]
    assert [c for c in pulled.changes if c["annotation"]["target"] == ORDER_ITEMS and c["annotation"].get("column") is None] == []
    assert repr(pulled).startswith("Pulled(catalog: ")
    # A plain dict is an annotation too.
    assert session.plan_annotations([objects[0].to_dict()]).is_noop


def test_a_customer_owner_edit_arrives_as_the_same_annotation(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "catalog")
    objects = [stewardship()]
    agreed_annotations(session, repo, objects)
    edit_file(repo, FINANCE, "owner: '@finance'", "owner: '@revenue-ops'")
    pulled = session.pull_annotations(objects)
    [change] = [c for c in pulled.changes if c["annotation"]["target"] == ORDER_ITEMS and "column" not in c["annotation"]]
    assert (change["change"], change["fields"]) == ("set", ["owner"])
    assert annotation_of(pulled, ORDER_ITEMS) == stewardship("@revenue-ops")
    plan = session.plan_annotations([stewardship("@revenue-ops")])
    assert plan.is_noop and plan.conflicts == []


def test_an_owner_both_sides_change_conflicts_until_resolved(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "catalog")
    agreed_annotations(session, repo, [stewardship()])
    edit_file(repo, FINANCE, "owner: '@finance'", "owner: '@revenue-ops'")
    plan = session.plan_annotations([stewardship("@finance-platform")])
    [conflict] = plan.conflicts
    assert conflict.unique_id == "model.shop.order_items"
    assert (conflict.base, conflict.vendor, conflict.repo) == (
        "@finance",
        "@finance-platform",
        "@revenue-ops",
    )
    assert plan.is_noop
    session.apply(plan)
    session.resolve(conflict.id, conflict.path, "vendor")
    [file] = session.plan_annotations([stewardship("@finance-platform")]).files
    assert "owner: '@finance-platform'" in file.after


def test_a_customer_rename_keeps_the_annotation(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "catalog")
    objects = [stewardship()]
    agreed_annotations(session, repo, objects)
    git(repo, "mv", "models/marts/finance/order_items.sql", "models/marts/finance/order_lines.sql")
    edit_file(repo, FINANCE, "  - name: order_items\n", "  - name: order_lines\n")
    pulled = session.pull_annotations(objects)
    renamed = {"kind": "model", "name": "order_lines"}
    assert annotation_of(pulled, renamed) == ix.Annotation(stewardship().to_dict(), target=renamed)
    assert not [o for o in pulled.objects if isinstance(o, ix.Annotation) and o.target == ORDER_ITEMS]
    plan = session.plan_annotations(pulled.objects)
    assert plan.is_noop and plan.conflicts == []


def test_owner_and_tags_together_keep_the_config_keys_outside_the_scope(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "catalog")
    [file] = session.plan_annotations([stewardship(tags=("finance",))]).files
    assert file.before is not None
    assert file.after.count("access: protected") == file.before.count("access: protected")


def test_a_pull_before_the_merge_keeps_the_proposed_owner(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "catalog")
    objects = [stewardship()]
    session.apply(session.plan_annotations(objects))
    [change] = [c for c in mine(session.pull()) if c.id == "model:order_items"]
    assert "config" not in change.fields, "the repo did not touch the owner"
    pulled = session.pull_annotations(objects)
    assert annotation_of(pulled, ORDER_ITEMS).owner == {"name": "@finance"}
