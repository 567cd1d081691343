"""A product-analytics tool's activity streams as activity-schema models, with metrics on them
through the BI mapping: everything reads back equal and a customer's edit of a stream's column
arrives."""

from __future__ import annotations

from pathlib import Path

import pytest

import interop_sync as ix
from conftest import edit_file, git, merge_pr

VENDOR = "acme-analytics"
SQL = "models/activities/order_activities.sql"


def order_stream() -> ix.ActivityStream:
    """One row per order placed."""
    return ix.ActivityStream(
        id="stream-orders",
        name="order_activities",
        description="One row per order placed, in the activity schema.",
        model="orders",
        activity_id="'order_' || order_id",
        ts="ordered_at",
        customer="cast(customer_id as varchar)",
        activity="'placed_order'",
        revenue_impact="order_total",
        link="'https://admin.shop.example.com/orders/' || order_id",
    )


def session_stream() -> ix.ActivityStream:
    """One row per web session started."""
    return ix.ActivityStream(
        id="stream-sessions",
        name="session_activities",
        model="web_sessions",
        activity_id="session_id",
        ts="session_started_at",
        customer="coalesce(cast(customer_id as varchar), 'anonymous')",
        activity="'started_session'",
    )


def metrics() -> list[ix.SemanticModel | ix.Metric]:
    """A semantic model on the order stream and two metrics on it."""
    return [
        ix.SemanticModel(
            id="sm-orders",
            name="order_activities",
            model="order_activities",
            agg_time_dimension="ts",
            entities=[{"id": "e-act", "name": "order_activity", "type": "primary", "expr": "activity_id"}],
            dimensions=[
                {"id": "d-ts", "name": "ts", "type": "time", "granularity": "day"},
                {"id": "d-act", "name": "activity", "type": "categorical"},
            ],
        ),
        ix.Metric(
            id="m-count",
            name="placed_orders",
            type="simple",
            semantic_model="order_activities",
            agg="count",
            expr="activity_id",
        ),
        ix.Metric(
            id="m-rev",
            name="activity_revenue",
            label="Revenue from activities",
            type="simple",
            semantic_model="order_activities",
            agg="sum",
            expr="revenue_impact",
        ),
    ]


def own(pulled: ix.Pulled) -> list[ix.ActivityStream | ix.SemanticModel | ix.Metric]:
    """The tool's own objects among the pulled ones (the repo's other metrics arrive too)."""
    out: list[ix.ActivityStream | ix.SemanticModel | ix.Metric] = []
    for o in pulled.objects:
        if isinstance(o, ix.ActivityStream) or (
            isinstance(o, (ix.SemanticModel, ix.Metric)) and o.id.startswith(("sm-", "m-"))
        ):
            out.append(o)
    return out


def test_stream_objects_take_and_give_plain_dicts() -> None:
    stream = session_stream()
    assert stream.to_dict() == {
        "id": "stream-sessions",
        "name": "session_activities",
        "model": "web_sessions",
        "activity_id": "session_id",
        "ts": "session_started_at",
        "customer": "coalesce(cast(customer_id as varchar), 'anonymous')",
        "activity": "'started_session'",
        "folder": "activities",
    }
    assert ix.ActivityStream.from_dict(order_stream().to_dict()) == order_stream() != stream
    assert (stream.feature_json, stream.revenue_impact, stream.link) == (None, None, None)
    assert repr(stream).startswith("ActivityStream(id='stream-sessions', name='session_activities'")


def test_streams_and_their_metrics_round_trip(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "product_analytics")
    streams = [order_stream(), session_stream()]
    plan = session.plan_streams(streams, metrics())
    assert plan.errors == [] and plan.conflicts == []
    paths = [f.path for f in plan.files]
    assert SQL in paths and "models/activities/_activities__models.yml" in paths
    session.apply(plan)
    sql = git(repo, "show", f"interop/{VENDOR}:{SQL}")
    assert "order_total as revenue_impact" in sql and "null as feature_json" in sql
    merge_pr(repo, VENDOR)
    pulled = session.pull_streams(streams, metrics())
    assert own(pulled) == [*streams, *metrics()]
    assert pulled.errors == [] and repr(pulled).startswith("Pulled(product_analytics: ")
    again = session.plan_streams(streams, metrics())
    assert again.is_noop and again.vendor_changes == []


def test_a_customer_edit_of_a_stream_column_arrives(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "product_analytics")
    streams = [order_stream(), session_stream()]
    session.apply(session.plan_streams(streams, metrics()))
    merge_pr(repo, VENDOR)
    edit_file(repo, SQL, "order_total as revenue_impact", "amount_paid as revenue_impact")
    pulled = session.pull_streams(streams, metrics())
    edited = ix.ActivityStream(order_stream().to_dict(), revenue_impact="amount_paid")
    assert own(pulled) == [edited, session_stream(), *metrics()]
    plan = session.plan_streams([edited, session_stream()], metrics())
    assert plan.is_noop and plan.conflicts == []


def test_stream_metrics_are_metrics_and_semantic_models_only(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "product_analytics")
    board = ix.Dashboard(id="d-1", name="activity_board", owner={"name": "Growth"}, depends_on=[])
    with pytest.raises(ix.InputError, match="sync with plan_bi"):
        session.plan_streams([order_stream()], [board])  # type: ignore[list-item]
