"""The conformance suite as a pytest plugin: ``pytest --interop-adapter "CMD"``.

Installed with the package (entry point ``pytest11``), it does nothing until
``--interop-adapter`` is given. Then every conformance scenario (the ones shipped with Interop,
or those under ``--interop-scenarios DIR``) is one test item, named by its id, that runs the
scenario against the adapter command (a process speaking the adapter protocol on
stdin/stdout, started afresh for each scenario). A failing scenario fails with the runner's
own words: the step, and each check that did not hold. A scenario the adapter cannot take
(a category it does not implement) is skipped with the reason. ``--interop-category`` and
``--interop-level`` select scenarios as ``interop conformance`` does; ``-k`` works on ids.

    pytest --interop-adapter "python3 my_adapter.py" --interop-category catalog
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from . import conformance_scenarios, run_conformance


def pytest_addoption(parser: pytest.Parser) -> None:
    """The plugin's options."""
    group = parser.getgroup("interop", "Interop conformance")
    group.addoption(
        "--interop-adapter",
        metavar="CMD",
        default=None,
        help="certify this adapter command: one test per conformance scenario",
    )
    group.addoption(
        "--interop-scenarios",
        metavar="DIR",
        default=None,
        help="the scenario folder (default: the scenarios shipped with Interop)",
    )
    group.addoption(
        "--interop-fixtures",
        metavar="DIR",
        default=None,
        help="the fixture repos the scenarios start from (default: the shipped ones)",
    )
    group.addoption(
        "--interop-category",
        metavar="C",
        action="append",
        default=[],
        help="only the scenarios of this category (repeatable): bi, catalog, observability, any",
    )
    group.addoption(
        "--interop-level",
        metavar="L",
        choices=["reference", "nice_to_have"],
        default=None,
        help="only the scenarios of this level: reference or nice_to_have",
    )
    group.addoption(
        "--interop-no-dbt",
        action="store_true",
        default=False,
        help="do not run dbt parse even when the oracle is installed",
    )


class ScenarioFailed(Exception):
    """A scenario did not hold; the message is the runner's."""


class ScenarioItem(pytest.Item):
    """One conformance scenario run against the adapter."""

    def __init__(self, *, scenario: dict[str, str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.add_marker(pytest.mark.interop_conformance)
        self.user_properties.append(("category", scenario["category"]))
        self.user_properties.append(("level", scenario["level"]))

    def runtest(self) -> None:
        """Runs the scenario; fails with the runner's message, skips what the adapter lacks."""
        config = self.config
        report = run_conformance(
            config.getoption("interop_adapter"),
            [self.scenario["id"]],
            scenarios=config.getoption("interop_scenarios"),
            fixtures=config.getoption("interop_fixtures"),
            dbt=not config.getoption("interop_no_dbt"),
        )
        [result] = report["scenarios"]
        if result["outcome"] == "skipped":
            pytest.skip(result.get("why") or "the adapter does not take this scenario")
        if result["outcome"] != "passed":
            raise ScenarioFailed(failure_message(result))

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,
    ) -> str:
        """The runner's message, without a Python traceback."""
        if isinstance(excinfo.value, ScenarioFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo, style=style))

    def reportinfo(self) -> tuple[Path | str, int | None, str]:
        """Where the scenario is written, and its requirement."""
        file = self.scenario.get("file") or self.scenario["id"]
        return file, None, f"{self.scenario['id']}: {self.scenario['requirement']}"


def failure_message(result: dict[str, Any]) -> str:
    """What a failed scenario says: the requirement, then each failed step and its checks."""
    lines = [
        f"{result['id']} ({result['category']}, {result['level']}): {result['requirement']}",
    ]
    steps = [s for s in result.get("steps", []) if not s.get("passed")]
    for step in steps:
        lines.append(f"step {step['step']} ({step['label']}) failed:")
        lines.extend(f"  - {failure}" for failure in step.get("failures", []))
    if not steps and result.get("why"):
        lines.append(str(result["why"]))
    return "\n".join(lines)


def selected(scenario: dict[str, str], config: pytest.Config) -> bool:
    """Whether ``--interop-category`` and ``--interop-level`` take the scenario."""
    categories: list[str] = config.getoption("interop_category")
    level: str | None = config.getoption("interop_level")
    return (not categories or scenario["category"] in categories) and (
        level is None or scenario["level"] == level
    )


def pytest_configure(config: pytest.Config) -> None:
    """Declares the marker the scenario items carry."""
    config.addinivalue_line(
        "markers", "interop_conformance: a conformance scenario run against an adapter"
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """With ``--interop-adapter``, adds one item per scenario (before ``-k`` and ``-m``
    select)."""
    if config.getoption("interop_adapter") is None:
        return
    added: list[pytest.Item] = [
        ScenarioItem.from_parent(
            session,
            name=scenario["id"],
            nodeid=f"interop-conformance::{scenario['id']}",
            scenario=scenario,
        )
        for scenario in conformance_scenarios(config.getoption("interop_scenarios"))
        if selected(scenario, config)
    ]
    # Reported as collected, so that pytest's counts (collected, deselected) include them.
    report = pytest.CollectReport("interop-conformance", "passed", None, list(added))
    config.hook.pytest_collectreport(report=report)
    items.extend(added)
