"""The example BI tool (examples/sqlite_bi.py): metrics kept in SQLite reach the repo, and the
customer's rename and edit come back into the database."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import edit_file, git, merge_pr

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))
import sqlite_bi  # noqa: E402


def test_the_sqlite_tool_syncs_its_metrics_both_ways(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "bi.sqlite")
    assert sqlite_bi.main(["--db", db, "define", "revenue_per_order", "--label", "Revenue per order",
                           "--expr", "revenue / nullif(order_count, 0)", "--inputs", "revenue", "order_count",
                           "--description", "Revenue divided by orders."]) == 0
    assert sqlite_bi.main(["--db", db, "sync", "--repo", str(repo)]) == 0
    out = capsys.readouterr().out
    assert "committed" in out
    shown = git(repo, "show", "interop/sqlite-bi:models/marts/_metrics.yml")
    assert "name: revenue_per_order" in shown and "Revenue divided by orders." in shown

    merge_pr(repo, "sqlite-bi")
    assert sqlite_bi.main(["--db", db, "sync", "--repo", str(repo)]) == 0
    edit_file(repo, "models/marts/_metrics.yml", "name: revenue_per_order", "name: avg_order_revenue")
    edit_file(repo, "models/marts/_metrics.yml", "Revenue divided by orders.", "Net revenue per order.")
    assert sqlite_bi.main(["--db", db, "sync", "--repo", str(repo)]) == 0
    store = sqlite_bi.MetricStore(db)
    [metric] = list(store.all())
    store.close()
    assert (metric.id, metric.name, metric.description) == ("bi-1", "avg_order_revenue", "Net revenue per order.")
    assert metric.input_metrics == ["revenue", "order_count"]

    # Both sides edit the description: the sync reports a conflict; resolving it for the tool
    # writes the tool's text on the next sync.
    edit_file(repo, "models/marts/_metrics.yml", "Net revenue per order.", "Revenue per order, net of refunds.")
    store = sqlite_bi.MetricStore(db)
    metric.description = "Average revenue of an order."
    store.save(metric)
    store.close()
    capsys.readouterr()
    assert sqlite_bi.main(["--db", db, "sync", "--repo", str(repo)]) == 2
    assert "conflict bi-1 description" in capsys.readouterr().out
    assert sqlite_bi.main(["--db", db, "resolve", "--repo", str(repo), "bi-1", "description", "vendor"]) == 0
    assert sqlite_bi.main(["--db", db, "sync", "--repo", str(repo)]) == 0
    shown = git(repo, "show", "interop/sqlite-bi:models/marts/_metrics.yml")
    assert "Average revenue of an order." in shown
