"""A reverse-ETL tool's syncs as application exposures: they land (with a post-hook only where
asked), read back equal, the customer's own application exposure arrives as a sync, and the
customer's edit of an exposure comes back as a change of the sync."""

from __future__ import annotations

from pathlib import Path

import pytest

import interop_sync as ix
from conftest import edit_file, git, merge_pr

VENDOR = "acme-reverse-etl"
EXPOSURES = "models/marts/_exposures.yml"
FINANCE = "models/marts/finance/_finance__models.yml"


def syncs() -> list[ix.ReverseEtlSync]:
    """The tool's syncs: customers to the CRM, and an ads audience with a post-hook."""
    return [
        ix.ReverseEtlSync(
            id="ht-101",
            name="salesforce_contacts",
            label="Salesforce contacts",
            description="Customer profile and lifetime value pushed to Salesforce hourly.",
            model="dim_customers",
            destination="salesforce.Contact",
            mapping=[
                {"column": "customer_id", "field": "External_Id__c"},
                {"column": "email", "field": "Email"},
                {"column": "lifetime_value", "field": "LTV__c"},
            ],
            owner={"name": "Growth Engineering", "email": "growth@shop.example.com"},
            schedule="0 * * * *",
            url="https://app.reverse-etl.example.com/syncs/101",
        ),
        ix.ReverseEtlSync(
            id="ht-102",
            name="ads_high_value_orders",
            description="Orders above 200 as an ads conversion audience.",
            model="orders",
            destination="google_ads.offline_conversions",
            mapping=[{"column": "order_id", "field": "order_id"}],
            owner={"email": "marketing-ops@shop.example.com"},
            post_hook="{{ log('orders rebuilt: ads audience refresh queued', info=true) }}",
        ),
    ]


def by_id(pulled: ix.Pulled) -> dict[str, ix.ReverseEtlSync]:
    """The pulled syncs by id."""
    return {o.id: o for o in pulled.objects if isinstance(o, ix.ReverseEtlSync)}


def start(session: ix.Session) -> list[ix.ReverseEtlSync]:
    """What the tool holds after its first pull: the repo's application exposures."""
    return list(by_id(session.pull_syncs([])).values())


def test_sync_objects_take_and_give_plain_dicts() -> None:
    [crm, ads] = syncs()
    assert ads.to_dict() == {
        "id": "ht-102",
        "name": "ads_high_value_orders",
        "description": "Orders above 200 as an ads conversion audience.",
        "model": "orders",
        "destination": "google_ads.offline_conversions",
        "mapping": [{"column": "order_id", "field": "order_id"}],
        "owner": {"email": "marketing-ops@shop.example.com"},
        "post_hook": "{{ log('orders rebuilt: ads audience refresh queued', info=true) }}",
    }
    assert ix.ReverseEtlSync.from_dict(crm.to_dict()) == crm and crm != ads
    assert (ads.label, ads.schedule, ads.url) == (None, None, None)
    assert crm.mapping[2] == {"column": "lifetime_value", "field": "LTV__c"}
    assert repr(ads).startswith("ReverseEtlSync(id='ht-102', name='ads_high_value_orders'")
    with pytest.raises(ix.InputError, match="destination"):
        ix.ReverseEtlSync(id="x", name="x", model="orders", owner={"name": "x"})


def test_syncs_round_trip_with_a_post_hook_only_where_asked(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "reverse_etl")
    held = start(session)
    # The customer's own application exposure reads as a sync; sent back, nothing changes.
    [crm] = [s for s in held if s.name == "crm_customer_sync"]
    assert crm.model == "dim_customers" and crm.owner["name"] == "Growth Engineering"
    assert session.plan_syncs(held).is_noop
    objects = held + syncs()
    plan = session.plan_syncs(objects)
    assert sorted(f.path for f in plan.files) == [EXPOSURES, FINANCE]
    assert plan.errors == [] and plan.conflicts == []
    session.apply(plan)
    exposures = git(repo, "show", f"interop/{VENDOR}:{EXPOSURES}")
    assert "type: application" in exposures and "destination: salesforce.Contact" in exposures
    finance = git(repo, "diff", "main", f"interop/{VENDOR}", "--", FINANCE)
    assert "+      post_hook:" in finance
    merge_pr(repo, VENDOR)
    pulled = session.pull_syncs(objects)
    assert by_id(pulled) == {s.id: s for s in objects}
    assert repr(pulled).startswith("Pulled(reverse_etl: 3 object(s)")
    again = session.plan_syncs(objects)
    assert again.is_noop and again.vendor_changes == []


def test_a_customer_edit_of_the_exposure_arrives_as_a_change_of_the_sync(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "reverse_etl")
    objects = start(session) + syncs()
    session.apply(session.plan_syncs(objects))
    merge_pr(repo, VENDOR)
    edit_file(repo, EXPOSURES, "destination: salesforce.Contact", "destination: salesforce.Lead")
    edit_file(repo, EXPOSURES, "field: LTV__c", "field: Lifetime_Value__c")
    pulled = session.pull_syncs(objects)
    [change] = [c for c in pulled.vendor_changes if c.id == "ht-101"]
    assert change.change == "updated"
    crm = syncs()[0].to_dict()
    crm["destination"] = "salesforce.Lead"
    crm["mapping"][2]["field"] = "Lifetime_Value__c"
    assert by_id(pulled)["ht-101"] == ix.ReverseEtlSync(crm)
    assert by_id(pulled)["ht-102"] == syncs()[1]
    plan = session.plan_syncs(pulled.objects)
    assert plan.is_noop and plan.conflicts == []


def test_a_sync_without_an_owner_or_with_a_hook_on_no_model_is_refused(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "reverse_etl")
    ownerless = ix.ReverseEtlSync(syncs()[0].to_dict(), owner={})
    with pytest.raises(ix.InputError, match="sync ht-101: a sync needs an owner"):
        session.plan_syncs([ownerless])
    nowhere = ix.ReverseEtlSync(syncs()[1].to_dict(), model="no_such_model")
    with pytest.raises(ix.InputError, match="no model 'no_such_model'"):
        session.plan_syncs([nowhere])
