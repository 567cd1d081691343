"""Sessions from threads: syncs of different repos run side by side, one session shared by
threads gives every thread the same answer, and the GIL is released while Rust works."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import interop_sync as ix
from conftest import git, make_repo


def metric(i: int) -> ix.Desired:
    """Metric number `i` of the vendor."""
    return ix.Desired(
        f"bi-{i}",
        "metric",
        f"revenue_per_order_{i}",
        {
            "label": f"Revenue per order {i}",
            "type": "derived",
            "expr": "revenue / nullif(order_count, 0)",
            "input_metrics": [{"name": "revenue"}, {"name": "order_count"}],
        },
    )


def test_syncs_of_many_repos_in_a_thread_pool(tmp_path: Path) -> None:
    repos = [make_repo(tmp_path / f"repo{i}") for i in range(6)]

    def sync(i: int) -> tuple[int, str | None, int]:
        session = ix.Session(repos[i], "acme-bi", "bi")
        record = session.sync([metric(i)])
        return i, record.commit, len(record.changes)

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(sync, range(6)))
    for i, commit, changes in results:
        assert commit is not None and changes == 1
        assert git(repos[i], "rev-parse", "interop/acme-bi").strip() == commit
        shown = git(repos[i], "show", "interop/acme-bi:models/marts/_metrics.yml")
        assert f"name: revenue_per_order_{i}" in shown


def test_one_session_shared_by_threads_gives_each_the_same_answer(repo: Path) -> None:
    session = ix.Session(repo, "acme-bi", "bi")
    desired = [metric(i) for i in range(5)]
    expected = session.plan(desired).to_dict()
    with ThreadPoolExecutor(max_workers=8) as pool:
        plans = list(pool.map(lambda _: session.plan(desired), range(16)))
    assert all(p.to_dict() == expected for p in plans)
    # Applying from several threads at once: exactly one writes, the others find it written.
    with ThreadPoolExecutor(max_workers=4) as pool:
        records = list(pool.map(lambda p: _apply_or_moved(session, p), plans[:4]))
    created = [r for r in records if r == "created"]
    assert len(created) == 1, records
    assert set(records) <= {"created", "moved", "unchanged"}


def _apply_or_moved(session: ix.Session, plan: ix.Plan) -> str:
    try:
        record = session.apply(plan)
    except ix.RepoMovedError:
        return "moved"
    return "created" if record.created_commit else "unchanged"


def test_the_gil_is_released_while_rust_works(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    stop = threading.Event()
    longest_gap = [0.0]

    def watch() -> None:
        # The longest time this thread went without running Python: a call holding the GIL
        # would stall it for the whole call.
        last = time.perf_counter()
        while not stop.is_set():
            now = time.perf_counter()
            longest_gap[0] = max(longest_gap[0], now - last)
            last = now

    watcher = threading.Thread(target=watch)
    watcher.start()
    calls: list[tuple[float, float]] = []
    try:
        for i in range(4):
            # A fresh session reads the whole project (cold): long enough to see a stall.
            longest_gap[0] = 0.0
            started = time.perf_counter()
            session = ix.Session(repo, "acme-bi", "bi")
            session.plan([metric(i)])
            ix.inspect(repo, rev="main")
            calls.append((time.perf_counter() - started, longest_gap[0]))
    finally:
        stop.set()
        watcher.join()
    total = sum(duration for duration, _ in calls)
    assert total > 0.05, calls
    # The watcher ran all along: its longest stall is a small part of each call.
    stalled = [(d, gap) for d, gap in calls if gap > 0.5 * d]
    assert len(stalled) <= 1, calls


def test_the_gil_is_released_while_category_objects_are_mapped(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    stop = threading.Event()
    longest_gap = [0.0]

    def watch() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            now = time.perf_counter()
            longest_gap[0] = max(longest_gap[0], now - last)
            last = now

    typed = [
        ix.Metric(
            id="bi-1",
            name="revenue_per_order",
            type="derived",
            expr="revenue / nullif(order_count, 0)",
            inputs=[{"name": "revenue"}, {"name": "order_count"}],
        )
    ]
    watcher = threading.Thread(target=watch)
    watcher.start()
    calls: list[tuple[float, float]] = []
    try:
        for _ in range(3):
            longest_gap[0] = 0.0
            started = time.perf_counter()
            session = ix.Session(repo, "acme-bi", "bi")
            session.plan_bi(typed)
            session.pull_bi(typed)
            ix.Session(repo, "acme-catalog", "catalog").pull_annotations([])
            calls.append((time.perf_counter() - started, longest_gap[0]))
    finally:
        stop.set()
        watcher.join()
    assert sum(duration for duration, _ in calls) > 0.05, calls
    stalled = [(d, gap) for d, gap in calls if gap > 0.5 * d]
    assert len(stalled) <= 1, calls
