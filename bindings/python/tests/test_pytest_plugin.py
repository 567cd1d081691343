"""The conformance pytest plugin (`pytest --interop-adapter CMD`, entry point of the package):
one item per scenario, run against the adapter; a misbehaving adapter fails with the runner's
message."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

import interop_sync as ix
from conftest import ROOT

pytest_plugins = ["pytester"]

CLI_ADAPTER = ROOT / "conformance" / "adapters" / "cli_adapter.py"
SCENARIOS = ROOT / "conformance" / "scenarios"


def interop_bin() -> Path:
    """The `interop` command the Python example adapter drives ($INTEROP_BIN, else the debug
    build `scripts/test` made)."""
    given = os.environ.get("INTEROP_BIN")
    path = Path(given) if given else ROOT / "target" / "debug" / "interop"
    if not path.exists():
        pytest.skip(f"the interop binary is not built ({path})")
    return path


def test_the_scenarios_are_listed_with_their_category_and_level() -> None:
    scenarios = ix.conformance_scenarios()
    ids = [s["id"] for s in scenarios]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    assert "catalog.boundary-holds" in ids
    [boundary] = [s for s in scenarios if s["id"] == "catalog.boundary-holds"]
    assert (boundary["category"], boundary["level"]) == ("catalog", "reference")
    assert boundary["file"].endswith("catalog/boundary-holds.yaml")
    assert ix.conformance_scenarios(SCENARIOS / "catalog") == [
        s for s in scenarios if s["file"].startswith(str(SCENARIOS / "catalog"))
    ]
    with pytest.raises(ix.InputError, match="no scenario 'catalog.nope'"):
        ix.run_conformance(None, ["catalog.nope"])


def test_the_reference_integration_passes_a_scenario_from_python() -> None:
    report = ix.run_conformance(None, ["catalog.boundary-holds"], dbt=False)
    assert report["schema"] == "interop.conformance-report/v1"
    [result] = report["scenarios"]
    assert (result["id"], result["outcome"]) == ("catalog.boundary-holds", "passed")
    assert result["steps"] and all(step["passed"] for step in result["steps"])


def test_the_plugin_certifies_the_python_example_adapter(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTEROP_BIN", str(interop_bin()))
    adapter = f"{sys.executable} {CLI_ADAPTER}"
    result = pytester.runpytest_subprocess(
        "--interop-adapter", adapter, "--interop-no-dbt", "--interop-category", "catalog", "-v"
    )
    catalog = [s["id"] for s in ix.conformance_scenarios() if s["category"] == "catalog"]
    result.assert_outcomes(passed=len(catalog))
    for scenario in catalog:
        result.stdout.fnmatch_lines([f"*interop-conformance::{scenario} PASSED*"])


def bi_scenarios() -> list[dict[str, str]]:
    """The shipped BI scenarios."""
    return [s for s in ix.conformance_scenarios() if s["category"] == "bi"]


DEAF_ADAPTER = f"""
import sys
sys.path.insert(0, {str(CLI_ADAPTER.parent)!r})
import cli_adapter

# Misbehaves on purpose: the repo's changes never reach the tool's objects.
cli_adapter.Tool.take = lambda self, changes: None
cli_adapter.main()
"""


def test_an_adapter_that_ignores_repo_edits_fails_the_scenarios_that_need_them(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTEROP_BIN", str(interop_bin()))
    script = pytester.makepyfile(deaf_adapter=DEAF_ADAPTER)
    result = pytester.runpytest_subprocess(
        "--interop-adapter",
        f"{sys.executable} {script}",
        "--interop-no-dbt",
        "--interop-category",
        "bi",
        "-k",
        "sync-twice or rename or merge-with-edits",
        "-rA",
        "--ignore",
        str(script),
    )
    # A sync alone passes; a rename and an edit in review never reach the tool.
    result.assert_outcomes(passed=1, failed=2, deselected=len(bi_scenarios()) - 3)
    result.stdout.fnmatch_lines(
        [
            "PASSED interop-conformance::bi.sync-twice-changes-nothing",
            "FAILED interop-conformance::bi.customer-rename-keeps-identity*",
            "FAILED interop-conformance::bi.merge-with-edits-agreed*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "bi.customer-rename-keeps-identity (bi, reference): A metric the customer renames*",
            "step * (pull) failed:",
            '  - expected vendor\'s objects to include {"id":"bi-1","name":"average_order_revenue"}*',
        ]
    )


def test_a_broken_adapter_fails_every_scenario_with_the_runners_message(
    pytester: pytest.Pytester,
) -> None:
    result = pytester.runpytest_subprocess(
        "--interop-adapter",
        "while read line; do echo hello there; done",
        "--interop-no-dbt",
        "--interop-scenarios",
        str(SCENARIOS / "observability"),
    )
    observability = ix.conformance_scenarios(SCENARIOS / "observability")
    result.assert_outcomes(failed=len(observability))
    result.stdout.fnmatch_lines(
        [
            "*observability.monitors-as-tests (observability, reference): *",
            "*the adapter's answer to `hello` is not a protocol response*",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_without_the_option_the_plugin_adds_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_alone():\n    assert 1 + 1 == 2\n")
    result = pytester.runpytest_subprocess("-v")
    result.assert_outcomes(passed=1)
    assert "interop-conformance::" not in result.stdout.str()
