"""An ML tool's feature sets and predictions as models: a feature set aggregates its base model
per entity (the repo's BI metrics as features), a prediction is a flagged model (or only the
flag on a customer's model); both read back equal and a customer's edit of a feature arrives."""

from __future__ import annotations

from pathlib import Path

import pytest

import interop_sync as ix
from conftest import edit_file, git, merge_pr

VENDOR = "acme-ml"
SQL = "models/ml/customer_order_features.sql"
ENTRY = "models/ml/_ml__models.yml"


def features() -> ix.FeatureSet:
    """Order-history features per customer, two of them the repo's metrics."""
    return ix.FeatureSet(
        id="fs-customer",
        name="customer_order_features",
        description="Order history features per customer, for churn and LTV models.",
        entity="customer",
        key="customer_id",
        model="orders",
        features=[
            {"name": "first_ordered_at", "expr": "min(ordered_at)", "description": "When the customer first ordered."},
            {"name": "lifetime_revenue", "expr": "sum(order_total)", "description": "Sum of the customer's order totals."},
            {"name": "paid_share", "expr": "avg(case when is_fully_paid then 1.0 else 0.0 end)"},
        ],
        metrics=["order_count", "largest_order_amount"],
    )


def predictions() -> list[ix.Prediction]:
    """A scored table of the tool's, and the customer's web sessions flagged as one."""
    return [
        ix.Prediction(
            id="pred-ltv",
            name="customer_ltv_predictions",
            description="Predicted 12-month revenue per customer.",
            upstream=["customer_order_features"],
            columns=[
                {"name": "customer_id", "description": "The customer."},
                {"name": "predicted_revenue_12m", "description": "Expected revenue over the next 12 months."},
            ],
            sql="with\n\nfeatures as (\n\n    select * from {{ ref('customer_order_features') }}\n\n)\n\n"
            "select\n    customer_id,\n"
            "    lifetime_revenue / greatest(order_count, 1) * 4 as predicted_revenue_12m\n"
            "from features\n",
        ),
        ix.Prediction(id="pred-sessions", name="web_sessions"),
    ]


def own(pulled: ix.Pulled) -> dict[str, ix.FeatureSet | ix.Prediction]:
    """The pulled feature sets and predictions by id."""
    return {o.id: o for o in pulled.objects if isinstance(o, (ix.FeatureSet, ix.Prediction))}


def test_ml_objects_take_and_give_plain_dicts() -> None:
    fs = features()
    assert fs.folder == "ml", "the default folder is part of the dict"
    assert ix.FeatureSet.from_dict(fs.to_dict()) == fs
    assert fs.features[2] == {"name": "paid_share", "expr": "avg(case when is_fully_paid then 1.0 else 0.0 end)"}
    flag = predictions()[1]
    assert flag.to_dict() == {"id": "pred-sessions", "name": "web_sessions", "folder": "ml"}
    assert (flag.sql, flag.upstream, flag.columns, flag.description) == (None, [], [], None)
    assert repr(flag) == "Prediction(id='pred-sessions', name='web_sessions', folder='ml')"
    with pytest.raises(ix.InputError, match="entity"):
        ix.FeatureSet(id="fs", name="fs", key="customer_id", model="orders")


def test_feature_sets_and_predictions_round_trip(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "ml")
    objects = predictions()
    plan = session.plan_ml([features()], objects)
    assert plan.errors == [] and plan.conflicts == []
    session.apply(plan)
    sql = git(repo, "show", f"interop/{VENDOR}:{SQL}")
    assert "group by customer_id" in sql and "count(order_id) as order_count" in sql
    entry = git(repo, "show", f"interop/{VENDOR}:{ENTRY}")
    assert "interop_prediction: true" in entry and "One row per customer." in entry
    # The customer's model only gets the flag, under its existing `config:`.
    marketing = git(repo, "diff", "main", f"interop/{VENDOR}", "--", "models/marts/marketing/_marketing__models.yml")
    added = [line for line in marketing.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert len(added) == 2 and added[1].endswith("interop_prediction: true"), marketing
    merge_pr(repo, VENDOR)
    pulled = session.pull_ml([features()], objects)
    held: list[ix.FeatureSet | ix.Prediction] = [features(), *objects]
    assert own(pulled) == {o.id: o for o in held}
    assert pulled.errors == [] and repr(pulled).startswith("Pulled(ml: ")
    again = session.plan_ml([features()], objects)
    assert again.is_noop and again.vendor_changes == []


def test_a_customer_edit_of_a_feature_arrives(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "ml")
    session.apply(session.plan_ml([features()], predictions()))
    merge_pr(repo, VENDOR)
    edit_file(repo, SQL, "sum(order_total) as lifetime_revenue", "sum(amount_paid) as lifetime_revenue")
    edit_file(repo, ENTRY, "When the customer first ordered.", "Timestamp of the customer's first order.")
    pulled = session.pull_ml([features()], predictions())
    expected = features().to_dict()
    expected["features"][1]["expr"] = "sum(amount_paid)"
    expected["features"][0]["description"] = "Timestamp of the customer's first order."
    after = own(pulled)
    assert after["fs-customer"] == ix.FeatureSet(expected)
    assert after["pred-ltv"] == predictions()[0]
    held = [o for o in pulled.objects if isinstance(o, ix.FeatureSet)]
    plan = session.plan_ml(held, [o for o in pulled.objects if isinstance(o, ix.Prediction)])
    assert plan.is_noop and plan.conflicts == []


def test_a_metric_with_a_filter_is_not_a_feature(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "ml")
    with pytest.raises(ix.InputError, match="filter"):
        session.plan_ml([ix.FeatureSet(features().to_dict(), metrics=["revenue"])])
