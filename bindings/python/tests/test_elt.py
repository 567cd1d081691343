"""An ELT tool's connectors and SQL transforms: a connector lands as a source (with staging
models), a transform as a model whose warehouse tables are import CTEs; both read back equal,
the customer's edits arrive as the tool's objects, and a transform reading an unknown table is
left out of the plan and said."""

from __future__ import annotations

from pathlib import Path

import pytest

import interop_sync as ix
from conftest import edit_file, merge_pr

VENDOR = "acme-elt"
SOURCES = "models/staging/hubspot/_hubspot__sources.yml"
MODEL = "models/elt/elt_contacts_per_company.sql"


def column(name: str, data_type: str, description: str) -> dict[str, str]:
    """A column of a connector's table."""
    return {"name": name, "data_type": data_type, "description": description}


def hubspot() -> ix.Connector:
    """The HubSpot connector: two tables with primary keys, staged."""
    return ix.Connector(
        id="conn-hubspot",
        name="hubspot",
        loader="fivetran",
        database="raw",
        schema="hubspot_crm",
        description="CRM objects synced from HubSpot.",
        loaded_at="_fivetran_synced",
        freshness={
            "warn_after": {"count": 12, "period": "hour"},
            "error_after": {"count": 1, "period": "day"},
        },
        tables=[
            {
                "name": "companies",
                "description": "One row per company record.",
                "primary_key": "id",
                "columns": [
                    column("id", "bigint", "HubSpot company id."),
                    column("name", "varchar", "Company name."),
                    column("_fivetran_synced", "timestamp", "When the row was loaded."),
                ],
            },
            {
                "name": "contacts",
                "identifier": "contact",
                "description": "One row per contact.",
                "primary_key": "id",
                "no_freshness": True,
                "columns": [
                    column("id", "bigint", "HubSpot contact id."),
                    column("company_id", "bigint", "The contact's company."),
                    column("email", "varchar", "Work email."),
                ],
            },
        ],
        staging=True,
    )


CONTACTS_SQL = (
    "-- Contacts per company.\nselect\n    companies.id as company_id,\n"
    "    count(contact.id) as contact_count\nfrom raw.hubspot_crm.companies as companies\n"
    "left join raw.hubspot_crm.contact as contact\n    on companies.id = contact.company_id\n"
    "group by companies.id\n"
)


def contacts_per_company(sql: str = CONTACTS_SQL) -> ix.EltTransform:
    """A transform over the connector's two tables."""
    return ix.EltTransform(
        id="tf-contacts",
        name="elt_contacts_per_company",
        folder="elt",
        sql=sql,
        description="How many contacts each company has.",
        owner="revops",
        materialization="table",
    )


def objects() -> list[ix.Connector | ix.EltTransform]:
    """Everything the tool has."""
    return [hubspot(), contacts_per_company()]


def mine(pulled: ix.Pulled) -> list[ix.Connector | ix.EltTransform]:
    """The tool's own objects (every source of the repo arrives as a connector)."""
    return [
        o
        for o in pulled.objects
        if isinstance(o, ix.EltTransform) or (isinstance(o, ix.Connector) and o.name == "hubspot")
    ]


def synced(session: ix.Session, repo: Path) -> None:
    """Plans, applies and the customer merges."""
    plan = session.plan_elt(objects(), dialect="duckdb")
    assert plan.unmapped == [] and plan.errors == [] and plan.conflicts == []
    session.apply(plan)
    merge_pr(repo, VENDOR)


def test_elt_objects_take_and_give_plain_dicts() -> None:
    connector = hubspot()
    assert ix.Connector.from_dict(connector.to_dict()) == connector
    assert connector.tables[1]["identifier"] == "contact" and connector.staging is True
    bare = ix.Connector(id="conn-x", name="x")
    assert bare.to_dict() == {"id": "conn-x", "name": "x"}
    assert (bare.tables, bare.staging, bare.freshness) == ([], False, None)
    assert repr(bare) == "Connector(id='conn-x', name='x')"
    transform = contacts_per_company()
    assert transform.materialization == "table" and ix.EltTransform(transform.to_dict()) == transform
    with pytest.raises(ix.InputError, match="unknown field `primary_keys`"):
        ix.Connector(id="c", name="c", tables=[{"name": "t", "primary_keys": ["id"]}])
    with pytest.raises(ix.InputError, match="unknown variant `incremental`"):
        ix.EltTransform(transform.to_dict(), materialization="incremental")


def test_connectors_and_transforms_round_trip(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "elt")
    plan = session.plan_elt(objects(), dialect="duckdb")
    paths = {f.path for f in plan.files}
    assert {SOURCES, MODEL, "models/staging/hubspot/stg_hubspot__contacts.sql"} <= paths
    model = next(f for f in plan.files if f.path == MODEL)
    assert "{{ source('hubspot', 'companies') }}" in model.after and "raw.hubspot_crm" not in model.after
    synced(session, repo)
    pulled = session.pull_elt(objects(), dialect="duckdb")
    assert mine(pulled) == objects()
    assert repr(pulled).startswith("Pulled(elt: ")
    # The repo's hand-written sources arrive as connectors too.
    assert {o.name for o in pulled.objects if isinstance(o, ix.Connector)} >= {"hubspot", "shop_db", "stripe"}
    again = session.plan_elt(objects(), dialect="duckdb")
    assert again.is_noop and again.vendor_changes == []
    # The set's dict is the same objects.
    as_dict = {"dialect": "duckdb", "connectors": [hubspot().to_dict()], "transforms": [contacts_per_company().to_dict()]}
    assert session.plan_elt(as_dict).is_noop


def test_customer_edits_arrive_as_the_tools_objects(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "elt")
    synced(session, repo)
    edit_file(repo, SOURCES, "description: Work email.", "description: Work email, lower-cased by the loader.")
    edited_sql = CONTACTS_SQL.replace(
        "group by companies.id\n", "where contact.email is not null\ngroup by companies.id\n"
    )
    edit_file(repo, MODEL, "group by companies.id\n", "where contact.email is not null\ngroup by companies.id\n")
    pulled = session.pull_elt(objects(), dialect="duckdb")
    updated = sorted(c.id for c in pulled.vendor_changes if c.change == "updated")
    assert updated == ["conn-hubspot/contacts", "tf-contacts"]
    connector = hubspot().to_dict()
    connector["tables"][1]["columns"][2]["description"] = "Work email, lower-cased by the loader."
    assert mine(pulled) == [ix.Connector(connector), contacts_per_company(edited_sql)]
    # Taken in, the edits write nothing back but what follows from them: the staging model
    # describes its column as the connector now does.
    plan = session.plan_elt(mine(pulled), dialect="duckdb")
    assert plan.conflicts == [] and plan.unmapped == []
    [file] = plan.files
    assert file.path == "models/staging/hubspot/_hubspot__models.yml" and file.before is not None
    changed = [(a, b) for a, b in zip(file.before.splitlines(), file.after.splitlines()) if a != b]
    assert changed == [
        ("        description: Work email.", "        description: Work email, lower-cased by the loader.")
    ]


def test_a_transform_reading_an_unknown_table_is_left_out_and_said(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "elt")
    leads = ix.EltTransform(id="tf-leads", name="elt_leads", sql="select * from raw.salesforce.leads")
    plan = session.plan_elt([*objects(), leads], dialect="duckdb")
    assert plan.unmapped == [
        "tf-leads: the table raw.salesforce.leads is neither a source table nor a model of the repo"
    ]
    assert repr(plan).endswith(", 1 unmapped)")
    assert not any("elt_leads" in f.path for f in plan.files)
    assert any(f.path == MODEL for f in plan.files), "the rest of the set is planned"
    with pytest.raises(ix.InputError, match="unknown dialect 'sqlite'"):
        session.plan_elt(objects(), dialect="sqlite")  # type: ignore[arg-type]
    with pytest.raises(ix.InputError, match="an ELT object is a Connector or an EltTransform"):
        session.plan_elt([ix.Job(id="j", name="j", select={"spec": "tag:x"})])  # type: ignore[list-item]
