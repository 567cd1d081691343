"""An orchestrator's jobs as YAML selectors: they land in a new `selectors.yml`, read back
equal, and the customer's edit (and a selector written by hand) arrive as job changes."""

from __future__ import annotations

from pathlib import Path

import pytest

import interop_sync as ix
from conftest import edit_file, git, merge_pr

VENDOR = "acme-orchestrator"


def method(method: str, value: str, **flags: bool) -> dict[str, object]:
    """A selection by one selector method."""
    return {"method": method, "value": value, **flags}


def jobs() -> list[ix.Job]:
    """The orchestrator's jobs: a union with an exclusion, an intersection, a selector string."""
    return [
        ix.Job(
            id="job-1",
            name="nightly_marts",
            description="Every mart for the morning report.",
            schedule="0 6 * * *",
            select={
                "union": [
                    method("path", "models/marts"),
                    method("fqn", "stg_stripe__payments", children=True),
                ],
                "exclude": [method("tag", "legacy")],
            },
        ),
        ix.Job(
            id="job-2",
            name="finance_tables",
            schedule="*/30 8-18 * * 1-5",
            select={"intersection": [method("tag", "finance"), method("config.materialized", "table")]},
        ),
        ix.Job(
            id="job-3",
            name="staging_refresh",
            description="Staging views after each load.",
            select={"spec": "tag:staging"},
        ),
    ]


def by_id(pulled: ix.Pulled) -> dict[str, ix.Job]:
    """The pulled jobs by id."""
    return {o.id: o for o in pulled.objects if isinstance(o, ix.Job)}


def test_job_objects_take_and_give_plain_dicts() -> None:
    [nightly, finance, staging] = jobs()
    assert staging.to_dict() == {
        "id": "job-3",
        "name": "staging_refresh",
        "description": "Staging views after each load.",
        "select": {"spec": "tag:staging"},
    }
    assert ix.Job.from_dict(nightly.to_dict()) == nightly and nightly != finance
    assert (finance.description, finance.schedule) == (None, "*/30 8-18 * * 1-5")
    assert repr(staging) == (
        "Job(id='job-3', name='staging_refresh', description='Staging views after each load.', "
        "select={'spec': 'tag:staging'})"
    )
    with pytest.raises(ix.InputError, match="select"):
        ix.Job(id="job-4", name="no_selection")


def test_jobs_round_trip_through_a_new_selectors_file(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "orchestration")
    objects = jobs()
    plan = session.plan_jobs(objects)
    assert [f.path for f in plan.files] == ["selectors.yml"] and plan.files[0].before is None
    assert "Schedule: 0 6 * * * (cron)" in plan.files[0].after
    assert plan.errors == [] and plan.conflicts == [] and plan.unmapped == []
    session.apply(plan)
    merge_pr(repo, VENDOR)
    pulled = session.pull_jobs(objects)
    assert by_id(pulled) == {j.id: j for j in objects}
    assert pulled.errors == [] and repr(pulled).startswith("Pulled(orchestration: 3 object(s)")
    again = session.plan_jobs(objects)
    assert again.is_noop and again.vendor_changes == []
    assert not session.apply(again).created_commit
    # The set's dict is the same jobs.
    assert session.plan_jobs({"jobs": [j.to_dict() for j in objects]}).is_noop


def test_a_customer_edit_and_a_hand_written_selector_arrive_as_jobs(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "orchestration")
    objects = jobs()
    session.apply(session.plan_jobs(objects))
    merge_pr(repo, VENDOR)
    edit_file(repo, "selectors.yml", "Schedule: 0 6 * * * (cron)", "Schedule: 30 5 * * * (cron)")
    file = repo / "selectors.yml"
    file.write_text(
        file.read_text() + "  - name: marketing_backfill\n    definition: \"+tag:marketing\"\n"
    )
    git(repo, "commit", "-qam", "marketing backfill")
    pulled = session.pull_jobs(objects)
    after = by_id(pulled)
    assert after["job-1"] == ix.Job(objects[0].to_dict(), schedule="30 5 * * *")
    assert after["job-2"] == objects[1] and after["job-3"] == objects[2]
    [backfill] = [j for j in after.values() if j.name == "marketing_backfill"]
    assert backfill.select == {"spec": "+tag:marketing"}
    assert {c.change for c in pulled.vendor_changes} == {"created", "updated"}
    # Taking the edits in, nothing is left to write.
    plan = session.plan_jobs(pulled.objects)
    assert plan.is_noop and plan.conflicts == []


def test_a_job_name_dbt_cannot_read_is_refused(repo: Path) -> None:
    session = ix.Session(repo, VENDOR, "orchestration")
    bad = ix.Job(id="job-9", name="nightly marts", select={"spec": "tag:nightly"})
    with pytest.raises(ix.InputError, match="job job-9: a job name is letters"):
        session.plan_jobs([bad])
