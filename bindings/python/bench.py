"""Binding overhead: a one-resource sync on a generated dbt project from Python, next to the
same sync from Rust (interop-sdk/examples/sync_bench.rs).

    python bindings/python/bench.py [--models 3000] [--runs 5]

Needs `interop_sync` installed in this Python (a release build: `pip install ./bindings/python`)
and builds the two Rust benchmark examples in release. The project is generated once by
`read_bench generate` and committed; every run works on a fresh copy of it, so Rust and Python
measure the same thing: a catalog session's one-resource sync with its commit, cold (a fresh
session that reads the project first) and warm (the same session, another resource).
Prints the median of each and Python's time relative to Rust's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import interop_sync as ix

ROOT = Path(__file__).resolve().parents[2]


def annotation(object_id: str, model: str, text: str) -> ix.Desired:
    """The catalog note the Rust benchmark writes."""
    return ix.Desired(object_id, "model", model, {"config": {"meta": {"catalog_note": text}}})


def python_run(repo: Path) -> tuple[float, float]:
    """One cold and one warm sync from Python, in milliseconds."""
    models = [
        r.name
        for r in ix.inspect(repo, rev="HEAD").resources
        if r.kind == "model" and r.enabled and r.version is None
    ][:2]
    vendor = f"bench-py-{os.getpid()}"
    started = time.perf_counter()
    session = ix.Session(repo, vendor, "catalog")
    one = [annotation("a1", models[0], "Benchmarked description one.")]
    plan = session.plan(one)
    assert len(plan.changes) == 1, plan.errors
    assert session.apply(plan).created_commit
    cold = (time.perf_counter() - started) * 1000
    two = [*one, annotation("a2", models[1], "Benchmarked description two.")]
    started = time.perf_counter()
    plan = session.plan(two)
    assert len(plan.changes) == 2, plan.errors
    assert session.apply(plan).created_commit
    warm = (time.perf_counter() - started) * 1000
    return cold, warm


def rust_run(binary: Path, repo: Path) -> tuple[float, float]:
    """One cold and one warm sync from Rust, in milliseconds."""
    out = subprocess.run([str(binary), str(repo)], check=True, capture_output=True, text=True)
    line = json.loads(out.stdout.strip().splitlines()[-1])
    return float(line["one_resource_sync_cold_ms"]), float(line["one_resource_sync_warm_ms"])


def main() -> None:
    """Generates the project, runs both sides alternately, prints the medians."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-build", action="store_true", help="use the examples already built")
    args = parser.parse_args()
    if not args.no_build:
        subprocess.run(
            ["cargo", "build", "--release", "--quiet", "-p", "interop-sync", "--example", "read_bench",
             "-p", "interop-sdk", "--example", "sync_bench"],
            cwd=ROOT,
            check=True,
        )
    examples = ROOT / "target" / "release" / "examples"
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template"
        template.mkdir()
        subprocess.run([str(examples / "read_bench"), "generate", str(template), str(args.models)], check=True,
                       capture_output=True)
        results: dict[str, list[tuple[float, float]]] = {"rust": [], "python": []}
        for i in range(args.runs):
            for side in ("rust", "python"):
                repo = Path(tmp) / f"{side}{i}"
                shutil.copytree(template, repo, symlinks=True)
                if side == "rust":
                    results[side].append(rust_run(examples / "sync_bench", repo))
                else:
                    results[side].append(python_run(repo))
                shutil.rmtree(repo)
    print(f"one-resource sync with its commit, {args.models} models, median of {args.runs} runs (ms):")
    print(f"{'':8} {'cold':>9} {'warm':>9}")
    medians = {}
    for side, runs in results.items():
        cold = statistics.median(r[0] for r in runs)
        warm = statistics.median(r[1] for r in runs)
        medians[side] = (cold, warm)
        print(f"{side:8} {cold:9.1f} {warm:9.1f}")
    (rc, rw), (pc, pw) = medians["rust"], medians["python"]
    print(f"{'py/rust':8} {pc / rc:8.2f}x {pw / rw:8.2f}x")


if __name__ == "__main__":
    main()
