"""A notebook tool's publications as analyses: cells land as CTEs with relation names as
`ref()` / `source()`, read back as the cells, the customer's edit of a cell arrives, and an
edit that breaks the layout is reported while the tool keeps its cells."""

from __future__ import annotations

from pathlib import Path

import pytest

import interop_sync as ix
from conftest import edit_file, git, merge_pr

VENDOR = "acme-notebooks"
FILE = "analyses/repeat_buyers_by_region.sql"


def repeat_buyers() -> ix.Publication:
    """A three-cell notebook: each cell queries the one before it."""
    return ix.Publication(
        id="nb-7",
        name="repeat_buyers_by_region",
        description="Share of customers who ordered twice or more, by region.",
        cells=[
            {
                "name": "recent_orders",
                "sql": "select\n    customer_id,\n    customer_region,\n    order_id\n"
                "from {{ ref('orders') }}\nwhere ordered_at >= '{{ var(\"orders_start_date\") }}'",
            },
            {
                "name": "orders_per_customer",
                "sql": "select\n    customer_id,\n    customer_region,\n"
                "    count(order_id) as order_count\nfrom recent_orders\n"
                "group by customer_id, customer_region",
            },
            {
                "name": "repeat_rate",
                "sql": "select\n    customer_region,\n"
                "    avg(case when order_count > 1 then 1.0 else 0.0 end) as repeat_rate\n"
                "from orders_per_customer\ngroup by customer_region",
            },
        ],
    )


def by_id(pulled: ix.Pulled) -> dict[str, ix.Publication]:
    """The pulled publications by id."""
    return {o.id: o for o in pulled.objects if isinstance(o, ix.Publication)}


def test_publication_objects_take_and_give_plain_dicts() -> None:
    notebook = repeat_buyers()
    assert list(notebook.to_dict()) == ["id", "name", "description", "cells"]
    assert ix.Publication.from_dict(notebook.to_dict()) == notebook
    assert [c["name"] for c in notebook.cells] == ["recent_orders", "orders_per_customer", "repeat_rate"]
    bare = ix.Publication(id="nb-1", name="one_cell", cells=[{"name": "one_cell", "sql": "select 1"}])
    assert bare.description is None and bare != notebook
    assert repr(bare).startswith("Publication(id='nb-1', name='one_cell', cells=[{'name': ")


def test_a_publication_round_trips_through_an_analysis(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "notebook")
    objects = [repeat_buyers()]
    plan = session.plan_publications(objects)
    [file] = plan.files
    assert file.path == FILE and file.before is None
    assert file.after.startswith("-- Share of customers who ordered twice or more, by region.\nwith\n")
    assert "orders_per_customer as (" in file.after and "-- cell: repeat_rate" in file.after
    session.apply(plan)
    assert git(repo, "diff", "--name-status", "main", f"interop/{VENDOR}") == f"A\t{FILE}\n"
    merge_pr(repo, VENDOR)
    pulled = session.pull_publications(objects)
    assert by_id(pulled)["nb-7"] == objects[0]
    assert pulled.errors == []
    # The shop's own analysis arrives as a publication: its final query is the cell named after it.
    [cohort] = [p for p in by_id(pulled).values() if p.name == "customer_cohort_retention"]
    assert [c["name"] for c in cohort.cells][-1] == "customer_cohort_retention"
    again = session.plan_publications(objects)
    assert again.is_noop and again.vendor_changes == []


def test_a_customer_edit_of_a_cell_arrives_and_a_broken_layout_is_reported(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "notebook")
    objects = [repeat_buyers()]
    session.apply(session.plan_publications(objects))
    merge_pr(repo, VENDOR)
    edit_file(repo, FILE, "count(order_id) as order_count", "count(distinct order_id) as order_count")
    pulled = session.pull_publications(objects)
    expected = repeat_buyers().to_dict()
    expected["cells"][1]["sql"] = expected["cells"][1]["sql"].replace(
        "count(order_id)", "count(distinct order_id)"
    )
    assert by_id(pulled)["nb-7"] == ix.Publication(expected)
    assert pulled.errors == []
    after = pulled.objects
    plan = session.plan_publications(after)
    assert plan.is_noop and plan.conflicts == []
    # A comment between two CTEs belongs to no cell: reported, the tool keeps its cells.
    edit_file(
        repo,
        FILE,
        "),\n\norders_per_customer as (",
        ")\n-- TODO: drop test customers\n,\n\norders_per_customer as (",
    )
    kept = session.pull_publications(after)
    [error] = kept.errors
    assert "comment between CTEs" in error
    assert by_id(kept)["nb-7"] == ix.Publication(expected)
    assert repr(kept).endswith(", 1 unreadable)")


def test_cells_that_cannot_be_told_apart_are_refused(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "notebook")
    twice = repeat_buyers().to_dict()
    twice["cells"][1]["name"] = "recent_orders"
    with pytest.raises(ix.InputError, match="two cells"):
        session.plan_publications([twice])
